"""Payout guards: the one place that may refuse money leaving the insurer.

Whatever writes a payout, surrender, policy loan, refund or claim payout (the book import
of transactions.csv behind ``manage.py import_book``, the API bulk import and any screen
that uses it; a future claims or payments service) hands the batch of outgoing payments to
``refusals`` (or ``enforce``) before writing anything. Domain apps register guards from
their ``AppConfig.ready``: compliance.holds refuses payments on held or frozen policies.
The platform imports no domain app, and the book of business does not import compliance.

A guard sees the whole batch at once and must answer in a constant number of queries (one
per file, not one per row): the import's ≥ 20,000 rows/s budget depends on it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied

from insurer.errors import RowError


@dataclass(frozen=True, slots=True)
class Payment:
    """One outgoing payment about to be written: ``row`` is the file's data row (None
    outside a file), ``payee_id`` the receiving customer when known."""

    policy_id: int
    kind: str
    txn_ref: str = ""
    payee_id: int | None = None
    row: int | None = None


@dataclass(frozen=True, slots=True)
class Refusal:
    payment: Payment
    message: str  # names the row or transaction, the policy and the restriction

    def as_row_error(self) -> RowError:
        return RowError(self.payment.row, "policy_ref", self.message)


Guard = Callable[[Sequence[Payment]], Iterable[Refusal]]
_GUARDS: dict[str, Guard] = {}


class PayoutRefused(PermissionDenied):
    """Raised by ``enforce``: at least one payment is refused; nothing may be written."""

    def __init__(self, refusals: list[Refusal]):
        self.refusals = refusals
        super().__init__("; ".join(r.message for r in refusals))


def register(name: str, guard: Guard) -> None:
    """Add (or replace, by name) a guard; called from an AppConfig.ready()."""
    _GUARDS[name] = guard


def refusals(payments: Sequence[Payment]) -> list[Refusal]:
    """Every refusal every guard gives for the batch (empty: all may be paid)."""
    if not payments:
        return []
    found: list[Refusal] = []
    for guard in _GUARDS.values():
        found.extend(guard(payments))
    return found


def enforce(payments: Sequence[Payment]) -> None:
    """Raise PayoutRefused (a 403) naming every refused payment, or return."""
    refused = refusals(payments)
    if refused:
        raise PayoutRefused(refused)
