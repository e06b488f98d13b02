"""Promise 4: a refund after payout never silently puts the seller in debt.

Who pays a refund is decided by rule, in the ledger, whatever the timing: when the inspection missed the defect
(the default, since what the report disclosed cannot ground a dispute) the platform's inspection guarantee pays,
traced to the report line and the inspector, and the seller's money is untouched; only a staff decision that the
seller misrepresented the car, with a written reason, charges the seller — out of their payout if it has not
gone yet, otherwise as a receivable the seller sees on their sale page and in their notifications, settled by a
recorded payment or set off against their next payout. `ledger_check` covers the new accounts.

Each sale comes from a really published report (tests/promises/report_sale.py); the dealer disputes through the
API; staff decide in Django admin.
"""

import functools
import io
import re
import threading
from collections.abc import Callable

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connections
from hypothesis import HealthCheck, event, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from auctions import services as auction_services
from core.exceptions import ApplicationError
from core.models import Notification
from inspections import services as inspection_services
from payments import services
from payments.ledger import account_balance, ledger_account, ledger_check_invariants, ledger_post
from payments.models import (
    Dispute,
    GuaranteeClaim,
    LedgerAccount,
    LedgerTransaction,
    PayoutTransfer,
    Sale,
    SellerReceivable,
)
from payments.providers.base import ProviderError
from tests.accounts.factories import DealerFactory, SellerFactory, StaffFactory
from tests.auctions.factories import make_auction
from tests.inspections.factories import published_inspection, submitted_listing
from tests.payments.factories import dispute_findings, dispute_payload, pay_by_card
from tests.promises.report_sale import (
    GEARBOX,
    GEARBOX_LABEL,
    HAMMER_MINOR,
    admin_action,
    api_client,
    close,
    page_client,
    sold_car,
)
from tests.shared_setup import RedisSnapshot, example_savepoint

pytestmark = pytest.mark.django_db

HIDDEN = "The seller had the gearbox repaired in May and said nothing; the invoice is in the dispute."
DISPUTES = "/admin/payments/dispute/"


