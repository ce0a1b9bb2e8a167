"""The hash chain, as pure functions (no Django): canonical serialisation and hashing.

hash_n = SHA-256(hash_{n-1} as hex text || canonical(event_n)), hash_0 = 64 zeros.
The canonical form is a JSON array in a fixed field order, keys sorted inside objects,
no whitespace, UTF-8, timestamps as ISO 8601 UTC with microseconds. Anything that reads
the ledger (the verifier, an auditor's own script) can recompute it from the rows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

GENESIS = "0" * 64

# The order of the hashed fields. Changing it breaks every existing chain: don't.
HASHED_FIELDS = (
    "sequence", "recorded_at", "kind", "actor_id", "actor_name", "actor_roles", "action", "object_type",
    "object_id", "object_repr", "changes", "request_id", "source_address", "reason",
)  # fmt: skip


def normalise_json(value) -> object:
    """What a JSON column gives back: Decimals and dates as strings, tuples as lists."""
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


def timestamp_text(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True), without
# building an encoder per call (a fifth of the verifier's time per event).
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode


def canonical(row: Sequence) -> bytes:
    """``row`` holds the HASHED_FIELDS values in order (recorded_at as a datetime, or already
    as timestamp_text gives it: the verifier has the database format it)."""
    values = list(row)
    if not isinstance(values[1], str):
        values[1] = timestamp_text(values[1])
    return _encode(values).encode()


def link(previous_hash: str, row: Sequence) -> str:
    return hashlib.sha256(previous_hash.encode() + canonical(row)).hexdigest()


@dataclass(frozen=True)
class Break:
    sequence: int
    reason: str

    def __str__(self) -> str:
        return f"event #{self.sequence}: {self.reason}"


def walk(rows: Iterable[tuple], start_sequence: int = 1, start_hash: str = GENESIS):
    """Re-walk stored rows ``(*HASHED_FIELDS, prev_hash, hash)`` in sequence order.

    Yields (sequence, hash) for every good event; stops at the first bad one by raising
    ChainBroken naming it (a gap, a wrong link, or content that no longer matches).
    """
    expected_seq, previous = start_sequence, start_hash
    n = len(HASHED_FIELDS)
    encode, sha256 = _encode, hashlib.sha256  # link(), inlined: this runs once per event
    for row in rows:
        sequence, prev_hash, stored = row[0], row[n], row[n + 1]
        if sequence != expected_seq:
            raise ChainBroken(Break(expected_seq, f"missing (the next stored event is #{sequence})"))
        if prev_hash != previous:
            raise ChainBroken(Break(sequence, "does not link to the event before it (prev_hash differs)"))
        values = list(row[:n])
        if not isinstance(values[1], str):
            values[1] = timestamp_text(values[1])
        if sha256(previous.encode() + encode(values).encode()).hexdigest() != stored:
            raise ChainBroken(Break(sequence, "content changed after it was recorded (hash differs)"))
        previous, expected_seq = stored, expected_seq + 1
        yield sequence, stored


class ChainBroken(Exception):
    def __init__(self, where: Break):
        self.where = where
        super().__init__(str(where))
