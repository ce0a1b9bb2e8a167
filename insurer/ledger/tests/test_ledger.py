"""The audit ledger: a chain that verifies, refuses edits, and names the first bad event."""

from __future__ import annotations

import itertools
import json

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from insurer import audit
from insurer.ledger import chain
from insurer.ledger.maintenance import triggers_disabled
from insurer.ledger.models import AuditEvent, ChainLink, Checkpoint, PendingEvent
from insurer.ledger.services import append, chain_pending, checkpoint_create, checkpoint_export, verify

pytestmark = pytest.mark.django_db


def _events(n: int, actor=None) -> list[AuditEvent]:
    """Record n changes and chain them, as the after-commit hook does outside tests."""
    events = [
        audit.record_change(actor=actor, action="update", obj_type="customers.customer", obj_id=f"C{i:08d}",
                            before={"address": "旧地址"}, after={"address": f"新地址 {i}"})
        for i in range(1, n + 1)
    ]  # fmt: skip
    chain_pending()
    return [AuditEvent.objects.get(pk=e.pk) for e in events]


def _raw_update(sql: str, params=()) -> None:
    with triggers_disabled(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_events_chain_from_genesis_and_verify(cro):
    # (the persona's own role grant is already event #1)
    events = _events(5, actor=cro)
    assert [e.sequence for e in events] == [2, 3, 4, 5, 6]
    assert AuditEvent.objects.get(link__sequence=1).prev_hash == chain.GENESIS
    assert events[0].prev_hash == AuditEvent.objects.get(link__sequence=1).hash
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(events))
    assert events[2].actor_name == cro.username and events[2].actor_roles == ["cro"]
    assert events[2].changes == {"before": {"address": "旧地址"}, "after": {"address": "新地址 3"}}
    report = verify()
    assert report.ok and report.events == 6 and report.head_sequence == 6


def test_recording_does_not_wait_for_the_chain_and_commit_chains_it(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        event = audit.record_change(actor=None, action="update", obj_type="x", obj_id="1")
        assert AuditEvent.objects.get(pk=event.pk).hash == ""  # inside the transaction: recorded only
    chained = AuditEvent.objects.get(pk=event.pk)
    assert chained.sequence == 1 and chained.hash and verify().ok


def test_the_database_refuses_content_changes_even_before_chaining():
    pending = audit.record_change(actor=None, action="update", obj_type="x", obj_id="1")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=pending.pk).update(action="tampered")
    chain_pending()
    assert AuditEvent.objects.get(pk=pending.pk).action == "update"


