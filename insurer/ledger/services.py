"""Writing, chaining and verifying the audit ledger.

``append`` inserts the event inside the caller's transaction (it commits or rolls back
with the change it records; a trigger queues it in ledger_pendingevent in the same
transaction) and, in ``after_commit`` mode, asks for ``chain_pending`` to run right after
that commit. ``chain_pending`` locks the chain head and gives every committed, queued
event, in insertion order, its ChainLink: the next sequence number, the previous hash and
its own hash. Only the chainer queues on the head lock, for the few milliseconds of a
batch; writers never do. No event row is ever updated.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from insurer.ledger import chain, signing, verification
from insurer.ledger.models import AuditEvent, ChainHead, ChainLink, Checkpoint, PendingEvent, statement
from insurer.middleware import current_request_id, current_source_address

CHAIN_BATCH = 2_000


def _roles_of(actor) -> list[str]:
    """The roles the actor holds now, frozen into the event."""
    if actor is None or getattr(actor, "pk", None) is None:
        return []
    from insurer.access.grants import role_codes

    return role_codes(actor)


def append(*, kind: str, actor, action: str, object_type: str, object_id: str = "", object_repr: str = "",
           changes: dict | None = None, reason: str = "") -> AuditEvent:  # fmt: skip
    """Record one event in the current transaction; it is chained once that commits."""
    event = AuditEvent(
        recorded_at=timezone.now(),
        kind=kind,
        actor_id=getattr(actor, "pk", None),
        actor_name=(getattr(actor, "username", None) or (str(actor) if actor else "system"))[:150],
        actor_roles=_roles_of(actor),
        action=action[:60],
        object_type=object_type[:60],
        object_id=str(object_id)[:120],
        object_repr=str(object_repr)[:200],
        changes=chain.normalise_json(changes or {}),
        request_id=current_request_id.get() or "",
        source_address=current_source_address.get() or "",
        reason=reason,
    )
    _insert(event)
    if settings.INSURER_LEDGER_CHAINING == "after_commit":
        transaction.on_commit(_chain_after_commit)
    # "chainer": the chainer process (insurer.ledger.chainer) finds it by itself.
    return event


def append_many(events: list[dict], batch_size: int = 500) -> list[AuditEvent]:
    """Record many events (each a dict of append()'s keyword arguments) in the current
    transaction with one INSERT per ``batch_size``: a command that audits every row it writes
    in bulk (a monitoring run opening 4,000 cases, each with its clock) paid one INSERT, and
    one after-commit callback, per event. The rows are those append() would write, inserted
    in the list's order (ids ascending), queued by the same trigger and chained after the
    commit in that order, so the chain is the one the events appended one by one would make."""
    if not events:
        return []
    now, roles = timezone.now(), {}
    request_id, source = current_request_id.get() or "", current_source_address.get() or ""
    rows = []
    for e in events:
        actor = e.get("actor")
        key = getattr(actor, "pk", None)
        if key not in roles:
            roles[key] = _roles_of(actor)
        rows.append(
            AuditEvent(
                recorded_at=now, kind=e["kind"], actor_id=key,
                actor_name=(getattr(actor, "username", None) or (str(actor) if actor else "system"))[:150],
                actor_roles=roles[key], action=e["action"][:60], object_type=e["object_type"][:60],
                object_id=str(e.get("object_id", ""))[:120], object_repr=str(e.get("object_repr", ""))[:200],
                changes=chain.normalise_json(e.get("changes") or {}), request_id=request_id,
                source_address=source, reason=e.get("reason", ""),
            )
        )  # fmt: skip
    AuditEvent.objects.bulk_create(rows, batch_size=batch_size)
    if settings.INSURER_LEDGER_CHAINING == "after_commit":
        transaction.on_commit(_chain_after_commit)
    return rows


_INSERT_FIELDS = [f for f in AuditEvent._meta.concrete_fields if not f.primary_key]
_INSERT_SQL = "INSERT INTO {table} ({columns}) VALUES ({params})".format(  # noqa: S608 (model metadata only)
    table=AuditEvent._meta.db_table,
    columns=", ".join(f.column for f in _INSERT_FIELDS),
    params=", ".join(["%s"] * len(_INSERT_FIELDS)),
)


def _insert(event: AuditEvent) -> None:
    """One INSERT, without the ORM's per-save machinery: every audited write pays for this,
    and the ORM's create() doubled its cost (bench ``ledger.append``). The values go through
    each field's own database preparation, so what is stored is what create() would store."""
    values = [f.get_db_prep_save(getattr(event, f.attname), connection) for f in _INSERT_FIELDS]
    with connection.cursor() as cursor:
        if connection.features.can_return_columns_from_insert:
            cursor.execute(_INSERT_SQL + " RETURNING id", values)
            event.pk = cursor.fetchone()[0]
        else:
            cursor.execute(_INSERT_SQL, values)
            event.pk = cursor.lastrowid
    event._state.adding = False
    event._state.db = connection.alias


def _lock_head(*, skip_locked: bool) -> tuple[int, str] | None:
    """Lock the chain head and return (sequence, hash); None when ``skip_locked`` and
    another chainer holds it. Plain SQL: this runs after every commit that recorded events."""
    suffix = " FOR UPDATE SKIP LOCKED" if skip_locked else " FOR UPDATE"
    if connection.vendor != "postgresql":
        suffix = ""  # SQLite: the IMMEDIATE transaction already holds the database's write lock
    with connection.cursor() as cursor:
        cursor.execute("SELECT sequence, hash FROM ledger_chainhead WHERE id = 1" + suffix)  # noqa: S608 (constant)
        row = cursor.fetchone()
        if row is not None:
            return row[0], row[1]
        if skip_locked and ChainHead.objects.filter(pk=1).exists():
            return None
    ChainHead.objects.get_or_create(pk=1, defaults={"sequence": 0, "hash": chain.GENESIS})
    head = ChainHead.objects.select_for_update().get(pk=1)
    return head.sequence, head.hash


def _has_pending() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT event_id FROM ledger_pendingevent ORDER BY event_id LIMIT 1")
        return cursor.fetchone() is not None


def chain_pending(batch: int = CHAIN_BATCH, *, wait: bool = True) -> int:
    """Chain every committed event that is not chained yet; returns how many it chained.

    After each commit that recorded events (``wait=False``): if another process is chaining
    already, leave it to that one — every chainer looks again for pending events after it
    lets go of the head, so an event committed while it held the head is not left behind.
    Every minute (beat, ``wait=True``) for events whose process died before chaining them.
    """
    chained = 0
    while True:
        with transaction.atomic():
            head = _lock_head(skip_locked=not wait)
            if head is None:
                return chained
            rows = verification.pending_rows(batch)
            if rows:
                sequence, previous = head
                links = []
                for row in rows:  # [event id, *HASHED_FIELDS[1:]]
                    sequence += 1
                    event_id, row[0] = row[0], sequence
                    digest = chain.link(previous, row)
                    links.append((sequence, event_id, previous, digest))
                    previous = digest
                _write_links(links)
                ChainHead.objects.filter(pk=1).update(sequence=sequence, hash=previous)
        chained += len(rows)
        if not rows or (len(rows) < batch and not _has_pending()):
            return chained


def _write_links(links: list[tuple[int, int, str, str]]) -> None:
    """Insert the (sequence, event id, prev_hash, hash) links of a batch and take their
    events off the queue. Nothing is updated: the event rows stay as they were written."""
    if connection.vendor != "postgresql":
        ChainLink.objects.bulk_create(
            [ChainLink(sequence=seq, event_id=event, prev_hash=prev, hash=h) for seq, event, prev, h in links],
            batch_size=500,
        )
        ids = [link[1] for link in links]
        for start in range(0, len(ids), 500):
            PendingEvent.objects.filter(event_id__in=ids[start : start + 500]).delete()
        return
    from psycopg2.extras import execute_values

    with connection.cursor() as cursor:
        execute_values(
            cursor.cursor,
            "INSERT INTO ledger_chainlink (sequence, event_id, prev_hash, hash) VALUES %s",
            links,
            template="(%s, %s, %s, %s)",
            page_size=1_000,
        )
        cursor.execute("DELETE FROM ledger_pendingevent WHERE event_id = ANY(%s)", [[link[1] for link in links]])


def _chain_after_commit() -> None:
    chain_pending(wait=False)


@transaction.atomic
def checkpoint_create() -> Checkpoint | None:
    """Sign the current head (after chaining what is pending). Run hourly (beat) and on demand."""
    chain_pending()
    head = ChainHead.objects.filter(pk=1).first()
    if head is None or head.sequence == 0:
        return None
    signed_at = timezone.now()
    return Checkpoint.objects.create(
        sequence=head.sequence, hash=head.hash, signed_at=signed_at, key_fingerprint=signing.fingerprint(),
        signature=signing.sign(statement(head.sequence, head.hash, signed_at)),
    )  # fmt: skip


@dataclass
class VerifyReport:
    events: int = 0
    head_sequence: int = 0
    checkpoints_checked: int = 0
    pending: int = 0  # recorded, committed, not chained yet (seconds old at most, normally)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(*, external_checkpoints: list[dict] | None = None, public_key_b64: str | None = None) -> VerifyReport:
    """Re-walk the whole chain; name the first bad event; check every checkpoint (stored
    ones and, if given, the copies an audit committee kept) against the chain."""
    report = VerifyReport()
    # The head first: events chained while we walk are left for the next verification.
    head = ChainHead.objects.filter(pk=1).first()
    report.head_sequence = head.sequence if head else 0
    wanted = {c.sequence: c for c in Checkpoint.objects.filter(sequence__lte=report.head_sequence)}
    external = {int(c["sequence"]): c for c in external_checkpoints or []}
    report.events, seen_hash, broken = verification.walk(report.head_sequence, set(wanted) | set(external))
    if broken is not None:
        report.problems.append(str(broken))
        return report
    report.pending, lost = verification.unchained_counts()
    if report.head_sequence != report.events:
        report.problems.append(f"chain head says #{report.head_sequence} but {report.events} events were found")
    if lost:
        report.problems.append(
            f"{lost} events are neither in the chain nor waiting for it (taken off the chainer's queue)"
        )
    for sequence, cp in sorted(wanted.items()):
        report.checkpoints_checked += 1
        if not signing.verify(cp.statement(), cp.signature, public_key_b64):
            report.problems.append(f"checkpoint #{sequence}: signature does not verify")
        elif seen_hash.get(sequence) != cp.hash:
            report.problems.append(f"checkpoint #{sequence}: the chain no longer has the signed hash (rewritten)")
    for sequence, cp in sorted(external.items()):
        report.checkpoints_checked += 1
        kept = statement(sequence, cp["hash"], parse_datetime(cp["signed_at"]))
        if not signing.verify(kept, cp["signature"], public_key_b64):
            report.problems.append(f"kept checkpoint #{sequence}: signature does not verify")
        elif seen_hash.get(sequence) != cp["hash"]:
            report.problems.append(f"kept checkpoint #{sequence}: the chain no longer has hash {cp['hash'][:12]}…")
    return report


def checkpoint_export(checkpoint: Checkpoint) -> dict:
    """The record an audit committee keeps outside the system (verify(external_checkpoints=...))."""
    return {"sequence": checkpoint.sequence, "hash": checkpoint.hash,
            "signed_at": chain.timestamp_text(checkpoint.signed_at), "signature": checkpoint.signature,
            "key_fingerprint": checkpoint.key_fingerprint}  # fmt: skip