@pytest.fixture(autouse=True)
def _locmem_email_and_eager_tasks(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from config.celery import app

    before = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, False
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = before


def _disputed(car):
    answer = api_client(car.sale.buyer).post(
        f"/api/v1/sales/{car.sale.pk}/dispute/",
        dispute_payload("The gearbox whines in every gear; the report says it is quiet.", (GEARBOX, "major")),
        format="multipart")
    assert answer.status_code == 201, answer.content
    return Dispute.objects.get(pk=answer.json()["id"])


def _resolve(car, dispute, capture, **fields):
    staff = page_client(car.staff)
    with capture(execute=True):
        return admin_action(staff, DISPUTES, "resolve", [dispute.pk], **{"outcome": "partial", "amount": "750.00",
                                                                         "resolution": "Gearbox repair", **fields})


def _seller_balance(sale):
    return account_balance(ledger_account(LedgerAccount.Kind.SELLER, sale.seller))


def _books_are_right():
    assert ledger_check_invariants() == []
    out = io.StringIO()
    call_command("ledger_check", stdout=out)
    assert out.getvalue().strip() == "OK"


def test_after_payout_a_defect_the_inspection_missed_is_refunded_by_the_guarantee_not_the_seller(
        django_capture_on_commit_callbacks):
    car = sold_car(django_capture_on_commit_callbacks)
    assert car.sale.payout_status == Sale.PayoutStatus.SENT
    dispute = _disputed(car)
    form = page_client(car.staff).post(DISPUTES, {"action": "resolve", "_selected_action": [dispute.pk]})
    assert re.search(r'value="inspection_missed"[^>]*checked', form.content.decode())
    _resolve(car, dispute, django_capture_on_commit_callbacks, cause="inspection_missed")
    dispute.refresh_from_db()
    car.sale.refresh_from_db()
    assert dispute.status == Dispute.Status.RESOLVED and dispute.cause == Dispute.Cause.INSPECTION_MISSED
    assert car.sale.refunded_minor == 750_00 and car.sale.guarantee_paid_minor == 750_00
    assert _seller_balance(car.sale) == 0
    assert not SellerReceivable.objects.exists()
    guarantee = ledger_account(LedgerAccount.Kind.GUARANTEE)
    assert account_balance(guarantee) == -750_00
    claim = GuaranteeClaim.objects.get()
    assert (claim.dispute, claim.sale, claim.report, claim.inspector) == (
        dispute, car.sale, car.report, car.inspection.inspector)
    assert claim.amount_minor == 750_00 and claim.lines == [f"{GEARBOX_LABEL} — major"]
    assert claim.ledger_transaction.kind == LedgerTransaction.Kind.GUARANTEE_REFUND
    assert claim.ledger_transaction.entries.get(account=guarantee).amount_minor == -750_00
    _books_are_right()
    # The seller reads that their money is untouched; the dealer sees the refund.
    seller_page = page_client(car.sale.seller).get(f"/sales/{car.sale.pk}/").content.decode()
    assert "paid by Gavel's inspection guarantee" in seller_page and "You owe" not in seller_page
    assert api_client(car.sale.buyer).get(f"/api/v1/sales/{car.sale.pk}/").json()["refunded_minor"] == 750_00
    # Staff see the guarantee account with its balance and its history, traced to the line and the inspector.
    staff = page_client(car.staff)
    listing = staff.get("/admin/payments/ledgeraccount/").content.decode()
    assert "Inspection guarantee" in listing and "-€750.00" in listing
    history = staff.get(f"/admin/payments/ledgeraccount/{guarantee.pk}/change/").content.decode()
    assert "-€750.00" in history and f"dispute {dispute.pk}" in history.lower()
    claims = staff.get("/admin/payments/guaranteeclaim/").content.decode()
    assert car.inspection.inspector.email in claims and GEARBOX_LABEL in claims and "€750.00" in claims
    for page in (f"/admin/payments/guaranteeclaim/{claim.pk}/change/", f"{DISPUTES}{dispute.pk}/change/",
                 f"/admin/payments/sale/{car.sale.pk}/change/"):
        shown = staff.get(page).content.decode()
        assert GEARBOX_LABEL in shown and car.inspection.inspector.email in shown and "€750.00" in shown


def test_a_full_refund_after_payout_for_what_the_inspection_missed_leaves_the_seller_whole(
        django_capture_on_commit_callbacks):
    car = sold_car(django_capture_on_commit_callbacks)
    dispute = _disputed(car)
    _resolve(car, dispute, django_capture_on_commit_callbacks, outcome="refund", amount="",
             cause="inspection_missed")
    car.sale.refresh_from_db()
    assert car.sale.status == Sale.Status.REFUNDED and car.sale.guarantee_paid_minor == car.sale.amount_due_minor
    assert _seller_balance(car.sale) == 0 and not SellerReceivable.objects.exists()
    assert account_balance(ledger_account(LedgerAccount.Kind.GUARANTEE)) == -car.sale.amount_due_minor
    _books_are_right()


def test_only_a_misrepresentation_decision_with_a_reason_charges_the_seller_and_the_seller_sees_it(
        django_capture_on_commit_callbacks):
    car = sold_car(django_capture_on_commit_callbacks)
    dispute = _disputed(car)
    refused = _resolve(car, dispute, django_capture_on_commit_callbacks, cause="seller_misrepresented",
                       cause_reason="")
    assert "Write down why the seller is responsible" in refused.content.decode()
    dispute.refresh_from_db()
    assert dispute.status == Dispute.Status.OPEN and not LedgerTransaction.objects.filter(
        kind__in=[LedgerTransaction.Kind.REFUND, LedgerTransaction.Kind.GUARANTEE_REFUND]).exists()
    mail.outbox.clear()
    _resolve(car, dispute, django_capture_on_commit_callbacks, cause="seller_misrepresented", cause_reason=HIDDEN)
    receivable = SellerReceivable.objects.get()
    assert (receivable.seller, receivable.sale, receivable.amount_minor, receivable.reason) == (
        car.sale.seller, car.sale, 750_00, HIDDEN)
    assert receivable.status == SellerReceivable.Status.OPEN and receivable.outstanding_minor == 750_00
    # In the ledger: the seller's account is negative by exactly what the open receivable says they owe.
    assert _seller_balance(car.sale) == -750_00
    assert account_balance(ledger_account(LedgerAccount.Kind.GUARANTEE)) == 0
    _books_are_right()
    # The seller is told, in the app and by email, with the reason and how to settle.
    told = Notification.objects.get(user=car.sale.seller, kind="receivable_opened")
    assert "€750.00" in told.title and HIDDEN in told.body and receivable.bank_reference in told.body
    assert any(HIDDEN in message.body and receivable.bank_reference in message.body for message in mail.outbox)
    page = page_client(car.sale.seller).get(f"/sales/{car.sale.pk}/").content.decode()
    assert "You owe Gavel €750.00" in page and HIDDEN in page
    assert receivable.bank_reference in page and "set off against your next payout" in page
    assert "You owe Gavel €750.00" in page_client(car.sale.seller).get("/sales/").content.decode()
    shown = api_client(car.sale.seller).get(f"/api/v1/sales/{car.sale.pk}/").json()
    assert shown["receivables"] == [{"id": receivable.pk, "status": "open", "amount_minor": 750_00,
                                     "settled_minor": 0, "outstanding_minor": 750_00, "reason": HIDDEN,
                                     "bank_reference": receivable.bank_reference,
                                     "created_at": shown["receivables"][0]["created_at"]}]
    # The dealer is not shown what the seller owes.
    dealer_view = api_client(car.sale.buyer).get(f"/api/v1/sales/{car.sale.pk}/").json()
    assert dealer_view["receivables"] == [] and dealer_view["set_off_minor"] == 0
    assert HIDDEN not in page_client(car.sale.buyer).get(f"/sales/{car.sale.pk}/").content.decode()


def test_a_receivable_is_settled_by_a_payment_staff_record(django_capture_on_commit_callbacks):
    car = sold_car(django_capture_on_commit_callbacks)
    _resolve(car, _disputed(car), django_capture_on_commit_callbacks, cause="seller_misrepresented",
             cause_reason=HIDDEN)
    receivable = SellerReceivable.objects.get()
    staff = page_client(car.staff)
    url = "/admin/payments/sellerreceivable/"
    for page in (url, f"{url}{receivable.pk}/change/", f"{DISPUTES}{receivable.dispute_id}/change/",
                 f"/admin/payments/sale/{car.sale.pk}/change/"):
        shown = staff.get(page).content.decode()
        assert "€750.00" in shown and receivable.bank_reference in shown if "dispute" not in page \
            else "Seller receivable: €750.00" in shown
    too_much = admin_action(staff, url, "record_payment", [receivable.pk], amount="800.00", bank_reference="SEPA-1")
    assert "more than the €750.00 still owed" in too_much.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        admin_action(staff, url, "record_payment", [receivable.pk], amount="500.00", bank_reference="SEPA-1")
    receivable.refresh_from_db()
    assert receivable.status == SellerReceivable.Status.OPEN and receivable.outstanding_minor == 250_00
    assert _seller_balance(car.sale) == -250_00
    _books_are_right()
    with django_capture_on_commit_callbacks(execute=True):
        admin_action(staff, url, "record_payment", [receivable.pk], amount="250.00", bank_reference="SEPA-2")
    receivable.refresh_from_db()
    assert receivable.status == SellerReceivable.Status.SETTLED and receivable.outstanding_minor == 0
    assert _seller_balance(car.sale) == 0
    assert Notification.objects.filter(user=car.sale.seller, kind="receivable_settled").exists()
    page = page_client(car.sale.seller).get(f"/sales/{car.sale.pk}/").content.decode()
    assert "Settled" in page and "You owe" not in page
    _books_are_right()


def test_what_a_seller_owes_is_set_off_against_their_next_payout(django_capture_on_commit_callbacks):
    seller = SellerFactory()
    first = sold_car(django_capture_on_commit_callbacks, seller=seller)
    _resolve(first, _disputed(first), django_capture_on_commit_callbacks, cause="seller_misrepresented",
             cause_reason=HIDDEN)
    second = sold_car(django_capture_on_commit_callbacks, seller=seller)
    assert second.sale.payout_status == Sale.PayoutStatus.SENT
    assert second.sale.set_off_minor == 750_00
    transfer = PayoutTransfer.objects.get(idempotency_key=f"payout-{second.sale.pk}")
    assert transfer.amount_minor == second.sale.seller_receives_minor - 750_00
    receivable = SellerReceivable.objects.get()
    assert receivable.status == SellerReceivable.Status.SETTLED
    assert receivable.settlements.get().payout_sale == second.sale
    assert _seller_balance(second.sale) == 0
    told = Notification.objects.filter(user=seller, kind="payout_sent").order_by("-id").first()
    assert "€750.00" in told.body and "set off" in told.body
    page = page_client(seller).get(f"/sales/{second.sale.pk}/").content.decode()
    assert "Set off against what you owed" in page
    _books_are_right()


@pytest.mark.parametrize("cause, seller_paid, guarantee", [
    ("inspection_missed", 12_500_00, -750_00),
    ("seller_misrepresented", 12_500_00 - 750_00, 0),
])
def test_before_the_payout_the_same_cause_decides_who_pays(cause, seller_paid, guarantee, settings,
                                                           django_capture_on_commit_callbacks):
    settings.GAVEL_PAYOUT_PROVIDER = "tests.payments.doubles.BankDownPayoutProvider"
    car = sold_car(django_capture_on_commit_callbacks)
    assert car.sale.payout_status == Sale.PayoutStatus.FAILED
    dispute = _disputed(car)
    settings.GAVEL_PAYOUT_PROVIDER = "payments.providers.bank.BankPayoutProvider"
    _resolve(car, dispute, django_capture_on_commit_callbacks, cause=cause, cause_reason=HIDDEN)
    car.sale.refresh_from_db()
    assert car.sale.status == Sale.Status.COMPLETED and car.sale.payout_status == Sale.PayoutStatus.SENT
    assert PayoutTransfer.objects.get().amount_minor == seller_paid
    assert account_balance(ledger_account(LedgerAccount.Kind.GUARANTEE)) == guarantee
    assert _seller_balance(car.sale) == 0 and not SellerReceivable.objects.exists()
    _books_are_right()


def test_ledger_check_finds_a_seller_in_debt_without_a_receivable_and_a_guarantee_payment_without_a_claim(db):
    seller = SellerFactory()
    ledger_post(idempotency_key="forged-debt", kind=LedgerTransaction.Kind.REFUND, entries=[
        (ledger_account(LedgerAccount.Kind.SELLER, seller), -100_00),
        (ledger_account(LedgerAccount.Kind.BANK), 100_00)])
    ledger_post(idempotency_key="forged-guarantee", kind=LedgerTransaction.Kind.GUARANTEE_REFUND, entries=[
        (ledger_account(LedgerAccount.Kind.GUARANTEE), -50_00), (ledger_account(LedgerAccount.Kind.BANK), 50_00)])
    problems = ledger_check_invariants()
    assert f"Seller {seller.pk} ({seller.email}): their account is at -€100.00 but their open receivables " \
           "come to €0.00." in problems
    assert "The guarantee account holds -€50.00 but its funding minus the refunds it paid come to €0.00." \
           in problems


def test_staff_fund_the_guarantee_and_the_check_counts_the_funding(db, staff):
    client = page_client(staff)
    guarantee = ledger_account(LedgerAccount.Kind.GUARANTEE)
    url = "/admin/payments/ledgeraccount/"
    form = client.post(url, {"action": "fund_guarantee", "_selected_action": [guarantee.pk]}).content.decode()
    token = re.search(r'name="token" value="([0-9a-f]+)"', form).group(1)
    for _ in range(2):  # the same form submitted twice funds once
        admin_action(client, url, "fund_guarantee", [guarantee.pk], amount="10000.00", source="platform_fees",
                     memo="Q3 allocation", token=token)
    assert account_balance(guarantee) == 10_000_00
    assert account_balance(ledger_account(LedgerAccount.Kind.PLATFORM_FEES)) == -10_000_00
    assert LedgerTransaction.objects.get(kind=LedgerTransaction.Kind.GUARANTEE_FUNDED).memo == "Q3 allocation"
    assert ledger_check_invariants() == []


def test_a_refund_charged_to_a_share_already_set_off_against_old_debts_becomes_a_receivable_not_a_hole(
        settings, django_capture_on_commit_callbacks):
    seller = SellerFactory()
    first = sold_car(django_capture_on_commit_callbacks, seller=seller)
    _resolve(first, _disputed(first), django_capture_on_commit_callbacks, cause="seller_misrepresented",
             cause_reason=HIDDEN)
    # The second car's payout sets the €750 off, then the bank is down: the rest of the share stays in escrow.
    settings.GAVEL_PAYOUT_PROVIDER = "tests.payments.doubles.BankDownPayoutProvider"
    second = sold_car(django_capture_on_commit_callbacks, seller=seller)
    assert (second.sale.payout_status, second.sale.set_off_minor) == (Sale.PayoutStatus.FAILED, 750_00)
    _books_are_right()
    settings.GAVEL_PAYOUT_PROVIDER = "payments.providers.bank.BankPayoutProvider"
    # A €12,000 refund for a misrepresentation: escrow still holds €11,750 of the seller's share; the €250 that was
    # set off is charged to the seller's account, as a receivable they see.
    _resolve(second, _disputed(second), django_capture_on_commit_callbacks, amount="12000.00",
             cause="seller_misrepresented", cause_reason=HIDDEN)
    second.sale.refresh_from_db()
    assert second.sale.seller_debited_minor == 250_00
    assert second.sale.payout_status == Sale.PayoutStatus.SENT
    assert not PayoutTransfer.objects.filter(idempotency_key=f"payout-{second.sale.pk}").exists()  # nothing left
    owed = SellerReceivable.objects.get(sale=second.sale)
    assert (owed.amount_minor, owed.status) == (250_00, SellerReceivable.Status.OPEN)
    assert _seller_balance(second.sale) == -250_00
    assert account_balance(ledger_account(LedgerAccount.Kind.ESCROW)) == 0
    _books_are_right()


# Any order of events, the same books ---------------------------------------------------------------------------

# Two sales of one seller, each handed over, disputed and decided (any outcome, either cause), interleaved in any
# order with the bank going down and up, payouts retried and the seller paying back what they owe.
SCENARIOS = st.fixed_dictionaries({
    "order": st.permutations(["sale0", "sale0", "sale0", "sale1", "sale1", "sale1", "extra", "extra", "extra",
                              "extra"]),
    "extras": st.lists(st.sampled_from(["bank_down", "bank_up", "payout0", "payout1", "seller_repays"]),
                       min_size=4, max_size=4),
    "decisions": st.lists(st.tuples(st.sampled_from(["partial", "refund", "reject"]),
                                    st.sampled_from(["inspection_missed", "seller_misrepresented"]),
                                    st.sampled_from([500_00, 6_000_00, 12_000_00])), min_size=2, max_size=2),
})


def _sold_and_paid(seller, capture):
    """Cheaper than the admin walk, same services: a published report, approval, an auction, a bid, the close,
    a card payment."""
    inspection, _ = published_inspection(listing=submitted_listing(seller=seller))
    staff = StaffFactory()
    inspection_services.inspection_listing_approve(inspection=inspection, actor=staff)
    auction = make_auction(listing=inspection.listing, starting_price_minor=HAMMER_MINOR, staff=staff)
    auction_services.bid_place(auction_id=auction.pk, dealer=DealerFactory(verified=True), amount_minor=HAMMER_MINOR)
    sale = close(auction, capture)
    pay_by_card(sale, capture=capture)
    return sale


@pytest.fixture
def two_paid_sales(django_capture_on_commit_callbacks):
    """One seller's two cars, sold and paid, built once for all the examples (function scope: once per test)."""
    seller = SellerFactory()
    sales = [_sold_and_paid(seller, django_capture_on_commit_callbacks) for _ in range(2)]
    return seller, sales, StaffFactory(), RedisSnapshot()


@pytest.mark.django_db
@hsettings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenario=SCENARIOS)
def test_whatever_happens_in_whatever_order_no_seller_is_silently_in_debt(scenario, two_paid_sales, settings,
                                                                          django_capture_on_commit_callbacks):
    seller, sales, staff, redis_after_sales = two_paid_sales
    with example_savepoint(redis_after_sales):  # every example starts from the same two paid sales
        _no_seller_silently_in_debt(scenario, seller, sales, staff, settings, django_capture_on_commit_callbacks)


