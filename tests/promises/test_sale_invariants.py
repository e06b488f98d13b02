"""The promises about sales as properties, over random sequences of what people do (Hypothesis).

Dealers bid and set maxima (here and on another auction, which eats into their buying limits), staff suspend and
reinstate them, the auction closes, the seller accepts or declines, buyers pay or let the deadline pass, staff
cancel overdue sales, the seller answers second-chance prices, offered dealers accept or decline, deadlines run
out — all through the services, on PostgreSQL. After every step:

- no sale exists at a price below the reserve without the seller's own accepted consent for that price and buyer;
- no sale was made for a dealer who was suspended at that moment;
- no dealer who may not buy stands in a live auction (a standing bid, or the lead).

Deterministic (derandomized) and bounded, so CI runs the same examples every time.
"""

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from accounts import services as account_services
from accounts.models import DealerProfile, User
from auctions import services as auction_services
from auctions.engine import increment_for
from auctions.models import Auction, Bid, SellerConsent
from auctions.selectors import auction_minimum_next_bid
from core.clock import db_now
from core.exceptions import ApplicationError
from payments import services as payment_services
from payments.models import Sale, SecondChanceOffer
from tests.accounts.factories import DealerFactory, SellerFactory, StaffFactory
from tests.auctions.conftest import move_end
from tests.auctions.factories import ApprovedListingFactory, make_auction
from tests.payments.factories import pay_by_card
from tests.shared_setup import RedisSnapshot, example_savepoint

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

RESERVE = 12_000_00
LIMITS = (50_000_00, 20_000_00, 13_000_00, 50_000_00)  # one dealer a little stretched, one barely able
MAXIMA = (10_500_00, 11_000_00, 11_500_00, 12_000_00, 12_500_00, 13_000_00, 14_000_00)

dealer = st.integers(min_value=0, max_value=len(LIMITS) - 1)
# Who bids is picked among the dealers not leading right now (so most bids are real bids, not refusals), how much
# relative to the next minimum bid (direct) or around the reserve (a maximum).
bids = st.tuples(st.just("bid"), dealer, st.integers(min_value=0, max_value=4))
maxima = st.tuples(st.just("max"), dealer, st.sampled_from(MAXIMA))
suspensions = st.tuples(st.just("suspend"), dealer)
reinstatements = st.tuples(st.just("reinstate"), dealer)
# A strategy listed twice is drawn twice as often: bidding and the steps that lead to second chances dominate.
elsewhere = st.tuples(st.just("bid_elsewhere"), dealer, st.sampled_from(MAXIMA))
while_live = st.one_of(bids, bids, bids, maxima, maxima, maxima, elsewhere, suspensions, reinstatements)
noise = st.lists(st.one_of(st.tuples(st.just("suspend_party")), reinstatements, st.tuples(st.just("expire"))),
                 max_size=1)


def stage(*choices):
    """One step of the story after the close: one of `choices` (None: nothing happens), with suspensions,
    reinstatements or deadlines running out around it. Ordered stages reach deep states (a second chance accepted
    after the seller's yes) far more often than shuffled single steps would; a choice listed twice is drawn twice
    as often."""
    return st.tuples(noise, st.sampled_from(choices))


after_close = st.tuples(
    stage(None, ("decide", True), ("decide", True), ("decide", True), ("decide", False)),
    stage(("pay",), ("lapse",), ("lapse",), ("lapse",), ("seller_cancel",), None),
    *[stage(("consent", True), ("consent", True), ("consent", True), ("consent", False), None),
      stage(("offer", True), ("offer", True), ("offer", True), ("offer", False), None),
      stage(("lapse",), ("lapse",), ("pay",), None)] * 2,
)
scenarios = st.tuples(st.lists(while_live, min_size=4, max_size=10), after_close)


def flatten(stages) -> list:
    ops = []
    for around, choice in stages:
        ops += around + ([choice] if choice else [])
    return ops


