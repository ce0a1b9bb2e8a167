"""transactions.csv: immutable money records, inserted by txn_ref.

An existing txn_ref with the same content is "unchanged"; with different content it is a
row error (a money record is corrected by a new reversing record, never rewritten).

Speed (≥ 20,000 rows/s on PostgreSQL): one pass of the csv module, refs resolved through
dicts filled by one query per ref set, existing refs found one query per 50,000, the payout
guards asked once for the file; then the rows are checked in batches that go straight into
one COPY (bulk executemany elsewhere), so the database inserts and indexes one batch while
this process checks the next. A bad row stops the writing, the checking goes on to report
every bad row, and the savepoint is rolled back: nothing is written unless all rows are good.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from operator import itemgetter

from django.db import connection, transaction
from django.utils.translation import gettext as _

from customers.imports import fields as f
from customers.imports.base import FileSpec, Table, chunks, values_in
from customers.models import Customer, Policy, PolicyTransaction
from insurer import payouts
from insurer.errors import RowError, RowErrors

SPEC = FileSpec(
    "transactions",
    "transactions.csv",
    required=(
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
    ),
)
KINDS = PolicyTransaction.Kind.values
METHODS = PolicyTransaction.Method.values
NON_MONETARY = PolicyTransaction.NON_MONETARY
OUTGOING = frozenset(KINDS) - PolicyTransaction.MONEY_IN - NON_MONETARY
# Database columns in the order rows are built (and COPYed).
COLUMNS = (
    "txn_ref",
    "policy_id",
    "kind",
    "timestamp",
    "amount",
    "currency",
    "method",
    "payer_id",
    "payee_id",
    "account_ref",
    "counterparty_country",
)
# What an existing record is compared on, named as in the file.
COMPARED = (
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
)
COPY_CHUNK = 50_000
# Rows checked per batch handed to the writer: small enough that the server starts inserting
# early, large enough that the per-batch cost is noise.
CHECK_BATCH = 10_000
KIND_SET = frozenset(KINDS)
METHOD_SET = frozenset(METHODS)
fromisoformat = dt.datetime.fromisoformat
CENT = Decimal("0.01")


def _lookups(table: Table) -> tuple[dict, dict]:
    i_policy, i_payer, i_payee = (table.index(c) for c in ("policy_ref", "payer_ref", "payee_ref"))
    rows = table.rows
    policies = dict(values_in(Policy.objects, "policy_ref", {r[i_policy] for r in rows}, "policy_ref", "id"))
    refs = {r[i_payer] for r in rows} | {r[i_payee] for r in rows}
    refs.discard("")
    customers = dict(values_in(Customer.objects, "customer_ref", refs, "customer_ref", "id"))
    return policies, customers


def _optional_party(cells: f.Cells, column: str, customers: dict):
    ref = cells[column]
    if not ref:
        return None
    pk = customers.get(ref)
    if pk is None:
        cells.fail(column, f.unknown_message(column, ref))
    return pk


def _parse_row(cells: f.Cells, policies: dict, customers: dict) -> tuple | None:
    ref = cells.parse("txn_ref", f.text, 40, blank=False)
    policy_ref = cells["policy_ref"]
    policy_id = policies.get(policy_ref)
    if policy_id is None:
        cells.fail(
            "policy_ref", f.unknown_message("policy_ref", policy_ref) if policy_ref else _("a value is required")
        )
    kind = cells.parse("kind", f.choice, KINDS)
    when = cells.parse("timestamp", f.timestamp)
    amount = cells.parse("amount", f.amount)
    if kind in NON_MONETARY and amount:
        cells.fail(
            "amount",
            _("a %(kind)s moves no money: amount must be 0, not %(amount)s") % {"kind": kind, "amount": amount},
        )
    currency = cells.parse("currency", f.currency)
    method = cells.parse("method", f.choice, METHODS)
    payer_id = _optional_party(cells, "payer_ref", customers)
    payee_id = _optional_party(cells, "payee_ref", customers)
    account = cells.parse("account_ref", f.text, 40)
    country = cells.parse("counterparty_country", f.country)
    if not cells.ok:
        return None
    return (ref, policy_id, kind, when, amount, currency, method, payer_id, payee_id, account, country)


def _fast_row(values: list[str], pick, policies: dict, customers: dict) -> tuple | None:
    """The parsed row if every cell is plainly well formed, else None (the detailed parser
    then decides and explains). Inlined checks: this runs 300,000 times per file."""
    ref, policy_ref, kind, stamp, amount, currency, method, payer, payee, account, country = pick(values)
    policy_id = policies.get(policy_ref)
    payer_id = customers.get(payer) if payer else None
    payee_id = customers.get(payee) if payee else None
    if (
        policy_id is None
        or not ref
        or len(ref) > 40
        or kind not in KIND_SET
        or method not in METHOD_SET
        or (payer and payer_id is None)
        or (payee and payee_id is None)
        or len(account) > 40
        or (country and not (len(country) == 2 and country.isascii() and country.isalpha() and country.isupper()))
        or (currency and not (len(currency) == 3 and currency.isascii() and currency.isalpha() and currency.isupper()))
    ):
        return None
    try:
        when = fromisoformat(stamp)
        money = Decimal(amount)
    except (ValueError, ArithmeticError):
        return None
    if not money.is_finite() or money < 0 or money > f.MAX_AMOUNT or money.as_tuple().exponent < -2:
        return None
    if money and kind in NON_MONETARY:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=f.DEFAULT_ZONE)
    return (ref, policy_id, kind, when, money, currency or "CNY", method, payer_id, payee_id, account, country)


def _checked(table: Table, ctx: _Context, result) -> Iterator[list[tuple]]:
    """Every row checked, in batches of CHECK_BATCH: yields the fresh, valid rows of each
    batch while the file has no error so far. After the first error it goes on checking
    (every bad row is reported) but yields nothing more; the caller then refuses the file
    and the transaction takes back whatever was written."""
    cells = f.Cells(table)
    pick = itemgetter(*(table.index(c) for c in SPEC.required))
    policies, customers, existing, refused = ctx.policies, ctx.customers, ctx.existing, ctx.refused
    first: dict[str, int] = {}
    i_ref = table.index("txn_ref")
    rows, numbers = table.rows, table.numbers
    for start in range(0, len(rows), CHECK_BATCH):
        fresh: list[tuple] = []
        for number, values in zip(numbers[start : start + CHECK_BATCH], rows[start : start + CHECK_BATCH], strict=True):
            ref = values[i_ref]
            row = None
            if ref not in first:
                first[ref] = number
                row = _fast_row(values, pick, policies, customers)
            if row is None:
                cells.start(number, values)
                if first[ref] != number:
                    cells.fail("txn_ref", f.duplicate_message("txn_ref", ref, first[ref]))
                row = _parse_row(cells, policies, customers)
                if row is None or not cells.ok:
                    continue
            if existing and ref in existing:
                _compare(table, number, row, existing[ref], ctx)
                result.unchanged += 1
            elif ref in refused:
                table.errors.append(RowError(number, "policy_ref", refused[ref]))
            else:
                fresh.append(row)
        if not table.errors:
            yield fresh


def _show(value) -> str:
    if value is None or value == "":
        return _("(empty)")
    if isinstance(value, Decimal):
        return str(value.quantize(CENT))
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _compare(table: Table, number: int, row: tuple, old: tuple, ctx: _Context) -> None:
    """A row whose txn_ref is stored already: the same content is "unchanged", different
    content is a row error (a money record is corrected by a new record, never rewritten)."""
    policy_refs, customer_refs = ctx.refs_of()
    new = (
        policy_refs[row[1]],
        row[2],
        row[3],
        row[4],
        row[5],
        row[6],
        customer_refs.get(row[7]),
        customer_refs.get(row[8]),
        row[9],
        row[10],
    )
    pairs = zip(COMPARED, old, new, strict=True)
    diffs = [f"{name} {_show(a)} ≠ {_show(b)}" for name, a, b in pairs if (a or None) != (b or None)]
    if diffs:
        table.errors.append(
            RowError(
                number, "txn_ref", _("txn_ref exists with different content: %(diffs)s") % {"diffs": "; ".join(diffs)}
            )
        )


def _existing_content(refs: list[str]) -> dict[str, tuple]:
    """The stored content (as COMPARED, refs not ids) of the file's refs that exist already."""
    lookup = (
        "txn_ref",
        "policy__policy_ref",
        "kind",
        "timestamp",
        "amount",
        "currency",
        "method",
        "payer__customer_ref",
        "payee__customer_ref",
        "account_ref",
        "counterparty_country",
    )
    stored = _existing_refs(refs)
    return {old[0]: old[1:] for old in values_in(PolicyTransaction.objects, "txn_ref", stored, *lookup)}


