"""The payout account (accounts.security.payout_account_change, the payout account page, payments' payout): an IBAN
checked by schwifty, changed only with the current password and a fresh code from the user's device (the password
alone for a user without one, as the page says), audited with both values masked, told to the seller by email on
every change; a payout goes to the account on file when it is sent and waits, saying why, without one."""

import time

import pytest
from django.core import mail
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import security
from accounts.models import User
from core.exceptions import ValidationFailed
from core.models import AuditLog, Notification
from payments import services as payment_services
from payments.models import PayoutTransfer, Sale
from tests.accounts.factories import PASSWORD, SellerFactory, StaffFactory
from tests.accounts.test_two_factor import code_for, set_up
from tests.payments.factories import SaleMaker, pay_by_card

pytestmark = pytest.mark.django_db

GOOD = "DE89 3704 0044 0532 0130 00"
OTHER = "GB33BUKB20201555555555"


@pytest.fixture(autouse=True)
def _locmem_email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_without_a_device_the_password_alone_changes_it_and_the_page_says_so(client,
                                                                            django_capture_on_commit_callbacks):
    seller = SellerFactory(payout_account="")
    client.force_login(seller)
    page = client.get(reverse("accounts:payout_account")).content.decode()
    assert "data-payout-password-only" in page and "data-payout-missing" in page

    wrong = client.post(reverse("accounts:payout_account"), {"payout_account": GOOD,
                                                             "current_password": "not-my-password-1"})
    assert wrong.status_code == 400 and "current password is not right" in wrong.content.decode()
    seller.refresh_from_db()
    assert seller.payout_account == ""

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(reverse("accounts:payout_account"), {"payout_account": GOOD, "current_password": PASSWORD})
    assert done.status_code == 302
    seller.refresh_from_db()
    assert seller.payout_account == "DE89370400440532013000"
    record = AuditLog.objects.get(field="payout_account", object_id=seller.pk)
    assert (record.from_state, record.to_state, record.actor_id) == ("(none)", "DE89 …3000", seller.pk)
    assert record.data["proof"] == "password"
    told = [m for m in mail.outbox if m.to == [seller.email]]
    assert len(told) == 1 and "DE89 …3000" in told[0].body and "3704004405" not in told[0].body


def test_with_a_device_a_fresh_code_is_needed_too_and_every_change_is_told_and_audited(
        client, django_capture_on_commit_callbacks):
    seller = SellerFactory(payout_account="DE89370400440532013000")
    client.force_login(seller)
    set_up(client, seller)
    device = TOTPDevice.objects.get(user=seller, confirmed=True)

    no_code = client.post(reverse("accounts:payout_account"), {"payout_account": OTHER, "current_password": PASSWORD})
    assert no_code.status_code == 400 and "code" in no_code.content.decode()
    time.sleep(1.1)  # the throttle after a wrong code
    seller.refresh_from_db()
    assert seller.payout_account == "DE89370400440532013000"

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(reverse("accounts:payout_account"), {
            "payout_account": OTHER, "current_password": PASSWORD, "code": code_for(device, steps_ahead=1)})
    assert done.status_code == 302
    seller.refresh_from_db()
    assert seller.payout_account == OTHER
    record = AuditLog.objects.get(field="payout_account", object_id=seller.pk)
    assert (record.from_state, record.to_state, record.data["proof"]) == ("DE89 …3000", "GB33 …5555",
                                                                            "password+totp")
    assert Notification.objects.filter(user=seller, kind="payout_account_changed").count() == 1
    assert any("GB33 …5555" in m.body for m in mail.outbox if m.to == [seller.email])


@pytest.mark.parametrize("value", ["DE89 !!", "DE88370400440532013000", "XX89370400440532013000", "12345678"])
def test_what_is_not_an_iban_is_refused_with_the_field_named(value):
    seller = SellerFactory(payout_account="")
    with pytest.raises(ValidationFailed) as refused:
        security.payout_account_change(user=seller, payout_account=value, current_password=PASSWORD)
    assert "not a valid IBAN" in refused.value.fields["payout_account"][0]
    assert User.objects.get(pk=seller.pk).payout_account == ""


def test_a_payout_without_an_account_waits_with_the_reason_and_then_goes_to_the_account_on_file(
        client, django_capture_on_commit_callbacks):
    sale = SaleMaker(django_capture_on_commit_callbacks)()
    seller = sale.seller
    User.objects.filter(pk=seller.pk).update(payout_account="")
    pay_by_card(sale, capture=django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        payment_services.handover_confirm(sale=sale, actor=StaffFactory())
        payment_services.payout_release(sale_id=sale.pk)
    sale.refresh_from_db()
    assert sale.payout_status == Sale.PayoutStatus.PENDING and "payout account" in sale.payout_waiting_reason
    assert Notification.objects.filter(user=seller, kind="payout_waiting").count() == 1
    client.force_login(seller)
    page = client.get(reverse("payments:detail", args=[sale.pk])).content.decode()
    assert "data-payout-waiting" in page and "enter your IBAN" in page

    with django_capture_on_commit_callbacks(execute=True):
        payment_services.payout_release(sale_id=sale.pk)  # the sweep again: still waiting, told once
    assert Notification.objects.filter(user=seller, kind="payout_waiting").count() == 1

    security.payout_account_change(user=seller, payout_account=OTHER, current_password=PASSWORD)
    with django_capture_on_commit_callbacks(execute=True):
        payment_services.payout_release(sale_id=sale.pk)
    sale.refresh_from_db()
    assert sale.payout_status == Sale.PayoutStatus.SENT and sale.payout_account == OTHER
    assert PayoutTransfer.objects.get(payee=seller).account == OTHER
    page = client.get(reverse("payments:detail", args=[sale.pk])).content.decode()
    assert "GB33 …5555" in page and "data-payout-waiting" not in page
