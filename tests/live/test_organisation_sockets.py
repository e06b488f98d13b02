"""A dealer organisation's people on their sockets, against a real uvicorn server, the Redis channel layer and a real
WebSocket client: a removed member's open sockets close at once; the outbid bell rings for the owners and the member
whose bid it was, not for the organisation's other buyers."""

import pytest
from websockets.exceptions import ConnectionClosed

from accounts import organisations
from accounts.models import Membership
from auctions import services as auction_services
from tests.accounts.factories import DealerFactory, member_of
from tests.auctions.factories import make_auction
from tests.live.conftest import frames, session_cookie

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CLOSE_SIGNED_OUT = 4401


@pytest.fixture(autouse=True)
def _locmem_email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def _closed_with(socket_, timeout: float = 10) -> int | None:
    """The close code the server sent, waiting up to `timeout` (frames that arrive first are skipped)."""
    try:
        while True:
            socket_.recv(timeout=timeout)
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd is not None else None


def test_removing_a_member_closes_every_socket_of_theirs_at_once_and_no_one_elses(asgi_server, dealer):
    buyer, colleague = member_of(dealer, Membership.Role.BUYER), member_of(dealer, Membership.Role.BUYER)
    auction = make_auction()
    cookie = session_cookie(buyer)
    with asgi_server.ws("/ws/user/", cookie=cookie) as own, \
            asgi_server.ws(f"/ws/auctions/{auction.pk}/", cookie=cookie) as page, \
            asgi_server.ws("/ws/dashboard/", cookie=cookie) as board, \
            asgi_server.ws(f"/ws/auctions/{auction.pk}/", colleague) as colleagues:
        organisations.member_remove(membership=Membership.objects.get(user=buyer), actor=dealer)
        assert [_closed_with(s) for s in (own, page, board)] == [CLOSE_SIGNED_OUT] * 3
        # The colleague's socket stays open and keeps following the auction.
        auction_services.bid_place(auction_id=auction.pk, dealer=DealerFactory(verified=True),
                                   amount_minor=auction.starting_price_minor)
        [state] = frames(colleagues, 1)
        assert state["type"] == "state" and state["bid_count"] == 1
    # And the removed member's page cannot come back: their session is gone.
    assert asgi_server.refused("/ws/user/", cookie=cookie) == 403


def test_a_member_whose_removal_rolled_back_keeps_their_sockets(asgi_server, dealer):
    from django.db import transaction

    buyer = member_of(dealer, Membership.Role.BUYER)
    with asgi_server.ws("/ws/user/", buyer) as own:
        with transaction.atomic():
            organisations.member_remove(membership=Membership.objects.get(user=buyer), actor=dealer)
            transaction.set_rollback(True)
        with pytest.raises(TimeoutError):
            own.recv(timeout=1.5)  # still open: nothing arrives, nothing closes it
    assert Membership.objects.filter(user=buyer).exists()


def test_the_bidders_bell_hears_of_the_outbid_live_and_the_idle_buyers_does_not(asgi_server, dealer):
    bidder, idle = member_of(dealer, Membership.Role.BUYER), member_of(dealer, Membership.Role.BUYER)
    auction = make_auction()
    rival = DealerFactory(verified=True)
    auction_services.bid_place(auction_id=auction.pk, dealer=dealer, amount_minor=10_000_00, placed_by=bidder)
    with asgi_server.ws("/ws/user/", bidder) as bidders, asgi_server.ws("/ws/user/", idle) as idles, \
            asgi_server.ws("/ws/user/", dealer) as holders:
        auction_services.bid_place(auction_id=auction.pk, dealer=rival, amount_minor=10_100_00)
        [to_bidder] = frames(bidders, 1)
        [to_holder] = frames(holders, 1)
        with pytest.raises(TimeoutError):
            idles.recv(timeout=1.5)
    assert to_bidder["type"] == to_holder["type"] == "notification"
    assert to_bidder["kind"] == to_holder["kind"] == "outbid"
    assert to_bidder["url"] == f"/auctions/{auction.pk}/"


@pytest.mark.parametrize("role", [Membership.Role.OWNER, Membership.Role.BUYER, Membership.Role.ACCOUNTS])
def test_each_role_opens_its_own_sockets_and_loses_them_when_removed(asgi_server, dealer, role):
    member = member_of(dealer, role)
    auction = make_auction()
    cookie = session_cookie(member)
    with asgi_server.ws("/ws/user/", cookie=cookie) as own, \
            asgi_server.ws(f"/ws/auctions/{auction.pk}/", cookie=cookie) as page, \
            asgi_server.ws("/ws/dashboard/", cookie=cookie) as board:
        organisations.member_remove(membership=Membership.objects.get(user=member), actor=dealer)
        assert [_closed_with(s) for s in (own, page, board)] == [CLOSE_SIGNED_OUT] * 3
    for path in ("/ws/user/", f"/ws/auctions/{auction.pk}/", "/ws/dashboard/"):
        assert asgi_server.refused(path, cookie=cookie) == 403


def test_the_account_holders_sockets_stay_when_a_member_goes(asgi_server, dealer):
    member = member_of(dealer, Membership.Role.OWNER)
    with asgi_server.ws("/ws/user/", dealer) as holders:
        organisations.member_remove(membership=Membership.objects.get(user=member), actor=dealer)
        with pytest.raises(TimeoutError):
            holders.recv(timeout=1.5)
