"""Role-shaped output of auctions. Dealers get the *Dealer* serializers only: no reserve, no maximum but
their own, no dealer identities. The bid policy also uses them to store an idempotent bid's answer."""

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from auctions.models import Auction, Bid, bidder_label
from auctions.selectors import auction_minimum_next_bid, auction_repricings, auction_top_bidder_can_buy
from core.api import OutputFieldsShared
from core.media import url_for
from core.money import Money
from marketplace.api import ListingPublicOutputSerializer
from payments.selectors import all_in_price_in_force
from transparency.serializers import BidReceiptOutputSerializer

MY_STATES = ("leading", "outbid", "not_bidding")


def all_in_minor(amount_minor: int | None) -> int | None:
    """What a dealer pays in all if the hammer falls at this amount (+ the buyer fee of the schedule in force)."""
    if amount_minor is None or amount_minor <= 0:
        return None
    return all_in_price_in_force(Money.of(amount_minor)).amount_minor


class _AuctionStateFields(OutputFieldsShared, serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Auction.Status.choices)
    outcome = serializers.ChoiceField(choices=Auction.Outcome.choices)
    currency = serializers.SerializerMethodField()
    starting_price_minor = serializers.IntegerField()
    price_minor = serializers.IntegerField(allow_null=True)
    bid_count = serializers.IntegerField()
    reserve_met = serializers.BooleanField()
    minimum_next_bid_minor = serializers.SerializerMethodField()
    all_in_next_bid_minor = serializers.SerializerMethodField(
        allow_null=True,
        help_text=_("What the dealer pays in all if the hammer falls at the next valid bid: it plus the buyer fee."))
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    server_time = serializers.SerializerMethodField()
    event_seq = serializers.IntegerField()

    def get_currency(self, auction) -> str:
        return settings.GAVEL_CURRENCY

    def get_minimum_next_bid_minor(self, auction) -> int:
        return auction_minimum_next_bid(auction)

    def get_all_in_next_bid_minor(self, auction) -> int | None:
        return all_in_minor(auction_minimum_next_bid(auction))

    def get_server_time(self, auction) -> str:
        # A bid's answer carries the database clock of its decision (an idempotent retry gets the same answer).
        return serializers.DateTimeField().to_representation(getattr(auction, "server_time", None) or timezone.now())


class AuctionDealerStateOutputSerializer(_AuctionStateFields):
    """The live numbers as one dealer sees them. Needs `my_state`, `my_max_minor`, `my_label` on the instance
    (auctions.selectors.dealer_view_prepare or the bid service set them)."""

    my_state = serializers.ChoiceField(choices=[(s, s) for s in MY_STATES])
    my_max_minor = serializers.IntegerField(allow_null=True, help_text=_("Your own maximum, if you set one."))
    my_label = serializers.CharField(allow_null=True, help_text=_("Your anonymous name in this auction."))
    is_winner = serializers.SerializerMethodField()
    price_all_in_minor = serializers.SerializerMethodField(
        help_text=_("The current (or starting) price plus the buyer fee on it: what you pay in all at that hammer."))

    def get_price_all_in_minor(self, auction) -> int | None:
        return all_in_minor(auction.price_minor if auction.price_minor is not None else auction.starting_price_minor)

    def get_is_winner(self, auction) -> bool:
        return auction.outcome == Auction.Outcome.SOLD and auction.winner_id == getattr(auction, "viewer_id", None)


class AuctionCarSummaryOutputSerializer(serializers.Serializer):
    listing_id = serializers.IntegerField(source="id")
    make = serializers.CharField()
    model = serializers.CharField()
    variant = serializers.CharField()
    first_registration_year = serializers.IntegerField()
    mileage_km = serializers.IntegerField(allow_null=True)
    fuel = serializers.CharField()
    transmission = serializers.CharField()
    city = serializers.CharField()
    cover_thumb_url = serializers.SerializerMethodField()
    cover_medium_url = serializers.SerializerMethodField()

    def _cover(self, listing):
        covers = getattr(listing, "cover_photos", None)
        if covers is None:
            covers = [p for p in listing.photos.all() if p.is_cover]
        return covers[0] if covers else None

    def _url(self, listing, variant) -> str | None:
        cover = self._cover(listing)
        if cover is None:
            return None
        url = url_for(getattr(cover, variant))
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url

    def get_cover_thumb_url(self, listing) -> str | None:
        return self._url(listing, "thumb")

    def get_cover_medium_url(self, listing) -> str | None:
        return self._url(listing, "medium")


def _shape(name: str):
    """A `role` field naming the shape of an answer that differs per role (the OpenAPI discriminator)."""

    @extend_schema_field({"type": "string", "enum": [name]})
    def get_role(self, auction) -> str:
        return name

    return serializers.SerializerMethodField(help_text=_("Which shape this is: dealer, seller or staff.")), get_role


class AuctionDealerListOutputSerializer(AuctionDealerStateOutputSerializer):
    role, get_role = _shape("dealer")
    car = AuctionCarSummaryOutputSerializer(source="listing")
    grade = serializers.CharField(allow_null=True)
    is_watched = serializers.BooleanField()


class RepricingOutputSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    price_before_minor = serializers.IntegerField(allow_null=True)
    price_after_minor = serializers.IntegerField(allow_null=True)


def _repricings(auction) -> list:
    # many=True makes a ListSerializer, whose data is a list; the stubs type the call as the item serializer.
    return RepricingOutputSerializer(auction_repricings(auction=auction), many=True).data  # type: ignore[return-value]


