"""Writes to the book of business. Keyword-only, atomic, permission-checked, audited."""

from __future__ import annotations

import getpass
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from customers import imports
from customers.imports import ImportResult
from customers.tasks import book_summary_refresh_task
from insurer import audit
from insurer.access import require


@dataclass(frozen=True)
class SystemActor:
    """The operator running a management command on the server.

    Someone with a shell on the server can already write to the database directly, so
    the command does not pretend to check a role for them; what matters is that the
    audit trail says who (the OS account) did it. ``--actor USERNAME`` names a real user
    instead, whose permissions are then checked like any other caller's.
    """

    username: str
    pk: None = None
    is_active: bool = True

    @classmethod
    def current(cls) -> SystemActor:
        try:
            name = getpass.getuser()
        except (OSError, KeyError):
            name = "unknown"
        return cls(username=f"system:{name}")

    def has_perm(self, perm: str) -> bool:
        return True


@transaction.atomic
def book_import(*, actor, kind: str, source: str, rows_or_file, queue_summary: bool = True) -> ImportResult:
    """Import one file (or JSON batch) of ``kind`` all-or-nothing.

    Checks: ``customers.import_book`` (403 otherwise: oversight roles never hold it);
    every row validated before anything is written (RowErrors, nothing written).
    Records an audit change with the counts; after commit, queues the dashboard refresh
    unless ``queue_summary`` is False (the command refreshes once, synchronously, at the end).
    """
    require(actor, "customers.import_book", _("Your role may not import the book of business."))
    table = imports.read_input(kind, rows_or_file, source)
    result = imports.import_table(kind, table)
    counts = {k: getattr(result, k) for k in ("rows", "created", "updated", "unchanged")}
    audit.record_change(
        actor=actor,
        action="import",
        obj_type=f"customers.{kind}",
        obj_id=source,
        detail={**counts, "source": source},
    )
    if queue_summary and (result.created or result.updated):
        transaction.on_commit(lambda: book_summary_refresh_task.delay(trigger="import"))
    return result
