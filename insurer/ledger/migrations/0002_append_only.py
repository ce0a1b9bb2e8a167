"""The database itself refuses to change or remove ledger rows.

PostgreSQL: row triggers on UPDATE and DELETE, a statement trigger on TRUNCATE.
SQLite: row triggers on UPDATE and DELETE (SQLite has no TRUNCATE).
The chain head starts at the genesis hash.
"""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit ledger is append-only: % refused on %', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER ledger_no_update BEFORE UPDATE OR DELETE ON ledger_auditevent
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_no_truncate BEFORE TRUNCATE ON ledger_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER checkpoint_no_update BEFORE UPDATE OR DELETE ON ledger_checkpoint
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER checkpoint_no_truncate BEFORE TRUNCATE ON ledger_checkpoint
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS ledger_no_update ON ledger_auditevent;
DROP TRIGGER IF EXISTS ledger_no_truncate ON ledger_auditevent;
DROP TRIGGER IF EXISTS checkpoint_no_update ON ledger_checkpoint;
DROP TRIGGER IF EXISTS checkpoint_no_truncate ON ledger_checkpoint;
DROP FUNCTION IF EXISTS ledger_refuse_change();
"""
SQLITE_FORWARD = [
    f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
    f"BEGIN SELECT RAISE(ABORT, 'the audit ledger is append-only: {op} refused on {table}'); END;"
    for table in ("ledger_auditevent", "ledger_checkpoint")
    for op in ("UPDATE", "DELETE")
]
SQLITE_BACKWARD = [
    f"DROP TRIGGER IF EXISTS {table}_no_{op.lower()};"
    for table in ("ledger_auditevent", "ledger_checkpoint")
    for op in ("UPDATE", "DELETE")
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)
    apps.get_model("ledger", "ChainHead").objects.get_or_create(pk=1, defaults={"sequence": 0, "hash": "0" * 64})


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
