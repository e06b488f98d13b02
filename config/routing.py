"""WebSocket routes. Each app that pushes live data adds its consumers here."""

websocket_urlpatterns: list = []
