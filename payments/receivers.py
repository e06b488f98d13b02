"""Settlement listens to auctions: a sold auction opens its sale (once, however often the signal arrives)."""

import logging

from django.dispatch import receiver

from auctions.signals import auction_sold

logger = logging.getLogger(__name__)


@receiver(auction_sold, dispatch_uid="payments.sale_create_for_auction")
def open_sale_for_sold_auction(sender, auction, **kwargs):
    from payments.services import sale_create_for_auction

    sale, created = sale_create_for_auction(auction=auction)
    if created:
        logger.info("sale %s opened for auction %s", sale.pk, auction.pk)
    elif sale is None:
        logger.warning("no sale for auction %s: its winner may no longer buy", auction.pk)
