from django.urls import path

from transparency import views

app_name = "transparency"

urlpatterns = [
    path("log/", views.TransparencyLogView.as_view(), name="log"),
    path("log/heads.json", views.HeadsJsonView.as_view(), name="heads_json"),
]
