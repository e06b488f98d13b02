"""Promise 10: rate limits are limits under concurrency too.

Requests sent at the same moment (one thread and one database connection each, released by one barrier, through
the real API on the suite's real Redis) are counted one by one: exactly the limit gets through, every other one
is answered 429 with the one error body and a Retry-After, and nothing of a refused request is written.
"""

import pytest

from accounts.models import User
from auctions.models import Bid
from marketplace.models import ListingPhoto
from tests.accounts.factories import PASSWORD, DealerFactory, SellerFactory
from tests.auctions.factories import make_auction
from tests.marketplace.factories import ListingFactory
from tests.marketplace.images import jpeg_bytes, upload
from tests.promises.conftest import simultaneously, token_client

# Sixty to seventy connections at once: in the serial group (PostgreSQL allows 100 on this machine, all told).
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.serial]


def _post(client, url, data, **kwargs):
    def send():
        response = client.post(url, data, **kwargs)
        assert response.status_code < 500, response.content
        return response
    return send


def _assert_throttled(responses, *, allowed: int):
    throttled = [r for r in responses if r.status_code == 429]
    assert len(responses) - len(throttled) == allowed, sorted(r.status_code for r in responses)
    for response in throttled:
        body = response.json()
        assert body["code"] == "throttled" and body["detail"]
        assert 0 < body["retry_after_seconds"] <= 60 and int(response["Retry-After"]) == body["retry_after_seconds"]


def test_sixty_simultaneous_bids_against_a_limit_of_thirty_a_minute_let_exactly_thirty_through(settings, redis):
    settings.GAVEL_BID_RATE = "30/min"
    auction = make_auction(starting_price_minor=1_000_00)
    dealer = DealerFactory(verified=True, profile__buying_limit_minor=1_000_000_00)
    url = f"/api/v1/auctions/{auction.pk}/bids/"
    # Distinct maxima, each a real bid the auction takes or refuses on its merits once past the limit.
    calls = [_post(token_client(dealer), url, {"max_amount_minor": 2_000_00 + n * 100_00}, format="json")
             for n in range(60)]

    responses = simultaneously(calls)

    _assert_throttled(responses, allowed=30)
    assert Bid.objects.filter(auction=auction, dealer=dealer).count() <= 30
    assert {r.json()["code"] for r in responses if 400 <= r.status_code < 429} <= {"bid_too_low"}
    # The limit is the dealer's: another dealer still bids.
    other = token_client(DealerFactory(verified=True, profile__buying_limit_minor=1_000_000_00))
    assert other.post(url, {"max_amount_minor": 900_000_00}, format="json").status_code == 201


def test_seventy_simultaneous_uploads_against_a_limit_of_sixty_a_minute_let_exactly_sixty_through(settings, redis):
    settings.GAVEL_UPLOAD_RATE = "60/min"
    settings.GAVEL_LISTING_MAX_PHOTOS = 100
    seller = SellerFactory()
    listing = ListingFactory(seller=seller)
    url = f"/api/v1/listings/{listing.pk}/photos/"
    photo = jpeg_bytes(64, 48)
    calls = [_post(token_client(seller), url, {"photo": upload(photo)}, format="multipart") for _ in range(70)]

    responses = simultaneously(calls)

    _assert_throttled(responses, allowed=60)
    assert {r.status_code for r in responses} == {201, 429}
    assert ListingPhoto.objects.filter(listing=listing).count() == 60


def test_simultaneous_token_logins_beyond_the_login_rate_are_refused(settings, redis):
    settings.GAVEL_LOGIN_RATE = "10/min"
    user = SellerFactory()
    calls = [_post(token_client(user), "/api/v1/auth/token/", {"email": user.email, "password": PASSWORD},
                   format="json") for _ in range(25)]

    responses = simultaneously(calls)

    _assert_throttled(responses, allowed=10)
    assert {r.status_code for r in responses} == {200, 429}


def test_simultaneous_api_signups_from_one_address_beyond_the_signup_rate_create_no_account(settings, redis):
    settings.GAVEL_SIGNUP_RATE = "10/hour"
    calls = [_post(token_client(SellerFactory()), "/api/v1/auth/signup/seller/",
                   {"email": f"flood{n}@example.test", "password": "a-long-passphrase-7", "full_name": "F"},
                   format="json") for n in range(20)]

    responses = simultaneously(calls)

    throttled = [r for r in responses if r.status_code == 429]
    assert len(throttled) == 10 and {r.json()["code"] for r in throttled} == {"throttled"}
    assert User.objects.filter(email__startswith="flood").count() == 10
