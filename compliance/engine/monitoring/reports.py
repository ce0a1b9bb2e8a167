"""Large-value transaction report candidates (PBoC Order [2016] No. 3).

These are reports, not alerts: every qualifying transaction is reported, due within N working
days (``large_value_reports.due_working_days``). Working days depend on the PRC holiday
calendar, so the due date is left to the caller (which has chinesecalendar); this module
returns the transaction date and the number of working days.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..parameters import Parameters, load_parameters
from .book import DAY, METHOD, Codebook, local_seconds, require_columns


def large_value_reports(
    transactions: pd.DataFrame, customers: pd.DataFrame, params: Parameters | None = None
) -> pd.DataFrame:
    """One row per reportable transaction: txn_ref, customer_ref (the paying/receiving party),
    category, currency, threshold, amount, day_total (cash: same-day total of that party and
    currency), report_day, due_working_days, source. Cash counts single or same-day total per
    party and local day. Amounts in CNY or USD (``currency`` column, default CNY)."""
    params = params or load_parameters()
    lv = params.large_value
    require_columns(
        transactions, ("txn_ref", "timestamp", "amount", "method", "payer_ref", "payee_ref"), "transactions"
    )
    require_columns(customers, ("customer_ref", "kind"), "customers")
    t = local_seconds(transactions["timestamp"])
    amount = pd.to_numeric(transactions["amount"], errors="coerce").fillna(0.0).to_numpy()
    method = transactions["method"].map(METHOD).fillna(-1).to_numpy()
    # The customer side of the transaction: the payer of money in, otherwise the payee.
    party = transactions["payer_ref"].where(transactions["payer_ref"].fillna("") != "", transactions["payee_ref"])
    kinds = dict(zip(customers["customer_ref"], customers["kind"], strict=False))
    natural = party.map(kinds).fillna("person").to_numpy() != "organisation"
    country = transactions.get("counterparty_country", pd.Series("", index=transactions.index))
    foreign = (country.fillna("").str.upper() != "") & (country.fillna("").str.upper() != lv["home_country"])
    foreign = foreign.to_numpy()
    day = t // DAY
    # Thresholds exist in CNY and USD; anything else must be converted by the caller first.
    currency = transactions.get("currency", pd.Series("CNY", index=transactions.index)).fillna("CNY")
    currency = currency.astype(str).str.upper().replace("", "CNY").to_numpy()
    unknown = ~np.isin(currency, ["CNY", "USD"])
    if unknown.any():
        row = int(np.flatnonzero(unknown)[0])
        raise ValueError(f"transactions row {row}: currency {currency[row]!r} has no reporting threshold (CNY, USD)")
    usd = currency == "USD"

    def threshold(name: str) -> np.ndarray:
        return np.where(usd, lv[f"{name}_usd"], lv[f"{name}_cny"])

    cash = method == METHOD["cash"]
    codes = Codebook(party).encode(party.to_numpy())
    key = pd.Series(codes * 200_000 + day * 2 + usd)
    day_total = np.where(cash, key.map(pd.Series(amount[cash]).groupby(key[cash].to_numpy()).sum()).to_numpy(), 0.0)
    day_total = np.nan_to_num(day_total)
    transfer = method == METHOD["transfer"]
    cat = np.full(len(t), "", dtype=object)
    thr = np.full(len(t), np.nan)
    rules = [
        (cash, day_total, "cash", threshold("cash")),
        (transfer & ~natural, amount, "non_natural_transfer", threshold("nonnatural_transfer")),
        (transfer & natural & ~foreign, amount, "natural_domestic_transfer", threshold("natural_domestic_transfer")),
        (
            transfer & natural & foreign,
            amount,
            "natural_cross_border_transfer",
            threshold("natural_crossborder_transfer"),
        ),
    ]
    for mask, value, name, limit in rules:
        take = mask & (value >= limit) & (cat == "")
        cat[take] = name
        thr[take] = limit[take]
    sel = cat != ""
    return pd.DataFrame(
        {
            "txn_ref": transactions["txn_ref"].to_numpy()[sel],
            "customer_ref": party.to_numpy()[sel],
            "category": cat[sel],
            "currency": currency[sel],
            "threshold": thr[sel],
            "amount": amount[sel],
            "day_total": np.where(cash[sel], day_total[sel], amount[sel]),
            "report_day": pd.to_datetime(day[sel] * DAY, unit="s").date,
            "due_working_days": lv["due_working_days"],
            "source": params.sources[lv["source"]],
        }
    )
