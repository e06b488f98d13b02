"""Django's database sessions, refusing session keys Django never issues.

A session key is 32 lowercase letters and digits. A cookie can carry anything else — even a NUL character, as
the quoted-string escape "\\000", which Django's cookie parser decodes — and the lookup of such a key failed in
PostgreSQL (a 500 before any view, for pages and WebSocket handshakes alike). Such a key is no session: the
request is anonymous.
"""

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore


class SessionStore(DatabaseSessionStore):
    def _validate_session_key(self, key):
        # django-stubs leave out SessionBase._validate_session_key (private, but Django's own hook).
        return super()._validate_session_key(key) and key.isascii() and key.isalnum()  # type: ignore[misc]
