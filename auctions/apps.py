from django.apps import AppConfig


def auction_webhook_payload(auction_id: int, user) -> dict | None:
    """An auction in a webhook: the dealer's own view of it, as GET /api/v1/auctions/ lists it."""
    from auctions.selectors import auction_list_visible_to, dealer_view_prepare
    from auctions.serializers import AuctionDealerListOutputSerializer

    auction = auction_list_visible_to(user=user).filter(pk=auction_id).first()
    if auction is None:
        return None
    dealer_view_prepare([auction], dealer=user)
    return dict(AuctionDealerListOutputSerializer(auction).data)


class AuctionsConfig(AppConfig):
    name = "auctions"

    def ready(self):
        from auctions.services.common import auction_dealer_notify
        from core.outbox import outbox_effect_register
        from integrations.payloads import payload_renderer_register

        payload_renderer_register("auction", auction_webhook_payload)
        # A bid's outbid and proxy notices: the outbox worker works out whom in the organisation to tell.
        outbox_effect_register("auction_dealer_notify", auction_dealer_notify)
