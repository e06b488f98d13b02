"""Timed dealer auctions.

Private numbers (never in a dealer-visible payload): Auction.reserve_minor, Auction.leader_max_minor,
Bid.max_minor, and the identity behind every Bid/leader/winner (dealers see "Dealer N" labels).
"""

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.money import Money
from marketplace.models import Listing


class Auction(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        LIVE = "live", _("Live")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

    class Outcome(models.TextChoices):
        # A separate field from `status`: status is where the auction is in time, outcome is what it decided.
        NONE = "", "—"
        SOLD = "sold", _("Sold")
        AWAITING_SELLER = "awaiting_seller", _("Awaiting the seller's decision")
        NO_BIDS = "no_bids", _("No bids")
        UNSOLD = "unsold", _("Not sold (seller declined)")
        CANCELLED = "cancelled", _("Cancelled")

    S = Status
    TRANSITIONS = {
        S.SCHEDULED: {S.LIVE, S.CANCELLED},
        S.LIVE: {S.CLOSED, S.CANCELLED},
        S.CLOSED: set(),
        S.CANCELLED: set(),
    }
    del S
    # transition(..., field="outcome"): the close (or a cancellation) decides the first outcome together with the
    # status; only the seller's decision (or its deadline) changes it after the close; and a sold car whose
    # winner lost the right to buy before the sale could open is not sold after all.
    OUTCOME_TRANSITIONS = {
        Outcome.NONE: {Outcome.SOLD, Outcome.AWAITING_SELLER, Outcome.NO_BIDS, Outcome.CANCELLED},
        Outcome.AWAITING_SELLER: {Outcome.SOLD, Outcome.UNSOLD},
        Outcome.SOLD: {Outcome.UNSOLD},
        Outcome.NO_BIDS: set(), Outcome.UNSOLD: set(), Outcome.CANCELLED: set(),
    }
    OPEN_STATUSES = (Status.SCHEDULED, Status.LIVE)

    # One dealer's view, set on an instance for that dealer (auctions.selectors.dealer_view_prepare, the bid answer)
    # and read by AuctionDealerStateOutputSerializer; not columns.
    my_state: str
    my_max_minor: int | None
    my_label: str | None
    viewer_id: int
    # Set for the seller's pages (payments.selectors: the counter-offer waiting for an answer) and on the bid answer
    # (auctions.services.bidding: the database's clock at the decision); not columns.
    pending_counter: "CounterOffer | None"
    server_time: datetime

    listing = models.ForeignKey(Listing, on_delete=models.PROTECT, related_name="auctions")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SCHEDULED)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.NONE, blank=True)

    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(db_index=True, help_text=_("Moves later when a bid lands in the soft-close window."))
    duration_minutes = models.PositiveIntegerField()
    starting_price_minor = models.BigIntegerField()
    reserve_minor = models.BigIntegerField(
        null=True, blank=True, help_text=_("Private: copied from the listing when scheduled; never shown to dealers."))

    price_minor = models.BigIntegerField(null=True, blank=True, help_text=_("The visible price: the highest bid."))
    bid_count = models.PositiveIntegerField(default=0, help_text=_("Visible bids."))
    last_sequence = models.PositiveIntegerField(default=0,
                                                help_text=_("Sequence of the last Bid row (visible or not)."))
    # No index of its own on leader, winner or owed_by: the ones in Meta start with them (every bid updates the row,
    # and every index of it).
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="auctions_leading", db_index=False)
    leader_max_minor = models.BigIntegerField(null=True, blank=True, help_text=_("Private: the leader's maximum."))
    event_seq = models.PositiveBigIntegerField(
        default=0, help_text=_("Bumped in the same transaction as every public change; live events carry it."))

    # The transparency log (transparency, auctions.services.auction_log): this auction's entries so far (0: not in
    # the log) and whether its reserve_met entry is written, kept on the locked row so appending needs no query.
    log_seq = models.PositiveIntegerField(default=0, help_text=_("Transparency log entries of this auction so far."))
    log_reserve_met = models.BooleanField(default=False, help_text=_("Its reserve_met entry is in the log."))

    closed_at = models.DateTimeField(null=True, blank=True)
    decision_deadline = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    winner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="auctions_won", db_index=False)
    hammer_price_minor = models.BigIntegerField(null=True, blank=True)
    # Who owes the car's price while it is unpaid, and how much: the winner from the sale at the close (or the
    # seller's yes) until their money arrives; a second-chance buyer from their sale's opening. It counts against
    # their buying limit. Settlement keeps it (auction_obligation_set / _clear) — auctions never reads sales.
    owed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", db_index=False)
    owed_minor = models.BigIntegerField(null=True, blank=True)
    cancel_reason = models.TextField(blank=True)

    scheduled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    # The published report revision dealers bid on: the current one when the auction was scheduled. No new
    # revision is published while the car is in an auction, and a later one never moves this; the sale copies
    # what it disclosed.
    report = models.ForeignKey("inspections.InspectionReport", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="auctions",
                               help_text=_("The published report revision dealers bid on (set when scheduled)."))
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["ends_at", "id"]
        indexes = [
            models.Index(fields=["status", "ends_at"], name="auctions_status_ends_at"),
            models.Index(fields=["status", "starts_at"], name="auctions_status_starts_at"),
            models.Index(fields=["leader", "status"], name="auctions_leader_status"),
            models.Index(fields=["winner", "outcome"], name="auctions_winner_outcome"),
            models.Index(fields=["owed_by"], condition=models.Q(owed_by__isnull=False), name="auctions_owed_by"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["listing"], condition=models.Q(status__in=["scheduled", "live"]),
                                    name="auctions_one_open_auction_per_listing",
                                    violation_error_message=_("This car already has an open auction.")),
            models.CheckConstraint(condition=models.Q(status__in=["scheduled", "live", "closed", "cancelled"]),
                                   name="auctions_auction_status_valid"),
            models.CheckConstraint(condition=models.Q(starting_price_minor__gt=0),
                                   name="auctions_starting_price_positive"),
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")),
                                   name="auctions_ends_after_start"),
            models.CheckConstraint(condition=models.Q(owed_by__isnull=True, owed_minor__isnull=True)
                                   | models.Q(owed_by__isnull=False, owed_minor__gt=0),
                                   name="auctions_owed_by_and_amount_together"),
        ]

    def __str__(self):
        return f"Auction {self.pk} · {self.listing}"

    @property
    def reserve_met(self) -> bool:
        """What dealers may know about the reserve: whether the current price reaches it."""
        if self.price_minor is None:
            return False
        return self.reserve_minor is None or self.price_minor >= self.reserve_minor

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class Bid(models.Model):
    class Kind(models.TextChoices):
        DIRECT = "direct", _("Bid")
        PROXY = "proxy", _("Maximum bid")
        AUTO = "auto", _("Automatic bid")

    class State(models.TextChoices):
        # Only standing bids count: for the price, the leader, the history dealers see and second chances.
        STANDING = "standing", _("Standing")
        WITHDRAWN = "withdrawn", _("Withdrawn: the dealer may no longer buy")
        REPLACED = "replaced", _("Replaced when the auction was worked out again without a withdrawn bidder")

    # transition(..., field="state"): a bid stops counting once, for good.
    STATE_TRANSITIONS = {State.STANDING: {State.WITHDRAWN, State.REPLACED}, State.WITHDRAWN: set(),
                         State.REPLACED: set()}

    # Indexed by the sequence constraint (auction first) and the dealer index in Meta (dealer first): no index of
    # their own, one less to write with every bid.
    auction = models.ForeignKey(Auction, on_delete=models.PROTECT, related_name="bids", db_index=False)
    dealer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bids", db_index=False)
    # The organisation member who placed it (the dealer above is the organisation's account); never shown to the
    # seller nor to other dealers. Empty on bids from before organisations and on the engine's automatic bids.
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    amount_minor = models.BigIntegerField()
    kind = models.CharField(max_length=8, choices=Kind.choices)
    max_minor = models.BigIntegerField(null=True, blank=True, help_text=_("Private: the maximum behind a proxy bid."))
    sequence = models.PositiveIntegerField(help_text=_("1, 2, 3 … per auction, in the order the bids were placed."))
    is_visible = models.BooleanField(
        default=True, help_text=_("False for a leader raising their own maximum: nothing public changed."))
    state = models.CharField(max_length=10, choices=State.choices, default=State.STANDING)
    withdrawn_at = models.DateTimeField(null=True, blank=True, help_text=_("When the bid stopped counting."))
    created_at = models.DateTimeField(help_text=_("The database clock inside the bid's transaction."))

    class Meta:
        ordering = ["auction", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["auction", "sequence"], name="auctions_bid_sequence_unique"),
            models.CheckConstraint(condition=models.Q(amount_minor__gt=0), name="auctions_bid_amount_positive"),
        ]
        indexes = [models.Index(fields=["dealer", "auction"], name="auctions_bid_dealer_auction")]

    def __str__(self):
        return f"Bid {self.sequence} on auction {self.auction_id}: {Money.of(self.amount_minor).format()}"


