"""Writing the demo book: wipe, bulk insert (COPY on PostgreSQL, executemany on SQLite),
and the interchange CSVs.

Rows go in with explicit primary keys (the generator already knows who refers to whom), so
no table is read back to resolve a foreign key; PostgreSQL sequences are reset afterwards.
Raw inserts skip Django's field conversion, so values are formatted here the way Django
stores them: SQLite datetimes as naive UTC text, PostgreSQL ones with their offset.
"""

from __future__ import annotations

import csv
import io
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from django.core.management.color import no_style
from django.db import connection
from django.db.models import Max

from customers.models import BeneficialOwner, Customer, Policy, PolicyBeneficiary, PolicyTransaction, Product

# Children before parents; wiped in the reverse order.
BOOK_MODELS = (Product, Customer, BeneficialOwner, Policy, PolicyBeneficiary, PolicyTransaction)
LOCAL_OFFSET = np.timedelta64(8, "h")  # Asia/Shanghai has no daylight saving time


def wipe() -> None:
    tables = [m._meta.db_table for m in reversed(BOOK_MODELS)]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            quoted = ", ".join(connection.ops.quote_name(t) for t in tables)
            cursor.execute(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")  # noqa: S608 (model names)


def first_ids() -> dict[type, int]:
    return {m: (m.objects.aggregate(top=Max("id"))["top"] or 0) + 1 for m in BOOK_MODELS}


def reset_sequences() -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), list(BOOK_MODELS)):
            cursor.execute(sql)


def check_constraints() -> None:
    """Run PostgreSQL's deferred foreign-key checks now rather than at COMMIT, so the
    timings show where the time goes (for 3,000,000 transactions it is most of a minute)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@contextmanager
def bulk_load(model, *, empty: bool):
    """Load a freshly emptied PostgreSQL table without per-row index and foreign-key work.

    Maintaining seven indexes row by row and firing three deferred foreign-key triggers per
    row costs minutes for 3,000,000 transactions; building each index once after COPY and
    validating each foreign key with one set-based check (ALTER TABLE ... ADD CONSTRAINT)
    takes seconds. The definitions are read back from the catalogue, so the table ends up
    exactly as the migrations left it. Primary and unique keys stay in place throughout.
    """
    if connection.vendor != "postgresql" or not empty:
        yield
        return
    table = model._meta.db_table
    quoted = connection.ops.quote_name(table)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x"
            " JOIN pg_class i ON i.oid = x.indexrelid"
            " WHERE x.indrelid = %s::regclass AND NOT x.indisprimary AND NOT x.indisunique",
            [quoted],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = %s::regclass AND contype = 'f'",
            [quoted],
        )
        foreign_keys = cursor.fetchall()
        for name, _ in foreign_keys:
            cursor.execute(f"ALTER TABLE {quoted} DROP CONSTRAINT {connection.ops.quote_name(name)}")
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _, definition in indexes:
            cursor.execute(definition)
        for name, definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {quoted} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}")


# --- value formatting -------------------------------------------------------------------


def money(cents: np.ndarray) -> np.ndarray:
    c = np.asarray(cents, dtype=np.int64)
    return np.char.add(np.char.add((c // 100).astype(str), "."), np.char.zfill((c % 100).astype(str), 2))


def dates(d: np.ndarray) -> np.ndarray:
    """ISO dates, None for NaT (an object array)."""
    out = np.datetime_as_string(d.astype("M8[D]")).astype(object)
    out[np.isnat(d)] = None
    return out


def timestamps_db(local: np.ndarray) -> np.ndarray:
    if connection.vendor == "postgresql":
        return np.char.add(np.datetime_as_string(local, unit="s"), "+08:00")
    utc = local - LOCAL_OFFSET
    return np.char.replace(np.datetime_as_string(utc, unit="s"), "T", " ")


def timestamps_iso(local: np.ndarray) -> np.ndarray:
    return np.char.add(np.datetime_as_string(local, unit="s"), "+08:00")


def optional_id(index: np.ndarray, first_id: int) -> np.ndarray:
    """Foreign keys for an index array where -1 means none."""
    out = (np.asarray(index) + first_id).astype(object)
    out[np.asarray(index) < 0] = None
    return out


def now_db(now) -> str:
    """``now`` is an aware UTC datetime (django.utils.timezone.now())."""
    if connection.vendor == "postgresql":
        return now.isoformat()
    return now.replace(tzinfo=None).isoformat(sep=" ")


# --- bulk insert ------------------------------------------------------------------------


def insert(model, columns: dict[str, np.ndarray], batch: int) -> int:
    """Insert rows given as {db column: array}; returns the row count."""
    names = list(columns)
    n = len(next(iter(columns.values())))
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, n, batch):
            chunk = [np.asarray(columns[c][start : start + batch]).tolist() for c in names]
            if connection.vendor == "postgresql":
                _copy(cursor, model, table, names, chunk)
            else:
                cols = ", ".join(connection.ops.quote_name(c) for c in names)
                marks = ", ".join(["%s"] * len(names))
                cursor.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", list(zip(*chunk, strict=True)))  # noqa: S608
    return n


def _copy(cursor, model, table: str, names: list[str], chunk: list[list]) -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(zip(*chunk, strict=True))
    buf.seek(0)
    fields = {f.column: f for f in model._meta.concrete_fields}
    # In COPY's CSV format an unquoted empty value is NULL; NOT NULL text columns keep "".
    not_null = [connection.ops.quote_name(c) for c in names if not fields[c].null and not fields[c].is_relation]
    force = f", FORCE_NOT_NULL ({', '.join(not_null)})" if not_null else ""
    cols = ", ".join(connection.ops.quote_name(c) for c in names)
    cursor.cursor.copy_expert(f"COPY {table} ({cols}) FROM STDIN WITH (FORMAT csv{force})", buf)


# --- interchange CSVs -------------------------------------------------------------------

CSV_COLUMNS = {
    "customers.csv": [
        "customer_ref",
        "kind",
        "name",
        "id_type",
        "id_number",
        "birth_date",
        "sex",
        "phone",
        "address",
        "nationality",
        "occupation",
        "annual_income",
        "risk_rating",
    ],
    "beneficial_owners.csv": ["organisation_ref", "owner_ref", "share_pct", "control"],
    "products.csv": ["product_code", "name", "kind", "mortality_table", "min_age", "max_age", "cooling_off_days"],
    "policies.csv": [
        "policy_ref",
        "product_code",
        "policyholder_ref",
        "insured_ref",
        "beneficiary_refs",
        "issue_date",
        "status",
        "status_date",
        "sum_assured",
        "annual_premium",
        "premium_term_years",
        "policy_term_years",
        "payment_frequency",
        "channel",
        "agent_code",
    ],
    "transactions.csv": [
        "txn_ref",
        "policy_ref",
        "kind",
        "timestamp",
        "amount",
        "currency",
        "method",
        "payer_ref",
        "payee_ref",
        "account_ref",
        "counterparty_country",
    ],
}


def write_csv(path: Path, name: str, columns: dict[str, np.ndarray], batch: int = 200_000) -> int:
    header = CSV_COLUMNS[name]
    n = len(next(iter(columns.values())))
    with open(path / name, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        for start in range(0, n, batch):
            chunk = [np.asarray(columns[c][start : start + batch]).tolist() for c in header]
            writer.writerows(zip(*chunk, strict=True))
    return n
