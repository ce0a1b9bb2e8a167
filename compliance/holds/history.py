"""One customer's history for real-time scoring, read in a constant number of index lookups.

A new transaction can interact, under the batch rules, only with (monitoring/realtime.py,
``_slice``): every transaction on every policy of its policyholder (L02, L06 and L11 read a
policy's whole history), and its payer's payments on other policyholders' policies within
L01's window (structuring by one payer). Two statements read those rows, a third the new
transaction's own parties; a fourth only when the payer paid someone else's policy lately.
A single 14-relation statement was tried first: its planning alone cost more than these.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection

POLICY_SQL = """
SELECT p.id, p.policy_ref, h.customer_ref, i.customer_ref, p.issue_date, p.annual_premium, p.payment_frequency,
       pr.cooling_off_days, h.kind, h.annual_income, i.kind, i.annual_income, p.policyholder_id
FROM customers_policy p
JOIN customers_product pr ON pr.id = p.product_id
JOIN customers_customer h ON h.id = p.policyholder_id
JOIN customers_customer i ON i.id = p.insured_id
WHERE """
BY_HOLDER = "p.policyholder_id = (SELECT policyholder_id FROM customers_policy WHERE policy_ref = %s)"
_TXN = """
SELECT t.id, t.txn_ref, t.policy_id, t.kind, t.timestamp, t.amount, t.method, payer.customer_ref, payer.kind,
       payer.annual_income, payee.customer_ref, payee.kind, payee.annual_income, t.account_ref, t.counterparty_country
FROM customers_policytransaction t
LEFT JOIN customers_customer payer ON payer.id = t.payer_id
LEFT JOIN customers_customer payee ON payee.id = t.payee_id
"""
# Placeholders only are formatted in; the values are parameters.
TXN_SQL = (
    _TXN + "WHERE t.policy_id IN ({policies})\nUNION ALL" + _TXN  # noqa: S608
    + "JOIN customers_policy p ON p.id = t.policy_id\n"
    "WHERE t.payer_id = (SELECT id FROM customers_customer WHERE customer_ref = %s) AND t.timestamp >= %s\n"
    "  AND p.policyholder_id <> %s\nORDER BY 1"
)  # fmt: skip
PARTY_SQL = "SELECT customer_ref, kind, annual_income FROM customers_customer WHERE customer_ref IN ({refs})"


def _aware(value) -> dt.datetime:
    """A stored timestamp: aware from PostgreSQL; a naive UTC string from SQLite's raw cursor."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _policy(row) -> dict:
    return {
        "policy_ref": row[1], "policyholder_ref": row[2], "insured_ref": row[3], "issue_date": row[4],
        "annual_premium": row[5], "payment_frequency": row[6], "cooling_off_days": row[7],
    }  # fmt: skip


def read_history(*, policy_ref: str, payer_ref: str, payee_ref: str, since: dt.datetime):
    """(policies, parties, transactions) as ``engine.small_book`` takes them, or None when
    ``policy_ref`` is unknown. Transactions come in id order (the batch's row order)."""
    parties: dict[str, tuple[str, float | None]] = {}
    with connection.cursor() as cursor:
        cursor.execute(POLICY_SQL + BY_HOLDER, [policy_ref])
        rows = cursor.fetchall()
        if not rows:
            return None
        holder_id = rows[0][12]
        policies = {r[0]: _policy(r) for r in rows}
        for r in rows:
            parties[r[2]], parties[r[3]] = (r[8], r[9]), (r[10], r[11])
        marks = ", ".join(["%s"] * len(policies))
        since = connection.ops.adapt_datetimefield_value(since)
        cursor.execute(TXN_SQL.format(policies=marks), [*policies, payer_ref or "", since, holder_id])
        txns = cursor.fetchall()
        others = {t[2] for t in txns} - set(policies)
        if others:  # the payer's recent payments on other policyholders' policies
            cursor.execute(POLICY_SQL + f"p.id IN ({', '.join(['%s'] * len(others))})", list(others))
            for r in cursor.fetchall():
                policies[r[0]] = _policy(r)
                parties.setdefault(r[2], (r[8], r[9]))
                parties.setdefault(r[3], (r[10], r[11]))
        new = [ref for ref in {payer_ref, payee_ref} if ref and ref not in parties]
        if new:
            cursor.execute(PARTY_SQL.format(refs=", ".join(["%s"] * len(new))), new)
            parties.update((ref, (kind, income)) for ref, kind, income in cursor.fetchall())
    transactions = []
    for t in txns:
        for ref, kind, income in ((t[7], t[8], t[9]), (t[10], t[11], t[12])):
            if ref:
                parties.setdefault(ref, (kind, income))
        transactions.append({
            "txn_ref": t[1], "policy_ref": policies[t[2]]["policy_ref"], "kind": t[3], "timestamp": _aware(t[4]),
            "amount": t[5], "method": t[6], "payer_ref": t[7] or "", "payee_ref": t[10] or "",
            "account_ref": t[13], "counterparty_country": t[14],
        })  # fmt: skip
    return list(policies.values()), parties, transactions