class SellerConsent(models.Model):
    """The seller's own answer to selling their car below its reserve: one amount, to one dealer, on one auction.

    Every sale below the reserve needs an accepted consent for exactly its price and buyer (payments checks it
    where every sale is made). Only the seller's own action accepts; the close and staff actions may only ask,
    and every question has a deadline after which it counts as declined."""

    class Source(models.TextChoices):
        CLOSE = "close", _("The top bid at the close was below the reserve")
        SECOND_CHANCE = "second_chance", _("Second-chance offer after the buyer did not pay")
        # The seller named the price themselves: their counter-offer, or the buy-now price they agreed to.
        COUNTER = "counter", _("The seller's counter-offer, accepted by the top bidder")
        BUY_NOW = "buy_now", _("The buy-now price the seller agreed to")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the seller")
        ACCEPTED = "accepted", _("Accepted by the seller")
        DECLINED = "declined", _("Declined by the seller")
        EXPIRED = "expired", _("No answer in time: declined")
        WITHDRAWN = "withdrawn", _("Withdrawn: the dealer may no longer buy")

    S = Status
    TRANSITIONS = {
        S.PENDING: {S.ACCEPTED, S.DECLINED, S.EXPIRED, S.WITHDRAWN},
        S.ACCEPTED: set(), S.DECLINED: set(), S.EXPIRED: set(), S.WITHDRAWN: set(),
    }
    del S

    auction = models.ForeignKey(Auction, on_delete=models.PROTECT, related_name="seller_consents")
    dealer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               help_text=_("Who would buy: the top bidder, or the dealer offered a second chance."))
    amount_minor = models.BigIntegerField(help_text=_("The price the seller is asked about."))
    reserve_minor = models.BigIntegerField(help_text=_("The auction's reserve when the seller was asked."))
    source = models.CharField(max_length=16, choices=Source.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    deadline = models.DateTimeField(db_index=True, help_text=_("Without an answer by then it counts as declined."))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", help_text=_("Staff whose action asked; empty when Gavel did."))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("seller's consent below the reserve")
        verbose_name_plural = _("sellers' consents below the reserve")
        constraints = [
            models.UniqueConstraint(fields=["auction"], condition=models.Q(status="pending"),
                                    name="auctions_consent_one_pending_per_auction"),
            models.CheckConstraint(condition=models.Q(amount_minor__gt=0, amount_minor__lt=models.F("reserve_minor")),
                                   name="auctions_consent_below_reserve"),
        ]
        indexes = [models.Index(fields=["auction", "status", "amount_minor"], name="auctions_consent_lookup")]

    def __str__(self):
        return f"Consent {self.pk} · auction {self.auction_id}: {self.get_status_display()}"


class CounterOffer(models.Model):
    """The seller's answer to a top bid below the reserve: "not at that price, but at this one" — to the top bidder,
    above their bid, open for a fixed time. The dealer accepts (the car is sold at the counter price, which is the
    seller's own word: below the reserve it is recorded as their consent) or declines (not sold)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the dealer")
        ACCEPTED = "accepted", _("Accepted by the dealer")
        DECLINED = "declined", _("Declined by the dealer")
        EXPIRED = "expired", _("No answer in time")
        WITHDRAWN = "withdrawn", _("Withdrawn: the dealer may no longer buy")

    S = Status
    TRANSITIONS = {S.PENDING: {S.ACCEPTED, S.DECLINED, S.EXPIRED, S.WITHDRAWN},
                   S.ACCEPTED: set(), S.DECLINED: set(), S.EXPIRED: set(), S.WITHDRAWN: set()}
    del S

    auction = models.ForeignKey(Auction, on_delete=models.PROTECT, related_name="counter_offers")
    dealer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               help_text=_("The top bidder the seller answered."))
    bid_minor = models.BigIntegerField(help_text=_("The top bid the seller countered."))
    amount_minor = models.BigIntegerField(help_text=_("The seller's price."))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    expires_at = models.DateTimeField(db_index=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["auction"], name="auctions_one_counter_offer_per_auction"),
            models.CheckConstraint(condition=models.Q(amount_minor__gt=models.F("bid_minor")),
                                   name="auctions_counter_above_the_bid"),
        ]

    def __str__(self):
        return f"Counter-offer {self.pk} · auction {self.auction_id}: {self.get_status_display()}"


class RelistRequest(models.Model):
    """The seller asks for their unsold car to go to auction again, with a new reserve and starting price. Staff
    approve it (the car is relisted and its auction booked with the car's published report: no new inspection
    while that report is young enough) or refuse it with a reason."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for our team")
        APPROVED = "approved", _("Approved: auction booked")
        REFUSED = "refused", _("Refused")

    S = Status
    TRANSITIONS = {S.PENDING: {S.APPROVED, S.REFUSED}, S.APPROVED: set(), S.REFUSED: set()}
    del S

    listing = models.ForeignKey(Listing, on_delete=models.PROTECT, related_name="relist_requests")
    reserve_minor = models.BigIntegerField(help_text=_("The seller's new reserve (private)."))
    starting_price_minor = models.BigIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    auction = models.OneToOneField(Auction, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                   help_text=_("The auction booked when approved."))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["listing"], condition=models.Q(status="pending"),
                                    name="auctions_one_pending_relist_per_listing"),
            models.CheckConstraint(condition=models.Q(starting_price_minor__gt=0, reserve_minor__gt=0),
                                   name="auctions_relist_amounts_positive"),
        ]

    def __str__(self):
        return f"Relist request {self.pk} · {self.listing}: {self.get_status_display()}"


