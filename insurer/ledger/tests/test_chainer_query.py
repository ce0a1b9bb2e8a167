"""The chainer's batch query reads the few queued events by primary key, however large the
ledger: as a join it ran as a sequential scan of the whole event table every 50 ms round
(bench ledger.append, docs/performance.md "Fourth session: ledger append")."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from insurer import audit
from insurer.ledger import verification
from insurer.ledger.services import chain_pending

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_batch_is_fetched_by_primary_key_and_in_insertion_order(settings):
    if connection.vendor != "postgresql":
        pytest.skip("the query plan is PostgreSQL's; SQLite reads the queue through the ORM")
    settings.INSURER_LEDGER_CHAINING = "chainer"  # events wait in the queue, as in production
    with transaction.atomic():
        audit.record_changes([{"action": "update", "obj_type": "test.thing", "obj_id": str(i)} for i in range(5_000)])
    chain_pending()
    for i in range(3):
        audit.record_change(actor=None, action="update", obj_type="test.queued", obj_id=str(i))
    # No ANALYZE: as in the bench, the planner sees 5,000 events and a queue of thousands of
    # dead entries (chained and taken off) around the three live ones.
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + verification._PG_PENDING_SQL, [2_000])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Seq Scan on ledger_auditevent" not in plan
    assert "ledger_auditevent_pkey" in plan
    rows = verification.pending_rows(2_000)
    assert [row[verification.FIELDS.index("object_id")] for row in rows] == ["0", "1", "2"]
    assert rows[0][0] < rows[1][0] < rows[2][0]
    assert chain_pending() == 3
