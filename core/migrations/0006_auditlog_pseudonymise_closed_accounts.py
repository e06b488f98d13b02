"""A closed account's name and email leave the audit log too (issue 19, "Personal data"). `object_repr` and
`actor_repr` copied `str(user)` (the email) into each row; the append-only trigger (0004) now lets one more update
through: `object_repr` and/or `actor_repr` rewritten to the pseudonym `Closed account #<id>`, nothing else of the
row changed (core.services.audit_pseudonymise). Every other UPDATE and every DELETE is still refused. And a new
action: staff exported a person's data on their request."""

from django.db import migrations, models

TABLE = "core_auditlog"
PSEUDONYM = "'^Closed account #[0-9]+$'"

CREATE = f"""
CREATE OR REPLACE FUNCTION core_auditlog_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.actor_id IS NULL
            AND (to_jsonb(NEW) - 'actor_id') = (to_jsonb(OLD) - 'actor_id') THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE'
            AND (to_jsonb(NEW) - 'object_repr' - 'actor_repr') = (to_jsonb(OLD) - 'object_repr' - 'actor_repr')
            AND (NEW.object_repr = OLD.object_repr OR NEW.object_repr ~ {PSEUDONYM})
            AND (NEW.actor_repr = OLD.actor_repr OR NEW.actor_repr ~ {PSEUDONYM}) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit rows are append-only (% on %)', TG_OP, TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
"""

PREVIOUS = """
CREATE OR REPLACE FUNCTION core_auditlog_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.actor_id IS NULL
            AND (to_jsonb(NEW) - 'actor_id') = (to_jsonb(OLD) - 'actor_id') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit rows are append-only (% on %)', TG_OP, TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PREVIOUS, params=None)


class Migration(migrations.Migration):
    dependencies = [("core", "0005_notification_preferences_and_push")]

    operations = [
        migrations.AlterField(
            model_name="auditlog",
            name="action",
            field=models.CharField(choices=[("status_change", "Status change"), ("update", "Update"),
                                            ("create", "Create"), ("export", "Personal data exported")],
                                   max_length=32),
        ),
        migrations.RunPython(forwards, backwards),
    ]
