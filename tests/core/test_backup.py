"""`manage.py backup` and `restore` against real PostgreSQL: a dump of the demo restored into a fresh database
holds every row of every table, the ledger still balances and is still append-only; the photos come back."""

import uuid
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection
from psycopg import sql

from core.backups import DATABASE_FILE, MANIFEST, backup_create, target_from_settings

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres, pytest.mark.serial]


def _conninfo(dbname: str) -> dict:
    params = connection.settings_dict
    return {
        "host": params["HOST"],
        "port": params["PORT"] or 5432,
        "user": params["USER"],
        "password": params["PASSWORD"],
        "dbname": dbname,
    }


def _url(dbname: str) -> str:
    info = _conninfo(dbname)
    password = f":{info['password']}" if info["password"] else ""
    return f"postgres://{info['user']}{password}@{info['host']}:{info['port']}/{dbname}"


@pytest.fixture
def fresh_database():
    """An empty database on the same server, dropped afterwards."""
    name = f"gavel_restore_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(**_conninfo("postgres"), autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield name
    finally:
        with psycopg.connect(**_conninfo("postgres"), autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _fingerprint(conn) -> dict[str, tuple[int, str]]:
    """Each table's row count and a digest of all its rows (in a fixed order)."""
    tables = [
        row[0]
        for row in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        ).fetchall()
    ]
    result = {}
    for table in tables:
        query = sql.SQL(
            "SELECT count(*), coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM {} t"
        ).format(sql.Identifier(table))
        count, digest = conn.execute(query).fetchone()
        result[table] = (count, digest)
    return result


def _unbalanced_transactions(conn) -> list:
    return conn.execute(
        "SELECT transaction_id, sum(amount_minor) FROM payments_ledgerentry "
        "GROUP BY transaction_id HAVING sum(amount_minor) <> 0"
    ).fetchall()


def test_a_backup_restored_into_a_fresh_database_holds_every_record_and_a_balanced_ledger(
    tmp_path, settings, fresh_database
):
    call_command("seed_demo", history=4, verbosity=0)
    photos = {name: default_storage.open(name, "rb").read() for name in _stored_files(Path(settings.MEDIA_ROOT))}
    assert photos, "the demo stores photos"
    with psycopg.connect(**_conninfo(connection.settings_dict["NAME"])) as source:
        before = _fingerprint(source)
    assert before["payments_ledgerentry"][0] > 0 and before["core_auditlog"][0] > 0

    call_command("backup", output_dir=tmp_path / "backups", keep=0, verbosity=0)
    (backup,) = (tmp_path / "backups").glob("gavel-*")
    assert (backup / MANIFEST).exists() and (backup / DATABASE_FILE).stat().st_size > 0

    settings.MEDIA_ROOT = tmp_path / "restored-media"  # a machine without the photos
    call_command("restore", str(backup), database_url=_url(fresh_database), yes=True, verbosity=0)

    with psycopg.connect(**_conninfo(fresh_database)) as restored:
        assert _fingerprint(restored) == before
        assert _unbalanced_transactions(restored) == []
        # Still append-only: the triggers came back with the tables.
        with pytest.raises(psycopg.errors.RaiseException), restored.transaction():
            restored.execute("UPDATE payments_ledgerentry SET amount_minor = amount_minor + 1")
    for name, content in photos.items():
        assert (Path(settings.MEDIA_ROOT) / name).read_bytes() == content


def test_a_damaged_backup_is_refused_before_anything_is_replaced(tmp_path, fresh_database):
    call_command("backup", output_dir=tmp_path, keep=0, verbosity=0)
    (backup,) = tmp_path.glob("gavel-*")
    dump = backup / DATABASE_FILE
    dump.write_bytes(dump.read_bytes()[:-100])

    with pytest.raises(CommandError, match="database.dump is missing or damaged"):
        call_command("restore", str(backup), database_url=_url(fresh_database), yes=True, verbosity=0)
    with psycopg.connect(**_conninfo(fresh_database)) as restored:
        assert _fingerprint(restored) == {}


def test_backup_keeps_only_the_newest_backups_it_is_told_to(tmp_path):
    target = target_from_settings()
    for day in (1, 2):
        backup_create(directory=tmp_path, target=target, now=datetime(2026, 1, day, tzinfo=UTC))

    call_command("backup", output_dir=tmp_path, keep=2, verbosity=0)

    names = sorted(path.name for path in tmp_path.glob("gavel-*"))
    assert len(names) == 2 and names[0] == "gavel-20260102T000000Z"


def _stored_files(root: Path) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())
