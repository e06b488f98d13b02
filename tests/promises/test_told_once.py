"""Promise 12: each outcome is told once.

Every state-change notification carries a key naming its event; the database keeps one notification per event and
recipient, so code that runs twice — a retried task, a redelivered message, two workers at once, a sweep run
again — writes nothing the second time and sends no second email.
"""

import email
import email.policy
import threading
import time

import pytest
from django.core import mail
from django.db import connection

from auctions import services as auction_services
from auctions.models import Auction
from core.models import Notification
from core.notifications import notify
from payments import services as payment_services
from payments.models import Sale
from tests.accounts.factories import DealerFactory, StaffFactory
from tests.auctions.factories import make_auction
from tests.conftest import start_celery_worker, stop_celery_worker
from tests.payments.factories import pay_by_card
from tests.promises.conftest import admin_action, bid, end_and_close, make_overdue, token_client

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def sold_auction():
    auction = make_auction(starting_price_minor=10_000_00, reserve_minor=12_000_00)
    winner = DealerFactory(verified=True)
    bid(winner, auction, amount_minor=12_500_00)
    end_and_close(auction)
    return auction, winner


def kinds_told(user) -> list[str]:
    return sorted(Notification.objects.filter(user=user).values_list("kind", flat=True))


def test_close_effects_that_run_twice_tell_the_seller_and_the_winner_once():
    auction, winner = sold_auction()
    seller = auction.listing.seller
    sent = len(mail.outbox)

    auction_services.auction_closed_effects(auction_id=auction.pk, outcome=auction.outcome)  # a retried task

    assert kinds_told(seller) == ["auction_sold", "sale_opened"]
    assert kinds_told(winner) == ["auction_won", "sale_invoice"]
    assert len(mail.outbox) == sent == 3, [m.subject for m in mail.outbox]  # sold, won, invoice
    assert Sale.objects.filter(auction=auction).count() == 1


def test_close_effects_running_twice_at_the_same_moment_tell_once(monkeypatch):
    from auctions.services import lifecycle
    from payments.services import settlement

    auction = make_auction(starting_price_minor=10_000_00, reserve_minor=12_000_00)
    winner = DealerFactory(verified=True)
    bid(winner, auction, amount_minor=12_500_00)
    # The close hands its effects to the workers (the auction's notifications, then settlement's sale); here two of
    # them run both at the same moment.
    monkeypatch.setattr(lifecycle, "_closed_effects_later", lambda **kwargs: None)
    monkeypatch.setattr(settlement, "_sale_open_on_commit", lambda auction_id: None)
    end_and_close(auction)
    assert Notification.objects.count() == 0
    barrier, errors = threading.Barrier(2), []

    def effects():
        barrier.wait()
        try:
            auction_services.auction_closed_effects(auction_id=auction.pk, outcome="sold")
            payment_services.sale_create_for_auction(auction=Auction.objects.get(pk=auction.pk))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=effects) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert kinds_told(auction.listing.seller) == ["auction_sold", "sale_opened"]
    assert kinds_told(winner) == ["auction_won", "sale_invoice"]
    assert len([m for m in mail.outbox if "sold" in m.subject or "won" in m.subject]) == 2


def test_a_second_notify_for_the_same_event_writes_nothing_and_sends_no_email():
    user = DealerFactory(verified=True)
    assert notify(user=user, kind="x", title="Once", event_key="thing:1:done") is not None
    assert notify(user=user, kind="x", title="Once", event_key="thing:1:done") is None
    assert notify(user=StaffFactory(), kind="x", title="Once", event_key="thing:1:done") is not None, \
        "the key is per recipient"
    notify(user=user, kind="x", title="Ad hoc")
    notify(user=user, kind="x", title="Ad hoc")
    assert Notification.objects.filter(user=user, title="Once").count() == 1
    assert Notification.objects.filter(user=user, title="Ad hoc").count() == 2
    assert [m.subject for m in mail.outbox].count("Once") == 2


