"""A webhook's `data` is the resource in the same shape as the API gives it to the event's owner.

The shapes are the API's serializers (delivery code of later apps), which this early app may not import; each app
hands its renderer over from its AppConfig.ready() (auctions: "auction", payments: "sale"), and an event is
rendered once, when it is emitted, so every try and every redelivery carries the same body."""

from collections.abc import Callable

Renderer = Callable[[int, object], dict | None]

_renderers: dict[str, Renderer] = {}


def payload_renderer_register(resource: str, renderer: Renderer) -> None:
    """`renderer(resource_id, user)` returns the resource as `user` sees it through the API, or None if hidden."""
    _renderers[resource] = renderer


def payload_render(*, resource: str, resource_id: int, user) -> dict | None:
    renderer = _renderers.get(resource)
    if renderer is None:
        raise LookupError(f"no webhook payload renderer for {resource!r}: its app registers one in ready()")
    return renderer(resource_id, user)
