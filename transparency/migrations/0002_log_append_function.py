"""PostgreSQL: the log is append-only whatever the code path (raw SQL included), and one function appends.

- Triggers refuse UPDATE and DELETE on entries, subtree hashes and signed heads (TRUNCATE, the test database's
  flush, is statement-level and not affected).
- gavel_log_append(auction, kind, body) → the entry's leaf index. It takes the next index from the single
  log-state row with an upsert that locks it (gapless: appends serialize from here to the commit), stores the
  body and its RFC 9162 leaf hash SHA-256(0x00 || body), and stores the hash of every perfect subtree the leaf
  completes (one per trailing 1-bit of its index: on average one), so tree heads and proofs never rehash.
SQLite (the embedded first run) has neither: transparency.services does the same in Python there.
"""

from django.db import migrations

ENTRY, NODE, HEAD, STATE = ("transparency_logentry", "transparency_lognode", "transparency_signedhead",
                            "transparency_logstate")
APPEND_ONLY = (ENTRY, NODE, HEAD)

CREATE = f"""
CREATE OR REPLACE FUNCTION transparency_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the transparency log is append-only (% on %)', TG_OP, TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
""" + "".join(
    f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
    f"FOR EACH ROW EXECUTE FUNCTION transparency_append_only();\n" for table in APPEND_ONLY) + f"""
CREATE OR REPLACE FUNCTION gavel_log_append(p_auction_id bigint, p_kind text, p_body text) RETURNS bigint AS $$
DECLARE
    v_index bigint;
    v_hash bytea;
    v_left bytea;
    v_level smallint := 0;
    v_i bigint;
BEGIN
    -- The upsert locks the state row until commit: the next append waits here, so indexes have no gaps.
    INSERT INTO {STATE} (id, size) VALUES (1, 1)
        ON CONFLICT (id) DO UPDATE SET size = {STATE}.size + 1
        RETURNING size - 1 INTO v_index;
    v_hash := sha256('\\x00'::bytea || convert_to(p_body, 'UTF8'));
    INSERT INTO {ENTRY} ("index", auction_id, kind, body, leaf_hash, created_at)
        VALUES (v_index, p_auction_id, p_kind, p_body, v_hash, clock_timestamp());
    v_i := v_index;
    WHILE v_i & 1 = 1 LOOP
        IF v_level = 0 THEN
            SELECT leaf_hash INTO STRICT v_left FROM {ENTRY} WHERE "index" = v_index - 1;
        ELSE
            SELECT hash INTO STRICT v_left FROM {NODE} WHERE level = v_level AND idx = v_i - 1;
        END IF;
        v_hash := sha256('\\x01'::bytea || v_left || v_hash);
        v_level := v_level + 1;
        v_i := v_i >> 1;
        INSERT INTO {NODE} (level, idx, hash) VALUES (v_level, v_i, v_hash);
    END LOOP;
    RETURN v_index;
END;
$$ LANGUAGE plpgsql;
"""

DROP = "DROP FUNCTION IF EXISTS gavel_log_append(bigint, text, text);\n" + "".join(
    f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};\n" for table in APPEND_ONLY) + \
    "DROP FUNCTION IF EXISTS transparency_append_only();"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("transparency", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