def bidder_label(number: int | None) -> str | None:
    """A bidder's anonymous name from their label number ("Dealer 3"), or None without one: the one place the
    wording lives (pages, the API, live events, the transparency log)."""
    return f"Dealer {number}" if number else None


def bidder_label_shown(label: str | None) -> str:
    """How a person reads a bidder's anonymous name in their own language ("Händler 3"). The label itself
    (bidder_label) stays as it is wherever it is data: the API, live events, the transparency log."""
    if not label:
        return ""
    prefix, _space, number = str(label).rpartition(" ")
    if prefix == "Dealer" and number.isdigit():
        return gettext("Dealer %(number)s") % {"number": number}
    return gettext(str(label)) if label == "Dealer" else str(label)


class BidderLabel(models.Model):
    """A dealer's stable anonymous name in one auction ("Dealer 3"), given at their first bid."""

    auction = models.ForeignKey(Auction, on_delete=models.CASCADE, related_name="labels",
                                db_index=False)  # the unique constraints start with it
    dealer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["auction", "dealer"], name="auctions_label_dealer_unique"),
            models.UniqueConstraint(fields=["auction", "number"], name="auctions_label_number_unique"),
        ]

    def __str__(self):
        return self.text

    @property
    def text(self) -> str:
        return bidder_label(self.number) or ""


