"""Reads for auctions: visibility per role, the dealer dashboard, buying power."""

import json
import logging
import re
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from django.conf import settings
from django.core.cache import cache
from django.db.models import (
    Exists,
    F,
    Func,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.expressions import Combinable
from django.db.models.functions import Coalesce, Lower, StrIndex
from django.utils.translation import gettext as _

from accounts.models import DealerProfile, SessionSighting, User
from accounts.organisations import BIDDING, notification_audience, organisation_recipient_ids
from auctions.engine import Standing, minimum_next_bid
from auctions.models import (
    LOCATION_PLACES_MAX,
    Auction,
    Bid,
    BidderLabel,
    CounterOffer,
    SavedSearch,
    SellerConsent,
    Watch,
    bidder_label,
    location_places,
)
from core.clock import db_now
from core.models import AuditLog
from core.selectors import record
from inspections.selectors import listing_grade_expression
from marketplace.models import ListingPhoto
from transparency.models import LogEntry

logger = logging.getLogger(__name__)


def auction_dealer_recipient_ids(*, auction_id: int, dealer_id: int, kind: str) -> list[int]:
    """Who in the dealer organisation whose account is `dealer_id` is told of `kind` on this auction
    (accounts.organisations.AUDIENCE_BY_KIND): for a bidding event, the owners and the member who placed the
    organisation's latest bid on it; otherwise as the kind's audience says."""
    placed_by_id = None
    if notification_audience(kind) == BIDDING:
        placed_by_id = (Bid.objects.filter(auction_id=auction_id, dealer_id=dealer_id, placed_by__isnull=False)
                        .order_by("-sequence").values_list("placed_by_id", flat=True).first())
    return organisation_recipient_ids(account_id=dealer_id, kind=kind, placed_by_id=placed_by_id)


def auction_minimum_next_bid(auction: Auction) -> int:
    """The lowest bid the auction takes now, by the published increment ladder."""
    standing = Standing(auction.price_minor, auction.leader_id, auction.leader_max_minor)
    return minimum_next_bid(standing, starting_price_minor=auction.starting_price_minor,
                            ladder=settings.GAVEL_BID_INCREMENTS)

# Statuses a dealer may look at; cancelled auctions disappear for them.
DEALER_VISIBLE_STATUSES = (Auction.Status.SCHEDULED, Auction.Status.LIVE, Auction.Status.CLOSED)


def _sum_of(qs: QuerySet, field: str):
    """SUM(field) over `qs` as a scalar subquery, 0 when empty: to fold into another query."""
    return Coalesce(Subquery(qs.order_by().annotate(total=Func(F(field), function="SUM")).values("total")[:1]), 0)


def dealer_committed_expression(dealer, *, exclude_auction_id: int | None = None):
    """What a dealer has already committed, as one expression: their maxima on live auctions they lead, their top
    bids below the reserve that the seller may still accept, and the prices of cars they bought and have not paid
    into escrow yet (`Auction.owed_by`, kept by settlement from the close until the money arrives). `dealer` is a
    user id or an OuterRef to one."""
    leading = Auction.objects.filter(leader=dealer, status=Auction.Status.LIVE)
    if exclude_auction_id is not None:
        leading = leading.exclude(pk=exclude_auction_id)
    awaiting_decision = Auction.objects.filter(leader=dealer, status=Auction.Status.CLOSED,
                                               outcome=Auction.Outcome.AWAITING_SELLER)
    owed = Auction.objects.filter(owed_by=dealer)
    return (_sum_of(leading, "leader_max_minor") + _sum_of(awaiting_decision, "price_minor")
            + _sum_of(owed, "owed_minor"))


def dealer_committed_minor(*, dealer: User, exclude_auction_id: int | None = None) -> int:
    """dealer_committed_expression for one dealer, in one query."""
    return (User.objects.filter(pk=dealer.pk)
            .annotate(committed=dealer_committed_expression(OuterRef("pk"), exclude_auction_id=exclude_auction_id))
            .values_list("committed", flat=True).get())


def grade_expression():
    """The listing's current published inspection grade, for annotation and filtering (one subquery
    on the partial unique index of current reports, so the list's query count stays flat)."""
    return listing_grade_expression(prefix="listing")


def _base() -> QuerySet:
    return Auction.objects.select_related("listing").prefetch_related(
        Prefetch("listing__photos", queryset=ListingPhoto.objects.filter(is_cover=True), to_attr="cover_photos")
    ).annotate(grade=grade_expression())


def auction_list_visible_to(*, user: User) -> QuerySet:
    """Auctions `user` may see, annotated for their role (dealers: my_state inputs and is_watched)."""
    # Empty results keep the annotations, so the filters (grade) and sorts still apply to them.
    if not getattr(user, "is_authenticated", False):
        return _base().none()
    qs = _base()
    if user.is_staff_member or user.role == User.Role.SELLER:
        qs = qs.select_related("winner__dealer_profile").annotate(leader_label_number=Subquery(
            BidderLabel.objects.filter(auction=OuterRef("pk"), dealer=OuterRef("leader")).values("number")[:1]))
        return qs if user.is_staff_member else qs.filter(listing__seller=user)
    if user.role == User.Role.DEALER:
        my_bids = Bid.objects.filter(auction=OuterRef("pk"), dealer=user)
        return qs.filter(status__in=DEALER_VISIBLE_STATUSES).annotate(
            has_my_bid=Exists(my_bids),
            is_watched=Exists(Watch.objects.filter(auction=OuterRef("pk"), dealer=user)),
            my_last_max_minor=Subquery(
                my_bids.filter(max_minor__isnull=False, state=Bid.State.STANDING).order_by("-sequence")
                .values("max_minor")[:1]),
            my_label_number=Subquery(
                BidderLabel.objects.filter(auction=OuterRef("pk"), dealer=user).values("number")[:1]),
        )
    return qs.none()


def auction_get_visible_to(*, user: User, auction_id) -> Auction | None:
    try:
        auction_id = int(auction_id)
    except (TypeError, ValueError):
        return None
    return auction_list_visible_to(user=user).filter(pk=auction_id).first()


SORTS: dict[str, tuple[str | Combinable, str]] = {
    "ending_soonest": ("ends_at", "id"),
    "newest": ("-starts_at", "-id"),
    "price_asc": (Coalesce("price_minor", "starting_price_minor").asc(), "id"),
    "price_desc": (Coalesce("price_minor", "starting_price_minor").desc(), "id"),
}


def auction_list_filtered(*, user: User, filters: dict) -> QuerySet:
    """The dashboard/API list. `filters` keys (all optional): tab (all|watchlist|my_bids|won), status, make,
    model, year_min, year_max, mileage_max, price_min, price_max, grade, location (city or postcode prefix), sort."""
    qs = auction_list_visible_to(user=user)
    tab = filters.get("tab") or "all"
    if user.role == User.Role.DEALER:
        if tab == "watchlist":
            qs = qs.filter(is_watched=True)
        elif tab == "my_bids":
            qs = qs.filter(has_my_bid=True)
        elif tab == "won":
            qs = qs.filter(winner=user, outcome=Auction.Outcome.SOLD)
        elif not filters.get("status"):
            qs = qs.filter(status__in=(Auction.Status.LIVE, Auction.Status.SCHEDULED))
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("make"):
        qs = qs.filter(listing__make__iexact=filters["make"].strip())
    if filters.get("model"):
        qs = qs.filter(listing__model__icontains=filters["model"].strip())
    if filters.get("year_min") is not None:
        qs = qs.filter(listing__first_registration_year__gte=filters["year_min"])
    if filters.get("year_max") is not None:
        qs = qs.filter(listing__first_registration_year__lte=filters["year_max"])
    if filters.get("mileage_max") is not None:
        qs = qs.filter(listing__mileage_km__lte=filters["mileage_max"])
    price = Coalesce(F("price_minor"), F("starting_price_minor"))
    if filters.get("price_min") is not None:
        qs = qs.alias(shown_price=price).filter(shown_price__gte=filters["price_min"])
    if filters.get("price_max") is not None:
        qs = qs.alias(shown_price=price).filter(shown_price__lte=filters["price_max"])
    if filters.get("grade"):
        qs = qs.filter(grade=filters["grade"])
    if filters.get("location"):
        # One or more regions, comma-separated (as a saved search keeps them): a city, or a postcode area.
        in_region = Q()
        for place in location_places(filters["location"])[:LOCATION_PLACES_MAX]:
            in_region |= Q(listing__city__iexact=place) | Q(listing__postcode__istartswith=place)
        qs = qs.filter(in_region)
    return qs.order_by(*SORTS.get(filters.get("sort") or "ending_soonest", SORTS["ending_soonest"]))


class IdsFirst:
    """A list queryset for Paginator / DRF pagination that fetches a page in two steps: the page's ids (the
    filters and the order only, a short index walk), then the full annotated rows for just those ids.

    Sliced directly, PostgreSQL computes every per-dealer subquery (grade, my bid, watched, my maximum, my
    label) for each row skipped by OFFSET as well: page 200 of 10,000 auctions paid for 2,400 rows."""

    def __init__(self, queryset: QuerySet):
        self.queryset = queryset
        self.ordered = queryset.ordered

    def count(self) -> int:
        return self.queryset.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index:index + 1][0]
        ids = list(self.queryset.values_list("pk", flat=True)[index])
        rows = {auction.pk: auction for auction in self.queryset.order_by().filter(pk__in=ids)}
        return [rows[pk] for pk in ids if pk in rows]


