"""Sale page forms. Field names match the services' keyword names so refusals land on the right input."""

from django import forms

from payments.models import Dispute


class CollectionForm(forms.Form):
    proposed_at = forms.DateTimeField(label="Collection time", required=False,
                                      widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                                 format="%Y-%m-%dT%H:%M"),
                                      input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    place = forms.CharField(label="Place", max_length=300, required=False,
                            widget=forms.TextInput(attrs={"placeholder": "Address where the car is collected"}))
    doc_registration = forms.BooleanField(label="Registration documents", required=False)
    doc_keys = forms.BooleanField(label="All keys", required=False)
    doc_service_book = forms.BooleanField(label="Service book", required=False)


class DisputeForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=5000,
                             help_text="How does the car differ materially from the published report?")
    item_keys = forms.CharField(label="Report items concerned", required=False, max_length=2000,
                                help_text="Optional: the report items, separated by commas. Items the report "
                                          "disclosed cannot ground a dispute.")

    def clean_item_keys(self):
        return [key.strip() for key in self.cleaned_data["item_keys"].split(",") if key.strip()]


class DisputeResolveForm(forms.Form):
    outcome = forms.ChoiceField(choices=[c for c in Dispute.Outcome.choices if c[0]])
    amount = forms.CharField(label="Partial refund amount", required=False,
                             help_text="Only for a partial refund, e.g. 750.00")
    resolution = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 60}), required=False)


class BankTransferConfirmForm(forms.Form):
    amount = forms.CharField(label="Amount received", help_text="As on the bank statement, e.g. 12399.00")
    bank_reference = forms.CharField(label="Bank reference", max_length=150,
                                     help_text="The bank's transaction id for this credit.")
