"""`manage.py backup`: the database and the uploaded files into var/backups/gavel-<UTC time>/ (README "Backups")."""

from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.backups import BackupError, Target, backup_create, backups_prune, embedded_target, target_from_settings
from core.embedded_postgres import EmbeddedPostgres


@contextmanager
def configured_target():
    """The configured PostgreSQL; without DATABASE_URL the embedded one of `make run` (started for the command,
    and stopped after it, unless make run has it running)."""
    if "postgresql" in settings.DATABASES["default"]["ENGINE"]:
        yield target_from_settings()
        return
    server = EmbeddedPostgres()
    server.start()
    try:
        yield embedded_target(server)
    finally:
        if server.started_here:
            server.stop()


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump, custom format) and every uploaded file (photos, documents: Django's "
        "storage) into a new directory gavel-<UTC time>/ with a manifest of checksums. Restore with "
        "`manage.py restore`."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output-dir", type=Path, default=None, help="Where backups go (default: GAVEL_BACKUP_DIR, var/backups)."
        )
        parser.add_argument(
            "--keep",
            type=int,
            default=None,
            help="Then delete all but the newest N backups there (default: GAVEL_BACKUP_KEEP; 0 keeps all).",
        )

    def handle(self, *args, **options):
        directory: Path = options["output_dir"] or Path(settings.GAVEL_BACKUP_DIR)
        keep = settings.GAVEL_BACKUP_KEEP if options["keep"] is None else options["keep"]
        if keep < 0:
            raise CommandError("--keep must be 0 (keep all) or more")
        directory.mkdir(parents=True, exist_ok=True)
        try:
            with configured_target() as target:
                created = self._create(directory, target)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        pruned = backups_prune(directory=directory, keep=keep)
        self.stdout.write(self.style.SUCCESS(f"Backup written to {created}"))
        for path in pruned:
            self.stdout.write(f"  removed the older backup {path.name}")

    def _create(self, directory: Path, target: Target) -> Path:
        where = "the embedded PostgreSQL" if target.embedded else f"database {target.name}"
        self.stdout.write(f"Backing up {where} and the uploaded files …")
        return backup_create(directory=directory, target=target)