def auction_labels(*, auction: Auction) -> dict[int, int]:
    """dealer id -> label number, for rendering a bid history."""
    return dict(BidderLabel.objects.filter(auction=auction).values_list("dealer_id", "number"))


def auction_counter_offer(*, auction: Auction) -> CounterOffer | None:
    return CounterOffer.objects.filter(auction=auction).order_by("-created_at").first()


def auction_bidder_maxima(*, auction: Auction) -> list[dict]:
    """For the seller (and staff) deciding after the close, never for dealers: each bidder's anonymous label and
    the most they were willing to pay (their highest standing bid or maximum), highest first."""
    labels = auction_labels(auction=auction)
    best: dict[int, int] = {}
    for dealer_id, amount, maximum in auction.bids.filter(state=Bid.State.STANDING).values_list(
            "dealer_id", "amount_minor", "max_minor"):
        best[dealer_id] = max(best.get(dealer_id, 0), amount, maximum or 0)
    rows = [{"label": bidder_label(labels.get(dealer_id)) or "Dealer", "max_minor": amount, "dealer_id": dealer_id}
            for dealer_id, amount in best.items()]
    return sorted(rows, key=lambda row: (-row["max_minor"], row["label"]))


def auction_bids_visible(*, auction: Auction) -> QuerySet:
    """The bid history everybody sees: visible bids that still count (not withdrawn or replaced)."""
    return (auction.bids.filter(is_visible=True, state=Bid.State.STANDING).select_related("dealer")
            .order_by("-sequence"))


