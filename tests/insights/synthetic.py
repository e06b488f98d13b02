"""A synthetic auction history whose true price rule is known, for the backtest (tests and docs/methods.md).

True price of a car = model base + 1,200.00 per registration year after 2015 - 300.00 per 10,000 km
- 700.00 per grade step below A; the hammer price is the true price times a noise factor drawn uniformly from
0.95 to 1.05 (so the median absolute error of a perfect method would be 2.5 %). Seeded: always the same history.
"""

import random
from datetime import date

from insights.guidance import CarSpec, ClosedSale

MODELS = (("Volkswagen", "Golf", 1_400_000), ("Ford", "Focus", 1_100_000), ("BMW", "320d", 2_000_000))
FUELS = ("petrol", "diesel")
GEARBOXES = ("manual", "automatic")


def true_price(base: int, year: int, km: int, grade: str) -> int:
    return base + 120_000 * (year - 2015) - 30_000 * km // 10_000 - 70_000 * "ABCDE".index(grade)


def synthetic_history(*, months: int = 18, per_model_month: int = 12, seed: int = 16) -> list[ClosedSale]:
    rng = random.Random(seed)
    sales = []
    for m in range(months):
        closed = date(2025 + m // 12, m % 12 + 1, 1)
        for make, model, base in MODELS:
            for i in range(per_model_month):
                year = rng.randint(2014, 2022)
                km = max(5_000, (2026 - year) * 14_000 + rng.randrange(-30_000, 30_001, 1_000))
                grade = rng.choice("AABBBCCD")
                price = true_price(base, year, km, grade)
                hammer = price * rng.randint(9_500, 10_500) // 10_000
                car = CarSpec(make, model, year, km, rng.choice(FUELS), rng.choice(GEARBOXES), grade)
                sales.append(ClosedSale(car, hammer, closed, ref=f"{m}-{model}-{i}"))
    return sales