def test_the_database_refuses_update_delete_and_truncate():
    _events(2)
    waiting = append(kind="change", actor=None, action="update", object_type="x", object_id="3")  # not chained
    for attempt in (
        lambda: AuditEvent.objects.filter(link__sequence=1).update(action="tampered"),
        lambda: AuditEvent.objects.filter(pk=waiting.pk).delete(),
        # The chain's own table: written once by the chainer, never changed or removed.
        lambda: ChainLink.objects.filter(sequence=1).update(hash="f" * 64),
        lambda: ChainLink.objects.filter(sequence=2).update(prev_hash="f" * 64),
        lambda: ChainLink.objects.filter(sequence=2).delete(),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            attempt()
    if connection.vendor == "postgresql":
        with connection.cursor() as c:  # (the test's own links' deferred key checks, as a commit would)
            c.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table in ("ledger_auditevent", "ledger_chainlink"):
            with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as c:
                c.execute(f"TRUNCATE {table} CASCADE")
    assert AuditEvent.objects.count() == 3 and ChainLink.objects.count() == 2
    assert verify().ok


def test_a_changed_event_is_named(cro):
    _events(6)
    _raw_update("UPDATE ledger_auditevent SET object_id = %s WHERE id = %s",
                ["C99999999", ChainLink.objects.get(sequence=4).event_id])  # fmt: skip
    report = verify()
    assert report.problems == ["event #4: content changed after it was recorded (hash differs)"]


def test_a_removed_event_is_named():
    _events(6)
    event_id = ChainLink.objects.get(sequence=3).event_id
    _raw_update("DELETE FROM ledger_chainlink WHERE sequence = 3")
    _raw_update("DELETE FROM ledger_auditevent WHERE id = %s", [event_id])
    assert verify().problems == ["event #3: missing (the next stored event is #4)"]


def test_a_removed_link_is_named():
    """Unlinking an event (its content left in place) is a gap in the chain."""
    _events(6)
    _raw_update("DELETE FROM ledger_chainlink WHERE sequence = 5")
    assert verify().problems == ["event #5: missing (the next stored event is #6)"]


def test_a_tampered_link_is_named():
    _events(6)
    kept = ChainLink.objects.get(sequence=4).hash
    _raw_update("UPDATE ledger_chainlink SET hash = %s WHERE sequence = 4", ["e" * 64])
    assert verify().problems == ["event #4: content changed after it was recorded (hash differs)"]
    _raw_update("UPDATE ledger_chainlink SET hash = %s WHERE sequence = 4", [kept])
    assert verify().ok
    _raw_update("UPDATE ledger_chainlink SET prev_hash = %s WHERE sequence = 2", ["e" * 64])
    assert verify().problems == ["event #2: does not link to the event before it (prev_hash differs)"]


def test_a_link_pointed_at_another_event_is_named():
    """Swapping which event two links point at reorders history: the content no longer hashes."""
    _events(6)
    first, second = ChainLink.objects.get(sequence=3).event_id, ChainLink.objects.get(sequence=5).event_id
    spare = append(kind="change", actor=None, action="update", object_type="x", object_id="spare").pk
    _raw_update("UPDATE ledger_chainlink SET event_id = %s WHERE sequence = 3", [spare])
    _raw_update("UPDATE ledger_chainlink SET event_id = %s WHERE sequence = 5", [first])
    _raw_update("UPDATE ledger_chainlink SET event_id = %s WHERE sequence = 3", [second])
    assert verify().problems == ["event #3: content changed after it was recorded (hash differs)"]


def test_an_event_taken_off_the_chainers_queue_is_reported():
    _events(2)
    lost = append(kind="change", actor=None, action="update", object_type="x", object_id="lost")
    assert PendingEvent.objects.filter(event_id=lost.pk).exists()  # queued by the trigger, same transaction
    report = verify()
    assert report.ok and report.pending == 1
    PendingEvent.objects.filter(event_id=lost.pk).delete()  # the queue is not the ledger: it may be emptied
    report = verify()
    assert report.problems == ["1 events are neither in the chain nor waiting for it (taken off the chainer's queue)"]


def test_a_wholesale_rewrite_is_caught_by_the_signed_checkpoint():
    _events(4)
    checkpoint = checkpoint_create()
    assert checkpoint.sequence == 4
    # An attacker edits event 2 and recomputes every hash after it: the chain walks clean...
    fields = ["sequence", *("event__" + name for name in chain.HASHED_FIELDS[1:]), "event_id"]
    rows = list(ChainLink.objects.order_by("sequence").values_list(*fields))
    rows[1] = (*rows[1][:8], "C00000666", *rows[1][9:])
    previous = chain.GENESIS
    with triggers_disabled(), connection.cursor() as cursor:
        for row in rows:
            digest = chain.link(previous, row[:-1])
            cursor.execute("UPDATE ledger_auditevent SET object_id = %s WHERE id = %s", [row[8], row[-1]])
            cursor.execute("UPDATE ledger_chainlink SET prev_hash = %s, hash = %s WHERE sequence = %s",
                           [previous, digest, row[0]])  # fmt: skip
            previous = digest
        cursor.execute("UPDATE ledger_chainhead SET hash = %s", [previous])
    # ...but the signed checkpoint no longer matches.
    assert verify().problems == ["checkpoint #4: the chain no longer has the signed hash (rewritten)"]


def test_a_forged_checkpoint_is_caught():
    _events(3)
    checkpoint_create()
    _raw_update("UPDATE ledger_checkpoint SET hash = %s", ["f" * 64])
    assert verify().problems == ["checkpoint #3: signature does not verify"]


def test_checkpoints_kept_outside_catch_a_rewrite_that_also_deleted_the_stored_ones(tmp_path, capsys):
    _events(3)
    kept = [checkpoint_export(checkpoint_create())]
    _raw_update("DELETE FROM ledger_checkpoint")
    _raw_update("UPDATE ledger_chainlink SET hash = %s WHERE sequence = 3", ["0" * 64])
    assert "event #3" in verify(external_checkpoints=kept).problems[0]

    # The command line: --export writes what the committee keeps; --checkpoints reads it back.
    path = tmp_path / "kept.jsonl"
    path.write_text("".join(json.dumps(c) + "\n" for c in kept))
    with pytest.raises(SystemExit) as exit_info:
        call_command("audit_verify", checkpoints=str(path))
    assert exit_info.value.code == 1
    assert "LEDGER BROKEN: event #3" in capsys.readouterr().err


def test_a_rolled_back_change_leaves_no_event_and_no_gap():
    _events(2)
    with pytest.raises(RuntimeError), transaction.atomic():
        append(kind="change", actor=None, action="update", object_type="x", object_id="1")
        raise RuntimeError("the business change failed")
    _events(1)
    assert list(ChainLink.objects.values_list("sequence", flat=True)) == [1, 2, 3]
    assert AuditEvent.objects.count() == 3 and not PendingEvent.objects.exists()
    assert verify().ok


def test_audit_verify_and_checkpoint_commands(capsys, tmp_path):
    _events(3)
    call_command("audit_checkpoint")
    call_command("audit_verify")
    out = capsys.readouterr().out
    assert "signed checkpoint #3" in out
    assert "ledger OK: 3 events, head #3, 1 checkpoints verified" in out
    append(kind="change", actor=None, action="update", object_type="x", object_id="9")  # not chained yet
    call_command("audit_verify")
    assert "1 newer events not chained yet" in capsys.readouterr().out
    call_command("audit_checkpoint", export=str(tmp_path / "cp.jsonl"))
    assert json.loads((tmp_path / "cp.jsonl").read_text())["sequence"] == 3
    assert Checkpoint.objects.count() == 1


def test_every_append_only_trigger_is_in_place():
    """A migration that rebuilds a ledger table (SQLite does, to alter a column) drops its
    triggers; this names any that went missing."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name LIKE 'ledger_%'")
            names = {row[0] for row in cursor.fetchall()}
        tables = ("ledger_auditevent", "ledger_chainlink", "ledger_checkpoint")
        expected = {f"{t}_no_{op}" for t in tables for op in ("update", "delete")} | {"ledger_auditevent_queue"}
    else:
        with connection.cursor() as cursor:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgrelid::regclass::text LIKE 'ledger_%' "
                           "AND NOT tgisinternal")  # fmt: skip
            names = {row[0] for row in cursor.fetchall()}
        expected = {"ledger_no_update", "ledger_no_truncate", "checkpoint_no_update", "checkpoint_no_truncate",
                    "chainlink_no_update", "chainlink_no_truncate", "ledger_queue"}  # fmt: skip
    assert expected <= names