class Watch(models.Model):
    dealer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watches")
    auction = models.ForeignKey(Auction, on_delete=models.CASCADE, related_name="watches")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["dealer", "auction"], name="auctions_watch_unique")]

    def __str__(self):
        return f"{self.dealer_id} watches {self.auction_id}"


class IdempotencyKey(models.Model):
    """The first answer to a bid request carrying an Idempotency-Key; a retry gets it again."""

    dealer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64, help_text=_("sha256 of the method, path and body."))
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["dealer", "key"], name="auctions_idempotency_key_unique")]

    def __str__(self):
        return f"{self.dealer_id}:{self.key}"


class ApprovedListing(Listing):
    """Admin's view of approved cars waiting for an auction (a proxy: no table of its own)."""

    class Meta:
        proxy = True
        verbose_name = _("car ready for auction")
        verbose_name_plural = _("cars ready for auction")


# How many regions one location may name: matching stays one query with a bounded number of terms.
LOCATION_PLACES_MAX = 10


def location_places(text: str) -> list[str]:
    """The regions a location names (comma-separated cities or postcode areas), lower case, in order, once each."""
    return list(dict.fromkeys(part.strip().casefold() for part in (text or "").split(",") if part.strip()))


def location_places_key(places: list[str]) -> str:
    """The stored form matching reads: every region between commas (",berlin,14,"), or "" for none."""
    return f",{','.join(places)}," if places else ""


