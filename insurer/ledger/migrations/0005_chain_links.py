"""The chain moves to a table of its own: one insert-only ChainLink per chained event
(sequence, event, prev_hash, hash), and a PendingEvent queue of events not chained yet.

Existing chains are copied as they are (same sequences, same hashes: nothing is rehashed,
so signed checkpoints keep verifying); events not chained yet are queued. Migration 0006
then drops the columns from the event table, so the chainer never rewrites an event row.
"""

import django.db.models.deletion
from django.db import migrations, models

COPY_LINKS = (
    "INSERT INTO ledger_chainlink (sequence, event_id, prev_hash, hash) "
    "SELECT sequence, id, prev_hash, hash FROM ledger_auditevent WHERE sequence IS NOT NULL AND hash <> ''"
)
QUEUE_UNCHAINED = (
    "INSERT INTO ledger_pendingevent (event_id) "
    "SELECT id FROM ledger_auditevent WHERE sequence IS NULL OR hash = ''"
)


def forward(apps, schema_editor):
    schema_editor.execute(COPY_LINKS)
    schema_editor.execute(QUEUE_UNCHAINED)
    if schema_editor.connection.vendor == "postgresql":
        # Check the links' foreign keys now, not at commit.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def backward(apps, schema_editor):
    """The links go back into the event rows (0006 reversed has re-added the columns), with
    the append-only triggers lifted for it: this is a DBA's rollback, not the chainer."""
    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute("ALTER TABLE ledger_auditevent DISABLE TRIGGER USER")
        elif vendor == "sqlite":
            cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'ledger_auditevent_no_update'")
            saved = cursor.fetchone()
            cursor.execute("DROP TRIGGER IF EXISTS ledger_auditevent_no_update")
        cursor.execute("SELECT sequence, event_id, prev_hash, hash FROM ledger_chainlink ORDER BY sequence")
        for sequence, event_id, prev_hash, digest in cursor.fetchall():
            cursor.execute(
                "UPDATE ledger_auditevent SET sequence = %s, prev_hash = %s, hash = %s WHERE id = %s",
                [sequence, prev_hash, digest, event_id],
            )
        if vendor == "postgresql":
            cursor.execute("ALTER TABLE ledger_auditevent ENABLE TRIGGER USER")
        elif vendor == "sqlite" and saved:
            cursor.execute(saved[0])


class Migration(migrations.Migration):
    dependencies = [("ledger", "0004_triggers_allow_chaining")]

    operations = [
        migrations.CreateModel(
            name="ChainLink",
            fields=[
                ("sequence", models.BigIntegerField(primary_key=True, serialize=False, verbose_name="sequence")),
                ("prev_hash", models.CharField(max_length=64, verbose_name="previous hash")),
                ("hash", models.CharField(max_length=64, verbose_name="hash")),
                (
                    "event",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="link",
                        to="ledger.auditevent",
                        verbose_name="event",
                    ),
                ),
            ],
            options={
                "verbose_name": "chain link",
                "verbose_name_plural": "chain links",
                "ordering": ["sequence"],
                "default_permissions": (),
            },
        ),
        migrations.CreateModel(
            name="PendingEvent",
            fields=[("event_id", models.BigIntegerField(primary_key=True, serialize=False))],
            options={"default_permissions": ()},
        ),
        migrations.RunPython(forward, backward),
    ]
