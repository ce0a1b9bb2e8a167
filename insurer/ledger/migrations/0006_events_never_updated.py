"""The event table loses sequence/prev_hash/hash (they are in ChainLink since 0005), its
indexes follow id instead of sequence, and the triggers become strict again:

- events, links and checkpoints: every UPDATE and DELETE refused (PostgreSQL and SQLite),
  and TRUNCATE on PostgreSQL. Nobody updates an event any more, not even the chainer.
- every inserted event is queued in ledger_pendingevent by a trigger in the inserting
  transaction, whatever inserted it, so the chainer finds it without scanning events.

On SQLite, dropping the columns rebuilds the event table and drops its triggers with it:
they are created again here (a test checks every one is in place).
"""

from django.db import migrations, models

PG_FORWARD = """
CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit ledger is append-only: % refused on %', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER chainlink_no_update BEFORE UPDATE OR DELETE ON ledger_chainlink
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER chainlink_no_truncate BEFORE TRUNCATE ON ledger_chainlink
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE OR REPLACE FUNCTION ledger_queue_event() RETURNS trigger AS $$
BEGIN
    INSERT INTO ledger_pendingevent (event_id) VALUES (NEW.id);
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER ledger_queue BEFORE INSERT ON ledger_auditevent
    FOR EACH ROW EXECUTE FUNCTION ledger_queue_event();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS ledger_queue ON ledger_auditevent;
DROP FUNCTION IF EXISTS ledger_queue_event();
DROP TRIGGER IF EXISTS chainlink_no_update ON ledger_chainlink;
DROP TRIGGER IF EXISTS chainlink_no_truncate ON ledger_chainlink;
"""

SQLITE_TRIGGERS = [
    *(
        f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, 'the audit ledger is append-only: {op} refused on {table}'); END;"
        for table in ("ledger_auditevent", "ledger_chainlink")
        for op in ("UPDATE", "DELETE")
    ),
    "CREATE TRIGGER ledger_auditevent_queue AFTER INSERT ON ledger_auditevent "
    "BEGIN INSERT INTO ledger_pendingevent (event_id) VALUES (NEW.id); END;",
]
SQLITE_NAMES = ["ledger_auditevent_no_update", "ledger_auditevent_no_delete", "ledger_chainlink_no_update",
                "ledger_chainlink_no_delete", "ledger_auditevent_queue"]  # fmt: skip


def triggers_forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)
    elif vendor == "sqlite":
        for name in SQLITE_NAMES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
        for statement in SQLITE_TRIGGERS:
            schema_editor.execute(statement)


def _0004():
    import importlib

    return importlib.import_module("insurer.ledger.migrations.0004_triggers_allow_chaining")


def triggers_backward(apps, schema_editor):
    """Back to 0004's triggers (the event table gets its columns back next)."""
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD, params=None)
        schema_editor.execute(_0004().PG_FUNCTION, params=None)
    elif vendor == "sqlite":
        for name in SQLITE_NAMES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


def sqlite_old_triggers_back(apps, schema_editor):
    """Reversal only, after the event table was rebuilt with its old columns: 0004's triggers."""
    if schema_editor.connection.vendor != "sqlite":
        return
    for name in ("ledger_auditevent_no_update", "ledger_auditevent_no_delete"):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
    schema_editor.execute(_0004().SQLITE_UPDATE)
    schema_editor.execute(_0004().SQLITE_OTHERS[0])


class Migration(migrations.Migration):
    dependencies = [("ledger", "0005_chain_links")]

    operations = [
        # Reversed after the columns are back (SQLite rebuilt the table without triggers).
        migrations.RunPython(migrations.RunPython.noop, sqlite_old_triggers_back),
        migrations.RemoveIndex(model_name="auditevent", name="ledger_object_idx"),
        migrations.RemoveIndex(model_name="auditevent", name="ledger_actor_idx"),
        migrations.RemoveIndex(model_name="auditevent", name="ledger_kind_idx"),
        migrations.RemoveIndex(model_name="auditevent", name="ledger_unchained_idx"),
        migrations.RemoveField(model_name="auditevent", name="sequence"),
        migrations.RemoveField(model_name="auditevent", name="prev_hash"),
        migrations.RemoveField(model_name="auditevent", name="hash"),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["object_type", "object_id", "-id"], name="ledger_object_id_idx"),
        ),
        migrations.AddIndex(
            model_name="auditevent", index=models.Index(fields=["actor_id", "-id"], name="ledger_actor_id_idx")
        ),
        migrations.AddIndex(
            model_name="auditevent", index=models.Index(fields=["kind", "-id"], name="ledger_kind_id_idx")
        ),
        migrations.RunPython(triggers_forward, triggers_backward),
    ]
