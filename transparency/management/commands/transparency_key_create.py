"""Make the transparency log's signing key: a new Ed25519 key in a PEM file readable by its owner only.

`make run` runs it on every start (it keeps an existing file). Rotation: `--path` a new file, then point
GAVEL_LOG_KEY_FILE at it and restart; the old key stays published with the heads and receipts it signed.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from transparency.keys import key_file_create
from transparency.signing import SigningKeyError


class Command(BaseCommand):
    help = "Create the transparency log's Ed25519 signing key file (never overwrites one)."

    def add_arguments(self, parser):
        parser.add_argument("--path", help="Where to write the key (default: GAVEL_LOG_KEY_FILE). For a rotation, "
                                           "a new file; an existing file is an error.")

    def handle(self, *args, **options):
        path = options["path"] or settings.GAVEL_LOG_KEY_FILE
        if not path:
            raise CommandError("Name the file with --path (GAVEL_LOG_KEY_FILE is not set).")
        try:
            key, created = key_file_create(path)
        except SigningKeyError as exc:
            raise CommandError(str(exc)) from None
        if not created and options["path"]:
            raise CommandError(f"{path} exists already; a log key is never overwritten. Name a new file.")
        public = key.public_json()
        self.stdout.write(f"{'Created' if created else 'Kept'} the log key {path}\n"
                          f"  key_id:     {public['key_id']}\n  public key: {public['public_key']}")
