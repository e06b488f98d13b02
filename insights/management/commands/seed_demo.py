from django.apps import apps
from django.core.management.base import BaseCommand
from django.core.management.sql import emit_post_migrate_signal
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from accounts.demo import demo_users_ensure
from auctions.demo import demo_auctions_ensure, demo_auctions_reschedule
from auctions.models import Auction
from insights.demo import HISTORY_SIZE, demo_history_ensure
from inspections.demo import demo_inspections_ensure
from marketplace.demo import demo_listings_ensure
from payments.demo import demo_deposits_ensure, demo_sales_ensure


class Command(BaseCommand):
    help = ("Load Gavel's demo data (idempotent): a user of each role and their data, and a year of closed "
            "auctions (the history behind the price guide, the records and the market data). The demo's live "
            "and scheduled auctions get their times again from now on every run. --reset empties the database "
            "first and builds the demo anew.")

    def add_arguments(self, parser):
        parser.add_argument("--history", type=int, default=HISTORY_SIZE,
                            help=f"How many closed auctions the past year holds (default {HISTORY_SIZE}).")
        parser.add_argument("--reset", action="store_true",
                            help="Delete ALL data in the database (every table, also what you entered yourself), "
                                 "then load the demo again.")

    def handle(self, *args, **options):
        if options["reset"]:
            self._empty_database()
            if options["verbosity"] >= 1:
                self.stdout.write("Database emptied.")
        with transaction.atomic():
            users = demo_users_ensure()
            demo_deposits_ensure()  # the dealers' buying limits come from their deposits
            listings = demo_listings_ensure()
            inspections = demo_inspections_ensure()
            auctions = demo_auctions_ensure()
            sales = demo_sales_ensure()
            history = demo_history_ensure(size=options["history"])
        rescheduled = demo_auctions_reschedule()
        if options["verbosity"] < 1:
            return
        self.stdout.write(self.style.SUCCESS("Demo logins (all share one password):"))
        for user, password in users:
            self.stdout.write(f"  {user.get_role_display():<10} {user.email:<24} {password}")
        self.stdout.write(f"Demo listings: {len(listings)} ({', '.join(sorted({x.status for x in listings}))}).")
        self.stdout.write(f"Demo auctions: {len(auctions)} ({', '.join(sorted({a.status for a in auctions}))}); "
                          f"{len(rescheduled)} rescheduled from now.")
        if not any(a.status == Auction.Status.LIVE for a in rescheduled):
            self.stdout.write("No demo auction is live any more (they ran to their end): "
                              "`manage.py seed_demo --reset` builds the demo anew.")
        states = ", ".join(sorted({x.status for x in inspections}))
        self.stdout.write(f"Demo inspections: {len(inspections)} ({states}).")
        self.stdout.write(f"Demo sales: {len(sales)} ({', '.join(sorted({s.status for s in sales}))}).")
        self.stdout.write(f"Demo history: {history} closed auctions over the past year (try manage.py price_backtest).")

    def _empty_database(self) -> None:
        """Every table emptied at once (TRUNCATE: the append-only triggers refuse row deletes, not this), ids NOT
        restarted, so nothing keyed by an old id elsewhere (Redis copies, queued tasks, mail links) meets a new
        row; then what migrate creates (content types, permissions) again."""
        connection = connections[DEFAULT_DB_ALIAS]
        tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
        statements = connection.ops.sql_flush(self.style, tables, reset_sequences=False, allow_cascade=False)
        connection.ops.execute_sql_flush(statements)
        # The transparency log's signing key lives in var/ (or the environment), not in the database: kept.
        emit_post_migrate_signal(0, False, DEFAULT_DB_ALIAS, apps=apps, plan=[])
