"""Sale page forms. Field names match the services' keyword names so refusals land on the right input."""

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from core.forms import MoneyField
from payments.models import Dispute
from payments.services import GUARANTEE_SOURCES


class CollectionForm(forms.Form):
    proposed_at = forms.DateTimeField(label=_("Collection time"), required=False,
                                      widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                                 format="%Y-%m-%dT%H:%M"),
                                      input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    place = forms.CharField(label=_("Place"), max_length=300, required=False,
                            widget=forms.TextInput(attrs={"placeholder": _("Address where the car is collected")}))
    doc_registration = forms.BooleanField(label=_("Registration documents"), required=False)
    doc_keys = forms.BooleanField(label=_("All keys"), required=False)
    doc_service_book = forms.BooleanField(label=_("Service book"), required=False)


class DisputeForm(forms.Form):
    """The reason in words; the findings (item, severity, photos) are rows the view reads, as at the collection
    check."""

    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=5000,
                             help_text=_("How does the car differ from the published report?"))


class DisputeResolveForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=[("computed", _("The computed refund (the published rules)")),
                 (Dispute.Outcome.REFUND, _("Override: full refund")),
                 (Dispute.Outcome.PARTIAL, _("Override: partial refund")),
                 (Dispute.Outcome.REJECT, _("Override: rejected"))],
        help_text=_("Anything but the computed refund is an override: write why below; the dealer and the seller "
                  "both read it."))
    amount = forms.CharField(label=_("Partial refund amount (override)"), required=False,
                             help_text=_("Only for an overriding partial refund, e.g. 750.00"))
    cause = forms.ChoiceField(
        label=_("Who pays a refund"), required=False, widget=forms.RadioSelect,
        choices=[c for c in Dispute.Cause.choices if c[0]],
        help_text=_("Preselected: the inspection missed it when the dispute names report lines (the report did not "
                  "disclose them). Only a misrepresentation, with a reason, charges the seller."))
    cause_reason = forms.CharField(
        label=_("Why the seller is responsible"), required=False, widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("Required when the seller misrepresented the car; the seller reads it."))
    resolution = forms.CharField(
        label=_("Decision in writing"), widget=forms.Textarea(attrs={"rows": 3, "cols": 60}), required=False,
        help_text=_("Both sides read it. Required for an override: why the decision differs from the computation."))


class ReceivablePaymentForm(forms.Form):
    amount = forms.CharField(label=_("Amount received"), help_text=_("As on the bank statement, e.g. 750.00"))
    bank_reference = forms.CharField(label=_("Bank reference"), max_length=200,
                                     help_text=_("The bank's transaction id for this credit."))


class GuaranteeFundForm(forms.Form):
    amount = forms.CharField(label=_("Amount"), help_text=_("e.g. 10000.00"))
    source = forms.ChoiceField(choices=[(key, format_lazy(_("From {label}"), label=label))
                                        for key, (_source, label) in GUARANTEE_SOURCES.items()])
    memo = forms.CharField(max_length=300, required=False, help_text=_("Shown in the account's history."))
    # One per form shown: a form submitted twice funds once.
    token = forms.CharField(widget=forms.HiddenInput, max_length=64)


class BankTransferConfirmForm(forms.Form):
    amount = forms.CharField(label=_("Amount received"), help_text=_("As on the bank statement, e.g. 12399.00"))
    bank_reference = forms.CharField(label=_("Bank reference"), max_length=150,
                                     help_text=_("The bank's transaction id for this credit."))


class DepositAmountForm(forms.Form):
    """A top-up the dealer announces or a withdrawal they ask for; the service checks the rest."""

    amount_minor = MoneyField(label=_("Amount"), min_minor=1, help_text=_("An amount like 5,000.00."))


class DepositTopUpConfirmForm(forms.Form):
    amount = forms.CharField(label=_("Amount received"), required=False,
                             help_text=_("Leave empty when it is the amount announced; otherwise e.g. 5000.00"))


class BuyNowProposeForm(forms.Form):
    price = forms.CharField(label=_("Buy-now price"),
                            help_text=_("e.g. 11500.00 — the seller is asked to agree first."))