def auction_repricings(*, auction: Auction) -> list[dict]:
    """Each time the auction was worked out again without a withdrawn bidder, oldest first: when, and the price
    before and after. Public: nothing here says who was withdrawn or why."""
    rows = (AuditLog.objects.for_object(auction).filter(action=AuditLog.Action.UPDATE, data__kind="repriced")
            .order_by("created_at", "id"))
    return [{"at": row.created_at, "price_before_minor": row.data.get("price_before_minor"),
             "price_after_minor": row.data.get("price_after_minor")} for row in rows]


def auction_top_bidder_can_buy(*, auction: Auction) -> bool:
    """Whether the auction's leader (the top bidder) may still buy: verified and active."""
    if auction.leader_id is None:
        return False
    profile = DealerProfile.objects.select_related("user").filter(user_id=auction.leader_id).first()
    return profile is not None and profile.can_bid


def listing_interested_dealer_ids(*, listing_id: int) -> list[int]:
    """The verified, active dealers who watched or bid on any auction of this car: the ones to tell when the car
    is offered again (buy now)."""
    return list(DealerProfile.objects.filter(status=DealerProfile.Status.VERIFIED, user__is_active=True)
                .filter(Q(user__watches__auction__listing_id=listing_id)
                        | Q(user__bids__auction__listing_id=listing_id))
                .values_list("user_id", flat=True).distinct().order_by("user_id"))


def seller_consent_accepted(*, auction_id: int, dealer_id: int, amount_minor: int) -> bool:
    """Whether the seller accepted selling this auction's car to `dealer_id` for exactly `amount_minor`."""
    return SellerConsent.objects.filter(auction_id=auction_id, dealer_id=dealer_id, amount_minor=amount_minor,
                                        status=SellerConsent.Status.ACCEPTED).exists()


