"""`manage.py outbox_worker`: deliver the outbox (core.outbox) until SIGTERM or Ctrl-C."""

import signal
import threading

from django.core.management.base import BaseCommand

from core.outbox import outbox_run


class Command(BaseCommand):
    help = "Deliver the outbox's live frames and notifications (core.outbox) until stopped."

    def handle(self, *args, **options):
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        outbox_run(stop=stop)
