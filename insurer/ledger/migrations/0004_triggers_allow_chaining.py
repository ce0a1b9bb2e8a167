"""Append-only, with one exception: the chainer may fill sequence, prev_hash and hash once,
on a row not yet chained, leaving everything else as it was. Any other UPDATE, any DELETE
and any TRUNCATE is refused.

On SQLite, 0003's column changes rebuilt the table and with it dropped its triggers, so
all of them are (re)created here. A later migration that alters ledger columns must do
the same.
"""

from django.db import migrations

CONTENT = ["id", "recorded_at", "kind", "actor_id", "actor_name", "actor_roles", "action", "object_type",
           "object_id", "object_repr", "changes", "request_id", "source_address", "reason"]  # fmt: skip

PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'ledger_auditevent'
       AND OLD.hash = '' AND OLD.sequence IS NULL AND NEW.hash <> '' AND NEW.sequence IS NOT NULL
       AND ({", ".join("NEW." + c for c in CONTENT)}) IS NOT DISTINCT FROM ({", ".join("OLD." + c for c in CONTENT)})
    THEN
        RETURN NEW;  -- the chainer placing an event in the chain
    END IF;
    RAISE EXCEPTION 'the audit ledger is append-only: % refused on %', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""
_unchanged = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in CONTENT)
SQLITE_UPDATE = (
    "CREATE TRIGGER ledger_auditevent_no_update BEFORE UPDATE ON ledger_auditevent "
    f"WHEN NOT (OLD.hash = '' AND OLD.sequence IS NULL AND NEW.hash <> '' AND NEW.sequence IS NOT NULL "
    f"AND {_unchanged}) "
    "BEGIN SELECT RAISE(ABORT, 'the audit ledger is append-only: UPDATE refused on ledger_auditevent'); END;"
)
SQLITE_OLD_UPDATE = (
    "CREATE TRIGGER ledger_auditevent_no_update BEFORE UPDATE ON ledger_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'the audit ledger is append-only: UPDATE refused on ledger_auditevent'); END;"
)


SQLITE_OTHERS = [
    f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
    f"BEGIN SELECT RAISE(ABORT, 'the audit ledger is append-only: {op} refused on {table}'); END;"
    for table, op in (("ledger_auditevent", "DELETE"), ("ledger_checkpoint", "UPDATE"), ("ledger_checkpoint", "DELETE"))
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FUNCTION, params=None)
    elif vendor == "sqlite":
        for name in ("ledger_auditevent_no_update", "ledger_auditevent_no_delete", "ledger_checkpoint_no_update",
                     "ledger_checkpoint_no_delete"):  # fmt: skip
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
        schema_editor.execute(SQLITE_UPDATE)
        for statement in SQLITE_OTHERS:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS ledger_auditevent_no_update")
        schema_editor.execute(SQLITE_OLD_UPDATE)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0003_deferred_chaining")]
    operations = [migrations.RunPython(forward, backward)]