def seller_consents_for(*, user: User) -> QuerySet:
    """The below-reserve decisions `user` may see: a seller's own (pending first), every one for staff."""
    qs = SellerConsent.objects.select_related("auction__listing").order_by("-created_at", "-id")
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if user.is_staff_member:
        return qs
    if user.role == User.Role.SELLER:
        return qs.filter(auction__listing__seller=user)
    return qs.none()


MAKES_CACHE_SECONDS = 60


def auction_makes() -> list[str]:
    """The makes on offer, for the dashboard's filter: a scan of every open auction, so shared through the
    cache for a minute (a make that appears meanwhile can still be typed into the filter)."""
    def makes():
        return list(Auction.objects.filter(status__in=(Auction.Status.LIVE, Auction.Status.SCHEDULED))
                    .values_list("listing__make", flat=True).distinct().order_by("listing__make"))

    try:
        return cast(list[str], cache.get_or_set("auctions:makes", makes, MAKES_CACHE_SECONDS))
    except Exception:  # the cache (Redis) is away: the page still renders, from the database
        logger.warning("auction_makes: cache unavailable", exc_info=True)
        return makes()


def dealer_view_prepare(auctions, *, dealer: User):
    """Set my_state / my_max_minor / my_label on auctions from auction_list_visible_to(dealer)'s annotations."""
    for auction in auctions:
        leading = auction.leader_id == dealer.pk
        auction.viewer_id = dealer.pk
        auction.my_state = "leading" if leading else ("outbid" if auction.has_my_bid else "not_bidding")
        auction.my_max_minor = auction.leader_max_minor if leading else auction.my_last_max_minor
        auction.my_label = bidder_label(auction.my_label_number)
    return auctions


def auction_close_entry(*, auction_id: int) -> dict | None:
    """The auction's `closed` entry in the transparency log: its leaf index and server time, or None."""
    row = LogEntry.objects.filter(auction_id=auction_id, kind="closed").values("index", "body").first()
    if row is None:
        return None
    at_us = json.loads(row["body"])["at_us"]
    return {"index": row["index"], "at": datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=at_us)}


def auction_identities_visible(auction: Auction) -> bool:
    """Whether the seller (and staff) see which verified company each "Dealer N" was: once the auction has closed,
    whatever its outcome. Dealers never see another dealer's identity; each sees their own alias."""
    return auction.status == Auction.Status.CLOSED


MIN_PHONE_DIGITS = 6


def phone_key(phone: str | None) -> str | None:
    """A phone number compared by its digits (at least MIN_PHONE_DIGITS), the last ten (country prefixes differ)."""
    digits = re.sub(r"\D", "", phone or "")
    return digits[-10:] if len(digits) >= MIN_PHONE_DIGITS else None


def name_key(text: str | None) -> str | None:
    """A company name or licence number compared without case, spaces or punctuation."""
    key = re.sub(r"[\W_]+", "", (text or "").casefold())
    return key or None


INTEGRITY_WINDOW_DAYS = 90
# A bidder is flagged when, over the window, they bid on at least this many closed auctions and won at most this
# share of them, or when at least this share of their auctions were one seller's cars (and there were a few).
RARE_WIN_MIN_AUCTIONS, RARE_WIN_MAX_SHARE = 10, 0.05
ONE_SELLER_MIN_AUCTIONS, ONE_SELLER_MIN_SHARE = 3, 0.5


def _address_key(text: str | None) -> str | None:
    key = "".join(ch for ch in (text or "").casefold() if ch.isalnum())
    return key or None


# A bidder who signed in from a network address or a device the seller signed in from, within this many days
# before the auction's end (or now, while it runs), is flagged.
SESSION_LINK_DAYS = 30


def _session_links(*, seller: User, bidders: list[tuple[str, User]], until: datetime) -> list[str]:
    since = until - timedelta(days=SESSION_LINK_DAYS)
    seen = SessionSighting.objects.filter(seen_at__gte=since, seen_at__lte=until)
    seller_ips = set(seen.filter(user=seller).values_list("ip", flat=True))
    seller_devices = set(seen.filter(user=seller).exclude(device="").values_list("device", flat=True))
    links = []
    for label, dealer in bidders:
        theirs = seen.filter(user=dealer)
        if seller_ips & set(theirs.values_list("ip", flat=True)):
            links.append(f"the seller and {label} signed in from the same network address (IP) within "
                         f"{SESSION_LINK_DAYS} days")
        if seller_devices & set(theirs.exclude(device="").values_list("device", flat=True)):
            links.append(f"the seller and {label} signed in on the same device within {SESSION_LINK_DAYS} days")
    return links


