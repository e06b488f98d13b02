"""Backups of the database (pg_dump's custom format) and of the uploaded files (every file in Django's default
storage, through the storage API, into a tar), restored by `manage.py restore`. Used by `manage.py backup`,
scheduled by docker-compose's `backup` service (README "Backups").

A backup is a directory `gavel-<UTC time>/` holding database.dump, media.tar and manifest.json (what was
dumped, with each file's SHA-256, checked again before a restore touches anything).
"""

import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage

from core.embedded_postgres import EmbeddedPostgres, data_dir, postgres_program

MANIFEST = "manifest.json"
DATABASE_FILE = "database.dump"
MEDIA_FILE = "media.tar"
FORMAT = 1


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why (and nothing was changed by a restore)."""


@dataclass(frozen=True)
class Target:
    """Where a PostgreSQL database is, as libpq's programs take it (password through the environment)."""

    host: str
    port: str
    user: str
    password: str
    name: str
    embedded: bool

    def args(self) -> list[str]:
        args = ["--dbname", self.name, "--username", self.user]
        if self.host:
            args += ["--host", self.host]
        if self.port:
            args += ["--port", str(self.port)]
        return args

    def env(self) -> dict[str, str]:
        env = os.environ.copy()
        if self.password:
            env["PGPASSWORD"] = self.password
        return env


def _is_embedded(host: str) -> bool:
    return bool(host) and Path(host).resolve() == data_dir().resolve()


def target_from_settings() -> Target:
    """The configured database. With SQLite configured (no DATABASE_URL) that is the embedded PostgreSQL of
    `make run`, which has to be running (make run) or is started by `embedded_target`."""
    db = settings.DATABASES["default"]
    if "postgresql" not in db["ENGINE"]:
        raise BackupError("no DATABASE_URL: use the embedded PostgreSQL (embedded_target)")
    host = db.get("HOST") or (db.get("OPTIONS") or {}).get("host", "")
    return Target(
        host=host,
        port=str(db.get("PORT") or ""),
        user=db.get("USER") or "",
        password=db.get("PASSWORD") or "",
        name=db["NAME"],
        embedded=_is_embedded(host),
    )


def target_from_url(url: str) -> Target:
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        raise BackupError(f"not a PostgreSQL URL: {parts.scheme}://…")
    query = dict(pair.split("=", 1) for pair in parts.query.split("&") if "=" in pair)
    host = unquote(query.get("host", "")) or unquote(parts.hostname or "")
    return Target(
        host=host,
        port=str(parts.port or ""),
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        name=unquote(parts.path.lstrip("/")),
        embedded=_is_embedded(host),
    )


def embedded_target(server: EmbeddedPostgres) -> Target:
    return Target(host=server.socket_dir, port="", user="postgres", password="", name="gavel", embedded=True)


def _run(program: str, args: list[str], target: Target) -> str:
    result = subprocess.run([program, *args], env=target.env(), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{Path(program).name} failed ({result.returncode}): {result.stderr.strip()[-2000:]}")
    return result.stdout


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _storage_files(storage: Storage, directory: str = "") -> list[str]:
    try:
        directories, files = storage.listdir(directory)
    except FileNotFoundError:  # nothing uploaded yet
        return []
    names = [str(PurePosixPath(directory, name)) for name in files]
    for sub in directories:
        names += _storage_files(storage, str(PurePosixPath(directory, sub)))
    return names


def backup_create(
    *, directory: Path, target: Target, storage: Storage = default_storage, now: datetime | None = None
) -> Path:
    """Dump the database and every stored file into a new directory under `directory`; returns it. Written
    under a temporary name and renamed at the end, so a directory named gavel-… is always complete."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    final = directory / f"gavel-{stamp}"
    if final.exists():
        raise BackupError(f"{final} exists already")
    work = directory / f".gavel-{stamp}.partial"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        pg_dump = postgres_program("pg_dump", embedded=target.embedded)
        _run(
            pg_dump,
            [
                *target.args(),
                "--format",
                "custom",
                "--no-owner",
                "--no-privileges",
                "--file",
                str(work / DATABASE_FILE),
            ],
            target,
        )
        names = _storage_files(storage)
        with tarfile.open(work / MEDIA_FILE, "w") as archive:
            for name in sorted(names):
                with storage.open(name, "rb") as handle:
                    content = handle.read()
                info = tarfile.TarInfo(name)
                info.size = len(content)
                archive.addfile(info, io.BytesIO(content))
        manifest = {
            "format": FORMAT,
            "created_at": stamp,
            "database": target.name,
            "pg_dump": _run(pg_dump, ["--version"], target).strip(),
            "media_files": len(names),
            "sha256": {name: _sha256(work / name) for name in (DATABASE_FILE, MEDIA_FILE)},
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        work.rename(final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return final


def backups_prune(*, directory: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` complete backups; returns what was deleted."""
    backups = sorted(path for path in directory.glob("gavel-*") if (path / MANIFEST).exists())
    doomed = backups[:-keep] if keep > 0 else []
    for path in doomed:
        shutil.rmtree(path)
    return doomed


def backup_verify(backup: Path) -> dict:
    """The manifest, after checking that every file is there with the checksum it was written with."""
    try:
        manifest = json.loads((backup / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{backup} is not a Gavel backup (no readable {MANIFEST}): {exc}") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{backup}: unknown backup format {manifest.get('format')!r}")
    for name, expected in manifest["sha256"].items():
        path = backup / name
        if not path.exists() or _sha256(path) != expected:
            raise BackupError(f"{backup}: {name} is missing or damaged (checksum differs)")
    return manifest


def backup_restore(*, backup: Path, target: Target, storage: Storage = default_storage, media: bool = True) -> dict:
    """Restore the database (replacing what the target holds, in one transaction: on an error nothing changed)
    and then the stored files (each written under its own name, replacing a file of that name)."""
    manifest = backup_verify(backup)
    pg_restore = postgres_program("pg_restore", embedded=target.embedded)
    _run(
        pg_restore,
        [
            *target.args(),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            str(backup / DATABASE_FILE),
        ],
        target,
    )
    restored = 0
    if media:
        with tarfile.open(backup / MEDIA_FILE, "r") as archive:
            for member in archive.getmembers():
                name = PurePosixPath(member.name)
                if not member.isfile() or name.is_absolute() or ".." in name.parts:
                    raise BackupError(f"{backup}: {member.name!r} is not a stored file's name")
                handle = archive.extractfile(member)
                assert handle is not None  # a regular file
                if storage.exists(member.name):
                    storage.delete(member.name)
                saved = storage.save(member.name, ContentFile(handle.read()))
                if saved != member.name:
                    raise BackupError(f"the storage saved {member.name!r} as {saved!r}")
                restored += 1
    return {**manifest, "media_restored": restored}
