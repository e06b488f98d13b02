"""Signed webhooks against a real local HTTP receiver (docs/webhooks.md): the signature verifies with the
documented snippet, a replay is refused by it, redirects are not followed, private addresses are refused."""

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone

from auctions import services as auction_services
from integrations import services
from integrations.egress import EgressRefused
from integrations.models import EventType, WebhookDelivery, WebhookEvent
from tests.accounts.factories import DealerFactory, SellerFactory
from tests.auctions.factories import make_auction as _make_auction

pytestmark = pytest.mark.django_db

DOCS = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"


def make_auction():
    """A live auction; started a moment ago by the database's clock (the process clock may run a hair ahead)."""
    return _make_auction(starts_at=timezone.now() - timedelta(seconds=5))


def documented_verifier():
    """The verification snippet exactly as the docs print it."""
    code = re.search(r"```python\n(.*?)```", DOCS.read_text(), re.S).group(1)
    namespace: dict = {}
    exec(compile(code, str(DOCS), "exec"), namespace)  # noqa: S102  (our own documentation, under test)
    return namespace["gavel_webhook_verify"], namespace["WebhookInvalid"]


def outbid(dealer, other, auction, capture):
    with capture(execute=True):
        auction_services.bid_place(auction_id=auction.pk, dealer=dealer, amount_minor=auction.starting_price_minor)
    with capture(execute=True):
        auction_services.bid_place(
            auction_id=auction.pk, dealer=other, amount_minor=auction.starting_price_minor + 500_00
        )


def test_an_outbid_dealer_system_gets_a_signed_delivery_that_the_documented_snippet_verifies(
    receiver, django_capture_on_commit_callbacks
):
    hook = receiver([200])
    dealer, other = DealerFactory(verified=True), DealerFactory(verified=True)
    endpoint = services.webhook_endpoint_create(owner=dealer, url=hook.url, events=[EventType.AUCTION_OUTBID])
    auction = make_auction()

    outbid(dealer, other, auction, django_capture_on_commit_callbacks)

    [request] = hook.wait_for(1)
    verify, invalid = documented_verifier()
    verify(endpoint.secret, request.headers["Gavel-Signature"], request.body)  # raises if it does not verify
    document = json.loads(request.body)
    assert set(document) == {"id", "type", "time", "data"}
    assert document["type"] == "auction.outbid" == request.headers["Gavel-Event-Type"]
    assert document["id"] == request.headers["Gavel-Event-Id"]
    assert document["data"]["id"] == auction.pk
    assert document["data"]["my_state"] == "outbid"  # the dealer's own view, as the API lists it
    assert document["data"]["role"] == "dealer"
    assert "reserve_minor" not in document["data"]
    delivery = WebhookDelivery.objects.get()
    assert delivery.outcome == "delivered"
    [attempt] = delivery.attempt_log.all()
    assert attempt.response_code == 200 and attempt.succeeded
    with pytest.raises(invalid):
        verify("whsec_someone-else", request.headers["Gavel-Signature"], request.body)
    with pytest.raises(invalid):
        verify(endpoint.secret, request.headers["Gavel-Signature"], request.body.replace(b"outbid", b"won"))


def test_the_documented_snippet_refuses_a_replay_with_an_old_timestamp(receiver, django_capture_on_commit_callbacks):
    hook = receiver([200])
    dealer, other = DealerFactory(verified=True), DealerFactory(verified=True)
    endpoint = services.webhook_endpoint_create(owner=dealer, url=hook.url, events=[EventType.AUCTION_OUTBID])
    outbid(dealer, other, make_auction(), django_capture_on_commit_callbacks)
    [request] = hook.wait_for(1)
    verify, invalid = documented_verifier()
    signed_at = int(dict(p.split("=", 1) for p in request.headers["Gavel-Signature"].split(","))["t"])

    verify(endpoint.secret, request.headers["Gavel-Signature"], request.body, now=signed_at + 299)
    with pytest.raises(invalid, match="too old"):
        verify(endpoint.secret, request.headers["Gavel-Signature"], request.body, now=signed_at + 301)


def test_an_event_nobody_subscribed_to_is_not_recorded(receiver, django_capture_on_commit_callbacks):
    hook = receiver([200])
    dealer, other = DealerFactory(verified=True), DealerFactory(verified=True)
    services.webhook_endpoint_create(owner=dealer, url=hook.url, events=[EventType.AUCTION_WON])
    outbid(dealer, other, make_auction(), django_capture_on_commit_callbacks)
    assert not WebhookEvent.objects.exists()
    assert hook.received == []


def test_the_same_event_key_is_emitted_once(receiver, django_capture_on_commit_callbacks):
    hook = receiver([200])
    dealer = DealerFactory(verified=True)
    services.webhook_endpoint_create(owner=dealer, url=hook.url, events=[EventType.AUCTION_WON])
    auction = make_auction()
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):
            services.webhook_emit(
                user_id=dealer.pk,
                event_type=EventType.AUCTION_WON,
                resource="auction",
                resource_id=auction.pk,
                event_key=f"auction:{auction.pk}:sold",
            )
    assert WebhookEvent.objects.count() == 1
    assert len(hook.wait_for(1)) == 1


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.5/hook",
        "http://192.168.1.20/hook",
        "http://172.16.0.1/hook",
        "http://169.254.169.254/latest",
        "http://[fe80::1]/hook",
        "http://[fd00::1]/hook",
        "http://0.0.0.0/hook",
        "http://[::ffff:10.0.0.1]/hook",
    ],
)
def test_an_endpoint_on_a_private_or_link_local_address_is_refused(url):
    with pytest.raises(EgressRefused):
        services.webhook_endpoint_create(owner=DealerFactory(verified=True), url=url, events=[EventType.AUCTION_OUTBID])


