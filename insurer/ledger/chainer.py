"""The ledger's chainer process (``manage.py ledger_chainer``), for INSURER_LEDGER_CHAINING=chainer.

Writers only insert their events (a trigger queues each in ledger_pendingevent). This one
process per database chains whatever has accumulated, in one batch, inserting one
ChainLink per event, so many writers cost one chaining transaction, not one each
(docs/decisions/0006-audit-ledger.md). It polls rather than LISTENs: measured here, a
``NOTIFY`` in the writer's transaction more than doubled the writer's cost (PostgreSQL
serialises notifying commits on a global queue lock). The minute sweep of beat stays as
the safety net while the chainer is down.
"""

from __future__ import annotations

import logging
import threading

from django.db import connection
from django.db.utils import DatabaseError, InterfaceError, OperationalError

from insurer.ledger.services import CHAIN_BATCH, chain_pending

log = logging.getLogger(__name__)


def run(*, poll_seconds: float = 0.05, stop: threading.Event | None = None) -> int:
    """Chain until ``stop`` is set (or forever); returns how many events it chained.

    Each round chains all that accumulated since the last; then, unless a full batch is still
    waiting, it pauses ``poll_seconds`` (the look itself is an index-only probe of the few
    chainer's queue of unchained events, so idling costs the database nothing measurable)."""
    stop = stop or threading.Event()
    total = 0
    while not stop.is_set():
        try:
            chained = chain_pending(wait=True)
        except (OperationalError, InterfaceError, DatabaseError) as exc:
            # The database went away (restart, failover): reconnect on the next round.
            log.warning("ledger chainer: %s; retrying in 2 s", exc)
            connection.close()
            stop.wait(2)
            continue
        total += chained
        if chained < CHAIN_BATCH:
            # Caught up: let the next events gather. One batch of many costs the database far
            # less than many batches of one (each is a transaction with its own commit).
            stop.wait(poll_seconds)
    return total


def lagging_seconds() -> float:
    """Age of the oldest event still waiting for its place in the chain (0 when none)."""
    from django.utils import timezone

    from insurer.ledger.models import AuditEvent, PendingEvent

    first = PendingEvent.objects.order_by("event_id").values_list("event_id", flat=True)[:1]
    oldest = AuditEvent.objects.filter(pk__in=first).values_list("recorded_at", flat=True).first()
    return 0.0 if oldest is None else max((timezone.now() - oldest).total_seconds(), 0.0)
