"""Replay Gavel's sales month by month and say how good the price guide would have been (docs/methods.md,
"Checking the price guide: the backtest")."""

from django.core.management.base import BaseCommand

from insights.guidance import backtest
from insights.numbers import one_decimal
from insights.selectors import GUIDANCE_RULES, sale_history


def _percent(share) -> str:
    return "—" if share is None else f"{one_decimal(share * 100)}%"


class Command(BaseCommand):
    help = ("Backtest the price guide on every sold auction: each sale's guide is computed from the sales of the "
            "earlier months only; prints the median absolute percentage error and the share inside the range.")

    def add_arguments(self, parser):
        parser.add_argument("--months", action="store_true", help="Also print one line per month.")

    def handle(self, *args, **options):
        result = backtest(sale_history(), rules=GUIDANCE_RULES)
        out = self.stdout.write
        out(f"Price guide backtest ({result.method}), {len(result.months)} months, {result.sales} sales")
        out(f"  with a guide:                  {result.guided}")
        out(f"  not enough comparable sales:   {result.not_enough}")
        out(f"  hammer inside the shown range: {result.inside} of {result.guided} ({_percent(result.inside_share)})")
        out(f"  median absolute % error:       {_percent(result.median_ape)}")
        width = None if result.median_width_bp is None else result.median_width_bp / 10_000
        out(f"  median range width:            {_percent(width)} of the typical price")
        if options["months"]:
            out("  month     sales  guided  not enough  inside")
            for month in result.months:
                out(f"  {month.month}  {month.sales:>5}  {month.guided:>6}  {month.not_enough:>10}  {month.inside:>6}")
