"""Re-walking the chain, on one core or several.

The chain is the ChainLink rows (sequence, event, prev_hash, hash) in sequence order, each
joined to its event's content. Each event's hash depends only on its own content and the
prev_hash stored with it, so the chain splits into ranges that processes check at the same time; the ranges are then
stitched (each range's first prev_hash must be the previous range's last hash). On
PostgreSQL a chain of PARALLEL_FROM events or more is walked by one process per core.
"""

from __future__ import annotations

import itertools
import json
import multiprocessing
import os
from dataclasses import dataclass, field

from django.db import connection, connections, transaction

from insurer.ledger import chain
from insurer.ledger.models import AuditEvent, ChainLink, PendingEvent

CHUNK = 20_000
PARALLEL_FROM = 200_000
FIELDS = [*chain.HASHED_FIELDS, "prev_hash", "hash"]


@dataclass
class RangeWalk:
    first: int
    last: int
    events: int = 0
    first_prev: str | None = None
    last_hash: str | None = None
    broken: chain.Break | None = None
    seen: dict[int, str] = field(default_factory=dict)


# PostgreSQL: the hashed fields as the chain hashes them, without the ORM's converters (they
# were half of a verification's time): the time already as chain.timestamp_text writes it,
# the JSON columns as text for json.loads (what the ORM does, minus its per-value overhead).
_PG_COLUMNS = {
    "recorded_at": """to_char(e.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')""",
    "actor_roles": "e.actor_roles::text",
    "changes": "e.changes::text",
}
_CONTENT_SQL = ", ".join(_PG_COLUMNS.get(name, "e." + name) for name in chain.HASHED_FIELDS[1:])
# The walk reads two ordered streams and matches them here rather than joining in the
# database: the links of a sequence range (narrow rows, in sequence order) and the events
# whose ids the range's links span (in id order). The chainer links events in id order, so
# the two orders differ only where writers committed out of order and the look-ahead stays
# small; a join made the database hash or probe a million rows and sort them again.
_PG_LINKS_SQL = (
    "SELECT sequence, event_id, prev_hash, hash FROM ledger_chainlink "
    "WHERE sequence BETWEEN %s AND %s ORDER BY sequence"
)
_PG_SPAN_SQL = "SELECT min(event_id), max(event_id) FROM ledger_chainlink WHERE sequence BETWEEN %s AND %s"
_PG_EVENTS_SQL = (
    f"SELECT e.id, {_CONTENT_SQL} FROM ledger_auditevent e "  # noqa: S608 (model metadata only)
    "WHERE e.id BETWEEN %s AND %s ORDER BY e.id"
)
# The chainer's batch: queued events in insertion order, [event id, *HASHED_FIELDS[1:]].
# The queued ids are read first (an array) and the events fetched by primary key: as a
# join, the planner hashed the queue against a sequential scan of the whole event table on
# every 50 ms round (measured: 11.3 million rows read and 6.3 s of a backend's CPU for 10,000
# events, a third of a core taken from the writers; bench ledger.append, docs/performance.md).
_PG_PENDING_SQL = (
    f"SELECT e.id, {_CONTENT_SQL} FROM ledger_auditevent e "  # noqa: S608 (model metadata only)
    "WHERE e.id = ANY(ARRAY(SELECT event_id FROM ledger_pendingevent ORDER BY event_id LIMIT %s)) ORDER BY e.id"
)
_JSON_AT = [FIELDS.index("actor_roles"), FIELDS.index("changes")]
_ORM_WALK = ["sequence", *("event__" + name for name in chain.HASHED_FIELDS[1:]), "prev_hash", "hash"]


def _rows(first: int, last: int):
    if connection.vendor != "postgresql":
        queryset = ChainLink.objects.filter(sequence__gte=first, sequence__lte=last).order_by("sequence")
        return queryset.values_list(*_ORM_WALK).iterator(chunk_size=CHUNK)
    return _pg_rows(first, last)


def _fetched(cursor):
    while rows := cursor.fetchmany(CHUNK):
        yield from rows