def test_loopback_is_refused_unless_the_setting_lets_the_tests_in(settings):
    settings.GAVEL_WEBHOOK_ALLOW_LOOPBACK = False
    for url in ("http://127.0.0.1:9/hook", "http://localhost:9/hook", "http://[::1]:9/hook"):
        with pytest.raises(EgressRefused, match="private, loopback or link-local"):
            services.webhook_endpoint_create(
                owner=DealerFactory(verified=True), url=url, events=[EventType.AUCTION_OUTBID]
            )


def test_plain_http_is_refused_outside_debug(settings):
    settings.DEBUG = False
    with pytest.raises(EgressRefused, match="https"):
        services.webhook_endpoint_create(
            owner=DealerFactory(verified=True), url="http://127.0.0.1:9/hook", events=[EventType.AUCTION_OUTBID]
        )


def test_a_redirect_is_not_followed(receiver, django_capture_on_commit_callbacks):
    elsewhere = receiver([200])
    hook = receiver([302], redirect_to=elsewhere.url)
    dealer, other = DealerFactory(verified=True), DealerFactory(verified=True)
    services.webhook_endpoint_create(owner=dealer, url=hook.url, events=[EventType.AUCTION_OUTBID])
    outbid(dealer, other, make_auction(), django_capture_on_commit_callbacks)

    assert len(hook.wait_for(1)) == 1
    delivery = WebhookDelivery.objects.get()
    [attempt] = delivery.attempt_log.all()
    assert (attempt.response_code, attempt.succeeded) == (302, False)
    assert delivery.outcome == "pending" and delivery.next_attempt_at is not None  # tried again later
    assert elsewhere.received == []


def test_an_unreachable_receiver_is_a_failed_try_not_an_error(receiver, django_capture_on_commit_callbacks):
    hook = receiver([200])
    dealer, other = DealerFactory(verified=True), DealerFactory(verified=True)
    services.webhook_endpoint_create(
        owner=dealer, url=hook.url.replace(hook.url.split(":")[2].split("/")[0], "9"), events=[EventType.AUCTION_OUTBID]
    )
    outbid(dealer, other, make_auction(), django_capture_on_commit_callbacks)
    [attempt] = WebhookDelivery.objects.get().attempt_log.all()
    assert attempt.response_code is None and attempt.error and not attempt.succeeded


def test_redeliver_sends_the_same_event_id_again(receiver, django_capture_on_commit_callbacks):
    hook = receiver([200])
    dealer, other = DealerFactory(verified=True), DealerFactory(verified=True)
    services.webhook_endpoint_create(owner=dealer, url=hook.url, events=[EventType.AUCTION_OUTBID])
    outbid(dealer, other, make_auction(), django_capture_on_commit_callbacks)
    first = WebhookDelivery.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        again = services.webhook_redeliver(owner=dealer, delivery_id=first.pk)

    requests = hook.wait_for(2)
    assert [r.headers["Gavel-Event-Id"] for r in requests] == [first.event.event_id] * 2
    assert requests[0].body == requests[1].body
    again.refresh_from_db()
    assert again.outcome == "delivered" and again.redelivery_of_id == first.pk
    with pytest.raises(services.DeliveryNotFound):
        services.webhook_redeliver(owner=DealerFactory(verified=True), delivery_id=first.pk)


def test_only_dealers_register_webhooks():
    with pytest.raises(services.PermissionRefused):
        services.webhook_endpoint_create(
            owner=SellerFactory(), url="https://example.com/hook", events=[EventType.AUCTION_OUTBID]
        )


def test_an_endpoint_failing_for_the_whole_window_is_disabled_and_its_owner_told(
    receiver, settings, django_capture_on_commit_callbacks
):
    settings.GAVEL_WEBHOOK_RETRY_WINDOW_SECONDS = 3600
    hook = receiver([500])
    dealer, other = DealerFactory(verified=True), DealerFactory(verified=True)
    endpoint = services.webhook_endpoint_create(owner=dealer, url=hook.url, events=[EventType.AUCTION_OUTBID])
    outbid(dealer, other, make_auction(), django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    assert delivery.outcome == "pending"
    # An hour of failures later (the clock moved by editing when it started failing and when the try is due):
    endpoint.refresh_from_db()
    type(endpoint).objects.filter(pk=endpoint.pk).update(failing_since=endpoint.failing_since.replace(year=2000))
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=delivery.created_at.replace(year=2000))

    with django_capture_on_commit_callbacks(execute=True):
        assert services.webhook_delivery_attempt(delivery_id=delivery.pk) is None

    endpoint.refresh_from_db()
    delivery.refresh_from_db()
    assert not endpoint.is_enabled and delivery.outcome == "abandoned"
    assert dealer.notifications.filter(kind="webhook_endpoint_disabled").count() == 1
    assert any(endpoint.url in message.body for message in mail.outbox)
    with pytest.raises(services.ApplicationError, match="back on"):
        services.webhook_redeliver(owner=dealer, delivery_id=delivery.pk)
    services.webhook_endpoint_enable(owner=dealer, endpoint_id=endpoint.pk)
    endpoint.refresh_from_db()
    assert endpoint.is_enabled and endpoint.failing_since is None


def test_the_retry_schedule_doubles_and_spans_the_window_exactly(settings):
    settings.GAVEL_WEBHOOK_RETRY_BASE_SECONDS = 30
    settings.GAVEL_WEBHOOK_RETRY_WINDOW_SECONDS = 24 * 3600
    delays = services.webhook_retry_delays()
    assert delays[:4] == [30, 60, 120, 240]
    assert all(later == 2 * earlier for earlier, later in zip(delays[:-2], delays[1:-1], strict=True))
    assert sum(delays) == 24 * 3600
