from django import forms

from inspections.report import DAMAGE_TYPES, PANELS, SEVERITIES


class ScheduleForm(forms.Form):
    scheduled_at = forms.DateTimeField(
        label="Date and time", input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))
    place = forms.CharField(label="Place", max_length=200,
                            help_text="Where you meet the car, e.g. the seller's street address or a garage.")


class DamageForm(forms.Form):
    panel = forms.ChoiceField(choices=PANELS)
    type = forms.ChoiceField(label="Damage", choices=DAMAGE_TYPES)
    severity = forms.ChoiceField(choices=SEVERITIES)
    note = forms.CharField(required=False, max_length=1000)
    # A plain file field: the service checks the image with the listing photo rules (marketplace.images).
    photo = forms.FileField(required=False, help_text="Optional; JPEG, PNG or WebP.")
