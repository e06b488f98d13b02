"""WebSocket routes. Each app that pushes live data adds its consumers here."""

from django.urls import path, re_path

from live import consumers

websocket_urlpatterns: list = [
    path("ws/auctions/<int:auction_id>/", consumers.AuctionConsumer.as_asgi()),
    path("ws/sales/<int:sale_id>/", consumers.SaleConsumer.as_asgi()),
    path("ws/dashboard/", consumers.DashboardConsumer.as_asgi()),
    path("ws/user/", consumers.UserConsumer.as_asgi()),
    # Last: any other path is refused like a refused join (Channels' router would raise, and the server answer 500).
    re_path(r"", consumers.UnroutedConsumer.as_asgi()),
]
