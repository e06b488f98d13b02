"""Saved searches: a new auction is announced to each search it matches, once when scheduled and again when live,
matched in one query over every saved search; the daily digest; the API and the pages."""

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Membership
from auctions import services
from auctions.models import Auction, SavedSearch, SavedSearchMatch
from auctions.selectors import saved_search_auction_get, saved_search_list_matching
from core.exceptions import ApplicationError
from core.models import Notification
from integrations.models import EventType, WebhookEvent
from integrations.services import webhook_endpoint_create
from tests.accounts.factories import DealerFactory, SellerFactory, member_of
from tests.auctions.factories import ApprovedListingFactory, make_auction

pytestmark = pytest.mark.django_db


def save(dealer, name="Golfs", **criteria):
    alerts = {k: criteria.pop(k) for k in ("alert_in_app", "alert_email", "alert_webhook") if k in criteria}
    return services.saved_search_create(dealer=dealer, name=name, criteria=criteria, **alerts)


def schedule(capture, *, starts_in=timedelta(hours=2), **listing):
    with capture(execute=True):
        return make_auction(starts_at=timezone.now() + starts_in, **listing)


def test_a_matching_auction_is_announced_when_scheduled_and_again_when_live_once_each(
    django_capture_on_commit_callbacks,
):
    dealer = DealerFactory(verified=True)
    search = save(dealer, make="volkswagen", model="golf", year_max=2030)
    auction = schedule(django_capture_on_commit_callbacks, make="Volkswagen", model="Golf GTI")

    [told] = Notification.objects.filter(user=dealer, kind="saved_search_match")
    assert told.title.startswith("New for “Golfs”") and told.url == reverse("auctions:detail", args=[auction.pk])

    Auction.objects.filter(pk=auction.pk).update(starts_at=timezone.now() - timedelta(seconds=5))
    with django_capture_on_commit_callbacks(execute=True):
        services.auction_start(auction=auction)
        services.auction_start(auction=auction)  # twice: told once
    with django_capture_on_commit_callbacks(execute=True):
        services.saved_searches_announce(auction_id=auction.pk, stage="live")  # a redelivered task: told once

    titles = list(Notification.objects.filter(user=dealer, kind="saved_search_match").values_list("title", flat=True))
    assert len(titles) == 2 and titles[0].startswith("Live now for “Golfs”")
    assert set(SavedSearchMatch.objects.filter(search=search).values_list("stage", flat=True)) == {"scheduled", "live"}


def test_an_auction_scheduled_to_start_now_is_announced_both_ways(django_capture_on_commit_callbacks):
    dealer = DealerFactory(verified=True)
    save(dealer)
    schedule(django_capture_on_commit_callbacks, starts_in=timedelta(seconds=-5))
    assert Notification.objects.filter(user=dealer, kind="saved_search_match").count() == 2


@pytest.mark.parametrize(
    ("criteria", "matches"),
    [
        ({}, True),
        ({"make": "BMW"}, False),
        ({"model": "olf"}, True),
        ({"model": "Polo"}, False),
        ({"year_min": 2015, "year_max": 2015}, True),
        ({"year_min": 2016}, False),
        ({"mileage_max": 80_000}, True),
        ({"mileage_max": 79_999}, False),
        ({"price_min": 10_000_00, "price_max": 10_000_00}, True),
        ({"price_max": 9_999_99}, False),
        ({"location": "berlin"}, True),
        ({"location": "101"}, True),
        ({"location": "Munich"}, False),
        # Several regions (what stands in for a radius: listings have no coordinates): any of them matches.
        ({"location": "Potsdam, Berlin"}, True),
        ({"location": "Munich, 1"}, True),
        ({"location": "Munich,14, 102"}, False),
        ({"location": " , 10115 ,"}, True),
        ({"location": "berlin-mitte"}, False),
        ({"grade": "B"}, False),
    ],
)
def test_each_criterion_matches_as_the_dashboard_filter_does(criteria, matches):
    dealer = DealerFactory(verified=True)
    search = save(dealer, **criteria)
    listing = ApprovedListingFactory(
        make="Volkswagen",
        model="Golf",
        first_registration_year=2015,
        mileage_km=80_000,
        city="Berlin",
        postcode="10115",
    )
    auction = make_auction(
        listing=listing, starting_price_minor=10_000_00, starts_at=timezone.now() + timedelta(hours=1)
    )
    found = saved_search_list_matching(auction=saved_search_auction_get(auction.pk), price_minor=10_000_00)
    assert (search in found) is matches


def test_a_location_names_at_most_ten_regions_and_is_kept_tidy():
    dealer = DealerFactory(verified=True)
    with pytest.raises(ApplicationError) as too_many:
        save(dealer, location=",".join(str(n) for n in range(11)))
    assert "location" in too_many.value.fields
    search = save(dealer, location=" Berlin ,, 14,berlin ")
    assert (search.location, search.places) == ("Berlin, 14, berlin", ",berlin,14,")


