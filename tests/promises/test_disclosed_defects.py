"""Promise 3: what the inspection report disclosed cannot ground a dispute.

Each sale here comes from a report the inspector really published (tests/promises/report_sale.py): front discs
"minor: worn" and a major dent on the front left door, then approval and scheduling in admin, a bid through the
API, the close, a card payment through the webhook and the handover through the API. The dealer then disputes
through the API and through the sale page, with findings as the no-chip rules take them (item, severity,
photos). What was disclosed is refused with a field error naming the item and nothing is written; a defect the
report passed is accepted, with the refund the rules compute.
"""

import ast
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from core.exceptions import ApplicationError
from inspections import services as inspection_services
from inspections.models import InspectionReport
from payments.models import Dispute, Sale
from tests.accounts.factories import StaffFactory
from tests.payments.factories import GEARBOX_REFUND_MINOR, dispute_payload, page_dispute_payload
from tests.promises.report_sale import (
    BRAKES,
    BRAKES_LINE,
    DOOR_DENT_LINE,
    GEARBOX,
    GEARBOX_LABEL,
    api_client,
    approve_and_schedule,
    page_client,
    published_car,
    sold_car,
)

REASON = "The car differs from the report: see the lines I picked."

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _locmem_email_and_eager_tasks(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from config.celery import app

    before = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, False
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = before


@pytest.fixture
def car(django_capture_on_commit_callbacks):
    return sold_car(django_capture_on_commit_callbacks)


def _dispute_api(sale, *findings, reason=REASON, photos=1):
    """The dealer disputes through the API with findings (item, severity, photos), as the no-chip rules take them."""
    return api_client(sale.buyer).post(f"/api/v1/sales/{sale.pk}/dispute/",
                                       dispute_payload(reason, *findings, photos=photos), format="multipart")


def _nothing_written(sale, status):
    sale.refresh_from_db()
    assert sale.status == status
    assert not Dispute.objects.filter(sale=sale).exists()


def test_the_sale_snapshots_what_the_published_report_disclosed_when_it_opens(car):
    sale = car.sale
    assert sale.report_id == car.report.pk == car.auction.report_id
    texts = sorted(item["text"] for item in sale.disclosed_items.values())
    assert texts == [BRAKES_LINE, DOOR_DENT_LINE]
    assert sale.disclosed_items[BRAKES] == {"category": "Brakes", "label": "Front discs", "severity": "minor",
                                           "note": "worn", "text": BRAKES_LINE}
    shown = api_client(sale.buyer).get(f"/api/v1/sales/{sale.pk}/").json()
    assert shown["report"] == {"revision": 1, "fingerprint": car.report.fingerprint}
    assert sorted(item["text"] for item in shown["disclosed_items"]) == [BRAKES_LINE, DOOR_DENT_LINE]


def test_a_dispute_over_a_defect_the_report_disclosed_is_refused_through_the_api_naming_the_line(car):
    answer = _dispute_api(car.sale, (GEARBOX, "major"), (BRAKES, "minor"))
    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == "disclosed_in_report"
    assert body["fields"] == {"findings-1-key": ["Front discs: Disclosed as minor: already in the price."]}
    _nothing_written(car.sale, Sale.Status.PAID_OUT)


def test_a_damage_map_entry_the_report_showed_is_refused_too(car):
    lines = api_client(car.sale.buyer).get(f"/api/v1/sales/{car.sale.pk}/report-lines/").json()
    assert lines["report"] == {"revision": 1, "fingerprint": car.report.fingerprint}
    dent = next(line for line in lines["lines"] if line["text"] == DOOR_DENT_LINE)
    assert dent["disclosed"] is True and dent["category"] == "Damage map"
    gearbox = next(line for line in lines["lines"] if line["key"] == GEARBOX)
    assert gearbox["disclosed"] is False and gearbox["text"] == f"{GEARBOX_LABEL} — OK"
    for severity in ("minor", "major"):  # disclosed as major: the same or a lower severity
        answer = _dispute_api(car.sale, ("damage.door_fl.dent", severity))
        assert answer.status_code == 400
        assert answer.json()["fields"]["findings-0-key"] == [
            "Front left door: dent: Disclosed as major: already in the price."]
    _nothing_written(car.sale, Sale.Status.PAID_OUT)


def test_an_item_that_is_not_in_the_table_a_finding_without_photo_and_a_dispute_without_findings_are_refused(car):
    unknown = _dispute_api(car.sale, ("engine", "major"), (GEARBOX, "major"))
    assert unknown.status_code == 400
    assert unknown.json()["fields"] == {"findings-0-key": ["Choose an item of the checklist or the damage map."]}
    no_photo = _dispute_api(car.sale, (GEARBOX, "major"), photos=0)
    assert no_photo.status_code == 400
    assert no_photo.json()["fields"] == {"findings-0-photos": ["Gearbox noise: A finding needs at least one photo."]}
    nothing = api_client(car.sale.buyer).post(f"/api/v1/sales/{car.sale.pk}/dispute/",
                                              {"reason": REASON, "findings": "[]"}, format="multipart")
    assert nothing.status_code == 400
    assert "Record at least one finding" in nothing.json()["fields"]["findings"][0]
    _nothing_written(car.sale, Sale.Status.PAID_OUT)


def test_a_defect_the_report_passed_grounds_a_dispute_with_a_computed_refund(car):
    answer = _dispute_api(car.sale, (GEARBOX, "major"))
    assert answer.status_code == 201, answer.content
    dispute = Dispute.objects.get(sale=car.sale)
    assert dispute.item_keys == [GEARBOX]
    assert dispute.computed_minor == GEARBOX_REFUND_MINOR == answer.json()["computed_minor"]
    assert dispute.photos.get().finding_key == GEARBOX
    car.sale.refresh_from_db()
    assert car.sale.status == Sale.Status.DISPUTED
    shown = api_client(car.sale.buyer).get(f"/api/v1/sales/{car.sale.pk}/").json()
    assert shown["disputes"][0]["items"] == [{"key": GEARBOX, "text": f"{GEARBOX_LABEL} — major"}]


def test_the_sale_page_offers_the_items_and_refuses_a_disclosed_one_as_a_form_error(car):
    client = page_client(car.sale.buyer)
    page = client.get(f"/sales/{car.sale.pk}/").content.decode()
    assert f'value="{GEARBOX}"' in page and "findings-0-key" in page
    assert "What it disclosed cannot ground a dispute" in page and BRAKES_LINE in page
    refused = client.post(f"/sales/{car.sale.pk}/dispute/",
                          page_dispute_payload(REASON, (GEARBOX, "major"), (BRAKES, "minor")))
    text = refused.content.decode()
    assert refused.status_code == 400
    assert "Front discs: Disclosed as minor: already in the price." in text
    assert REASON in text  # what the dealer typed is still there
    _nothing_written(car.sale, Sale.Status.PAID_OUT)
    unknown = client.post(f"/sales/{car.sale.pk}/dispute/", page_dispute_payload(REASON, ("engine", "major")))
    assert unknown.status_code == 400
    _nothing_written(car.sale, Sale.Status.PAID_OUT)
    accepted = client.post(f"/sales/{car.sale.pk}/dispute/", page_dispute_payload(REASON, (GEARBOX, "major")),
                           follow=True)
    text = accepted.content.decode()
    assert "Your dispute is open" in text and "data-dispute-computed" in text
    assert Dispute.objects.get(sale=car.sale).item_keys == [GEARBOX]
    seller_page = page_client(car.sale.seller).get(f"/sales/{car.sale.pk}/").content.decode()
    assert "Gearbox noise, major" in seller_page and "data-dispute-computed" in seller_page


def test_a_correction_published_after_the_sale_cannot_move_what_the_dealer_bid_on(car):
    inspection = car.inspection
    inspection_services.inspection_reopen(inspection=inspection, actor=car.staff, reason="Discs were fine")
    inspection_services.inspection_report_save(inspection=inspection, actor=inspection.inspector,
                                               items={BRAKES: {"status": "ok", "note": ""}})
    corrected = inspection_services.inspection_publish(inspection=inspection, actor=inspection.inspector)
    assert corrected.revision == 2 and corrected.is_current
    answer = _dispute_api(car.sale, (BRAKES, "minor"))
    assert answer.status_code == 400
    assert answer.json()["fields"]["findings-0-key"] == ["Front discs: Disclosed as minor: already in the price."]
    lines = api_client(car.sale.buyer).get(f"/api/v1/sales/{car.sale.pk}/report-lines/").json()
    assert lines["report"]["revision"] == 1
    _nothing_written(car.sale, Sale.Status.PAID_OUT)


def test_a_correction_is_not_published_while_the_car_is_in_its_auction(django_capture_on_commit_callbacks):
    staff = StaffFactory()
    inspection = published_car()
    auction = approve_and_schedule(page_client(staff), inspection)
    inspection_services.inspection_reopen(inspection=inspection, actor=staff, reason="Discs were fine")
    inspection_services.inspection_report_save(inspection=inspection, actor=inspection.inspector,
                                               items={BRAKES: {"status": "ok", "note": ""}})
    with pytest.raises(ApplicationError) as refused:
        inspection_services.inspection_publish(inspection=inspection, actor=inspection.inspector)
    assert (refused.value.code, refused.value.status_code) == ("car_in_auction", 409)
    assert InspectionReport.objects.filter(inspection=inspection).count() == 1
    auction.refresh_from_db()
    assert auction.report.revision == 1


# A missing piece fails at import time and in CI, never quietly at run time ------------------------------------

ROOT = Path(__file__).resolve().parents[2]
# Every top-level package of the checkout but the tests: a new app is covered without touching this list.
PACKAGES = sorted(path.parent.name for path in ROOT.glob("*/__init__.py") if path.parent.name != "tests")
# Where a dotted path is configuration, resolved on purpose; each is validated by a system check.
CONFIGURATION_LOOKUPS = {
    "core/checks.py": "resolves every dotted path the settings name (core.E001-E003)",
    "payments/checks.py": "validates GAVEL_PAYOUT_PROVIDER (payments.E001)",
    "payments/providers/__init__.py": "GAVEL_PAYOUT_PROVIDER, validated by payments.E001",
}
# Issue 12 promise 12 (group A) replaces this one task lookup; remove the entry when that lands.
OTHER_GROUP = {"core/notifications.py"}


def _sources():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path.relative_to(ROOT).as_posix(), ast.parse(path.read_text(), filename=str(path))


def _module_names(tree) -> set[str]:
    """Names bound to a module of ours by an import in this file."""
    import importlib.util

    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                try:
                    if importlib.util.find_spec(f"{node.module}.{alias.name}") is not None:
                        names.add(alias.asname or alias.name)
                except (ImportError, ValueError):  # `alias` is a class or function, not a module
                    pass
    return names


def test_no_lookup_by_name_can_hide_a_missing_function():
    found = []
    for name, tree in _sources():
        modules = _module_names(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.ExceptHandler) and node.type is not None and name not in CONFIGURATION_LOOKUPS:
                caught = node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]
                if any(isinstance(c, ast.Name) and c.id in ("ImportError", "ModuleNotFoundError") for c in caught):
                    found.append(f"{name}:{node.lineno} catches ImportError")
            if isinstance(node, ast.Call):
                func = node.func
                called = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) \
                    else ""
                if called in ("import_string", "import_module", "__import__") and name not in CONFIGURATION_LOOKUPS:
                    found.append(f"{name}:{node.lineno} calls {called}")
                if (called == "getattr" and node.args and isinstance(node.args[0], ast.Name)
                        and node.args[0].id in modules and name not in OTHER_GROUP):
                    found.append(f"{name}:{node.lineno} looks up a name on module {node.args[0].id}")
    assert found == []


def test_a_mistyped_payout_provider_fails_manage_py_check(settings):
    settings.GAVEL_PAYOUT_PROVIDER = "payments.providers.bank.BankPayoutProvidr"
    with pytest.raises(SystemCheckError, match="payments.E001"):
        call_command("check")
    settings.GAVEL_PAYOUT_PROVIDER = "payments.providers.bank.BankTransferProvider"  # a payment, not a payout
    with pytest.raises(SystemCheckError, match="payments.E001"):
        call_command("check")


def test_a_beat_entry_or_route_naming_no_task_fails_manage_py_check(settings):
    settings.CELERY_BEAT_SCHEDULE = {**settings.CELERY_BEAT_SCHEDULE,
                                     "typo": {"task": "payments.tasks.payouts_release_pending_tsk", "schedule": 60}}
    with pytest.raises(SystemCheckError, match="payouts_release_pending_tsk"):
        call_command("check")


def test_a_dotted_path_in_the_settings_that_names_none_of_our_code_fails_manage_py_check(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "EXCEPTION_HANDLER": "core.api.exception_handlr"}
    with pytest.raises(SystemCheckError, match="core.api.exception_handlr"):
        call_command("check")


def test_the_settings_as_shipped_pass_the_checks():
    call_command("check")
