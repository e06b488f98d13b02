"""Where an auction turns into a sale: closing auctions and the seller's decision, each followed by the sale.

Auctions decide outcomes (`auctions.services.auction_close`, `auction_decide`) and know nothing of sales;
settlement sits above them in the app order and opens the sale of a sold car by calling them first:
- a close commits on its own (the closer goes straight on to the next auction); the sale of a sold car opens
  right after, off the closer's queue (`payments.tasks.sale_open_for_auction_task`), and the beat's safety net
  (`sales_open_missing`) opens any a dead worker left behind;
- the seller's yes to an under-reserve top bid opens the sale in the same transaction: the seller sees it at once.
"""

from django.conf import settings
from django.db import transaction

from accounts.models import User
from auctions.models import Auction
from auctions.services import auction_close, auction_decide
from auctions.services.counters import counter_offer_answer
from core.clock import db_now
from core.sweeps import sweep
from core.transitions import TransitionResult
from payments.models import Sale
from payments.services.sales import sale_create_for_auction


def auction_close_and_settle(*, auction_id: int) -> TransitionResult | None:
    """Close a live auction past its end (idempotent, see auction_close) and, when it sold, open its sale once the
    close has committed."""
    result = auction_close(auction_id=auction_id)
    if result is not None and result.changed and Auction.objects.filter(
            pk=auction_id, outcome=Auction.Outcome.SOLD).exists():
        _sale_open_on_commit(auction_id)
    return result


def _sale_open_on_commit(auction_id: int) -> None:
    """Open the sale after commit: on a worker of the default queue, or in-process when notifications are not
    asynchronous (the test suite)."""
    from payments.tasks import sale_open_for_auction_task  # payments.tasks imports these services

    def open_sale() -> None:
        if settings.GAVEL_NOTIFY_ASYNC:
            sale_open_for_auction_task.delay(auction_id)
        else:
            sale_create_for_auction(auction=Auction.objects.get(pk=auction_id))

    transaction.on_commit(open_sale)


def auction_decision_settle(*, auction_id: int, seller: User, accept: bool, reason: str = "") -> TransitionResult:
    """The seller accepts or declines an under-reserve top bid (auctions.services.auction_decide); a yes opens the
    sale in the same transaction."""
    with transaction.atomic():
        result = auction_decide(auction_id=auction_id, seller=seller, accept=accept, reason=reason)
        if accept and result.changed:
            sale_create_for_auction(auction=Auction.objects.get(pk=auction_id))
    return result


def counter_offer_answer_and_settle(*, auction_id: int, dealer: User, accept: bool) -> TransitionResult:
    """The top bidder answers the seller's counter-offer (auctions.services.counters); a yes opens the sale in the
    same transaction, through the one gate every sale passes."""
    with transaction.atomic():
        result = counter_offer_answer(auction_id=auction_id, dealer=dealer, accept=accept)
        if accept and result.changed:
            sale_create_for_auction(auction=Auction.objects.get(pk=auction_id))
    return result


def auctions_close_overdue() -> int:
    """Close every live auction past its end (and open the sales), in bounded batches, each in its own short
    transaction taken FOR UPDATE SKIP LOCKED: a row an ETA task or a bid holds right now is left to them and comes
    round again at the next sweep. Committing one by one makes each close visible at once."""
    return sweep(Auction.objects.filter(status=Auction.Status.LIVE, ends_at__lte=db_now()).order_by("ends_at"),
                 lambda auction_id: bool(auction_close_and_settle(auction_id=auction_id)),
                 batch=settings.GAVEL_AUCTION_SWEEP_BATCH, until_done=True)


def sales_open_missing() -> int:
    """Safety net: open the sale of every sold auction that has none (the worker that was to open it died)."""
    sold_without_sale = (Auction.objects.filter(outcome=Auction.Outcome.SOLD)
                         .exclude(pk__in=Sale.objects.values("auction_id")).order_by("closed_at"))

    def open_sale(auction_id: int) -> bool:
        sale, created = sale_create_for_auction(auction=Auction.objects.get(pk=auction_id))
        return created

    return sweep(sold_without_sale, open_sale, batch=settings.GAVEL_SALES_SWEEP_BATCH)
