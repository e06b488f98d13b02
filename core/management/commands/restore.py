"""`manage.py restore <backup>`: a backup made by `manage.py backup` back into the database and the storage."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.backups import BackupError, backup_restore, backup_verify, target_from_url
from core.management.commands.backup import configured_target


class Command(BaseCommand):
    help = (
        "Restore a backup directory made by `manage.py backup`: checks its checksums, replaces the database's "
        "contents in one transaction (on an error nothing is changed), then writes the uploaded files back. "
        "Stop web, worker and beat first."
    )

    def add_arguments(self, parser):
        parser.add_argument("backup", type=Path, help="The backup directory (…/gavel-<UTC time>).")
        parser.add_argument(
            "--database-url",
            default="",
            help="Restore into this PostgreSQL database instead of the configured one (e.g. a "
            "fresh database, to try a backup out).",
        )
        parser.add_argument("--no-media", action="store_true", help="Restore the database only.")
        parser.add_argument("--yes", action="store_true", help="Do not ask before replacing the database.")

    def handle(self, *args, **options):
        backup: Path = options["backup"]
        try:
            manifest = backup_verify(backup)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        if not options["yes"]:
            try:
                answer = input(f"Replace the database's contents with the backup of {manifest['created_at']}? [y/N] ")
            except EOFError:  # no terminal to ask on
                answer = ""
            if answer.strip().lower() not in ("y", "yes"):
                raise CommandError("Nothing restored (answer y, or pass --yes).")
        try:
            if options["database_url"]:
                result = backup_restore(
                    backup=backup, target=target_from_url(options["database_url"]), media=not options["no_media"]
                )
            else:
                with configured_target() as target:
                    result = backup_restore(backup=backup, target=target, media=not options["no_media"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored the backup of {result['created_at']}: the database, and {result['media_restored']} files."
            )
        )
