"""Bulk import of the book of business from the interchange formats (docs: interchange.md).

One module per file kind; each validates EVERY row first (collecting every error with its
row and column), raises ``insurer.errors.RowErrors`` if any, and otherwise writes in one
transaction. Refs are natural keys, so re-importing a file changes nothing.

This package does no permission check: callers go through ``customers.services.book_import``
(permission, audit, dashboard refresh). ``import_file`` is the raw entry point for
benchmarks and the demo seeder.
"""

from __future__ import annotations

import time
from pathlib import Path

from customers.imports import (
    customers_file,
    owners_file,
    policies_file,
    products_file,
    transactions_file,
)
from customers.imports.base import FileSpec, ImportResult, Table
from customers.imports.reader import read_csv, read_records

# Dependency order: each file refers only to kinds before it.
MODULES = {
    "products": products_file,
    "customers": customers_file,
    "beneficial_owners": owners_file,
    "policies": policies_file,
    "transactions": transactions_file,
}
KINDS: tuple[str, ...] = tuple(MODULES)
SPECS: dict[str, FileSpec] = {kind: module.SPEC for kind, module in MODULES.items()}

__all__ = ["KINDS", "SPECS", "ImportResult", "Table", "import_file", "import_table", "read_input"]


def spec_for(kind: str) -> FileSpec:
    try:
        return SPECS[kind]
    except KeyError:
        raise ValueError(f"unknown import kind {kind!r}; use one of {', '.join(KINDS)}") from None


def read_input(kind: str, data, source: str | None = None) -> Table:
    """A Table from CSV bytes/text, a path, a binary file object, or a list of dicts (JSON)."""
    spec = spec_for(kind)
    if isinstance(data, list):
        return read_records(data, spec, source)
    if isinstance(data, Path):
        return read_csv(data.read_bytes(), spec, source or data.name)
    if hasattr(data, "read"):
        return read_csv(data.read(), spec, source or getattr(data, "name", None))
    return read_csv(data, spec, source)


def import_table(kind: str, table: Table) -> ImportResult:
    """Validate and write one parsed file; RowErrors (nothing written) if any row is bad."""
    started = time.perf_counter()
    result = ImportResult(kind=kind, source=table.source, rows=len(table.rows))
    MODULES[kind].run(table, result)
    result.seconds = time.perf_counter() - started
    return result


def import_file(kind: str, path, *, actor=None, source: str | None = None) -> ImportResult:
    """Read and import one CSV file (timing includes reading and parsing).

    With ``actor`` it goes through ``customers.services.book_import`` (permission check,
    audit, dashboard refresh queued); without, it is the raw import.
    """
    started = time.perf_counter()
    if actor is not None:
        from customers.services import book_import  # services import this package

        result = book_import(actor=actor, kind=kind, source=source or Path(path).name, rows_or_file=Path(path))
        result.seconds = time.perf_counter() - started
        return result
    table = read_input(kind, Path(path), source)
    result = import_table(kind, table)
    result.seconds = time.perf_counter() - started
    return result
