"""Verification split over processes finds the same first bad event as one process."""

from __future__ import annotations

import pytest
from django.db import connection

from insurer import audit
from insurer.ledger import verification
from insurer.ledger.maintenance import triggers_disabled
from insurer.ledger.services import chain_pending, verify

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def parallel(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("processes share the chain through PostgreSQL; SQLite verifies in one process")
    monkeypatch.setattr(verification, "PARALLEL_FROM", 10)
    monkeypatch.setattr(verification.os, "cpu_count", lambda: 3)


def _record(n: int) -> None:
    for i in range(n):
        audit.record_change(actor=None, action="update", obj_type="test.thing", obj_id=str(i))
    chain_pending()


def test_split_walk_agrees_and_names_a_break_in_a_later_range(parallel):
    _record(30)
    report = verify()
    assert report.ok and report.events == 30
    with triggers_disabled(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE ledger_auditevent SET object_id = 'x' WHERE id = "
            "(SELECT event_id FROM ledger_chainlink WHERE sequence = 25)"
        )
    assert verify().problems == ["event #25: content changed after it was recorded (hash differs)"]


def test_a_break_at_a_range_boundary_is_found_when_stitching(parallel):
    _record(30)  # ranges 1-10, 11-20, 21-30
    with triggers_disabled(), connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_chainlink SET prev_hash = %s WHERE sequence = 11", ["f" * 64])
    assert verify().problems == ["event #11: does not link to the event before it (prev_hash differs)"]
