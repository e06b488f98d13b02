"""Web push through a real local HTTP receiver standing in for the push service: the browser's subscription is
stored through the API, a notification is encrypted for that subscription's keys (the receiver decrypts it as a
browser would) and sent with a VAPID signature; a subscription the push service calls gone is removed."""

import base64
import json

import http_ece
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.urls import reverse
from rest_framework.test import APIClient

from core.models import PushSubscription
from core.notifications import notification_preferences_set, notify
from tests.accounts.factories import DealerFactory

pytestmark = pytest.mark.django_db


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def point(key) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)


@pytest.fixture
def vapid(settings):
    key = ec.generate_private_key(ec.SECP256R1())
    settings.GAVEL_VAPID_PRIVATE_KEY = b64url(key.private_numbers().private_value.to_bytes(32, "big"))
    settings.GAVEL_VAPID_PUBLIC_KEY = b64url(point(key))
    return key


def subscribe(user, endpoint):
    """What a browser does: its own key pair and auth secret, handed to the API with the push service's URL."""
    browser_key, auth = ec.generate_private_key(ec.SECP256R1()), b"0123456789abcdef"
    client = APIClient()
    client.force_authenticate(user)
    response = client.post(
        reverse("api:push-subscriptions"),
        {"endpoint": endpoint, "keys": {"p256dh": b64url(point(browser_key)), "auth": b64url(auth)}},
        format="json",
    )
    return response, browser_key, auth


def test_a_notification_is_pushed_encrypted_for_the_subscription_and_vapid_signed(
    vapid, receiver, django_capture_on_commit_callbacks
):
    push_service = receiver([201])
    dealer = DealerFactory(verified=True)
    response, browser_key, auth = subscribe(dealer, push_service.url)
    assert response.status_code == 201, response.content

    with django_capture_on_commit_callbacks(execute=True):
        notify(
            user=dealer, kind="outbid", title="You have been outbid on the Golf", url="/auctions/1/", event_key="push-1"
        )

    [request] = push_service.wait_for(1)
    assert request.headers["Content-Encoding"] == "aes128gcm"
    assert request.headers["Authorization"].startswith("vapid t=")
    assert f"k={b64url(point(vapid))}" in request.headers["Authorization"]
    message = json.loads(http_ece.decrypt(request.body, private_key=browser_key, auth_secret=auth, version="aes128gcm"))
    assert message["title"] == "You have been outbid on the Golf" and message["url"] == "/auctions/1/"


def test_push_follows_the_preference_and_a_gone_subscription_is_removed(
    vapid, receiver, django_capture_on_commit_callbacks
):
    push_service = receiver([410])
    dealer = DealerFactory(verified=True)
    subscribe(dealer, push_service.url)
    notification_preferences_set(user=dealer, choices={"outbid": {"in_app": True, "email": True, "push": False}})
    with django_capture_on_commit_callbacks(execute=True):
        notify(user=dealer, kind="outbid", title="Outbid", event_key="a")
    assert push_service.received == []

    with django_capture_on_commit_callbacks(execute=True):
        notify(user=dealer, kind="auction_won", title="Won", event_key="b")
    assert len(push_service.wait_for(1)) == 1
    assert not PushSubscription.objects.filter(user=dealer).exists()  # 410: the browser is gone


def test_a_push_endpoint_on_a_private_address_is_refused(vapid, settings):
    settings.GAVEL_WEBHOOK_ALLOW_LOOPBACK = False
    response, _, _ = subscribe(DealerFactory(verified=True), "http://127.0.0.1:9/push")
    assert response.status_code == 400
    assert "endpoint" in response.json().get("fields", {}) or response.json()["code"] == "webhook_url_refused"


def test_the_service_worker_and_manifest_are_served_from_our_own_origin(client):
    worker = client.get("/sw.js")
    assert worker.status_code == 200 and worker["Content-Type"].startswith("application/javascript")
    assert "showNotification" in worker.content.decode()
    page = client.get(reverse("home")).content.decode()
    assert 'rel="manifest"' in page
