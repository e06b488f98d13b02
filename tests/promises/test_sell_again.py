"""Promise 5: a car can always be sold again.

A VIN is taken only while a listing of it is in the pipeline (submitted → inspected → approved → in auction →
sold but not yet paid for). A car that was sold and paid for, or not sold, withdrawn or rejected, can be listed
again; a draft blocks nobody; a second submission of a VIN that is in the pipeline is refused with a message
that says what to do, by the service and by the database; staff see every listing of a VIN side by side.
"""

import threading
from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.clock import db_now
from core.models import AuditLog, Notification
from marketplace.models import Listing
from payments import services as payment_services
from payments.models import Sale
from tests.accounts.factories import SellerFactory, StaffFactory
from tests.marketplace.factories import ListingFactory
from tests.payments.factories import SaleMaker, pay_by_card, set_sale_times
from tests.promises.cars import CAR, api_list_car, api_submit, statuses_of

pytestmark = pytest.mark.django_db

VIN = "WVWZZZ1KZAW505001"


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


@pytest.fixture
def staff_client():
    client = Client()
    client.force_login(StaffFactory())
    return client


def vin_errors(response) -> list[str]:
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {"code", "detail", "fields"} and body["code"] == "vin_on_gavel"
    return body["fields"]["vin"]


# --- sold, and sold again ---------------------------------------------------------------------------------


def test_a_car_sold_and_paid_for_on_gavel_is_listed_and_submitted_again_by_its_next_owner(make_sale, client_for):
    sale = make_sale(vin=VIN)
    pay_by_card(sale)
    next_owner = client_for(SellerFactory())

    listing = api_list_car(next_owner, VIN)
    response = api_submit(next_owner, listing["id"])

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "submitted"
    assert statuses_of(VIN) == ["sold", "submitted"]


def test_while_the_dealer_has_not_paid_the_car_is_still_taken_and_once_paid_it_is_free(make_sale, client_for):
    someone = client_for(SellerFactory())
    listing = api_list_car(someone, VIN)  # saved before the car sold: a draft blocks nobody
    sale = make_sale(vin=VIN)

    [message] = vin_errors(api_submit(someone, listing["id"]))
    assert "already has an open listing on Gavel" in message and "contact us" in message
    [message] = vin_errors(someone.post(reverse("api:listing-list"), {**CAR, "vin": VIN}, format="json"))
    assert "already has an open listing on Gavel" in message
    assert statuses_of(VIN) == ["draft", "sold"]

    pay_by_card(sale)
    assert api_submit(someone, listing["id"]).status_code == 200
    assert statuses_of(VIN) == ["sold", "submitted"]


def test_a_sale_that_falls_through_gives_the_car_back_and_staff_put_it_up_for_auction_again(
        make_sale, staff_client, django_capture_on_commit_callbacks):
    sale = make_sale(vin=VIN)  # one bidder only: nobody for a second chance
    set_sale_times(sale, payment_deadline=db_now() - timedelta(minutes=1))
    payment_services.sales_mark_overdue()
    changelist = reverse("admin:payments_sale_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(changelist, {"action": "cancel_and_offer_second_chance", ACTION_CHECKBOX_NAME: [sale.pk],
                                       "apply": "1", "reason": "No payment after two reminders."}, follow=True)

    listing = Listing.objects.get(vin=VIN)
    assert listing.status == Listing.Status.UNSOLD
    told = Notification.objects.filter(user=sale.seller, kind="sale_fell_through").get()
    assert "no other bidder" in told.body.lower()

    response = staff_client.post(reverse("admin:marketplace_listing_changelist"), {
        "action": "relist_listings", ACTION_CHECKBOX_NAME: [listing.pk], "apply": "1",
        "reason": "The seller agreed to a new auction."}, follow=True)
    assert response.status_code == 200
    listing.refresh_from_db()
    assert listing.status == Listing.Status.APPROVED
    assert AuditLog.objects.for_object(listing).filter(from_state="unsold", to_state="approved").exists()


def test_an_unsold_car_can_be_listed_again_and_staff_cannot_relist_the_old_one_beside_it(client_for, staff_client):
    old = ListingFactory(vin=VIN, status=Listing.Status.UNSOLD)
    owner = client_for(old.seller)
    listing = api_list_car(owner, VIN)
    assert api_submit(owner, listing["id"]).status_code == 200

    response = staff_client.post(reverse("admin:marketplace_listing_changelist"), {
        "action": "relist_listings", ACTION_CHECKBOX_NAME: [old.pk], "apply": "1", "reason": "Try again."},
        follow=True)
    assert "already has an open listing" in response.content.decode()
    old.refresh_from_db()
    assert old.status == Listing.Status.UNSOLD


@pytest.mark.parametrize("closed", [Listing.Status.UNSOLD, Listing.Status.WITHDRAWN, Listing.Status.REJECTED])
def test_a_listing_that_did_not_sell_was_withdrawn_or_rejected_does_not_hold_the_vin(closed, client_for):
    ListingFactory(vin=VIN, status=closed)
    client = client_for(SellerFactory())
    assert api_submit(client, api_list_car(client, VIN)["id"]).status_code == 200


# --- drafts block nobody -----------------------------------------------------------------------------------


