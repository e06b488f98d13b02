"""Webhook endpoints; config.urls adds them to the `api` namespace under /api/v1/."""

from django.urls import path

from integrations import api

urlpatterns = [
    path("webhooks/endpoints/", api.WebhookEndpointListApi.as_view(), name="webhook-endpoint-list"),
    path(
        "webhooks/endpoints/<int:webhook_endpoint_id>/enable/",
        api.WebhookEndpointEnableApi.as_view(),
        name="webhook-endpoint-enable",
    ),
    path("webhooks/deliveries/", api.WebhookDeliveryListApi.as_view(), name="webhook-delivery-list"),
    path(
        "webhooks/deliveries/<int:webhook_delivery_id>/redeliver/",
        api.WebhookRedeliverApi.as_view(),
        name="webhook-delivery-redeliver",
    ),
    path(
        "webhooks/endpoints/<int:webhook_endpoint_id>/",
        api.WebhookEndpointDetailApi.as_view(),
        name="webhook-endpoint-detail",
    ),
    path("push/subscriptions/", api.PushSubscriptionApi.as_view(), name="push-subscriptions"),
]
