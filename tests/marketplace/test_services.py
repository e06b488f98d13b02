from typing import Any

import pytest
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from core.exceptions import InvalidTransition, PermissionRefused, ValidationFailed
from core.models import AuditLog
from marketplace import selectors, services
from marketplace.models import Listing
from payments.selectors import seller_car_list, seller_car_status
from tests.accounts.factories import SellerFactory
from tests.marketplace.factories import IdentityOnlyListingFactory, ListingFactory, north_american_vin

pytestmark = pytest.mark.django_db

IDENTITY: dict[str, Any] = {"vin": "wvwzzz1kzaw000777", "registration_plate": "b-gv 777", "make": " Volkswagen ",
            "model": "Golf", "first_registration_year": 2017}


def test_seller_creates_a_draft_with_normalised_identity_and_an_audit_row(seller):
    listing = services.listing_create(seller=seller, variant="1.0 TSI", mileage_km=50_000, **IDENTITY)

    assert listing.status == Listing.Status.DRAFT
    assert listing.vin == "WVWZZZ1KZAW000777"
    assert listing.registration_plate == "B-GV 777"
    assert listing.make == "Volkswagen"
    assert listing.mileage_km == 50_000
    row = AuditLog.objects.for_object(listing).get()
    assert row.action == AuditLog.Action.CREATE and row.actor == seller


@pytest.mark.parametrize("role_fixture", ["dealer", "inspector", "staff"])
def test_only_sellers_can_create_listings(request, role_fixture):
    user = request.getfixturevalue(role_fixture)
    with pytest.raises(PermissionRefused):
        services.listing_create(seller=user, **IDENTITY)
    assert not Listing.objects.exists()


def test_create_reports_every_bad_field_by_its_api_name(seller):
    with pytest.raises(ValidationFailed) as caught:
        services.listing_create(seller=seller, vin="1HGCM82634A004352", registration_plate="B-X 1", make="Honda",
                                model="Accord", first_registration_year=1949, mileage_km=2_000_001,
                                reserve_minor=0, asking_price_minor=-5, fuel="steam")
    fields = caught.value.fields
    assert set(fields) == {"vin", "first_registration_year", "mileage_km", "reserve_minor", "asking_price_minor",
                           "fuel"}
    assert "check digit" in fields["vin"][0]
    assert not Listing.objects.exists()


def test_create_requires_the_identity_fields(seller):
    with pytest.raises(ValidationFailed) as caught:
        services.listing_create(seller=seller, vin="", registration_plate=" ", make="", model="Golf",
                                first_registration_year=2018)
    assert set(caught.value.fields) == {"vin", "registration_plate", "make"}


def test_a_north_american_vin_with_a_wrong_check_digit_is_a_field_error(seller):
    vin = north_american_vin(42)
    wrong = vin[:8] + ("0" if vin[8] != "0" else "1") + vin[9:]
    with pytest.raises(ValidationFailed) as caught:
        services.listing_create(seller=seller, **{**IDENTITY, "vin": wrong})
    assert list(caught.value.fields) == ["vin"]
    assert services.listing_create(seller=seller, **{**IDENTITY, "vin": vin}).vin == vin


def test_reserve_above_the_ceiling_is_refused(seller, settings):
    settings.GAVEL_RESERVE_CEILING_MINOR = 50_000_00
    with pytest.raises(ValidationFailed) as caught:
        services.listing_create(seller=seller, reserve_minor=50_000_01, **IDENTITY)
    assert list(caught.value.fields) == ["reserve_minor"]
    assert services.listing_create(seller=seller, reserve_minor=50_000_00, **IDENTITY).reserve_minor == 50_000_00


def test_prices_must_be_integers_never_floats(seller):
    with pytest.raises(ValidationFailed) as caught:
        services.listing_create(seller=seller, reserve_minor=12000.5, **IDENTITY)
    assert list(caught.value.fields) == ["reserve_minor"]


def test_one_open_listing_per_vin_across_the_site(seller):
    existing = ListingFactory(vin="WVWZZZ1KZAW000777", status=Listing.Status.SUBMITTED)
    other_seller = SellerFactory()

    for who in (seller, other_seller, existing.seller):
        with pytest.raises(ValidationFailed) as caught:
            services.listing_create(seller=who, **IDENTITY)
        assert "already has an open listing" in caught.value.fields["vin"][0]


