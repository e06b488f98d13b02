"""The card provider's webhook: verified by HMAC signature and timestamp; replays move money once."""

import json
import time

import pytest

from payments import services
from payments.ledger import account_balance, ledger_account
from payments.models import LedgerAccount, LedgerTransaction, Payment, Sale
from payments.providers.card import SIGNATURE_HEADER, card_sign, simulated_card_event
from tests.payments.factories import assert_books_balance

URL = "/api/v1/payments/webhooks/card/"


@pytest.fixture
def card_payment(make_sale):
    sale = make_sale()
    return services.sale_pay_initiate(sale=sale, dealer=sale.buyer, provider="card").payment


def _post(api_client, body: bytes, headers: dict):
    return api_client.generic("POST", URL, body, content_type="application/json",
                              **{f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()})


def test_a_signed_event_confirms_the_payment_and_ten_replays_move_money_once(api_client, card_payment):
    body, headers = simulated_card_event(payment_reference=card_payment.reference,
                                         amount_minor=card_payment.amount_minor, currency="EUR")
    answers = [_post(api_client, body, headers) for _ in range(10)]
    assert [a.status_code for a in answers] == [200] * 10
    assert [a.json()["changed"] for a in answers] == [True] + [False] * 9
    card_payment.refresh_from_db()
    assert card_payment.status == Payment.Status.CONFIRMED and card_payment.provider_reference.startswith("ch_")
    assert card_payment.sale.status == Sale.Status.PAID
    assert LedgerTransaction.objects.count() == 1
    assert account_balance(ledger_account(LedgerAccount.Kind.ESCROW)) == card_payment.amount_minor
    assert_books_balance()


@pytest.mark.parametrize("tamper", ["body", "secret", "header", "missing"])
def test_a_bad_signature_is_a_400_and_moves_nothing(api_client, card_payment, tamper):
    body, headers = simulated_card_event(payment_reference=card_payment.reference,
                                         amount_minor=card_payment.amount_minor, currency="EUR")
    if tamper == "body":
        body = body.replace(b'"amount_minor":', b'"amount_minor":1')
    elif tamper == "secret":
        headers = {SIGNATURE_HEADER: card_sign(body, secret="not-the-secret")}
    elif tamper == "header":
        headers = {SIGNATURE_HEADER: "t=abc,v1=00"}
    else:
        headers = {}
    answer = _post(api_client, body, headers)
    assert answer.status_code == 400 and answer.json()["code"] == "bad_signature"
    assert not LedgerTransaction.objects.exists()


def test_an_old_event_is_refused_even_with_a_good_signature(api_client, card_payment, settings):
    body, _ = simulated_card_event(payment_reference=card_payment.reference, amount_minor=card_payment.amount_minor,
                                   currency="EUR")
    too_old = int(time.time()) - settings.GAVEL_CARD_WEBHOOK_TOLERANCE_SECONDS - 5
    stale = {SIGNATURE_HEADER: card_sign(body, timestamp=too_old)}
    answer = _post(api_client, body, stale)
    assert answer.status_code == 400 and answer.json()["code"] == "stale_event"


def test_an_unknown_payment_or_a_wrong_amount_is_refused(api_client, card_payment):
    body, headers = simulated_card_event(payment_reference="GVL-C-0-NOPE", amount_minor=1, currency="EUR")
    assert _post(api_client, body, headers).json()["code"] == "unknown_payment"
    body, headers = simulated_card_event(payment_reference=card_payment.reference,
                                         amount_minor=card_payment.amount_minor - 1, currency="EUR")
    answer = _post(api_client, body, headers)
    assert answer.status_code == 400 and answer.json()["code"] == "amount_mismatch"
    assert not LedgerTransaction.objects.exists()


def test_a_signed_body_that_is_not_a_payment_event_is_refused_and_other_types_are_ignored(api_client, card_payment):
    body = b'{"hello": "world"}'
    answer = _post(api_client, body, {SIGNATURE_HEADER: card_sign(body)})
    assert answer.status_code == 400 and answer.json()["code"] == "bad_event"
    event = {"id": "evt_1", "type": "payment.failed", "data": {"reference": card_payment.reference,
                                                                "amount_minor": 1, "currency": "EUR", "charge_id": "c"}}
    body = json.dumps(event).encode()
    answer = _post(api_client, body, {SIGNATURE_HEADER: card_sign(body)})
    assert answer.status_code == 200 and answer.json() == {"received": True, "changed": False}


def test_the_webhook_is_gone_when_the_simulated_provider_is_off(api_client, card_payment, settings):
    settings.GAVEL_SIMULATED_CARD_ENABLED = False
    body, headers = simulated_card_event(payment_reference=card_payment.reference,
                                         amount_minor=card_payment.amount_minor, currency="EUR")
    assert _post(api_client, body, headers).status_code == 404
