from django.core.management.base import BaseCommand, CommandError

from payments.ledger import ledger_check_invariants


class Command(BaseCommand):
    help = "Check the escrow ledger: every transaction balances, all entries sum to zero, escrow matches sales."

    def handle(self, *args, **options):
        problems = ledger_check_invariants()
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"{len(problems)} ledger problem(s).")
        self.stdout.write(self.style.SUCCESS("OK"))
