from django.urls import path

from privacy import views

app_name = "privacy"

urlpatterns = [
    path("", views.PersonalDataView.as_view(), name="overview"),
    path("export.json", views.PersonalDataExportView.as_view(), name="export"),
    path("close/", views.AccountCloseView.as_view(), name="close"),
]
