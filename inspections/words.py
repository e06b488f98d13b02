"""The report's vocabulary: panels, damage types, severities and facts, as English data (the fingerprinted content
and the repair-cost table use these texts) and in the reader's language through gettext (the label functions).
Both the report (inspections.report) and the grade's explanation (inspections.grading) read them from here."""

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from inspections.checklist import Status

PANELS = (
    ("bonnet", gettext_noop("Bonnet")),
    ("roof", gettext_noop("Roof")),
    ("tailgate", gettext_noop("Boot lid / tailgate")),
    ("front_bumper", gettext_noop("Front bumper")),
    ("rear_bumper", gettext_noop("Rear bumper")),
    ("wing_fl", gettext_noop("Front left wing")),
    ("wing_fr", gettext_noop("Front right wing")),
    ("door_fl", gettext_noop("Front left door")),
    ("door_fr", gettext_noop("Front right door")),
    ("door_rl", gettext_noop("Rear left door")),
    ("door_rr", gettext_noop("Rear right door")),
    ("quarter_rl", gettext_noop("Rear left quarter panel")),
    ("quarter_rr", gettext_noop("Rear right quarter panel")),
    ("sill_l", gettext_noop("Left sill")),
    ("sill_r", gettext_noop("Right sill")),
    ("a_pillar", gettext_noop("A-pillar")),
    ("windscreen_frame", gettext_noop("Windscreen frame")),
)
DAMAGE_TYPES = (
    ("scratch", gettext_noop("Scratch")),
    ("dent", gettext_noop("Dent")),
    ("crack", gettext_noop("Crack")),
    ("rust", gettext_noop("Rust")),
    ("repaint", gettext_noop("Repaint")),
)
SEVERITIES = ((Status.MINOR, gettext_noop("Minor")), (Status.MAJOR, gettext_noop("Major")))
PANEL_LABELS = dict(PANELS)

FACTS = ("odometer_km", "vin_on_car", "accident", "flood", "fire")
# The English texts are the data (a cached repair-cost table builds its labels from them); people read them through
# gettext (panel_label(), damage_type_word(), ...), gettext_noop marks them for the catalogue.
FACT_LABELS = {"odometer_km": gettext_noop("Odometer reading"), "vin_on_car": gettext_noop("VIN found on the car"),
               "accident": gettext_noop("Accident indicator"), "flood": gettext_noop("Flood indicator"),
               "fire": gettext_noop("Fire indicator"), "odometer_photo": gettext_noop("Odometer photo")}
# A damage type inside a sentence ("Front left door: dent").
DAMAGE_TYPE_WORDS = {"scratch": gettext_noop("scratch"), "dent": gettext_noop("dent"), "crack": gettext_noop("crack"),
                     "rust": gettext_noop("rust"), "repaint": gettext_noop("repaint")}


def panel_label(panel: str) -> str:
    """A panel's name in the reader's language (the key itself when it is not one of PANELS)."""
    return _(PANEL_LABELS[panel]) if panel in PANEL_LABELS else panel


def panel_in_sentence(panel: str) -> str:
    """The panel inside a sentence ("Dent on front left door"): lower case in English, as it is in other languages
    (German nouns keep their capital)."""
    label = panel_label(panel)
    return label.lower() if (translation.get_language() or "en").startswith("en") else label


def damage_type_label(damage_type: str) -> str:
    label = dict(DAMAGE_TYPES).get(damage_type)
    return _(label) if label else damage_type


def damage_type_word(damage_type: str) -> str:
    word = DAMAGE_TYPE_WORDS.get(damage_type)
    return _(word) if word else damage_type


def fact_label(name: str) -> str:
    return _(FACT_LABELS[name]) if name in FACT_LABELS else name
