from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.demo import demo_users_ensure
from auctions.demo import demo_auctions_ensure
from insights.demo import HISTORY_SIZE, demo_history_ensure
from inspections.demo import demo_inspections_ensure
from marketplace.demo import demo_listings_ensure
from payments.demo import demo_deposits_ensure, demo_sales_ensure


class Command(BaseCommand):
    help = ("Load Gavel's demo data (idempotent): a user of each role and their data, and a year of closed "
            "auctions (the history behind the price guide, the records and the market data).")

    def add_arguments(self, parser):
        parser.add_argument("--history", type=int, default=HISTORY_SIZE,
                            help=f"How many closed auctions the past year holds (default {HISTORY_SIZE}).")

    def handle(self, *args, **options):
        with transaction.atomic():
            users = demo_users_ensure()
            demo_deposits_ensure()  # the dealers' buying limits come from their deposits
            listings = demo_listings_ensure()
            inspections = demo_inspections_ensure()
            auctions = demo_auctions_ensure()
            sales = demo_sales_ensure()
            history = demo_history_ensure(size=options["history"])
        self.stdout.write(self.style.SUCCESS("Demo logins (all share one password):"))
        for user, password in users:
            self.stdout.write(f"  {user.get_role_display():<10} {user.email:<24} {password}")
        self.stdout.write(f"Demo listings: {len(listings)} ({', '.join(sorted({x.status for x in listings}))}).")
        self.stdout.write(f"Demo auctions: {len(auctions)} ({', '.join(sorted({a.status for a in auctions}))}).")
        states = ", ".join(sorted({x.status for x in inspections}))
        self.stdout.write(f"Demo inspections: {len(inspections)} ({states}).")
        self.stdout.write(f"Demo sales: {len(sales)} ({', '.join(sorted({s.status for s in sales}))}).")
        self.stdout.write(f"Demo history: {history} closed auctions over the past year (try manage.py price_backtest).")
