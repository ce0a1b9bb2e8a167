"""Migrations 0005/0006 move an existing chain (sequence, prev_hash, hash in the event rows)
into insert-only links without rehashing it: the same chain verifies, the signed checkpoint
still matches, and an event that was waiting for the chainer is queued and chains next."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from insurer.ledger import chain
from insurer.ledger.models import AuditEvent, ChainLink, PendingEvent
from insurer.ledger.services import chain_pending, checkpoint_create, verify

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("ledger", "0004_triggers_allow_chaining")]
COLUMNS = ("recorded_at, kind, actor_id, actor_name, actor_roles, action, object_type, object_id, object_repr, "
           "changes, request_id, source_address, reason, sequence, prev_hash, hash")  # fmt: skip


def _migrate(target) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)


def _latest():
    return [key for key in MigrationExecutor(connection).loader.graph.leaf_nodes() if key[0] == "ledger"]


def test_an_existing_chain_moves_into_links_and_still_verifies():
    _migrate(BEFORE)
    base = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)
    previous = chain.GENESIS
    with connection.cursor() as cursor:
        for n in range(1, 6):
            row = [n, base + dt.timedelta(seconds=n), "change", None, "someone", ["cro"], "update",
                   "customers.customer", f"C{n}", "", {"after": {"n": n}}, "", "", ""]  # fmt: skip
            digest = chain.link(previous, row)
            chained = n <= 4  # the fifth was committed but not chained yet when the upgrade ran
            values = [row[1], "change", None, "someone", '["cro"]', "update", "customers.customer", f"C{n}", "",
                      json.dumps(row[10]), "", "", "", n if chained else None, previous if chained else "",
                      digest if chained else ""]  # fmt: skip
            marks = ", ".join(["%s"] * len(values))
            cursor.execute(f"INSERT INTO ledger_auditevent ({COLUMNS}) VALUES ({marks})", values)  # noqa: S608
            if chained:
                previous = digest
        cursor.execute("DELETE FROM ledger_chainhead")
        cursor.execute("INSERT INTO ledger_chainhead (id, sequence, hash) VALUES (1, 4, %s)", [previous])
    head_hash = previous

    _migrate(_latest())

    links = list(ChainLink.objects.order_by("sequence").values_list("sequence", "event__object_id", "hash"))
    assert [(s, o) for s, o, _h in links] == [(1, "C1"), (2, "C2"), (3, "C3"), (4, "C4")]
    assert links[-1][2] == head_hash  # nothing rehashed
    assert list(PendingEvent.objects.values_list("event_id", flat=True)) == [AuditEvent.objects.get(object_id="C5").pk]
    report = verify()
    assert report.ok and report.events == 4 and report.pending == 1
    checkpoint = checkpoint_create()  # chains the waiting one first
    assert checkpoint.sequence == 5 and AuditEvent.objects.get(object_id="C5").sequence == 5
    assert chain_pending() == 0 and verify().ok