def _no_seller_silently_in_debt(scenario, seller, sales, staff, settings, django_capture_on_commit_callbacks):
    per_sale = {f"sale{n}": iter(["hand_over", "dispute", "decide"]) for n in range(2)}
    extras = iter(scenario["extras"])
    settings.GAVEL_PAYOUT_PROVIDER = "payments.providers.bank.BankPayoutProvider"
    for slot in scenario["order"]:
        step = next(extras) if slot == "extra" else next(per_sale[slot])
        which = int(slot[-1]) if slot != "extra" else int(step[-1]) if step[-1].isdigit() else 0
        sale = Sale.objects.get(pk=sales[which].pk)
        refused = False
        try:
            with django_capture_on_commit_callbacks(execute=True):
                if step == "hand_over":
                    services.handover_confirm(sale=sale, actor=staff)
                elif step == "bank_down":
                    settings.GAVEL_PAYOUT_PROVIDER = "tests.payments.doubles.BankDownPayoutProvider"
                elif step == "bank_up":
                    settings.GAVEL_PAYOUT_PROVIDER = "payments.providers.bank.BankPayoutProvider"
                elif step.startswith("payout"):
                    services.payout_release(sale_id=sale.pk)
                elif step == "dispute":
                    services.dispute_open(findings=dispute_findings(),
                                          sale=sale, dealer=sale.buyer, reason="The gearbox whines in every gear.")
                elif step == "decide":
                    outcome, cause, amount = scenario["decisions"][which]
                    dispute = sale.disputes.filter(status=Dispute.Status.OPEN).first()
                    if dispute is None:
                        continue
                    services.dispute_resolve(dispute=dispute, actor=staff, outcome=outcome, cause=cause,
                                             amount_minor=amount if outcome == "partial" else None,
                                             cause_reason=HIDDEN if cause == "seller_misrepresented" else "",
                                             resolution="Staff decided this amount after a garage quote.")
                    step = f"{outcome} {cause}"
                elif step == "seller_repays":
                    for receivable in SellerReceivable.objects.filter(seller=seller, status="open"):
                        services.receivable_payment_record(receivable=receivable, actor=staff,
                                                           amount_minor=receivable.outstanding_minor,
                                                           bank_reference_text=f"SEPA-{receivable.pk}")
        except (ApplicationError, ProviderError):
            refused = True  # a refused step (wrong state, the bank down) must change nothing
        event(f"{step} {'refused' if refused else 'done'}")
        assert ledger_check_invariants() == [], (scenario, slot, step)
        # Only a misrepresentation decision with a reason ever charges the seller; the guarantee pays the rest.
        for receivable in SellerReceivable.objects.filter(seller=seller):
            assert receivable.dispute.cause == Dispute.Cause.SELLER_MISREPRESENTED and receivable.reason == HIDDEN
        for claim in GuaranteeClaim.objects.filter(sale__seller=seller):
            assert claim.dispute.cause == Dispute.Cause.INSPECTION_MISSED and claim.lines
    settings.GAVEL_PAYOUT_PROVIDER = "payments.providers.bank.BankPayoutProvider"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_payouts_and_a_transfer_racing_to_settle_one_debt_settle_it_exactly_once(django_capture_on_commit_callbacks):
    seller = SellerFactory()
    first = sold_car(django_capture_on_commit_callbacks, seller=seller)
    _resolve(first, _disputed(first), django_capture_on_commit_callbacks, cause="seller_misrepresented",
             cause_reason=HIDDEN)
    receivable = SellerReceivable.objects.get()
    later = [sold_car(django_capture_on_commit_callbacks, seller=seller, handed_over=False).sale for _ in range(2)]
    staff = StaffFactory()
    # Both later cars change hands (each handover releases its payout at once) while staff record the seller's
    # transfer of the whole €750: three ways to settle one debt, at the same moment.
    actions: list[Callable[[], object]] = [functools.partial(services.handover_confirm, sale=sale, actor=staff)
                                           for sale in later]
    actions.append(lambda: services.receivable_payment_record(receivable=receivable, actor=staff,
                                                              amount_minor=750_00, bank_reference_text="SEPA-RACE"))
    barrier, refused = threading.Barrier(len(actions)), []

    def run(action):
        try:
            barrier.wait()
            action()
        except ApplicationError as exc:  # the transfer may find the debt already settled: a clear refusal
            refused.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    receivable.refresh_from_db()
    assert receivable.status == SellerReceivable.Status.SETTLED and receivable.settled_minor == 750_00
    assert sum(receivable.settlements.values_list("amount_minor", flat=True)) == 750_00
    assert all(exc.code in ("receivable_settled", "invalid") for exc in refused)
    for sale in later:
        sale.refresh_from_db()
        assert sale.payout_status == Sale.PayoutStatus.SENT
    paid = sum(PayoutTransfer.objects.filter(payee=seller).values_list("amount_minor", flat=True))
    assert paid == 3 * 12_500_00 - sum(receivable.settlements.filter(method="set_off").values_list("amount_minor",
                                                                                                    flat=True))
    assert _seller_balance(first.sale) == 0
    _books_are_right()