def test_the_dashboard_filters_by_several_regions_as_a_saved_search_does(client_for):
    dealer = DealerFactory(verified=True)
    berlin = make_auction(listing=ApprovedListingFactory(city="Berlin", postcode="10115"))
    potsdam = make_auction(listing=ApprovedListingFactory(city="Potsdam", postcode="14467"))
    munich = make_auction(listing=ApprovedListingFactory(city="Munich", postcode="80331"))
    response = client_for(dealer).get(reverse("api:auction-list"), {"location": "berlin, 14"})
    assert response.status_code == 200
    shown = {row["id"] for row in response.json()["results"]}
    assert berlin.pk in shown and potsdam.pk in shown and munich.pk not in shown


def test_matching_is_one_query_however_many_searches_there_are():
    dealers = [DealerFactory(verified=True) for _ in range(3)]
    auction = saved_search_auction_get(make_auction(starts_at=timezone.now() + timedelta(hours=1)).pk)
    SavedSearch.objects.bulk_create(
        [SavedSearch(dealer=dealers[n % 3], name=f"s{n}", make="Volkswagen" if n % 2 else "BMW",
                     location="Berlin, 1" if n % 3 else "Munich, 80", places=",berlin,1," if n % 3 else ",munich,80,")
         for n in range(300)]
    )
    with CaptureQueriesContext(connection) as queries:
        found = list(saved_search_list_matching(auction=auction, price_minor=auction.starting_price_minor))
    assert len(queries.captured_queries) == 1
    assert len(found) == len([n for n in range(300) if n % 2 and n % 3])


def test_announcing_costs_a_fixed_number_of_queries_plus_the_notifications(django_capture_on_commit_callbacks):
    """auction, matching, recording, the dealers; then each match's notification (its own few queries)."""
    auction = make_auction(starts_at=timezone.now() + timedelta(hours=1))
    DealerFactory.create_batch(2, verified=True)
    with CaptureQueriesContext(connection) as none:
        services.saved_searches_announce(auction_id=auction.pk, stage="scheduled")
    dealer = DealerFactory(verified=True)
    SavedSearch.objects.bulk_create([SavedSearch(dealer=dealer, name=f"s{n}", make="BMW") for n in range(500)])
    with CaptureQueriesContext(connection) as unmatched:
        assert services.saved_searches_announce(auction_id=auction.pk, stage="scheduled") == 0
    assert len(unmatched.captured_queries) == len(none.captured_queries)


def test_webhook_alerts_emit_saved_search_matched(django_capture_on_commit_callbacks, settings, receiver):
    settings.GAVEL_WEBHOOK_ALLOW_LOOPBACK = True
    hook = receiver([200])
    dealer = DealerFactory(verified=True)
    webhook_endpoint_create(owner=dealer, url=hook.url, events=[EventType.SAVED_SEARCH_MATCHED])
    save(dealer, alert_in_app=False, alert_webhook=True)
    auction = schedule(django_capture_on_commit_callbacks)

    [request] = hook.wait_for(1)
    document = json.loads(request.body)
    assert document["type"] == "saved_search.matched" and document["data"]["id"] == auction.pk
    assert WebhookEvent.objects.count() == 1
    assert not Notification.objects.filter(user=dealer, kind="saved_search_match").exists()


def test_a_members_search_alerts_the_organisations_webhook_endpoints(django_capture_on_commit_callbacks, settings,
                                                                     receiver):
    settings.GAVEL_WEBHOOK_ALLOW_LOOPBACK = True
    hook = receiver([200])
    dealer = DealerFactory(verified=True)
    buyer = member_of(dealer, Membership.Role.BUYER)
    webhook_endpoint_create(owner=dealer, url=hook.url, events=[EventType.SAVED_SEARCH_MATCHED])
    save(buyer, alert_webhook=True)
    auction = schedule(django_capture_on_commit_callbacks)

    [request] = hook.wait_for(1)
    assert json.loads(request.body)["data"]["id"] == auction.pk
    [event] = WebhookEvent.objects.all()
    assert event.owner_id == dealer.pk
    # The in-app alert is the buyer's own: they saved the search.
    assert Notification.objects.filter(user=buyer, kind="saved_search_match").count() == 1
    assert not Notification.objects.filter(user=dealer, kind="saved_search_match").exists()