@pytest.mark.parametrize("closed_status", [Listing.Status.WITHDRAWN, Listing.Status.REJECTED, Listing.Status.UNSOLD])
def test_a_vin_can_be_listed_again_once_its_listing_is_closed(seller, closed_status):
    ListingFactory(vin="WVWZZZ1KZAW000777", status=closed_status)
    assert services.listing_create(seller=seller, **IDENTITY).status == Listing.Status.DRAFT


@pytest.mark.parametrize("open_status", [*Listing.PIPELINE_STATUSES, Listing.Status.SOLD])
def test_the_database_refuses_a_second_open_listing_for_a_vin(open_status):
    ListingFactory(vin="WVWZZZ1KZAW000777", status=open_status)
    with pytest.raises(IntegrityError), transaction.atomic():
        ListingFactory(vin="WVWZZZ1KZAW000777", status=Listing.Status.SUBMITTED)


def test_a_lost_race_on_the_vin_constraint_becomes_a_field_error(ready_listing, monkeypatch):
    ListingFactory(vin="WVWZZZ1KZAW000777", status=Listing.Status.SUBMITTED)
    Listing.objects.filter(pk=ready_listing.pk).update(vin="WVWZZZ1KZAW000777")
    # The other request's row committed after our check ran: skip the check to reach the constraint.
    monkeypatch.setattr(services, "_check_vin_free", lambda vin, exclude_pk=None, viewer=None: None)
    with pytest.raises(ValidationFailed) as caught:
        services.listing_submit(listing=ready_listing, actor=ready_listing.seller)
    assert "already has an open listing" in caught.value.fields["vin"][0]
    assert Listing.objects.filter(vin="WVWZZZ1KZAW000777", status=Listing.Status.SUBMITTED).count() == 1


def test_owner_updates_a_draft_and_the_audit_names_fields_not_amounts(listing):
    services.listing_update(listing=listing, actor=listing.seller, mileage_km=90_000, reserve_minor=9_999_00,
                            colour="  Green ")

    listing.refresh_from_db()
    assert (listing.mileage_km, listing.reserve_minor, listing.colour) == (90_000, 9_999_00, "Green")
    row = AuditLog.objects.for_object(listing).get(action=AuditLog.Action.UPDATE)
    assert row.data == {"fields": ["colour", "mileage_km", "reserve_minor"]}
    assert "999" not in str(row.data) + row.reason + row.from_state + row.to_state


def test_update_can_clear_optional_fields_but_not_identity_ones(listing):
    services.listing_update(listing=listing, actor=listing.seller, asking_price_minor=None, description="")
    listing.refresh_from_db()
    assert listing.asking_price_minor is None
    with pytest.raises(ValidationFailed) as caught:
        services.listing_update(listing=listing, actor=listing.seller, make="")
    assert list(caught.value.fields) == ["make"]


def test_update_to_a_vin_that_is_already_listed_is_refused(listing):
    ListingFactory(vin="WVWZZZ1KZAW000777", status=Listing.Status.SUBMITTED)
    with pytest.raises(ValidationFailed) as caught:
        services.listing_update(listing=listing, actor=listing.seller, vin="WVWZZZ1KZAW000777")
    assert list(caught.value.fields) == ["vin"]
    services.listing_update(listing=listing, actor=listing.seller, vin=listing.vin.lower())  # its own VIN is fine


def test_only_the_owner_edits(listing, staff):
    for intruder in (SellerFactory(), staff):
        with pytest.raises(PermissionRefused):
            services.listing_update(listing=listing, actor=intruder, colour="Red")
    listing.refresh_from_db()
    assert listing.colour == "Blue"


@pytest.mark.parametrize("status", [s for s in Listing.Status.values if s != "draft"])
def test_editing_is_allowed_in_draft_only(status):
    listing = ListingFactory(status=status)
    with pytest.raises(services.ListingNotEditable) as caught:
        services.listing_update(listing=listing, actor=listing.seller, colour="Red")
    assert caught.value.code == "not_editable" and caught.value.status_code == 409


