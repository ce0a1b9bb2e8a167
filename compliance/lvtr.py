"""The reportable large-value transactions of a period, read from the book for the engine
(compliance.engine.monitoring.large_value_reports: PBoC Order 2016 No. 3 thresholds)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

PRC = ZoneInfo("Asia/Shanghai")


def reportable(since: dt.date, until: dt.date) -> list[dict]:
    """One dict per reportable transaction made on a local (Asia/Shanghai) day from ``since``
    to ``until`` inclusive: transaction_id, txn_ref, timestamp, customer_id, category,
    currency, threshold, amount, day_total, report_day, source. A transaction without a payer
    (money in) or payee (money out) counts as the policyholder's."""
    import pandas as pd

    from compliance.engine.monitoring import large_value_reports
    from customers.models import Customer, PolicyTransaction

    start = dt.datetime.combine(since, dt.time(), tzinfo=PRC)
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), tzinfo=PRC)
    rows = list(
        PolicyTransaction.objects.filter(timestamp__gte=start, timestamp__lt=end)
        .exclude(kind__in=PolicyTransaction.NON_MONETARY)
        .values_list("id", "txn_ref", "kind", "timestamp", "amount", "currency", "method", "payer_id", "payee_id",
                     "policy__policyholder_id", "counterparty_country")
    )  # fmt: skip
    if not rows:
        return []
    party_ids = set()
    records = []
    for pk, ref, kind, ts, amount, currency, method, payer, payee, holder, country in rows:
        money_in = kind in PolicyTransaction.MONEY_IN
        payer = payer or (holder if money_in else None)
        payee = payee or (None if money_in else holder)
        party_ids.update(x for x in (payer, payee) if x)
        records.append((pk, ref, ts, float(amount), currency or "CNY", method, payer, payee, country or ""))
    kinds = dict(Customer.objects.filter(pk__in=party_ids).values_list("id", "kind"))
    frame = pd.DataFrame.from_records(
        [(ref, ts, amount, currency, method, str(payer or ""), str(payee or ""), country)
         for _pk, ref, ts, amount, currency, method, payer, payee, country in records],
        columns=["txn_ref", "timestamp", "amount", "currency", "method", "payer_ref", "payee_ref",
                 "counterparty_country"],
    )  # fmt: skip
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
    customers = pd.DataFrame({"customer_ref": [str(k) for k in kinds], "kind": list(kinds.values())})
    found = large_value_reports(frame, customers)
    by_ref = {ref: (pk, ts) for pk, ref, ts, *_rest in records}
    out = []
    for r in found.to_dict("records"):
        pk, ts = by_ref[r["txn_ref"]]
        out.append({
            "transaction_id": pk, "txn_ref": r["txn_ref"], "timestamp": ts, "customer_id": int(r["customer_ref"]),
            "category": r["category"], "currency": r["currency"], "threshold": Decimal(str(r["threshold"])),
            "amount": Decimal(str(r["amount"])).quantize(Decimal("0.01")),
            "day_total": Decimal(str(round(r["day_total"], 2))), "report_day": r["report_day"],
            "source": str(r["source"]),
        })  # fmt: skip
    return out
