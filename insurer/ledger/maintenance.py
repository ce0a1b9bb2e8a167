"""Lifting the append-only triggers, for the two places that legitimately need it: the
test suite (which empties every table between transactional tests, and tampers with the
ledger on purpose to prove verification finds it) and a DBA's documented recovery. It needs
the table owner's rights; the application's own writes never call it."""

from __future__ import annotations

import contextlib

from django.db import connection

TABLES = ("ledger_auditevent", "ledger_chainlink", "ledger_checkpoint")


def _sqlite_triggers() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        marks = ", ".join(["%s"] * len(TABLES))
        query = f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ({marks})"  # noqa: S608
        cursor.execute(query, TABLES)
        return cursor.fetchall()


@contextlib.contextmanager
def triggers_disabled():
    vendor = connection.vendor
    saved: list[tuple[str, str]] = []
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            # ALTER TABLE refuses while the links' deferred foreign-key checks are pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table in TABLES:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        elif vendor == "sqlite":
            saved = _sqlite_triggers()
            for name, _sql in saved:
                cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if vendor == "postgresql":
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                for table in TABLES:
                    cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
            elif vendor == "sqlite":
                for _name, sql in saved:
                    cursor.execute(sql)
