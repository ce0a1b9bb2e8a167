"""transactions.csv: immutable money records, inserted by txn_ref.

An existing txn_ref with the same content is "unchanged"; with different content it is a
row error (a money record is corrected by a new reversing record, never rewritten).

Speed (≥ 20,000 rows/s on PostgreSQL): one pass of the csv module, refs resolved through
dicts filled by one query per ref set, existing refs found one query per 5,000, rows
written with COPY on PostgreSQL (bulk_create elsewhere).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
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


def validate(table: Table) -> tuple[list[tuple], dict, dict]:
    """Every row checked; returns the parsed rows and the ref → id lookups used."""
    policies, customers = _lookups(table)
    cells = f.Cells(table)
    pick = itemgetter(*(table.index(c) for c in SPEC.required))
    parsed: list[tuple] = []
    numbers: list[int] = []
    first: dict[str, int] = {}
    i_ref = table.index("txn_ref")
    for number, values in zip(table.numbers, table.rows, strict=True):
        ref = values[i_ref]
        if ref not in first:
            first[ref] = number
            row = _fast_row(values, pick, policies, customers)
            if row is not None:
                parsed.append(row)
                numbers.append(number)
                continue
        cells.start(number, values)
        if first[ref] != number:
            cells.fail("txn_ref", f.duplicate_message("txn_ref", ref, first[ref]))
        row = _parse_row(cells, policies, customers)
        if row is not None and cells.ok:
            parsed.append(row)
            numbers.append(number)
    table.numbers = numbers  # now aligned with ``parsed``
    return parsed, policies, customers


def _show(value) -> str:
    if value is None or value == "":
        return _("(empty)")
    if isinstance(value, Decimal):
        return str(value.quantize(CENT))
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _split_existing(table: Table, rows: list[tuple], policy_refs: dict, customer_refs: dict) -> tuple[list, int]:
    """The rows to insert, and how many exist already with the same content; an existing
    ref with different content is a row error."""
    fresh, unchanged = [], 0
    by_ref = {row[0]: i for i, row in enumerate(rows)}
    existing = {}
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
    for old in values_in(PolicyTransaction.objects, "txn_ref", _existing_refs(list(by_ref)), *lookup):
        existing[old[0]] = old[1:]
    for i, row in enumerate(rows):
        old = existing.get(row[0])
        if old is None:
            fresh.append(row)
            continue
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
        diffs = [
            f"{name} {_show(a)} ≠ {_show(b)}"
            for name, a, b in zip(COMPARED, old, new, strict=True)
            if (a or None) != (b or None)
        ]
        if diffs:
            table.errors.append(
                RowError(
                    table.numbers[i],
                    "txn_ref",
                    _("txn_ref exists with different content: %(diffs)s") % {"diffs": "; ".join(diffs)},
                )
            )
        else:
            unchanged += 1
    return fresh, unchanged


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


def _copy(rows: list[tuple]) -> None:
    """PostgreSQL COPY: an order of magnitude faster than INSERT for 10⁵–10⁶ rows."""
    table = PolicyTransaction._meta.db_table
    text_columns = "txn_ref, kind, currency, method, account_ref, counterparty_country"
    sql = f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN WITH (FORMAT csv, FORCE_NOT_NULL ({text_columns}))"
    with connection.cursor() as cursor:
        raw = cursor.cursor
        for part in chunks(rows, COPY_CHUNK):
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerows(
                (r[0], r[1], r[2], r[3].isoformat(), r[4], r[5], r[6], r[7], r[8], r[9], r[10]) for r in part
            )
            buffer.seek(0)
            if hasattr(raw, "copy_expert"):  # psycopg2
                raw.copy_expert(sql, buffer)
            else:  # psycopg 3
                with raw.copy(sql) as copy:
                    copy.write(buffer.getvalue())


def _insert(rows: list[tuple]) -> None:
    """COPY on PostgreSQL; elsewhere one executemany per COPY_CHUNK rows (bulk_create
    would split into 90-row statements on SQLite's parameter limit)."""
    if connection.vendor == "postgresql":
        _copy(rows)
        return
    ops = connection.ops
    table = ops.quote_name(PolicyTransaction._meta.db_table)
    sql = f"INSERT INTO {table} ({', '.join(COLUMNS)}) VALUES ({', '.join(['%s'] * len(COLUMNS))})"  # noqa: S608
    with connection.cursor() as cursor:
        for part in chunks(rows, COPY_CHUNK):
            cursor.executemany(
                sql,
                [
                    (*r[:3], ops.adapt_datetimefield_value(r[3]), ops.adapt_decimalfield_value(r[4], 18, 2), *r[5:])
                    for r in part
                ],
            )


def _refuse_held_payouts(table: Table, rows: list[tuple], fresh: list[tuple]) -> None:
    """New outgoing payments the payout guards refuse (insurer/payouts.py: a held or frozen
    policy) are row errors, reported with any others: the whole file is refused. One batch
    for the file, not one check per row."""
    refused = payouts.refusals([payouts.Payment(r[1], r[2], r[0], r[8]) for r in fresh if r[2] in OUTGOING])
    if refused:
        row_of = {r[0]: number for r, number in zip(rows, table.numbers, strict=True)}
        table.errors.extend(RowError(row_of[x.payment.txn_ref], "policy_ref", x.message) for x in refused)


def run(table: Table, result) -> None:
    rows, policies, customers = validate(table)
    fresh = rows  # until the rows already stored are set apart
    if not table.errors:
        fresh, result.unchanged = _split_existing(
            table, rows, {v: k for k, v in policies.items()}, {v: k for k, v in customers.items()}
        )
    _refuse_held_payouts(table, rows, fresh)
    if table.errors:
        raise RowErrors(sorted(table.errors, key=lambda e: e.row or 0), source=table.source)
    with transaction.atomic():
        _insert(fresh)
    result.created = len(fresh)