class World:
    def __init__(self):
        self.staff, self.seller = StaffFactory(), SellerFactory()
        self.dealers = [DealerFactory(verified=True, profile__buying_limit_minor=limit) for limit in LIMITS]
        self.auction = make_auction(listing=ApprovedListingFactory(seller=self.seller, reserve_minor=RESERVE),
                                    starting_price_minor=10_000_00, staff=self.staff)
        self.elsewhere = make_auction(starting_price_minor=10_000_00, staff=self.staff)
        self.suspended: set[int] = set()
        self.sales_seen: set[int] = set()

    def again(self) -> "World":
        """The world as built, read again from the database (an example starts from it in a savepoint of its own):
        no object a previous example loaded, cached a relation on or changed is handed to the services."""
        world = object.__new__(World)
        world.staff, world.seller = (User.objects.get(pk=user.pk) for user in (self.staff, self.seller))
        world.dealers = [User.objects.get(pk=dealer.pk) for dealer in self.dealers]
        world.auction, world.elsewhere = (Auction.objects.get(pk=a.pk) for a in (self.auction, self.elsewhere))
        world.suspended, world.sales_seen = set(), set()
        return world

    # what people do ----------------------------------------------------------------------------------------------
    def run(self, op) -> None:
        kind, *args = op
        getattr(self, f"do_{kind}")(*args)

    def _challenger(self, index):
        auction = Auction.objects.get(pk=self.auction.pk)
        others = [dealer for dealer in self.dealers if dealer.pk != auction.leader_id]
        return auction, others[index % len(others)]

    def do_bid(self, index, steps):
        auction, bidder = self._challenger(index)
        amount = auction_minimum_next_bid(auction)
        for _ in range(steps):
            amount += increment_for(amount, django_settings.GAVEL_BID_INCREMENTS)
        auction_services.bid_place(auction_id=auction.pk, dealer=bidder, amount_minor=amount)

    def do_max(self, index, maximum):
        auction, bidder = self._challenger(index)
        auction_services.bid_place(auction_id=auction.pk, dealer=bidder,
                                   max_amount_minor=max(maximum, auction_minimum_next_bid(auction)))

    def do_bid_elsewhere(self, index, maximum):
        auction_services.bid_place(auction_id=self.elsewhere.pk, dealer=self.dealers[index], max_amount_minor=maximum)

    def do_suspend(self, index):
        dealer = self.dealers[index]
        payment_services.dealer_suspend_and_withdraw(profile=DealerProfile.objects.get(user=dealer), actor=self.staff,
                                                     reason="Property test")
        self.suspended.add(dealer.pk)

    def do_suspend_party(self):
        """Suspend whoever matters most right now: the dealer holding a second-chance offer, else the buyer of an
        unpaid sale, else the top bidder."""
        offer = SecondChanceOffer.objects.filter(status__in=SecondChanceOffer.OPEN_STATUSES).first()
        sale = Sale.objects.filter(status__in=Sale.UNPAID_STATUSES).first()
        party = (offer.dealer_id if offer else sale.buyer_id if sale
                 else Auction.objects.get(pk=self.auction.pk).leader_id)
        if party is not None:
            self.do_suspend([dealer.pk for dealer in self.dealers].index(party))

    def do_reinstate(self, index):
        dealer = self.dealers[index]
        account_services.dealer_verify(profile=DealerProfile.objects.get(user=dealer), actor=self.staff)
        self.suspended.discard(dealer.pk)

    def do_close(self):
        move_end(self.auction, seconds_from_now=-1)
        payment_services.auction_close_and_settle(auction_id=self.auction.pk)

    def do_decide(self, accept):
        payment_services.auction_decision_settle(auction_id=self.auction.pk, seller=self.seller, accept=accept)

    def do_overdue(self):
        Sale.objects.filter(status=Sale.Status.AWAITING_PAYMENT).update(payment_deadline=db_now() - timedelta(1))
        payment_services.sales_mark_overdue()

    def do_cancel(self):
        for sale in Sale.objects.filter(status=Sale.Status.OVERDUE):
            payment_services.sale_cancel_and_offer_second_chance(sale=sale, actor=self.staff, reason="Unpaid")

    def do_lapse(self):
        """The buyer lets the deadline pass and staff cancel the sale (the usual way to a second chance)."""
        self.do_overdue()
        self.do_cancel()

    def do_consent(self, accept):
        for consent in SellerConsent.objects.filter(status=SellerConsent.Status.PENDING):
            payment_services.seller_consent_decide(consent_id=consent.pk, seller=self.seller, accept=accept)

    def do_offer(self, accept):
        for offer in SecondChanceOffer.objects.filter(status=SecondChanceOffer.Status.PENDING):
            if accept:
                payment_services.second_chance_accept(offer=offer, dealer=offer.dealer)
            else:
                payment_services.second_chance_decline(offer=offer, dealer=offer.dealer)

    def do_seller_cancel(self):
        for sale in Sale.objects.filter(status__in=Sale.UNPAID_STATUSES):
            payment_services.sale_seller_cancel(sale=sale, seller=self.seller)

    def do_pay(self):
        for sale in Sale.objects.filter(status__in=Sale.UNPAID_STATUSES):
            pay_by_card(sale)

    def do_expire(self):
        past = db_now() - timedelta(seconds=1)
        SellerConsent.objects.filter(status=SellerConsent.Status.PENDING).update(deadline=past)
        SecondChanceOffer.objects.filter(status=SecondChanceOffer.Status.PENDING).update(expires_at=past)
        Auction.objects.filter(outcome=Auction.Outcome.AWAITING_SELLER).update(decision_deadline=past)
        auction_services.auction_decisions_expire()
        payment_services.second_chance_expire_due()
        payment_services.second_chance_consents_expire_due()

    def report(self) -> None:
        """What this example reached (Hypothesis' statistics show how deep the examples go)."""
        sales = Sale.objects.all()
        event(f"sales: {sales.count()}")
        if SecondChanceOffer.objects.exists():
            event("a second-chance offer")
        if SecondChanceOffer.objects.filter(amount_minor__lt=RESERVE).exists():
            event("a second-chance offer below the reserve")
        if SellerConsent.objects.filter(source=SellerConsent.Source.SECOND_CHANCE).exists():
            event("the seller asked about a second-chance price")
        if sales.filter(second_chance_of__isnull=False).exists():
            event("a second-chance sale")
        if sales.filter(hammer_price_minor__lt=RESERVE).exists():
            event("a sale below the reserve (with the seller's yes)")
        if Bid.objects.filter(state=Bid.State.WITHDRAWN).exists():
            event("bids withdrawn by a suspension")
        if SellerConsent.objects.filter(status=SellerConsent.Status.DECLINED).exists():
            event("the seller said no")

    # what must always hold -----------------------------------------------------------------------------------------
    def check(self, op) -> None:
        for sale in Sale.objects.exclude(pk__in=self.sales_seen).select_related("auction"):
            self.sales_seen.add(sale.pk)
            reserve = sale.auction.reserve_minor
            if reserve is not None and sale.hammer_price_minor < reserve:
                assert SellerConsent.objects.filter(
                    auction=sale.auction, dealer=sale.buyer, amount_minor=sale.hammer_price_minor,
                    status=SellerConsent.Status.ACCEPTED, decided_by=self.seller).exists(), \
                    f"{op}: sale {sale.pk} at {sale.hammer_price_minor} below the reserve without the seller's yes"
            assert sale.buyer_id not in self.suspended, f"{op}: sale {sale.pk} made for a suspended dealer"
        for auction in Auction.objects.filter(status=Auction.Status.LIVE):
            assert auction.leader_id not in self.suspended, f"{op}: a suspended dealer leads auction {auction.pk}"
            assert not auction.bids.filter(dealer_id__in=self.suspended, state=Bid.State.STANDING).exists(), \
                f"{op}: a suspended dealer's bid stands in auction {auction.pk}"


@pytest.fixture
def built(django_capture_on_commit_callbacks):
    """The world, built once for all the examples (function scope: once per test, not per example)."""
    with django_capture_on_commit_callbacks(execute=True):
        world = World()
    return world, RedisSnapshot()


@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=scenarios)
def test_no_sale_below_the_reserve_without_consent_and_none_for_a_suspended_dealer(
        built, django_capture_on_commit_callbacks, steps):
    live_ops, later_ops = steps[0], flatten(steps[1])
    built_world, redis_after_build = built
    with example_savepoint(redis_after_build):  # each example starts from the built world and leaves nothing behind
        world = built_world.again()
        for op in [*live_ops, ("close",), *later_ops]:
            try:
                # Effects on commit (the sale opening, notifications) run as they would after a real commit.
                with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
                    world.run(op)
            except ApplicationError:
                pass  # a refusal is an answer too: the rules said no
            world.check(op)
        world.report()
