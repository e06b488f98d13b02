"""Errors raised by services. Views, the API and admin translate them; nothing else does."""

from django.utils.translation import gettext as _


class ApplicationError(Exception):
    """A business rule refused the request. `code` is machine-readable and stable."""

    code = "invalid"
    status_code = 400
    replayed: bool  # set on a refusal given again to an idempotent retry (auctions.services.bidding)

    def __init__(self, message: str | None = None, *, code: str | None = None, fields: dict | None = None):
        self.message = message or self.default_message()
        if code:
            self.code = code
        # field name -> list of messages, for forms and API responses
        self.fields = {name: list(msgs) if isinstance(msgs, (list, tuple)) else [msgs]
                       for name, msgs in (fields or {}).items()}
        super().__init__(self.message)

    def default_message(self) -> str:
        return _("The request was refused.")


class ValidationFailed(ApplicationError):
    code = "invalid"

    def default_message(self) -> str:
        return _("Some fields need attention.")


class PermissionRefused(ApplicationError):
    code = "permission_denied"
    status_code = 403

    def default_message(self) -> str:
        return _("You may not do that.")


class InvalidTransition(ApplicationError):
    code = "invalid_transition"
    status_code = 409


class TransitionConflict(ApplicationError):
    """Someone else changed the status between our read and our write."""

    code = "transition_conflict"
    status_code = 409


class Throttled(ApplicationError):
    """A rate limit refused the request; it may be sent again after `retry_after_seconds`."""

    code = "throttled"
    status_code = 429

    def __init__(self, message: str | None = None, *, retry_after_seconds: int, **kwargs):
        self.retry_after_seconds = retry_after_seconds
        super().__init__(message, **kwargs)

    def default_message(self) -> str:
        return _("Too many requests. Please wait %(seconds)s seconds and try again.") % {
            "seconds": self.retry_after_seconds}
