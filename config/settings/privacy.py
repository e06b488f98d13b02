"""Personal data (issue 19): how long Gavel keeps what it no longer needs. `privacy.tasks.retention_enforce_task`
(beat, daily) enforces these; the README's "Personal data" says what each covers."""

from config.settings.env import env_int

# Sign-ins seen (address, device): the shill rules look back 90 days (auctions.selectors.INTEGRITY_WINDOW_DAYS),
# so fewer days than that would blind them.
GAVEL_RETENTION_SESSION_SIGHTINGS_DAYS = env_int("GAVEL_RETENTION_SESSION_SIGHTINGS_DAYS", 180, minimum=90)
# In-app notifications, read or not, once this old.
GAVEL_RETENTION_NOTIFICATIONS_DAYS = env_int("GAVEL_RETENTION_NOTIFICATIONS_DAYS", 365, minimum=1)
# A closed account's remaining working data (its cars' number plates and postcodes, its webhook events, its API
# idempotency keys) this long after the closure; the ledger, audit log, transparency log and issued documents
# keep only pseudonymous ids and stay.
GAVEL_RETENTION_CLOSED_ACCOUNT_DAYS = env_int("GAVEL_RETENTION_CLOSED_ACCOUNT_DAYS", 30, minimum=0)