def auction_integrity_report(*, auction: Auction) -> dict:
    """Staff's integrity report of one auction: who bid (alias → company), accounts that share an address or a
    phone with each other or the seller (flags: the bid path already refused the seller's own phone and company),
    bidders who signed in from the seller's network address or device within SESSION_LINK_DAYS,
    bidders who almost never win over the last 90 days, and bidders who bid mostly on this seller's cars."""
    seller = User.objects.select_related("dealer_profile").get(pk=auction.listing.seller_id)
    labels = auction_labels(auction=auction)
    bidders = list(User.objects.filter(pk__in=labels).select_related("dealer_profile"))
    since = db_now() - timedelta(days=INTEGRITY_WINDOW_DAYS)
    rows: list[dict[str, Any]] = []
    for dealer in sorted(bidders, key=lambda d: labels[d.pk]):
        profile = getattr(dealer, "dealer_profile", None)
        auctions = set(Bid.objects.filter(dealer=dealer, created_at__gte=since, is_visible=True,
                                          auction__status=Auction.Status.CLOSED).values_list("auction_id", flat=True))
        won = Auction.objects.filter(pk__in=auctions, winner=dealer).count()
        same_seller = Auction.objects.filter(pk__in=auctions, listing__seller_id=seller.pk).count()
        flags = []
        if len(auctions) >= RARE_WIN_MIN_AUCTIONS and won <= RARE_WIN_MAX_SHARE * len(auctions):
            flags.append(f"won {won} of the {len(auctions)} auctions they bid on in {INTEGRITY_WINDOW_DAYS} days")
        if len(auctions) >= ONE_SELLER_MIN_AUCTIONS and same_seller >= ONE_SELLER_MIN_SHARE * len(auctions):
            flags.append(f"{same_seller} of their {len(auctions)} auctions in {INTEGRITY_WINDOW_DAYS} days were "
                         "this seller's cars")
        rows.append({"label": bidder_label(labels[dealer.pk]), "dealer": dealer, "profile": profile,
                     "auctions": len(auctions), "won": won, "same_seller": same_seller, "flags": flags})

    def keys(user: User) -> dict[str, set]:
        profile = getattr(user, "dealer_profile", None)
        return {"address": {k for k in [_address_key(profile and profile.address)] if k},
                "phone": {k for k in [phone_key(user.phone), phone_key(profile and profile.phone)] if k}}

    people: list[tuple[str, User]] = [("the seller", seller)] + [(row["label"], row["dealer"]) for row in rows]
    links = []
    for i, (name_a, a) in enumerate(people):
        for name_b, b in people[i + 1:]:
            for what in ("address", "phone"):
                if keys(a)[what] & keys(b)[what]:
                    links.append(f"{name_a} and {name_b} share a{'n' if what == 'address' else ''} {what}")
    links += _session_links(seller=seller, bidders=[(row["label"], row["dealer"]) for row in rows],
                            until=auction.ends_at if auction.status == Auction.Status.CLOSED else db_now())
    return {"auction": auction, "bidders": rows, "links": links, "window_days": INTEGRITY_WINDOW_DAYS,
            "flagged": bool(links) or any(row["flags"] for row in rows)}


def listing_regions(*, city: str, postcode: str) -> list[str]:
    """The regions a car is in, as a saved search names them: its city, and every start of its postcode (a
    postcode area), lower case; none containing a comma (a region never does)."""
    regions = [(city or "").strip().casefold()]
    code = (postcode or "").strip().casefold()
    regions += [code[:n] for n in range(1, len(code) + 1)]
    return [region for region in dict.fromkeys(regions) if region and "," not in region]