class AuctionDealerDetailOutputSerializer(AuctionDealerListOutputSerializer):
    listing = ListingPublicOutputSerializer()
    rules = serializers.SerializerMethodField()
    repricings = serializers.SerializerMethodField(
        help_text=_("Each time a bidder who may no longer buy was withdrawn and the auction was worked out again from "
                  "the remaining bids (the price may go down)."))

    @extend_schema_field(RepricingOutputSerializer(many=True))
    def get_repricings(self, auction):
        return _repricings(auction)

    def get_rules(self, auction) -> list[str]:
        from auctions.rules import rules_in_plain_words

        return rules_in_plain_words()


class AuctionWinnerOutputSerializer(serializers.Serializer):
    company_name = serializers.CharField()
    full_name = serializers.CharField()
    email = serializers.EmailField()


class AuctionSellerOutputSerializer(_AuctionStateFields):
    """The seller of the car (and staff): every amount and the reserve; who won only once sold."""

    role, get_role = _shape("seller")
    car = AuctionCarSummaryOutputSerializer(source="listing")
    grade = serializers.CharField(allow_null=True)
    reserve_minor = serializers.IntegerField(allow_null=True)
    leader_label = serializers.SerializerMethodField()
    closed_at = serializers.DateTimeField(allow_null=True)
    decision_deadline = serializers.DateTimeField(allow_null=True)
    hammer_price_minor = serializers.IntegerField(allow_null=True)
    can_decide = serializers.SerializerMethodField()
    can_accept = serializers.SerializerMethodField(
        help_text=_("False while deciding when the top bidder may no longer buy (suspended): only declining is left."))
    top_bidder_can_buy = serializers.SerializerMethodField(
        help_text=_("While the seller decides: whether the top bidder may still buy."))
    repricings = serializers.SerializerMethodField(
        help_text=_("Each time a bidder who may no longer buy was withdrawn and the auction was worked out again."))
    winner = serializers.SerializerMethodField()

    def get_leader_label(self, auction) -> str | None:
        return bidder_label(getattr(auction, "leader_label_number", None))

    def get_can_decide(self, auction) -> bool:
        return auction.outcome == Auction.Outcome.AWAITING_SELLER

    def get_top_bidder_can_buy(self, auction) -> bool | None:
        if auction.outcome != Auction.Outcome.AWAITING_SELLER:
            return None
        if not hasattr(auction, "_top_bidder_can_buy"):  # asked for twice per auction (can_accept too)
            auction._top_bidder_can_buy = auction_top_bidder_can_buy(auction=auction)
        return auction._top_bidder_can_buy

    def get_can_accept(self, auction) -> bool:
        return bool(self.get_can_decide(auction) and self.get_top_bidder_can_buy(auction))

    @extend_schema_field(RepricingOutputSerializer(many=True))
    def get_repricings(self, auction):
        return _repricings(auction)

    @extend_schema_field(AuctionWinnerOutputSerializer(allow_null=True))
    def get_winner(self, auction) -> dict | None:
        if auction.outcome != Auction.Outcome.SOLD or auction.winner is None:
            return None
        profile = getattr(auction.winner, "dealer_profile", None)
        return {"company_name": profile.company_name if profile else "", "full_name": auction.winner.full_name,
                "email": auction.winner.email}


class AuctionStaffOutputSerializer(AuctionSellerOutputSerializer):
    role, get_role = _shape("staff")
    listing_id = serializers.IntegerField()
    seller_id = serializers.IntegerField(source="listing.seller_id")
    leader_id = serializers.IntegerField(allow_null=True)
    leader_max_minor = serializers.IntegerField(allow_null=True)
    winner_id = serializers.IntegerField(allow_null=True)
    cancel_reason = serializers.CharField()


class BidDealerOutputSerializer(OutputFieldsShared, serializers.Serializer):
    sequence = serializers.IntegerField()
    # DRF's serializer metaclass takes declared fields off the class, so Field.label is untouched at run time.
    label = serializers.SerializerMethodField()  # type: ignore[assignment]
    amount_minor = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Bid.Kind.choices)
    created_at = serializers.DateTimeField()
    is_mine = serializers.SerializerMethodField()
    all_in_minor = serializers.SerializerMethodField(help_text=_("The amount plus the buyer fee on it."))

    def get_all_in_minor(self, bid) -> int | None:
        return all_in_minor(bid.amount_minor)

    def get_label(self, bid) -> str | None:
        return bidder_label(self.context.get("labels", {}).get(bid.dealer_id))

    def get_is_mine(self, bid) -> bool:
        return bid.dealer_id == self.context.get("viewer_id")


class BidSellerOutputSerializer(BidDealerOutputSerializer):
    dealer_name = serializers.SerializerMethodField(help_text=_("The verified company behind the label, once the "
                                                              "auction has closed."))

    def get_dealer_name(self, bid) -> str | None:
        if not self.context.get("identities"):
            return None
        profile = getattr(bid.dealer, "dealer_profile", None)
        return profile.company_name if profile else bid.dealer.full_name


class BidStaffOutputSerializer(BidSellerOutputSerializer):
    dealer_id = serializers.IntegerField()
    dealer_email = serializers.EmailField(source="dealer.email")
    max_minor = serializers.IntegerField(allow_null=True)
    is_visible = serializers.BooleanField()
    state = serializers.ChoiceField(
        choices=Bid.State.choices,
        help_text=_("Only standing bids count; withdrawn and replaced ones are kept for the record."))


class BidPlacedOutputSerializer(serializers.Serializer):
    """The answer to a dealer's bid: the bids it caused (a proxy may answer at once) and the new state."""

    placed = BidDealerOutputSerializer(many=True)
    auction = AuctionDealerStateOutputSerializer()
    receipts = BidReceiptOutputSerializer(many=True, help_text=_(
        "The signed transparency-log receipt of each of your bids this request logged (docs/transparency.md): "
        "keep it; it proves the bid was accepted, and when."))