def test_submit_needs_every_required_field_and_a_photo(seller):
    listing = IdentityOnlyListingFactory(seller=seller)
    with pytest.raises(ValidationFailed) as caught:
        services.listing_submit(listing=listing, actor=seller)
    assert set(caught.value.fields) == {"mileage_km", "fuel", "transmission", "body_type", "colour",
                                        "previous_owners", "service_history", "postcode", "city", "reserve_minor"}

    complete = ListingFactory(seller=seller)
    with pytest.raises(ValidationFailed) as caught:
        services.listing_submit(listing=complete, actor=seller)
    assert list(caught.value.fields) == ["photos"]
    assert Listing.objects.filter(status=Listing.Status.DRAFT).count() == 2


def test_submit_moves_a_ready_draft_to_submitted_through_a_recorded_transition(ready_listing):
    result = services.listing_submit(listing=ready_listing, actor=ready_listing.seller)

    assert result.changed and (result.from_state, result.to_state) == ("draft", "submitted")
    assert ready_listing.status == Listing.Status.SUBMITTED
    assert ready_listing.submitted_at is not None
    row = AuditLog.objects.for_object(ready_listing).get(action=AuditLog.Action.STATUS_CHANGE)
    assert (row.from_state, row.to_state, row.actor) == ("draft", "submitted", ready_listing.seller)


def test_submitting_twice_changes_nothing_the_second_time(ready_listing):
    services.listing_submit(listing=ready_listing, actor=ready_listing.seller)
    again = services.listing_submit(listing=ready_listing, actor=ready_listing.seller)
    assert not again.changed
    assert AuditLog.objects.for_object(ready_listing).filter(action=AuditLog.Action.STATUS_CHANGE).count() == 1


def test_submit_rechecks_rules_that_tightened_since_the_draft_was_saved(ready_listing, settings):
    settings.GAVEL_RESERVE_CEILING_MINOR = 10_000_00
    with pytest.raises(ValidationFailed) as caught:
        services.listing_submit(listing=ready_listing, actor=ready_listing.seller)
    assert list(caught.value.fields) == ["reserve_minor"]


def test_only_the_owner_submits_and_withdraws(ready_listing, staff):
    for intruder in (SellerFactory(), staff):
        with pytest.raises(PermissionRefused):
            services.listing_submit(listing=ready_listing, actor=intruder)
        with pytest.raises(PermissionRefused):
            services.listing_withdraw(listing=ready_listing, actor=intruder)


@pytest.mark.parametrize("status", Listing.WITHDRAWABLE_STATUSES)
def test_seller_may_withdraw_until_the_auction_is_live(status):
    listing = ListingFactory(status=status)
    result = services.listing_withdraw(listing=listing, actor=listing.seller, reason="Sold privately")
    assert result.changed and listing.status == Listing.Status.WITHDRAWN
    row = AuditLog.objects.for_object(listing).get()
    assert (row.from_state, row.to_state, row.reason) == (status, "withdrawn", "Sold privately")


@pytest.mark.parametrize("status", [Listing.Status.IN_AUCTION, Listing.Status.SOLD, Listing.Status.UNSOLD,
                                    Listing.Status.REJECTED])
def test_withdrawing_a_live_or_finished_listing_is_an_invalid_transition(status):
    listing = ListingFactory(status=status)
    with pytest.raises(InvalidTransition) as caught:
        services.listing_withdraw(listing=listing, actor=listing.seller)
    assert caught.value.code == "invalid_transition" and caught.value.status_code == 409
    listing.refresh_from_db()
    assert listing.status == status


def test_staff_reject_a_submitted_listing_with_a_reason_the_seller_sees(ready_listing, staff):
    services.listing_submit(listing=ready_listing, actor=ready_listing.seller)
    services.listing_reject(listing=ready_listing, actor=staff, reason="  Photos show a different car. ")

    ready_listing.refresh_from_db()
    assert ready_listing.status == Listing.Status.REJECTED
    assert ready_listing.rejection_reason == "Photos show a different car."
    assert seller_car_status(listing=ready_listing).text == "Rejected: Photos show a different car."
    row = AuditLog.objects.for_object(ready_listing).filter(to_state="rejected").get()
    assert row.actor == staff and row.reason == "Photos show a different car."


