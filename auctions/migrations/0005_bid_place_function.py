"""The bid decision as one PostgreSQL function (auctions/sql/bid_place_v1.sql; the file says why). SQLite, the
embedded first-run database, has no PL/pgSQL: there bid_place runs the engine over the ORM."""

from pathlib import Path

from django.db import migrations

SQL = Path(__file__).resolve().parent.parent / "sql" / "bid_place_v1.sql"

DROP = """
DROP FUNCTION IF EXISTS gavel_bid_place(bigint, bigint, bigint, bigint, bigint[], bigint[], integer, bigint, text,
                                        bigint, text, jsonb);
DROP FUNCTION IF EXISTS gavel_bid_decide(bigint, bigint, bigint, bigint, bigint[], bigint[], integer, bigint);
DROP FUNCTION IF EXISTS gavel_increment_for(bigint, bigint[], bigint[]);
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(SQL.read_text(), params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("auctions", "0004_auction_owed_by"), ("accounts", "0001_initial"),
                    ("marketplace", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
