"""Insights: records, price guidance and open market data (issue 16)."""

from config.settings.env import env_int

# Open market data publishes only cells of at least this many sales (k-anonymity; insights.market).
GAVEL_MARKET_K = env_int("GAVEL_MARKET_K", 5, minimum=1)
