"""Listings: the highest reserve a seller may set, the photo limits and the upload rate."""

from config.settings.env import env_int, env_money_minor, env_rate

GAVEL_RESERVE_CEILING_MINOR = env_money_minor("GAVEL_RESERVE_CEILING_MINOR", 500_000_00, minimum=1)
GAVEL_PHOTO_MAX_BYTES = env_int("GAVEL_PHOTO_MAX_BYTES", 15 * 1024 * 1024, minimum=1)
GAVEL_PHOTO_MAX_PIXELS = env_int("GAVEL_PHOTO_MAX_PIXELS", 40_000_000, minimum=1)
GAVEL_LISTING_MAX_PHOTOS = env_int("GAVEL_LISTING_MAX_PHOTOS", 30, minimum=1)
# Requests carrying photos per user (listing photos, inspection photos, dispute evidence; API and pages
# together), as "<n>/<s|min|hour|day>"; the next one in the window is answered 429.
GAVEL_UPLOAD_RATE = env_rate("GAVEL_UPLOAD_RATE", "60/min")
