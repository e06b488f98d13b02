"""PostgreSQL refuses UPDATE and DELETE on audit rows, whatever the code path (raw SQL included), as it does for the
ledger (payments 0002). One update is let through: removing a user sets `actor` to NULL on their rows
(`on_delete=SET_NULL`; `actor_repr` keeps who it was), and nothing else of the row may change with it.
TRUNCATE (test database flushes) is a statement-level operation and not affected. SQLite: nothing to do (the
model and its queryset refuse updates and deletes in Python)."""

from django.db import migrations

TABLE = "core_auditlog"

CREATE = f"""
CREATE OR REPLACE FUNCTION core_auditlog_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.actor_id IS NULL
            AND (to_jsonb(NEW) - 'actor_id') = (to_jsonb(OLD) - 'actor_id') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit rows are append-only (% on %)', TG_OP, TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE}
FOR EACH ROW EXECUTE FUNCTION core_auditlog_append_only();
"""

DROP = f"""
DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE};
DROP FUNCTION IF EXISTS core_auditlog_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("core", "0003_notification_event_key")]

    operations = [migrations.RunPython(forwards, backwards)]