def _refusals(table: Table, policies: dict, customers: dict, existing: dict) -> dict[str, str]:
    """txn_ref → why the payout guards (insurer/payouts.py: a held or frozen policy) refuse
    the new outgoing payment. Asked once for the file, before anything is written; a row
    that is bad for another reason is reported for that reason."""
    pick = itemgetter(*(table.index(c) for c in ("txn_ref", "policy_ref", "kind", "payee_ref")))
    payments = []
    for values in table.rows:
        ref, policy_ref, kind, payee = pick(values)
        policy_id = policies.get(policy_ref)
        if kind in OUTGOING and policy_id is not None and ref not in existing:
            payments.append(payouts.Payment(policy_id, kind, ref, customers.get(payee) if payee else None))
    return {x.payment.txn_ref: x.message for x in payouts.refusals(payments)}


def _existing_refs(refs: list[str]) -> list[str]:
    """Which of ``refs`` are already stored. On PostgreSQL one array parameter per 50,000
    refs (a fresh file costs a few index probes, not 60 IN-lists); elsewhere IN-lists."""
    if connection.vendor != "postgresql":
        return [r for (r,) in values_in(PolicyTransaction.objects, "txn_ref", refs, "txn_ref")]
    found: list[str] = []
    table = connection.ops.quote_name(PolicyTransaction._meta.db_table)
    sql = f"SELECT txn_ref FROM {table} WHERE txn_ref = ANY(%s)"  # noqa: S608 (a model's table name)
    with connection.cursor() as cursor:
        for part in chunks(refs, COPY_CHUNK):
            cursor.execute(sql, [part])
            found.extend(r for (r,) in cursor.fetchall())
    return found


