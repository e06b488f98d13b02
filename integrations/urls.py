from django.urls import path

from integrations import views

app_name = "integrations"

urlpatterns = [
    path("webhooks/", views.WebhooksView.as_view(), name="webhooks"),
    path("webhooks/<int:endpoint_id>/enable/", views.WebhookEnableView.as_view(), name="webhook_enable"),
    path(
        "webhooks/deliveries/<int:delivery_id>/redeliver/",
        views.WebhookRedeliverView.as_view(),
        name="webhook_redeliver",
    ),
    path("webhooks/<int:endpoint_id>/delete/", views.WebhookDeleteView.as_view(), name="webhook_delete"),
]
