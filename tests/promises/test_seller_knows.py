"""Promise 7: the seller always knows where the car stands.

One status text per situation of the car (its listing, inspection, auction, sale and payout), written in one place
and read the same on "My cars", the seller's dashboard, the car's page, its sale page and the API. The inspection
appointment (date, time, place, inspector's first name) is on the car's page and reaches the seller by notification
and email when it is booked or changes. The sale page follows the sale live, like the auction page.
"""

from contextlib import nullcontext
from datetime import timedelta
from html import unescape

import pytest
from django.conf import settings
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from auctions import services as auction_services
from core.clock import db_now
from core.models import Notification
from inspections import services as inspection_services
from inspections.models import Inspection
from marketplace.models import Listing
from payments import services as payment_services
from payments.models import Sale
from payments.selectors import seller_car_status
from tests.accounts.factories import DealerFactory, InspectorFactory, SellerFactory, StaffFactory
from tests.auctions.conftest import move_end
from tests.auctions.factories import make_auction
from tests.inspections.factories import submitted_listing
from tests.live.conftest import asgi_server, frames, session_cookie  # noqa: F401  (asgi_server is a fixture)
from tests.marketplace.factories import ListingFactory
from tests.payments.factories import SaleMaker, hand_over, pay_by_card, set_sale_times

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _quiet_mail_and_eager_tasks(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from config.celery import app

    before = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, False
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = before


@pytest.fixture
def make_sale(django_capture_on_commit_callbacks):
    return SaleMaker(django_capture_on_commit_callbacks)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def everywhere(listing: Listing) -> dict[str, str]:
    """What the seller reads about the car on each page and in the API, by place."""
    client = logged_in(listing.seller)
    pages = {"my cars": reverse("marketplace:list"), "dashboard": reverse("accounts:dashboard"),
             "car page": reverse("marketplace:detail", args=[listing.pk])}
    read = {}
    for place, path in pages.items():
        response = client.get(path)
        assert response.status_code == 200
        html = response.content.decode()
        marker = f'data-seller-status="{listing.pk}"'
        assert marker in html, f"{place} shows no status for the car"
        start = html.index(">", html.index(marker)) + 1
        read[place] = unescape(" ".join(html[start:html.index("</p>", start)].split()))
    api = client.get(reverse("api:listing-detail", args=[listing.pk]), HTTP_ACCEPT="application/json")
    read["API next_step"] = api.json()["next_step"]
    sale = Sale.objects.filter(listing=listing).order_by("-created_at", "-id").first()
    if sale is not None:
        html = client.get(reverse("payments:detail", args=[sale.pk])).content.decode()
        marker = f'data-seller-status="{listing.pk}"'
        start = html.index(">", html.index(marker)) + 1
        read["sale page"] = unescape(" ".join(html[start:html.index("</p>", start)].split()))
    return read


def one_text(listing: Listing) -> str:
    read = everywhere(listing)
    texts = set(read.values())
    assert len(texts) == 1, f"different texts for one situation: {read}"
    text = texts.pop()
    listing.refresh_from_db()
    assert text == seller_car_status(listing=listing).text
    return text


# --- the texts that were wrong ----------------------------------------------------------------------------------


def test_while_the_auction_waits_for_the_sellers_decision_my_cars_asks_for_it_not_in_auction_now(
        django_capture_on_commit_callbacks):
    auction = make_auction(starting_price_minor=9_000_00, reserve_minor=12_000_00)
    auction_services.bid_place(auction_id=auction.pk, dealer=DealerFactory(verified=True), amount_minor=9_500_00)
    move_end(auction, seconds_from_now=-1)
    with django_capture_on_commit_callbacks(execute=True):
        payment_services.auction_close_and_settle(auction_id=auction.pk)
    listing = auction.listing
    listing.refresh_from_db()
    assert listing.status == Listing.Status.IN_AUCTION  # the listing itself does not move until the decision

    text = one_text(listing)
    assert "In auction now" not in text
    assert "€9,500" in text and "below your reserve" in text and "Accept or decline" in text
    deadline = timezone.localtime(Listing.objects.get(pk=listing.pk).auctions.get().decision_deadline)
    assert f"{deadline:%H:%M}" in text
    page = logged_in(listing.seller).get(reverse("marketplace:list")).content.decode()
    assert reverse("auctions:detail", args=[auction.pk]) in page and "Decide on the top bid" in page


def test_before_the_dealer_pays_the_seller_reads_awaiting_payment_then_each_step_to_the_payout(
        make_sale, django_capture_on_commit_callbacks):
    sale = make_sale(hammer_minor=12_500_00)
    listing = sale.listing

    text = one_text(listing)
    assert "payout pending" not in text.lower()
    assert "Sold for €12,500" in text and "Waiting for the dealer's payment" in text
    deadline = timezone.localtime(sale.payment_deadline)
    assert f"{deadline.day} {deadline:%b}" in text

    pay_by_card(sale, capture=django_capture_on_commit_callbacks)
    text = one_text(listing)
    assert "in escrow" in text and "confirm the handover" in text.lower()

    with django_capture_on_commit_callbacks(execute=True):
        payment_services.handover_confirm(sale=sale, actor=sale.seller)
    text = one_text(listing)
    assert "You confirmed the handover" in text and "waiting for the dealer" in text.lower()

    hand_over(sale, django_capture_on_commit_callbacks)
    sale.refresh_from_db()
    assert sale.status == Sale.Status.PAID_OUT
    text = one_text(listing)
    assert text.startswith("Paid out:") and "€12,500" in text and sale.payout_reference in text


def test_an_overdue_payment_a_second_chance_and_a_sale_that_falls_through_are_each_told(
        make_sale, django_capture_on_commit_callbacks):
    runner_up = DealerFactory(verified=True)
    sale = make_sale(hammer_minor=12_500_00, others=[(runner_up, 12_400_00)])
    set_sale_times(sale, payment_deadline=db_now() - timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        payment_services.sales_mark_overdue()
    assert "has not paid" in one_text(sale.listing)

    with django_capture_on_commit_callbacks(execute=True):
        offer = payment_services.sale_cancel_and_offer_second_chance(sale=sale, actor=StaffFactory(),
                                                                    reason="No payment.")
    text = one_text(sale.listing)
    assert "next-highest bidder" in text and "€12,400" in text

    with django_capture_on_commit_callbacks(execute=True):
        payment_services.second_chance_decline(offer=offer, dealer=runner_up)
    text = one_text(sale.listing)
    assert "no other bidder took the car" in text and "yours again" in text


def test_an_overdue_payment_with_nobody_left_to_ask_does_not_promise_a_second_chance(
        make_sale, django_capture_on_commit_callbacks):
    sale = make_sale(hammer_minor=12_500_00)  # the only bidder
    set_sale_times(sale, payment_deadline=db_now() - timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        payment_services.sales_mark_overdue()
    text = one_text(sale.listing)
    assert "has not paid" in text and "the car is yours again" in text and "next-highest" not in text
    told = Notification.objects.get(user=sale.seller, kind="sale_overdue")
    assert "the car is yours again" in told.body and "next-highest" not in told.body


@pytest.mark.parametrize(("status", "expected"), [
    (Listing.Status.SUBMITTED, "Waiting for an inspector."),
    (Listing.Status.INSPECTED, "Inspected: our team is reviewing the report before the auction."),
    (Listing.Status.APPROVED, "Approved: we schedule its auction and tell you the date."),
    (Listing.Status.WITHDRAWN, "Withdrawn by you."),
])
def test_the_early_states_read_the_same_everywhere(status, expected):
    listing = ListingFactory(status=status)
    assert one_text(listing) == expected


def test_a_scheduled_and_a_live_auction_say_when_and_how_it_goes(django_capture_on_commit_callbacks):
    later = make_auction(starts_at=timezone.now() + timedelta(days=2), starting_price_minor=9_000_00)
    starts = timezone.localtime(later.starts_at)
    assert f"starts {starts:%a} {starts.day} {starts:%b}, {starts:%H:%M}" in one_text(later.listing)

    live = make_auction(starting_price_minor=9_000_00, reserve_minor=10_000_00)
    assert "no bids yet" in one_text(live.listing)
    auction_services.bid_place(auction_id=live.pk, dealer=DealerFactory(verified=True), amount_minor=9_100_00)
    text = one_text(live.listing)
    assert "1 bid" in text and "€9,100" in text and "below your reserve" in text


# --- the appointment -------------------------------------------------------------------------------------------


def test_the_appointment_is_on_the_car_page_and_sent_when_booked_changed_or_given_to_another_inspector(
        django_capture_on_commit_callbacks):
    listing = submitted_listing()
    inspection = Inspection.objects.get(listing=listing)
    ingrid = InspectorFactory(full_name="Ingrid Weber")
    staff_client = logged_in(StaffFactory())
    staff_client.post(reverse("admin:inspections_inspection_changelist"), {
        "action": "assign_inspector", ACTION_CHECKBOX_NAME: [inspection.pk], "apply": "1", "inspector": ingrid.pk})
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in(ingrid).post(reverse("inspections:schedule", args=[inspection.pk]),
                                          {"scheduled_at": "2099-05-04T10:30", "place": "Garage Nord, Berlin"})
    assert response.status_code == 302
    booked = "Inspection booked: Mon 04 May 2099, 10:30 at Garage Nord, Berlin with Ingrid."
    assert one_text(listing) == booked
    page = logged_in(listing.seller).get(reverse("marketplace:detail", args=[listing.pk])).content.decode()
    for detail in ("Monday 4 May 2099", "10:30", "Garage Nord, Berlin", "Ingrid"):  # the appointment card
        assert f"<dd>{detail}</dd>" in page
    told = Notification.objects.get(user=listing.seller, kind="inspection_booked")
    assert booked in told.body and told.url == reverse("marketplace:detail", args=[listing.pk])
    [email] = mail.outbox
    assert email.to == [listing.seller.email] and booked in email.body and (
        "Ingrid" in str(email.subject) + str(email.body))

    with django_capture_on_commit_callbacks(execute=True):
        logged_in(ingrid).post(reverse("inspections:schedule", args=[inspection.pk]),
                               {"scheduled_at": "2099-05-05T14:00", "place": "Garage Süd, Berlin"})
    moved = "Inspection booked: Tue 05 May 2099, 14:00 at Garage Süd, Berlin with Ingrid."
    assert one_text(listing) == moved
    changed = Notification.objects.get(user=listing.seller, kind="inspection_changed")
    assert moved in changed.body and "changed" in changed.title
    assert moved in mail.outbox[-1].body

    logged_in(ingrid).post(reverse("inspections:schedule", args=[inspection.pk]),
                           {"scheduled_at": "2099-05-05T14:00", "place": "Garage Süd, Berlin"})
    assert Notification.objects.filter(user=listing.seller, kind="inspection_changed").count() == 1  # no change

    otto = InspectorFactory(full_name="Otto Brandt")
    staff_client.post(reverse("admin:inspections_inspection_changelist"), {
        "action": "assign_inspector", ACTION_CHECKBOX_NAME: [inspection.pk], "apply": "1", "inspector": otto.pk})
    with_otto = "Inspection booked: Tue 05 May 2099, 14:00 at Garage Süd, Berlin with Otto."
    assert one_text(listing) == with_otto
    assert with_otto in Notification.objects.filter(user=listing.seller, kind="inspection_changed").first().body


def test_while_the_inspection_runs_the_seller_reads_that_it_is_being_inspected():
    listing = submitted_listing()
    inspection = Inspection.objects.get(listing=listing)
    inspector = InspectorFactory()
    inspection_services.inspection_assign(inspection=inspection, inspector=inspector, actor=StaffFactory())
    inspection_services.inspection_schedule(inspection=inspection, actor=inspector,
                                            scheduled_at=timezone.now() + timedelta(hours=1), place="Hof 1")
    inspection_services.inspection_start(inspection=inspection, actor=inspector)
    assert one_text(listing) == "Being inspected now: the report follows once the inspector publishes it."


# --- the sale page, live -------------------------------------------------------------------------------------------


def _run_on_commit(execute=True):
    """SaleMaker's capture in a transactional test: there, callbacks run on commit by themselves."""
    return nullcontext()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_sale_feed_is_open_to_the_sales_parties_and_staff_only_and_tells_each_change(asgi_server):  # noqa: F811
    sale = SaleMaker(_run_on_commit)(hammer_minor=12_500_00)
    path = f"/ws/sales/{sale.pk}/"
    for outsider in (DealerFactory(verified=True), SellerFactory()):
        assert asgi_server.refused(path, outsider) == 403
    assert asgi_server.refused(path) == 403
    with asgi_server.ws(path, sale.seller) as seller_socket, asgi_server.ws(path, StaffFactory()) as staff_socket:
        pay_by_card(sale)
        for socket in (seller_socket, staff_socket):
            [frame] = frames(socket, 1)
            assert frame == {"type": "sale", "sale_id": sale.pk, "kind": "paid"}


@pytest.mark.browser
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_sellers_open_sale_page_turns_from_awaiting_payment_to_paid_and_paid_out_without_a_reload(
        browser, asgi_server, e2e_dir):  # noqa: F811
    sale = SaleMaker(_run_on_commit)(hammer_minor=12_500_00)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session_cookie(sale.seller),
                          "domain": "127.0.0.1", "path": "/"}])
    page = context.new_page()
    page.goto(f"{asgi_server.origin}/sales/{sale.pk}/")
    page.wait_for_selector("html[data-live-sale=ready]")
    expect(page.locator(".page-head [data-status]")).to_have_text("Awaiting payment")
    page.evaluate("window.__stillTheSamePage = true")
    page.screenshot(path=str(e2e_dir / "seller-sale-01-awaiting-payment.png"), full_page=True)

    pay_by_card(sale)

    expect(page.locator(".page-head [data-status]")).to_have_text("Paid into escrow")
    expect(page.locator("[data-seller-status]")).to_contain_text("in escrow")
    expect(page.get_by_role("button", name="Confirm the handover")).to_be_visible()
    page.screenshot(path=str(e2e_dir / "seller-sale-02-paid-live.png"), full_page=True)

    payment_services.handover_confirm(sale=sale, actor=sale.buyer)
    payment_services.handover_confirm(sale=sale, actor=sale.seller)  # the payout is released on commit

    expect(page.locator(".page-head [data-status]")).to_have_text("Paid out to the seller")
    sale.refresh_from_db()
    expect(page.locator("[data-payout-reference]")).to_have_text(sale.payout_reference)
    expect(page.locator("[data-seller-status]")).to_contain_text("Paid out:")
    assert page.evaluate("window.__stillTheSamePage") is True, "no reload"
    page.screenshot(path=str(e2e_dir / "seller-sale-03-paid-out-live.png"), full_page=True)
