"""Channel-layer group names: one place, so publishers and consumers cannot drift apart."""

DASHBOARD = "dashboard"


def auction_group(auction_id: int) -> str:
    return f"auction.{int(auction_id)}"


def sale_group(sale_id: int) -> str:
    return f"sale.{int(sale_id)}"


def user_group(user_id: int) -> str:
    return f"user.{int(user_id)}"
