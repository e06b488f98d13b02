"""Promise 8: every limit on bids holds everywhere, and no outage turns a bid into a 500.

One bid policy (auctions.bid_policy) serves the bid API and the auction page's bid forms: the dealer's bid rate is
one counter for both doors, answered 429 by each in its own way (the one JSON error body with Retry-After; the
auction page again with the reason). With Redis away every limit fails open — the request goes on and a WARNING
says which limit was not checked — and a bid is taken by the API and by the page alike, checked here against a
real ASGI server whose Redis (cache, Celery broker, channel layer) is really stopped.
"""

import http.client
import json
import logging
import re
from http.cookiejar import Cookie, CookieJar
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, Request, build_opener

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from accounts.models import User
from accounts.services import token_for
from auctions.models import Auction, Bid
from core.models import Notification
from marketplace.models import ListingPhoto
from tests.accounts.factories import PASSWORD, DealerFactory, SellerFactory
from tests.auctions.factories import make_auction
from tests.live.conftest import session_cookie, start_server, stop
from tests.marketplace.factories import ListingFactory
from tests.marketplace.images import jpeg_bytes, upload
from tests.promises.conftest import token_client

DEAD_CACHE = {"default": {"BACKEND": "core.cache.RedisCache", "LOCATION": "redis://127.0.0.1:1/0",
                          "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}}


def bids_url(auction) -> str:
    return f"/api/v1/auctions/{auction.pk}/bids/"


def page_bid(client, auction, **form):
    return client.post(reverse("auctions:bid", args=[auction.pk]), form, format="multipart")


# --- one limit for the page and the API -------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_page_and_the_api_share_the_dealers_bid_rate_and_the_page_answers_429_with_the_reason(
        client_for, settings, redis):
    settings.GAVEL_BID_RATE = "3/min"
    auction = make_auction()
    dealer = DealerFactory(verified=True)
    api, page = token_client(dealer), client_for(dealer)
    assert api.post(bids_url(auction), {"amount_minor": 10_000_00}, format="json").status_code == 201
    assert api.post(bids_url(auction), {"max_amount_minor": 11_000_00}, format="json").status_code == 201
    assert page_bid(page, auction, max_amount="12000").status_code == 302  # the third bid, through the page

    refused = page_bid(page, auction, max_amount="13000")

    assert refused.status_code == 429 and 0 < int(refused["Retry-After"]) <= 60
    html = refused.content.decode()
    assert "You are bidding faster than Gavel allows. Please wait" in html
    assert "Set maximum" in html  # the auction page itself, with its bid box
    auction.refresh_from_db()
    assert auction.leader_max_minor == 12_000_00 and Bid.objects.filter(auction=auction).count() == 1 + 2
    throttled = api.post(bids_url(auction), {"max_amount_minor": 14_000_00}, format="json")
    assert throttled.status_code == 429
    assert throttled.json() == {"code": "throttled", "detail": throttled.json()["detail"],
                                "retry_after_seconds": int(throttled["Retry-After"])}
    # Another dealer has a limit of their own.
    other = DealerFactory(verified=True)
    assert page_bid(client_for(other), auction, amount_minor="1220000").status_code == 302


@pytest.mark.django_db
def test_bad_amounts_on_the_page_are_refused_with_a_message_and_do_not_count_as_bids(client_for, settings, redis):
    settings.GAVEL_BID_RATE = "2/min"
    auction = make_auction()
    dealer = DealerFactory(verified=True)
    page = client_for(dealer)
    for form in ({"amount_minor": "ten"}, {"max_amount": "1e30"}, {"amount_minor": "9" * 5000}, {}):
        response = page_bid(page, auction, **form)
        assert response.status_code == 302
        assert [str(m) for m in response.wsgi_request._messages] != []
    assert not Bid.objects.filter(auction=auction).exists()
    assert page_bid(page, auction, amount_minor="1000000").status_code == 302
    assert Bid.objects.filter(auction=auction).count() == 1


# --- Redis away: every limit fails open, logged ------------------------------------------------------------------

@pytest.mark.django_db
def test_with_the_cache_unreachable_bids_through_the_api_and_the_page_go_on_and_the_outage_is_logged(
        client_for, settings, caplog):
    auction = make_auction()
    first, second = DealerFactory(verified=True), DealerFactory(verified=True)
    settings.CACHES = DEAD_CACHE
    caplog.set_level(logging.WARNING, logger="core.ratelimit")

    api = token_client(first).post(bids_url(auction), {"amount_minor": 10_000_00}, format="json")
    page = page_bid(client_for(second), auction, amount_minor="1010000")

    assert api.status_code == 201 and page.status_code == 302
    auction.refresh_from_db()
    assert auction.leader_id == second.pk and auction.price_minor == 10_100_00
    skipped = [r for r in caplog.records if r.levelno == logging.WARNING and "rate limit bids not checked" in
               r.getMessage()]
    assert len(skipped) == 2


@pytest.mark.django_db
def test_with_the_cache_unreachable_every_other_limited_door_goes_on_too(client, client_for, settings, caplog):
    seller = SellerFactory()
    listing = ListingFactory(seller=seller)
    settings.CACHES = DEAD_CACHE
    caplog.set_level(logging.WARNING, logger="core.ratelimit")

    login = token_client(seller).post("/api/v1/auth/token/", {"email": seller.email, "password": PASSWORD},
                                      format="json")
    api_signup = client.post("/api/v1/auth/signup/seller/", {"email": "api@example.test", "password":
                             "a-long-passphrase-7", "full_name": "A"}, content_type="application/json")
    page_signup = client.post(reverse("accounts:signup"), {
        "email": "page@example.test", "full_name": "P", "phone": "", "password": "a-long-passphrase-7",
        "password_confirm": "a-long-passphrase-7"})
    api_upload = token_client(seller).post(f"/api/v1/listings/{listing.pk}/photos/",
                                           {"photo": upload(jpeg_bytes(64, 48))}, format="multipart")
    page_upload = client_for(seller).post(reverse("marketplace:photos", args=[listing.pk]),
                                          {"photos": [upload(jpeg_bytes(64, 48))]}, format="multipart")

    assert [login.status_code, api_signup.status_code, page_signup.status_code, api_upload.status_code,
            page_upload.status_code] == [200, 201, 302, 201, 302]
    assert User.objects.filter(email__in=["api@example.test", "page@example.test"]).count() == 2
    assert ListingPhoto.objects.filter(listing=listing).count() == 2
    scopes = {re.search(r"rate limit (\w+) not checked", r.getMessage()).group(1) for r in caplog.records
              if r.levelno == logging.WARNING and "not checked" in r.getMessage()}
    assert scopes == {"login", "signup", "signup_page", "uploads"}


class Browser:
    """A browser without JavaScript: keeps cookies, follows redirects, posts forms with the page's CSRF token."""

    def __init__(self, origin: str, user):
        self.origin = origin
        self.jar = CookieJar()
        self.jar.set_cookie(Cookie(0, django_settings.SESSION_COOKIE_NAME, session_cookie(user), None, False,
                                   "127.0.0.1", False, False, "/", True, False, None, True, None, None, {}))
        self.opener = build_opener(HTTPCookieProcessor(self.jar))

    def open(self, path: str, form: dict | None = None) -> tuple[int, str]:
        data = urlencode(form).encode() if form is not None else None
        try:
            with self.opener.open(Request(self.origin + path, data=data), timeout=30) as response:
                return response.status, response.read().decode()
        except HTTPError as error:
            return error.code, error.read().decode()

    def submit(self, page_html: str, action: str, form: dict) -> tuple[int, str]:
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page_html).group(1)
        return self.open(action, {**form, "csrfmiddlewaretoken": token})