def saved_search_list_matching(*, auction: Auction, price_minor: int) -> QuerySet:
    """The saved searches `auction` matches, in one query over all of them: each criterion is empty or met by the
    car (the dashboard's reading: make exactly, model as a part, a region: the city, or a postcode area the postcode
    starts with). `auction` needs its listing and `grade` annotation (saved_search_auction_get).

    A search's regions are stored between commas (`SavedSearch.places`), so the car's region is a fixed number of
    LIKE terms whatever the searches name: its city, and each leading part of its postcode."""
    listing = auction.listing
    grade = getattr(auction, "grade", None) or ""
    in_region = Q(places="")
    for region in listing_regions(city=listing.city, postcode=listing.postcode):
        in_region |= Q(places__contains=f",{region},")
    qs = SavedSearch.objects.alias(
        model_at=StrIndex(Value(listing.model.lower()), Lower("model")),
    ).filter(
        Q(make="") | Q(make__iexact=listing.make),
        Q(model="") | Q(model_at__gt=0),
        Q(year_min__isnull=True) | Q(year_min__lte=listing.first_registration_year),
        Q(year_max__isnull=True) | Q(year_max__gte=listing.first_registration_year),
        Q(price_min__isnull=True) | Q(price_min__lte=price_minor),
        Q(price_max__isnull=True) | Q(price_max__gte=price_minor),
        Q(grade="") | Q(grade=grade),
        in_region,
    )
    if listing.mileage_km is None:
        return qs.filter(mileage_max__isnull=True).order_by()
    return qs.filter(Q(mileage_max__isnull=True) | Q(mileage_max__gte=listing.mileage_km)).order_by()


def saved_search_auction_get(auction_id: int) -> Auction | None:
    return Auction.objects.select_related("listing").annotate(grade=grade_expression()).filter(pk=auction_id).first()


def saved_search_list(*, dealer: User) -> QuerySet:
    return SavedSearch.objects.filter(dealer=dealer).order_by("id")


def personal_data(*, user: User) -> dict:
    """The person's bids (their own, or placed for their organisation by them), the auctions of their cars, what
    they watch and their saved searches, and the seller's consents and counter-offers addressed to them as a
    dealer (privacy.selectors.personal_data_export)."""
    bids = Bid.objects.filter(Q(dealer=user) | Q(placed_by=user)).order_by("created_at", "id")
    return {
        "bids": [record(b, ("id", "auction", "dealer", "placed_by", "amount_minor", "kind", "max_minor", "state",
                            "withdrawn_at", "created_at")) for b in bids],
        "auctions_of_your_cars": [record(a, ("id", "listing", "status", "outcome", "starts_at", "ends_at",
                                             "price_minor", "winner", "cancel_reason"))
                                  for a in Auction.objects.filter(listing__seller=user).order_by("id")],
        "watched_auctions": list(Watch.objects.filter(dealer=user).order_by("auction_id")
                                 .values_list("auction_id", flat=True)),
        "saved_searches": [record(s, ("id", "name", "make", "model", "year_min", "year_max", "mileage_max",
                                      "price_min", "price_max", "grade", "location", "alert_in_app", "alert_email",
                                      "alert_webhook", "created_at"))
                           for s in SavedSearch.objects.filter(dealer=user).order_by("created_at", "id")],
        "seller_consents": [record(c, ("id", "auction", "source", "status", "amount_minor", "deadline",
                                       "decided_at", "created_at"))
                            for c in SellerConsent.objects.filter(dealer=user).order_by("id")],
        "counter_offers": [record(c, ("id", "auction", "status", "bid_minor", "amount_minor", "expires_at",
                                      "decided_at", "created_at"))
                           for c in CounterOffer.objects.filter(dealer=user).order_by("id")],
    }


def account_closure_obstacles(*, user: User) -> list[str]:
    """An auction of the person's car not yet decided; as a dealer, money committed (leading a live auction, a top
    bid the seller may still accept, a car won and not yet paid) or a counter-offer waiting for their answer."""
    said = []
    selling = Auction.objects.filter(listing__seller=user).filter(
        Q(status__in=Auction.OPEN_STATUSES) | Q(status=Auction.Status.CLOSED, outcome=Auction.Outcome.AWAITING_SELLER))
    if selling.exists():
        said.append(_("An auction of your car is scheduled, running or waiting for your decision."))
    if dealer_committed_minor(dealer=user):
        said.append(_("You lead an auction, have a top bid the seller may still accept, or owe for a car you won."))
    if CounterOffer.objects.filter(dealer=user, status=CounterOffer.Status.PENDING).exists():
        said.append(_("A counter-offer is waiting for your answer."))
    if SellerConsent.objects.filter(dealer=user, status=SellerConsent.Status.PENDING).exists():
        said.append(_("A seller is still deciding whether to sell you a car."))
    return said