class _CsvStream:
    """A file-like object for COPY: each read() formats the next checked batch as CSV, so
    the server inserts (and indexes) one batch while this process checks the next."""

    def __init__(self, batches: Iterator[list[tuple]]):
        self._batches = batches
        self._pending = ""
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer)
        self.rows = 0

    def _format(self, rows: list[tuple]) -> str:
        self._buffer.seek(0)
        self._buffer.truncate()
        self._writer.writerows(
            (r[0], r[1], r[2], r[3].isoformat(), r[4], r[5], r[6], r[7], r[8], r[9], r[10]) for r in rows
        )
        return self._buffer.getvalue()

    def read(self, size: int = -1) -> str:
        while not self._pending:
            batch = next(self._batches, None)
            if batch is None:
                return ""
            self.rows += len(batch)
            self._pending = self._format(batch)
        if size is None or size < 0 or size >= len(self._pending):
            out, self._pending = self._pending, ""
        else:
            out, self._pending = self._pending[:size], self._pending[size:]
        return out


def _copy(batches: Iterator[list[tuple]]) -> int:
    """PostgreSQL COPY, one statement for the file fed as it is checked: an order of
    magnitude faster than INSERT for 10⁵–10⁶ rows."""
    table = PolicyTransaction._meta.db_table
    text_columns = "txn_ref, kind, currency, method, account_ref, counterparty_country"
    sql = f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN WITH (FORMAT csv, FORCE_NOT_NULL ({text_columns}))"
    stream = _CsvStream(batches)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        if hasattr(raw, "copy_expert"):  # psycopg2: reads the stream in 64 KiB pieces
            raw.copy_expert(sql, stream, size=1 << 16)
        else:  # psycopg 3
            with raw.copy(sql) as copy:
                while piece := stream.read(1 << 16):
                    copy.write(piece)
    return stream.rows


def _insert(batches: Iterator[list[tuple]]) -> int:
    """COPY on PostgreSQL; elsewhere one executemany per checked batch (bulk_create would
    split into 90-row statements on SQLite's parameter limit)."""
    if connection.vendor == "postgresql":
        return _copy(batches)
    ops = connection.ops
    table = ops.quote_name(PolicyTransaction._meta.db_table)
    sql = f"INSERT INTO {table} ({', '.join(COLUMNS)}) VALUES ({', '.join(['%s'] * len(COLUMNS))})"  # noqa: S608
    written = 0
    with connection.cursor() as cursor:
        for rows in batches:
            cursor.executemany(
                sql,
                [
                    (*r[:3], ops.adapt_datetimefield_value(r[3]), ops.adapt_decimalfield_value(r[4], 18, 2), *r[5:])
                    for r in rows
                ],
            )
            written += len(rows)
    return written


@dataclass
class _Context:
    """What checking the rows needs from the database, all read before anything is written
    (the connection is busy with the COPY while the rows are checked)."""

    policies: dict[str, int]
    customers: dict[str, int]
    existing: dict[str, tuple]
    refused: dict[str, str]
    _refs: tuple[dict, dict] | None = None

    def refs_of(self) -> tuple[dict, dict]:
        """id → ref maps, built only if some row exists already (a re-import)."""
        if self._refs is None:
            self._refs = ({v: k for k, v in self.policies.items()}, {v: k for k, v in self.customers.items()})
        return self._refs


def run(table: Table, result) -> None:
    """Check and write in one pass: a file's rows go to the database as they are checked, in
    a savepoint that is rolled back if any row is bad, so nothing is written unless every
    row is good, and every bad row is still reported."""
    policies, customers = _lookups(table)
    i_ref = table.index("txn_ref")
    existing = _existing_content(list({r[i_ref] for r in table.rows}))
    ctx = _Context(policies, customers, existing, _refusals(table, policies, customers, existing))
    try:
        with transaction.atomic():
            result.created = _insert(_checked(table, ctx, result))
            if table.errors:
                raise RowErrors(sorted(table.errors, key=lambda e: e.row or 0), source=table.source)
    except RowErrors:
        result.created = 0
        raise
