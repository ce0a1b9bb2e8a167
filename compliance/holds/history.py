"""One customer's history for real-time scoring, read in a constant number of index lookups.

A new transaction can interact, under the batch rules, only with (monitoring/realtime.py,
``_slice``): every transaction on every policy of its policyholder (L02, L06 and L11 read a
policy's whole history), and its payer's payments on other policyholders' policies within
L01's window (structuring by one payer). Two statements read those rows; a third, only when
needed, the parties the first two did not name (third-party payers and payees, the new
transaction's own parties) and the policies of other policyholders the payer paid lately.

Transactions come back with their payer and payee as ids, not joined to the customers: most
of them are the policyholder or the insured, whom the policy statement already read, and the
two joins per row were most of the statement's cost on the server (~1.4 ms a request). A
single 14-relation statement was tried first: its planning alone cost more than these.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection

POLICY_SQL = """
SELECT p.id, p.policy_ref, h.customer_ref, i.customer_ref, p.issue_date, p.annual_premium, p.payment_frequency,
       pr.cooling_off_days, h.kind, h.annual_income, i.kind, i.annual_income, p.policyholder_id, p.insured_id
FROM customers_policy p
JOIN customers_product pr ON pr.id = p.product_id
JOIN customers_customer h ON h.id = p.policyholder_id
JOIN customers_customer i ON i.id = p.insured_id
WHERE """
BY_HOLDER = "p.policyholder_id = (SELECT policyholder_id FROM customers_policy WHERE policy_ref = %s)"
_TXN = """
SELECT t.id, t.txn_ref, t.policy_id, t.kind, t.timestamp, t.amount, t.method, t.payer_id, t.payee_id, t.account_ref,
       t.counterparty_country
FROM customers_policytransaction t
"""
# Placeholders only are formatted in; the values are parameters.
TXN_SQL = (
    _TXN + "WHERE t.policy_id IN ({policies})\nUNION ALL" + _TXN  # noqa: S608
    + "JOIN customers_policy p ON p.id = t.policy_id\n"
    "WHERE t.payer_id = (SELECT id FROM customers_customer WHERE customer_ref = %s) AND t.timestamp >= %s\n"
    "  AND p.policyholder_id <> %s\nORDER BY 1"
)  # fmt: skip
PARTY_SQL = "SELECT id, customer_ref, kind, annual_income FROM customers_customer WHERE {where}"
BENEFICIARIES_SQL = """
SELECT b.policy_id, c.customer_ref, c.kind, c.annual_income FROM customers_policybeneficiary b
JOIN customers_customer c ON c.id = b.customer_id WHERE b.policy_id IN ({policies}) ORDER BY b.policy_id, b.position
"""


def _aware(value) -> dt.datetime:
    """A stored timestamp: aware from PostgreSQL; a naive UTC string from SQLite's raw cursor."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _marks(values) -> str:
    return ", ".join(["%s"] * len(values))


def _policy(row) -> dict:
    return {
        "policy_ref": row[1], "policyholder_ref": row[2], "insured_ref": row[3], "issue_date": row[4],
        "annual_premium": row[5], "payment_frequency": row[6], "cooling_off_days": row[7],
    }  # fmt: skip


def read_history(*, policy_ref: str, payer_ref: str, payee_ref: str, since: dt.datetime,
                 beneficiaries: bool = False):  # fmt: skip
    """(policies, parties, transactions) as ``engine.small_book`` takes them, or None when
    ``policy_ref`` is unknown. Transactions come in id order (the batch's row order).
    ``beneficiaries``: also the beneficiaries named on each policy (a fourth statement), for
    a catalogue whose transaction rules read them (``engine.reads_beneficiaries``)."""
    refs: dict[int, str] = {}  # customer id -> customer_ref
    parties: dict[str, tuple[str, float | None]] = {}  # customer_ref -> (kind, annual income)

    def add_policy(row) -> None:
        policies[row[0]] = _policy(row)
        refs[row[12]], refs[row[13]] = row[2], row[3]
        parties.setdefault(row[2], (row[8], row[9]))
        parties.setdefault(row[3], (row[10], row[11]))

    policies: dict[int, dict] = {}
    with connection.cursor() as cursor:
        cursor.execute(POLICY_SQL + BY_HOLDER, [policy_ref])
        rows = cursor.fetchall()
        if not rows:
            return None
        holder_id = rows[0][12]
        for r in rows:
            add_policy(r)
        since = connection.ops.adapt_datetimefield_value(since)
        cursor.execute(TXN_SQL.format(policies=_marks(policies)), [*policies, payer_ref or "", since, holder_id])
        txns = cursor.fetchall()
        other_policies = list({t[2] for t in txns} - set(policies))
        other_ids = list({i for t in txns for i in (t[7], t[8]) if i is not None} - set(refs))
        new_refs = [ref for ref in {payer_ref, payee_ref} if ref and ref not in parties]
        if other_policies:  # the payer's recent payments on other policyholders' policies
            cursor.execute(POLICY_SQL + f"p.id IN ({_marks(other_policies)})", other_policies)
            for r in cursor.fetchall():
                add_policy(r)
            other_ids = [i for i in other_ids if i not in refs]
        if other_ids or new_refs:  # third-party payers and payees; the new transaction's own
            where = " OR ".join(
                ([f"id IN ({_marks(other_ids)})"] if other_ids else [])
                + ([f"customer_ref IN ({_marks(new_refs)})"] if new_refs else [])
            )
            cursor.execute(PARTY_SQL.format(where=where), [*other_ids, *new_refs])
            for pk, ref, kind, income in cursor.fetchall():
                refs[pk] = ref
                parties.setdefault(ref, (kind, income))
        if beneficiaries:
            for p in policies.values():
                p["beneficiary_refs"] = []
            cursor.execute(BENEFICIARIES_SQL.format(policies=_marks(policies)), list(policies))
            for pk, ref, kind, income in cursor.fetchall():
                policies[pk]["beneficiary_refs"].append(ref)
                parties.setdefault(ref, (kind, income))
    return list(policies.values()), parties, [_txn(t, policies, refs) for t in txns]


def _txn(t, policies: dict[int, dict], refs: dict[int, str]) -> dict:
    return {
        "txn_ref": t[1], "policy_ref": policies[t[2]]["policy_ref"], "kind": t[3], "timestamp": _aware(t[4]),
        "amount": t[5], "method": t[6], "payer_ref": refs.get(t[7], ""), "payee_ref": refs.get(t[8], ""),
        "account_ref": t[9], "counterparty_country": t[10],
    }  # fmt: skip
