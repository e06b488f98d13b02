"""What auctions erases when an account closes (privacy.services.account_close): the person's saved searches (with
their matches), the auctions they watch, and the API idempotency keys with the answers stored under them. Bids stay:
the transparency log and the sales refer to them, and they carry the dealer's id only."""

from auctions.models import IdempotencyKey, SavedSearch, Watch


def personal_data_erase(*, user) -> dict:
    return {
        "saved_searches": SavedSearch.objects.filter(dealer=user).delete()[0],
        "watches": Watch.objects.filter(dealer=user).delete()[0],
        "idempotency_keys": IdempotencyKey.objects.filter(dealer=user).delete()[0],
    }
