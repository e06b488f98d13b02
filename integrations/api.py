"""Webhook endpoints and their delivery log (docs/webhooks.md), for dealers; under /api/v1/webhooks/."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.capabilities import WEBHOOKS
from accounts.http import AuthenticatedRequest
from integrations import selectors, services
from integrations.models import EventType


class WebhookEndpointOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.URLField()
    events = serializers.ListField(child=serializers.ChoiceField(choices=EventType.choices))
    description = serializers.CharField()
    created_at = serializers.DateTimeField()
    enabled = serializers.BooleanField(source="is_enabled")
    disabled_at = serializers.DateTimeField(allow_null=True)
    disabled_reason = serializers.CharField()
    failing_since = serializers.DateTimeField(allow_null=True)


class WebhookEndpointCreatedOutputSerializer(WebhookEndpointOutputSerializer):
    secret = serializers.CharField(help_text=_("Signs every delivery. Shown once, now: store it."))


class WebhookEndpointInputSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=500, help_text=_("https:// (http:// only on a DEBUG server)."))
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.choices), min_length=1, max_length=len(EventType.values)
    )
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class WebhookAttemptOutputSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    at = serializers.DateTimeField()
    succeeded = serializers.BooleanField()
    response_code = serializers.IntegerField(allow_null=True)
    duration_ms = serializers.IntegerField()
    error = serializers.CharField()


class WebhookDeliveryOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    endpoint_id = serializers.IntegerField()
    event_id = serializers.CharField(source="event.event_id")
    event_type = serializers.CharField(source="event.type")
    outcome = serializers.ChoiceField(choices=[(v, v) for v in ("pending", "delivered", "abandoned")])
    attempts = WebhookAttemptOutputSerializer(source="attempt_log", many=True)
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    redelivery_of = serializers.IntegerField(source="redelivery_of_id", allow_null=True)
    created_at = serializers.DateTimeField()


# Every method of the webhook endpoints needs the "webhooks" capability: an organisation's owners, or a key with
# that scope (accounts.capabilities).
_WEBHOOKS_ALL = {"GET": WEBHOOKS, "POST": WEBHOOKS, "DELETE": WEBHOOKS}


class WebhookDeliveryPageOutputSerializer(serializers.Serializer):
    """One page of the delivery log, newest first (PageNumberPagination: ?page=N)."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = WebhookDeliveryOutputSerializer(many=True)


class WebhookEndpointListApi(APIView):
    permission_classes = [IsAuthenticated]
    organisation_capabilities = _WEBHOOKS_ALL
    request: AuthenticatedRequest

    @extend_schema(responses={200: WebhookEndpointOutputSerializer(many=True)})
    def get(self, request):
        endpoints = selectors.webhook_endpoint_list(owner=services.webhook_owner_for(request.user))
        return Response(WebhookEndpointOutputSerializer(endpoints, many=True).data)

    @extend_schema(request=WebhookEndpointInputSerializer, responses={201: WebhookEndpointCreatedOutputSerializer})
    def post(self, request):
        owner = services.webhook_owner_for(request.user)
        given = WebhookEndpointInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        endpoint = services.webhook_endpoint_create(owner=owner, **given.validated_data)
        return Response(WebhookEndpointCreatedOutputSerializer(endpoint).data, status=status.HTTP_201_CREATED)


class WebhookEndpointDetailApi(APIView):
    permission_classes = [IsAuthenticated]
    organisation_capabilities = _WEBHOOKS_ALL
    request: AuthenticatedRequest

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, webhook_endpoint_id: int):
        services.webhook_endpoint_delete(owner=services.webhook_owner_for(request.user),
                                         endpoint_id=webhook_endpoint_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookEndpointEnableApi(APIView):
    permission_classes = [IsAuthenticated]
    organisation_capabilities = _WEBHOOKS_ALL
    request: AuthenticatedRequest

    @extend_schema(request=None, responses={200: WebhookEndpointOutputSerializer})
    def post(self, request, webhook_endpoint_id: int):
        endpoint = services.webhook_endpoint_enable(owner=services.webhook_owner_for(request.user),
                                                    endpoint_id=webhook_endpoint_id)
        return Response(WebhookEndpointOutputSerializer(endpoint).data)


class WebhookDeliveryListApi(APIView):
    permission_classes = [IsAuthenticated]
    organisation_capabilities = _WEBHOOKS_ALL
    request: AuthenticatedRequest

    @extend_schema(responses={200: WebhookDeliveryPageOutputSerializer})
    def get(self, request):
        owner = services.webhook_owner_for(request.user)
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(selectors.webhook_delivery_list(owner=owner), request, view=self)
        return paginator.get_paginated_response(WebhookDeliveryOutputSerializer(page, many=True).data)


class WebhookRedeliverApi(APIView):
    permission_classes = [IsAuthenticated]
    organisation_capabilities = _WEBHOOKS_ALL
    request: AuthenticatedRequest

    @extend_schema(request=None, responses={202: WebhookDeliveryOutputSerializer})
    def post(self, request, webhook_delivery_id: int):
        owner = services.webhook_owner_for(request.user)
        delivery = services.webhook_redeliver(owner=owner, delivery_id=webhook_delivery_id)
        delivery = selectors.webhook_delivery_list(owner=owner).get(pk=delivery.pk)
        return Response(WebhookDeliveryOutputSerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


class PushKeysInputSerializer(serializers.Serializer):
    p256dh = serializers.CharField(max_length=200)
    auth = serializers.CharField(max_length=100)


class PushSubscriptionInputSerializer(serializers.Serializer):
    """What the browser's PushSubscription.toJSON() gives."""

    endpoint = serializers.CharField(max_length=1000)
    keys = PushKeysInputSerializer()


class PushUnsubscribeInputSerializer(serializers.Serializer):
    endpoint = serializers.CharField(max_length=1000)


class PushSubscriptionApi(APIView):
    """Web push for the signed-in user on this browser (any role): the notifications they keep on for push."""

    permission_classes = [IsAuthenticated]
    request: AuthenticatedRequest

    @extend_schema(request=PushSubscriptionInputSerializer, responses={201: None})
    def post(self, request):
        given = PushSubscriptionInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        services.push_subscription_save(
            user=request.user, endpoint=given.validated_data["endpoint"], **given.validated_data["keys"]
        )
        return Response(status=status.HTTP_201_CREATED)

    @extend_schema(request=PushUnsubscribeInputSerializer, responses={204: None})
    def delete(self, request):
        given = PushUnsubscribeInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        services.push_subscription_delete(user=request.user, endpoint=given.validated_data["endpoint"])
        return Response(status=status.HTTP_204_NO_CONTENT)
