from django.apps import AppConfig


class LiveConfig(AppConfig):
    """Live updates over WebSockets, the delivery end: the consumers join the groups that `core.events` names and
    forward what the services publish there (`core.events.publish_on_commit`); they write nothing."""

    name = "live"
