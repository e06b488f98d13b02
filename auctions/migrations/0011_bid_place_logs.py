"""The bid function appends the accepted request's transparency-log entries itself and returns the facts the shill
rules read, and records the member who placed the bid (auctions/sql/bid_place_v2.sql): an accepted bid is decided in one round trip. Backwards: v1 again."""

from pathlib import Path

from django.db import migrations

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"

DROP = """
DROP FUNCTION IF EXISTS gavel_bid_place(bigint, bigint, bigint, bigint, bigint[], bigint[], integer, bigint, text,
                                        bigint, text, jsonb, bigint);
DROP FUNCTION IF EXISTS gavel_bid_decide(bigint, bigint, bigint, bigint, bigint[], bigint[], integer, bigint, bigint);
DROP FUNCTION IF EXISTS gavel_log_append_entry(bigint, text, bigint, bigint, jsonb);
DROP FUNCTION IF EXISTS gavel_canonical_flat(jsonb);
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute((SQL_DIR / "bid_place_v2.sql").read_text(), params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)
        schema_editor.execute((SQL_DIR / "bid_place_v1.sql").read_text(), params=None)


class Migration(migrations.Migration):
    dependencies = [("auctions", "0010_bid_placed_by_member"), ("accounts", "0005_payout_account_and_session_sightings"),
                    ("auctions", "0006_auction_log_seq"),
                    ("transparency", "0002_log_append_function"), ("inspections", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