def test_rejecting_needs_staff_and_a_reason(staff):
    listing = ListingFactory(status=Listing.Status.SUBMITTED)
    with pytest.raises(PermissionRefused):
        services.listing_reject(listing=listing, actor=listing.seller, reason="No")
    with pytest.raises(ValidationFailed) as caught:
        services.listing_reject(listing=listing, actor=staff, reason="   ")
    assert list(caught.value.fields) == ["reason"]
    with pytest.raises(InvalidTransition):
        services.listing_reject(listing=ListingFactory(), actor=staff, reason="Drafts are not moderated")


def test_transition_table_matches_the_lifecycle():
    S = Listing.Status
    table = Listing.TRANSITIONS
    assert set(table) == set(S.values)
    assert table[S.DRAFT] == {S.SUBMITTED, S.WITHDRAWN}
    assert S.WITHDRAWN not in table[S.IN_AUCTION] | table[S.SOLD] | table[S.UNSOLD]
    assert table[S.IN_AUCTION] == {S.SOLD, S.UNSOLD, S.APPROVED}
    assert table[S.UNSOLD] == {S.APPROVED, S.SOLD}  # relisted, or bought now at a price the seller agreed to
    assert table[S.SOLD] == {S.UNSOLD}  # a sale that fell through gives the car back
    assert table[S.WITHDRAWN] == table[S.REJECTED] == set()
    for status in Listing.WITHDRAWABLE_STATUSES:
        assert S.WITHDRAWN in table[status]


# Sold and in auction depend on the auction and the sale: tests/promises/test_seller_knows.py walks them.
@pytest.mark.parametrize(("status", "text"), [
    ("submitted", "Waiting for an inspector."),
    ("withdrawn", "Withdrawn by you."),
    ("inspected", "Inspected: our team is reviewing the report before the auction."),
    ("approved", "Approved: we schedule its auction and tell you the date."),
])
def test_next_step_tells_the_seller_what_happens(status, text):
    assert seller_car_status(listing=ListingFactory(status=status)).text == text


def test_next_step_for_a_draft_lists_what_is_missing(seller):
    draft = IdentityOnlyListingFactory(seller=seller)
    text = seller_car_status(listing=draft).text
    assert text.startswith("Draft: add mileage") and "reserve price" in text and "at least one photo" in text


def test_status_history_comes_from_the_audit_rows(ready_listing):
    services.listing_submit(listing=ready_listing, actor=ready_listing.seller)
    services.listing_withdraw(listing=ready_listing, actor=ready_listing.seller)
    history = list(selectors.listing_status_history(listing=ready_listing))
    assert [row.to_state for row in history] == ["submitted", "withdrawn"]
    assert history[-1].created_at <= timezone.now()


def test_seller_list_shows_only_their_listings_with_next_step_and_cover(ready_listing):
    ListingFactory()
    listings = seller_car_list(seller=ready_listing.seller)
    assert [item.pk for item in listings] == [ready_listing.pk]
    assert listings[0].cover.is_cover and listings[0].seller_status.text.startswith("Ready")


def _keys(listing_id):
    return Listing.objects.filter(pk=listing_id).values_list("make_key", "model_key").get()


def test_the_name_keys_follow_make_and_model_on_every_write_path(seller):
    """Price guidance finds comparables by these keys (insights.selectors): a stale key would hide a car."""
    listing = ListingFactory(seller=seller, make="  Volkswagen ", model="Golf  Plus")
    assert _keys(listing.pk) == ("volkswagen", "golf plus")
    services.listing_update(listing=listing, actor=seller, make="ŠKODA", model="Octavia\tCombi")
    assert _keys(listing.pk) == ("škoda", "octavia combi")
    Listing.objects.filter(pk=listing.pk).update(model="Fabia")
    assert _keys(listing.pk) == ("škoda", "fabia")
    (bulk,) = Listing.objects.bulk_create([Listing(seller=seller, vin="WVWZZZ1KZ99999999", make="BMW", model="3er",
                                                        first_registration_year=2019)])
    assert _keys(bulk.pk) == ("bmw", "3er")
    with pytest.raises(TypeError):
        Listing.objects.filter(pk=listing.pk).update(make=models.F("model"))