def _pg_rows(first: int, last: int):
    """The range's rows in walk order. Its server-side cursors live in a transaction of
    their own (so they stream instead of being materialised WITH HOLD) and are closed
    before it ends, also when the walk stops early at a break."""
    loads = json.loads
    roles_at, changes_at = _JSON_AT
    width = len(FIELDS) - 3  # the hashed content after the sequence
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")  # compiling the scans costs more than it saves
            cursor.execute(_PG_SPAN_SQL, [first, last])
            low, high = cursor.fetchone()
        if low is None:
            return
        with connection.chunked_cursor() as link_cursor, connection.chunked_cursor() as event_cursor:
            link_cursor.execute(_PG_LINKS_SQL, [first, last])
            event_cursor.execute(_PG_EVENTS_SQL, [low, high])
            events = _fetched(event_cursor)
            ahead: dict[int, tuple] = {}  # events read before their link (committed out of order)
            for sequence, event_id, prev_hash, digest in _fetched(link_cursor):
                content = ahead.pop(event_id, None)
                while content is None:
                    row = next(events, None)
                    if row is None:  # only if the foreign key were gone: the walk names the hash
                        content = (None,) * width
                    elif row[0] == event_id:
                        content = row[1:]
                    else:
                        ahead[row[0]] = row[1:]
                row = [sequence, *content, prev_hash, digest]
                if row[roles_at] is not None:
                    row[roles_at], row[changes_at] = loads(row[roles_at]), loads(row[changes_at])
                yield row


def pending_rows(batch: int) -> list[list]:
    """Up to ``batch`` committed, unchained events in insertion order, each as
    ``[event id, *HASHED_FIELDS[1:]]`` (what the chainer hashes, in the form the walk reads)."""
    if connection.vendor != "postgresql":
        ids = list(PendingEvent.objects.order_by("event_id").values_list("event_id", flat=True)[:batch])
        events = AuditEvent.objects.filter(pk__in=ids).order_by("id")
        return [list(row) for row in events.values_list("id", *chain.HASHED_FIELDS[1:])]
    loads = json.loads
    roles_at, changes_at = _JSON_AT
    with connection.cursor() as cursor:
        cursor.execute(_PG_PENDING_SQL, [batch])
        rows = [list(row) for row in cursor.fetchall()]
    for row in rows:
        row[roles_at], row[changes_at] = loads(row[roles_at]), loads(row[changes_at])
    return rows


def unchained_counts() -> tuple[int, int]:
    """(events waiting for the chainer, events neither chained nor waiting), read in one
    statement so a batch chained meanwhile cannot make them disagree. The second is 0 unless
    someone took events off the chainer's queue."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM ledger_pendingevent), "
            "(SELECT count(*) FROM ledger_auditevent), (SELECT count(*) FROM ledger_chainlink)"
        )
        pending, events, links = cursor.fetchone()
    return pending, max(events - links - pending, 0)


def walk_range(first: int, last: int, keep: frozenset[int]) -> RangeWalk:
    """Walk events first..last; the first event's stored prev_hash is taken as the start
    (the caller checks it against the range before)."""
    result = RangeWalk(first, last)
    rows = iter(_rows(first, last))
    head = next(rows, None)
    if head is None:
        result.broken = chain.Break(first, "missing (no event stored from here on)")
        return result
    result.first_prev = head[len(chain.HASHED_FIELDS)]
    try:
        for sequence, digest in chain.walk(itertools.chain([head], rows), first, result.first_prev):
            result.events += 1
            result.last_hash = digest
            if sequence in keep:
                result.seen[sequence] = digest
    except chain.ChainBroken as broken:
        result.broken = broken.where
    if result.broken is None and result.events != last - first + 1:
        result.broken = chain.Break(first + result.events, "missing (the chain ends early)")
    return result


def _walk_in_child(args: tuple[int, int, frozenset[int]]) -> RangeWalk:
    try:
        return walk_range(*args)
    finally:
        connections.close_all()


def walk(head_sequence: int, keep: set[int]) -> tuple[int, dict[int, str], chain.Break | None]:
    """(events walked, hashes at the ``keep`` sequences, the first break or None)."""
    if head_sequence == 0:
        return 0, {}, None
    workers = os.cpu_count() or 1
    if connection.vendor != "postgresql" or head_sequence < PARALLEL_FROM or workers < 2:
        ranges = [walk_range(1, head_sequence, frozenset(keep))]
    else:
        bounds = [head_sequence * i // workers for i in range(workers + 1)]
        jobs = [(bounds[i] + 1, bounds[i + 1], frozenset(keep)) for i in range(workers)]
        connections.close_all()  # children open their own connections
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            ranges = pool.map(_walk_in_child, jobs)
    return _stitch(ranges)


def _stitch(ranges: list[RangeWalk]) -> tuple[int, dict[int, str], chain.Break | None]:
    events, seen, previous = 0, {}, chain.GENESIS
    for part in ranges:
        if part.first_prev is not None and part.first_prev != previous:
            return events, seen, chain.Break(part.first, "does not link to the event before it (prev_hash differs)")
        events += part.events
        seen.update(part.seen)
        if part.broken is not None:
            return events, seen, part.broken
        previous = part.last_hash
    return events, seen, None
