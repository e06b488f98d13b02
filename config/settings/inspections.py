"""Inspections: a report flags the odometer when it differs from the seller's mileage by more than
GAVEL_ODOMETER_MARGIN_KM (exactly the margin is fine); the most photos one report may hold."""

from config.settings.env import env_int

GAVEL_ODOMETER_MARGIN_KM = env_int("GAVEL_ODOMETER_MARGIN_KM", 1_000, minimum=0)
GAVEL_INSPECTION_MAX_PHOTOS = env_int("GAVEL_INSPECTION_MAX_PHOTOS", 300, minimum=1)
