from django import forms
from django.utils.translation import gettext_lazy as _

from inspections.report import DAMAGE_TYPES, PANELS, SEVERITIES


def _choices(pairs):
    """Choices whose labels are read in the reader's language (the constants keep the English)."""
    return [(key, _(label)) for key, label in pairs]


class ScheduleForm(forms.Form):
    scheduled_at = forms.DateTimeField(
        label=_("Date and time"), input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))
    place = forms.CharField(label=_("Place"), max_length=200,
                            help_text=_("Where you meet the car, e.g. the seller's street address or a garage."))


class DamageForm(forms.Form):
    panel = forms.ChoiceField(label=_("Panel"), choices=_choices(PANELS))
    type = forms.ChoiceField(label=_("Damage"), choices=_choices(DAMAGE_TYPES))
    severity = forms.ChoiceField(label=_("Severity"), choices=_choices(SEVERITIES))
    note = forms.CharField(label=_("Note"), required=False, max_length=1000)
    # A plain file field: the service checks the image with the listing photo rules (marketplace.images).
    photo = forms.FileField(label=_("Photo"), required=False, help_text=_("Optional; JPEG, PNG or WebP."))