def test_a_draft_with_someone_elses_vin_blocks_nobody_and_its_author_is_told_what_to_do(client_for):
    squatter, owner = client_for(SellerFactory()), client_for(SellerFactory())
    squatted = api_list_car(squatter, VIN)

    mine = api_list_car(owner, VIN)
    assert api_submit(owner, mine["id"]).status_code == 200

    [message] = vin_errors(api_submit(squatter, squatted["id"]))
    submitted = timezone.localtime(Listing.objects.get(pk=mine["id"]).submitted_at)
    assert f"(submitted on {submitted.day} {submitted:%b %Y})" in message
    assert "If it is your car and you did not list it, contact us" in message and "registration document" in message
    assert statuses_of(VIN) == ["draft", "submitted"]


def test_any_number_of_drafts_of_one_vin_can_exist(client_for):
    for _ in range(3):
        api_list_car(client_for(SellerFactory()), VIN)
    assert statuses_of(VIN) == ["draft", "draft", "draft"]


def test_the_seller_of_the_listing_in_the_pipeline_is_pointed_to_it_not_to_support(client_for):
    seller = SellerFactory()
    client = client_for(seller)
    first = api_list_car(client, VIN)
    assert api_submit(client, first["id"]).status_code == 200

    again = client.post(reverse("api:listing-list"), {"vin": VIN, "registration_plate": "B-PR 505", "make": "VW",
                                                      "model": "Golf", "first_registration_year": 2018},
                        format="json")
    [message] = vin_errors(again)
    assert "your own" in message and "My cars" in message and "contact us" not in message


def test_on_the_pages_the_wizard_and_the_submit_button_say_the_car_is_already_on_gavel(client_for):
    seller = SellerFactory()
    draft = api_list_car(client_for(seller), VIN)
    ListingFactory(vin=VIN, status=Listing.Status.IN_AUCTION)
    page = Client()
    page.force_login(seller)
    response = page.post(reverse("marketplace:create"), {
        "vin": VIN.lower(), "registration_plate": "B-X 1", "make": "VW", "model": "Golf",
        "first_registration_year": "2018"})
    assert response.status_code == 200
    assert "already has an open listing on Gavel" in response.context["form"].errors["vin"][0]

    response = page.post(reverse("marketplace:submit", args=[draft["id"]]), follow=True)
    text = response.content.decode()
    assert "already has an open listing on Gavel" in text and "contact us" in text
    assert Listing.objects.get(pk=draft["id"]).status == Listing.Status.DRAFT


# --- the database holds the line too -------------------------------------------------------------------------


def test_the_database_refuses_a_second_listing_of_a_vin_in_the_pipeline_even_past_the_services():
    ListingFactory(vin=VIN, status=Listing.Status.SUBMITTED)
    draft = ListingFactory(vin=VIN)
    with pytest.raises(IntegrityError), transaction.atomic():
        Listing.objects.filter(pk=draft.pk).update(status=Listing.Status.SUBMITTED)
    sold_unpaid = ListingFactory(vin="WVWZZZ1KZAW505002", status=Listing.Status.SOLD)
    with pytest.raises(IntegrityError), transaction.atomic():
        ListingFactory(vin=sold_unpaid.vin, status=Listing.Status.SUBMITTED)
    Listing.objects.filter(pk=sold_unpaid.pk).update(sale_paid=True)
    ListingFactory(vin=sold_unpaid.vin, status=Listing.Status.SUBMITTED)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_submissions_of_one_vin_let_exactly_one_in(client_for):
    clients = [client_for(SellerFactory()) for _ in range(2)]
    drafts = [api_list_car(client, VIN) for client in clients]
    barrier = threading.Barrier(2)
    answers = {}

    def submit(index):
        try:
            barrier.wait()
            answers[index] = api_submit(clients[index], drafts[index]["id"])
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    codes = sorted(response.status_code for response in answers.values())
    assert codes == [200, 400]
    refused = next(response for response in answers.values() if response.status_code == 400)
    assert "already has an open listing on Gavel" in vin_errors(refused)[0]
    assert statuses_of(VIN) == ["draft", "submitted"]


# --- staff see both ----------------------------------------------------------------------------------------------


def test_staff_find_every_listing_of_a_vin_and_which_vins_are_listed_more_than_once(staff_client, make_sale):
    sale = make_sale(vin=VIN)
    pay_by_card(sale)
    again = ListingFactory(vin=VIN, status=Listing.Status.SUBMITTED)
    ListingFactory(vin=VIN)  # a draft
    single = ListingFactory(vin="WVWZZZ1KZAW505003", status=Listing.Status.SUBMITTED)
    changelist = reverse("admin:marketplace_listing_changelist")

    found = staff_client.get(changelist, {"q": VIN.lower()})
    assert found.context["cl"].result_count == 3
    assert f'href="{changelist}?vin={VIN}"' in found.content.decode()
    repeated = staff_client.get(changelist, {"vin_repeated": "yes"})
    assert {listing.vin for listing in repeated.context["cl"].result_list} == {VIN}
    by_vin = staff_client.get(changelist, {"vin": VIN})
    assert by_vin.context["cl"].result_count == 3 and single not in by_vin.context["cl"].result_list

    page = staff_client.get(reverse("admin:marketplace_listing_change", args=[again.pk])).content.decode()
    assert "Other listings of this VIN" in page
    assert reverse("admin:marketplace_listing_change", args=[sale.listing_id]) in page
    assert Sale.objects.get(pk=sale.pk).status == Sale.Status.PAID
