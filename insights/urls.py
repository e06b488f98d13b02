from django.urls import path

from insights import views

app_name = "insights"

urlpatterns = [
    path("methods/", views.MethodsView.as_view(), name="methods"),
    path("market/", views.MarketView.as_view(), name="market"),
    path("insights/inspectors/", views.InspectorRecordsView.as_view(), name="inspectors"),
]