def _post_api(server, path: str, user, body: dict) -> tuple[int, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    connection.request("POST", path, body=json.dumps(body), headers={
        "Authorization": f"Token {token_for(user=user)}", "Content-Type": "application/json"})
    response = connection.getresponse()
    return response.status, json.loads(response.read())


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_with_redis_stopped_a_real_server_takes_bids_from_the_api_and_the_page(private_redis, tmp_path):
    """Cache, Celery broker and channel layer all on one Redis, stopped mid-auction; notifications go through
    Celery as in production. The second bid outbids the first dealer (their notice cannot be queued), the page bid
    outbids the second: each answers as it would with Redis up, and the skipped limit is logged."""
    auction = make_auction()
    first, second = DealerFactory(verified=True), DealerFactory(verified=True)
    log_path = tmp_path / "server.log"
    with open(log_path, "w") as log:
        server = start_server(redis_url=private_redis.url, extra_env={"GAVEL_NOTIFY_ASYNC": "1"}, log=log)
    try:
        assert _post_api(server, bids_url(auction), first, {"amount_minor": 10_000_00})[0] == 201  # Redis up
        private_redis.kill()

        api_status, api_body = _post_api(server, bids_url(auction), second, {"amount_minor": 10_100_00})
        browser = Browser(server.origin, first)
        page_status, page = browser.open(f"/auctions/{auction.pk}/")
        bid_status, after = browser.submit(page, f"/auctions/{auction.pk}/bid/", {"amount_minor": "1020000"})
    finally:
        stop(server.proc)

    assert api_status == 201 and api_body["auction"]["my_state"] == "leading"
    assert page_status == 200 and "Bid €10,200 now" in page
    assert bid_status == 200 and "Your bid is in. You are the highest bidder." in after
    auction.refresh_from_db()
    assert (auction.leader_id, auction.price_minor, auction.status) == (first.pk, 10_200_00, Auction.Status.LIVE)
    assert Bid.objects.filter(auction=auction).count() == 3
    # Each outbid dealer still finds the notice in the app.
    assert sorted(Notification.objects.filter(kind="outbid").values_list("user_id", flat=True)) == sorted(
        [first.pk, second.pk])
    server_log = log_path.read_text()
    assert server_log.count("WARNING core.ratelimit: rate limit bids not checked, Redis unavailable") == 2
    assert "Internal Server Error" not in server_log and "ERROR django.request" not in server_log
    # What could not be done is said: the live events and the outbid notices' emails (the notices are in the app).
    assert server_log.count("notify: queue unavailable, notify_user_id runs in-process") == 2
    assert server_log.count("notify: queue unavailable, email for notification") == 2
