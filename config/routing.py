"""WebSocket routes. Each app that pushes live data adds its consumers here."""

from django.urls import path, re_path

from live import consumers

# Channels routes with Django's path(); django-stubs type its view as a Django view only, not an ASGI application.
websocket_urlpatterns: list = [
    path("ws/auctions/<int:auction_id>/", consumers.AuctionConsumer.as_asgi()),  # type: ignore[arg-type]
    path("ws/sales/<int:sale_id>/", consumers.SaleConsumer.as_asgi()),  # type: ignore[arg-type]
    path("ws/dashboard/", consumers.DashboardConsumer.as_asgi()),  # type: ignore[arg-type]
    path("ws/user/", consumers.UserConsumer.as_asgi()),  # type: ignore[arg-type]
    # Last: any other path is refused like a refused join (Channels' router would raise, and the server answer 500).
    re_path(r"", consumers.UnroutedConsumer.as_asgi()),  # type: ignore[arg-type]
]