def test_sweeps_and_decisions_run_again_tell_nobody_twice(client):
    from payments.tasks import sales_mark_overdue_task

    auction = make_auction(starting_price_minor=10_000_00, reserve_minor=12_000_00)
    runner_up, winner = DealerFactory(verified=True), DealerFactory(verified=True)
    bid(runner_up, auction, amount_minor=11_000_00)
    bid(winner, auction, amount_minor=12_500_00)
    end_and_close(auction)
    sale = make_overdue(Sale.objects.get(auction=auction))
    sales_mark_overdue_task.apply()
    client.force_login(StaffFactory())
    for _ in range(2):  # staff click twice
        admin_action(client, "/admin/payments/sale/", "cancel_and_offer_second_chance", [sale], reason="Unpaid")
    seller = token_client(sale.seller)
    decision = seller.get("/api/v1/seller-decisions/").json()["results"][0]
    for _ in range(2):
        seller.post(f"/api/v1/seller-decisions/{decision['id']}/", {"accept": True}, format="json")
    offer = token_client(runner_up).get("/api/v1/second-chance-offers/").json()["results"][0]
    for _ in range(2):
        token_client(runner_up).post(f"/api/v1/second-chance-offers/{offer['id']}/",
            {"decision": "accept"}, format="json")
    new_sale = Sale.objects.get(buyer=runner_up)
    pay_by_card(new_sale)

    # The unpaid-sale fee the deposit (none here) could not cover is owed, and said once (payments: fees owed).
    assert kinds_told(winner) == ["auction_won", "fee_owed", "sale_cancelled", "sale_invoice", "sale_overdue"]
    assert kinds_told(runner_up) == ["outbid", "sale_invoice", "sale_paid", "second_chance_offer"]
    # The seller hears of each sale (the first, then the second chance) once, and of everything else once.
    assert kinds_told(sale.seller) == ["auction_sold", "sale_cancelled", "sale_opened", "sale_opened", "sale_overdue",
                                       "sale_paid", "seller_consent_needed"]
    assert not Notification.objects.filter(event_key__isnull=True).exists(), \
        "every state-change notification names its event"


@pytest.fixture
def effects_worker(redis, tmp_path, settings):
    """A real Celery worker on the test database and the suite's Redis, mailing into a folder; the test process
    hands close effects to it (as production does)."""
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    proc = start_celery_worker(extra_env={"GAVEL_NOTIFY_ASYNC": "0", "EMAIL_FILE_PATH": str(mail_dir),
                                          "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend"})
    settings.GAVEL_NOTIFY_ASYNC = True
    yield mail_dir
    stop_celery_worker(proc)


@pytest.fixture
def first_sale_insert_fails():
    """The first attempt to open a sale fails inside the database (a trigger, counted by a sequence, which no
    rollback resets): the worker's effects task has told the seller and the winner by then, and retries."""
    with connection.cursor() as cursor:
        cursor.execute("""
            CREATE SEQUENCE test_sale_inserts;
            CREATE FUNCTION test_fail_first_sale() RETURNS trigger AS $$
            BEGIN
                IF nextval('test_sale_inserts') = 1 THEN RAISE EXCEPTION 'injected: the database hiccups'; END IF;
                RETURN NEW;
            END $$ LANGUAGE plpgsql;
            CREATE TRIGGER test_fail_first_sale BEFORE INSERT ON payments_sale
                FOR EACH ROW EXECUTE FUNCTION test_fail_first_sale();
        """)
    yield lambda: _sequence_value()
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER test_fail_first_sale ON payments_sale; DROP FUNCTION test_fail_first_sale(); "
                       "DROP SEQUENCE test_sale_inserts;")


def _sequence_value() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_value FROM test_sale_inserts")
        return cursor.fetchone()[0]


def test_a_real_worker_retrying_the_close_effects_tells_each_outcome_once(effects_worker, first_sale_insert_fails):
    auction, winner = sold_auction()  # the close commits; its effects go to the worker
    deadline = time.monotonic() + 90
    while not Sale.objects.filter(auction=auction).exists():
        assert time.monotonic() < deadline, "the worker never opened the sale"
        time.sleep(0.3)
    assert first_sale_insert_fails() >= 2, "the effects task failed once and was retried"
    seller = auction.listing.seller
    # The sale's own notices follow its commit: wait for them to arrive (at most once each is what is asserted).
    deadline = time.monotonic() + 30
    expected = (["auction_sold", "sale_opened"], ["auction_won", "sale_invoice"])
    while (kinds_told(seller), kinds_told(winner)) != expected and time.monotonic() < deadline:
        time.sleep(0.3)
    assert kinds_told(seller) == ["auction_sold", "sale_opened"]
    assert kinds_told(winner) == ["auction_won", "sale_invoice"]

    deadline = time.monotonic() + 30
    while len(_subjects(effects_worker)) < 3:
        assert time.monotonic() < deadline, _subjects(effects_worker)
        time.sleep(0.3)
    # A second "sold"/"won" email would have been written by the retry's first step, before it opened the sale.
    assert sorted(_subjects(effects_worker)) == [
        "You won the 2018 Volkswagen Golf for €12,500", "Your 2018 Volkswagen Golf is sold for €12,500",
        "Your invoice for the 2018 Volkswagen Golf: €12,799.00"]


def _subjects(mail_dir) -> list[str]:
    """The subjects of the emails the file backend wrote (messages separated by a line of 79 dashes)."""
    subjects = []
    for path in mail_dir.iterdir():
        for raw in path.read_text().split("-" * 79):
            if raw.strip():
                subject = email.message_from_string(raw.strip(), policy=email.policy.default)["Subject"]
                subjects.append(" ".join(str(subject).split()))
    return subjects