def test_instant_email_and_the_daily_digest(django_capture_on_commit_callbacks):
    instant, daily = DealerFactory(verified=True), DealerFactory(verified=True)
    save(instant, alert_email="instant")
    save(daily, name="Daily golfs", alert_in_app=False, alert_email="daily")
    schedule(django_capture_on_commit_callbacks)
    schedule(django_capture_on_commit_callbacks)

    assert [m.to for m in mail.outbox] == [[instant.email], [instant.email]]
    assert services.saved_search_digests_send() == 1
    digest = mail.outbox[-1]
    assert digest.to == [daily.email] and "2 new" in digest.subject and digest.body.count("Daily golfs") == 2
    assert services.saved_search_digests_send() == 0  # sent once


def test_bad_criteria_are_refused_with_field_messages():
    with pytest.raises(ApplicationError) as refused:
        save(DealerFactory(verified=True), year_min=2020, year_max=2010, price_min=-1)
    assert set(refused.value.fields) == {"year_max", "price_min"}
    with pytest.raises(ApplicationError):
        save(DealerFactory(verified=True), alert_in_app=False)


def test_the_api_saves_lists_and_removes_a_dealers_searches():
    dealer, other = DealerFactory(verified=True), DealerFactory(verified=True)
    client = APIClient()
    client.force_authenticate(dealer)
    created = client.post(
        reverse("api:saved-search-list"),
        {"name": "Cheap Golfs", "make": "Volkswagen", "price_max_minor": 8_000_00, "alert_email": "daily"},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["price_max_minor"] == 8_000_00 and created.json()["alert_email"] == "daily"
    assert (
        client.post(reverse("api:saved-search-list"), {"name": "x", "year_min": "soon"}, format="json").status_code
        == 400
    )
    assert [s["name"] for s in client.get(reverse("api:saved-search-list")).json()] == ["Cheap Golfs"]
    other_client = APIClient()
    other_client.force_authenticate(other)
    url = reverse("api:saved-search-detail", args=[created.json()["id"]])
    assert other_client.delete(url).status_code == 404
    assert client.delete(url).status_code == 204
    seller = APIClient()
    seller.force_authenticate(SellerFactory())
    assert seller.get(reverse("api:saved-search-list")).status_code == 403


def test_the_dashboard_saves_its_current_filter(client):
    dealer = DealerFactory(verified=True)
    client.force_login(dealer)
    page = client.get(reverse("auctions:dashboard"), {"make": "BMW", "price_max": "20000"}).content.decode()
    assert "data-save-search" in page and 'name="make" value="BMW"' in page
    response = client.post(
        reverse("auctions:saved_searches"),
        {"make": "BMW", "price_max": "20000", "name": "BMWs", "alert_in_app": "1", "alert_email": "off"},
    )
    assert response.status_code == 302
    search = SavedSearch.objects.get(dealer=dealer)
    assert (search.make, search.price_max, search.alert_in_app) == ("BMW", 20_000_00, True)
    assert "BMWs" in client.get(reverse("auctions:saved_searches")).content.decode()


def test_the_bell_counts_unread_notifications_and_the_page_marks_them_read(client):
    dealer = DealerFactory(verified=True)
    for n in range(3):
        Notification.objects.create(user=dealer, kind="test", title=f"Told {n}", url="/auctions/")
    client.force_login(dealer)
    page = client.get(reverse("notifications")).content.decode()
    assert "data-unread-count>3<" in page and "Told 2" in page
    first = Notification.objects.filter(user=dealer).order_by("id").first()
    assert client.post(reverse("notifications_read"), {"id": first.pk})["Location"] == "/auctions/"
    assert "data-unread-count>2<" in client.get(reverse("notifications")).content.decode()
    client.post(reverse("notifications_read"))
    assert not Notification.objects.filter(user=dealer, read_at__isnull=True).exists()


def test_preferences_turn_the_email_or_the_in_app_alert_of_a_kind_off(client, django_capture_on_commit_callbacks):
    from core.notifications import notify

    dealer = DealerFactory(verified=True)
    client.force_login(dealer)
    assert "Someone outbid you" in client.get(reverse("notifications_preferences")).content.decode()
    client.post(reverse("notifications_preferences"), {"outbid:in_app": "1", "saved_search_match:email": "1"})

    with django_capture_on_commit_callbacks(execute=True):
        notify(user=dealer, kind="outbid", title="Outbid", event_key="a")
        notify(user=dealer, kind="saved_search_match", title="New car", event_key="b")
        notify(user=dealer, kind="sale_invoice", title="Invoice", event_key="c")  # both ways off: kept, read

    assert [m.subject for m in mail.outbox] == ["New car"]
    unread = set(Notification.objects.filter(user=dealer, read_at__isnull=True).values_list("title", flat=True))
    assert unread == {"Outbid"}
    assert Notification.objects.filter(user=dealer).count() == 3  # each told once, and on record
    assert notify(user=dealer, kind="saved_search_match", title="New car", event_key="b") is None
