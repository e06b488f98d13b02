"""Records, price guidance and open market data (issue 16), computed from Gavel's own events with the method shown.

App order: at the top of the domain order, after payments (it reads every other app's records). For now only the
pure modules exist — no models, no database, no settings read inside a function: parameters in, results out.

- `records`  — the dealer record (rolling 12 months, recent months weighted more) and the inspector record;
- `guidance` — the expected price range for a car from comparable closed auctions, and the month-by-month backtest;
- `market`   — closed auctions aggregated into k-anonymous cells, rendered as CSV and JSON;
- `numbers`  — the exact arithmetic they share (medians, quantiles, rounding, percentages, calendar months).

Every method is described for sellers and dealers in docs/methods.md; each carries a version string
(`dealer-record-v1`, `inspector-record-v1`, `guidance-v1`, `market-v1`): change a method by adding a version.
Money is integer minor units throughout; ratios are exact `Fraction`s until they are shown.
"""