class SavedSearch(models.Model):
    """A dealer's dashboard filter kept to be told of new auctions that match it (issue 17).

    Empty criteria match anything. `make`, `model` and `location` read as on the dashboard: the make exactly, the
    model as part of the car's model, the location as one or more regions, comma-separated, any of which matches:
    a city, or a postcode area (the start of the postcode: "10" is Berlin's 10xxx). Listings carry a postcode and a
    city, no coordinates, and Gavel ships no postcode-to-coordinates table, so "within N km" is asked as a list of
    regions ("Berlin, Potsdam, 14"), not a radius. `places` is the location as matching reads it
    (`location_places_key`). Prices compare with the auction's starting price (scheduled) or current price (live),
    in minor units."""

    class Email(models.TextChoices):
        OFF = "off", _("No email")
        INSTANT = "instant", _("At once")
        DAILY = "daily", _("In a daily digest")

    dealer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches")
    name = models.CharField(max_length=100)
    make = models.CharField(max_length=60, blank=True)
    model = models.CharField(max_length=80, blank=True)
    year_min = models.PositiveSmallIntegerField(null=True, blank=True)
    year_max = models.PositiveSmallIntegerField(null=True, blank=True)
    mileage_max = models.PositiveIntegerField(null=True, blank=True)
    price_min = models.BigIntegerField(null=True, blank=True, help_text=_("Minor units."))
    price_max = models.BigIntegerField(null=True, blank=True, help_text=_("Minor units."))
    grade = models.CharField(max_length=20, blank=True)
    location = models.CharField(max_length=100, blank=True)
    places = models.CharField(max_length=104, blank=True, editable=False,
                              help_text=_("The location's regions, lower case, each between commas: \",berlin,14,\"."))
    alert_in_app = models.BooleanField(default=True)
    alert_email = models.CharField(max_length=8, choices=Email.choices, default=Email.OFF)
    alert_webhook = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.dealer_id}: {self.name}"


class SavedSearchMatch(models.Model):
    """A new auction announced to a saved search, once per stage (scheduled, live). A daily-digest email collects
    the matches it has not sent yet."""

    class Stage(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        LIVE = "live", _("Live")

    search = models.ForeignKey(SavedSearch, on_delete=models.CASCADE, related_name="matches")
    auction = models.ForeignKey(Auction, on_delete=models.CASCADE, related_name="+")
    stage = models.CharField(max_length=10, choices=Stage.choices)
    created_at = models.DateTimeField(default=timezone.now)
    digested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["search", "auction", "stage"],
                                               name="auctions_saved_search_match_once")]
        indexes = [models.Index(fields=["digested_at"], name="auctions_match_undigested",
                                condition=models.Q(digested_at__isnull=True))]

    def __str__(self):
        return f"search {self.search_id} ~ auction {self.auction_id} ({self.stage})"
