"""The bid decision in fewer statements (auctions/sql/bid_place_v3.sql): the same rules and answer.
Backwards: v2 again."""

from pathlib import Path

from django.db import migrations

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute((SQL_DIR / "bid_place_v3.sql").read_text(), params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute((SQL_DIR / "bid_place_v2.sql").read_text(), params=None)


class Migration(migrations.Migration):
    dependencies = [("auctions", "0012_saved_search_places")]

    operations = [migrations.RunPython(forwards, backwards)]
