"""Customer risk rating with reasons (risk-based approach, FATF life-insurance guidance).

Each factor adds its weight from the catalogue's ``risk_rating`` section; the total maps to
low / medium / high, and the rating sets the review interval. Inputs are the interchange
frames: customers (customer_ref, kind, nationality, occupation, annual_income, optional
risk_rating), and optionally policies (policyholder_ref, product_kind or product_code,
channel, annual_premium), transactions (policy_ref, kind, method, payer_ref,
counterparty_country), screening hits (customer_ref, list: "pep" marks a politically exposed
person) and ownership results (organisations: organisation_ref, opaque).

The interchange's risk_rating is "computed when absent": a declared rating is kept as
``rating`` and the computed one is always reported beside it, so a reviewer sees both.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .parameters import Parameters, load_parameters

RATINGS = ("low", "medium", "high")


def _flag(index: pd.Index, refs) -> pd.Series:
    return pd.Series(index.isin(pd.Index(pd.unique(pd.Series(refs, dtype=object).dropna()))), index=index)


def rate_customers(
    customers: pd.DataFrame,
    policies: pd.DataFrame | None = None,
    transactions: pd.DataFrame | None = None,
    screening_hits: pd.DataFrame | None = None,
    ownership: dict[str, pd.DataFrame] | None = None,
    params: Parameters | None = None,
    as_of=None,
) -> pd.DataFrame:
    """One row per customer: customer_ref, score, computed_rating, rating, reasons (list of
    "factor (+weight)"), review_months, next_review (when ``as_of`` is given)."""
    params = params or load_parameters()
    cfg = params.risk_rating
    w = cfg["weights"]
    for col in ("customer_ref", "kind"):
        if col not in customers.columns:
            raise ValueError(f"customers.{col}: required column missing")
    c = customers.drop_duplicates("customer_ref").set_index("customer_ref")
    idx = c.index
    factors: dict[str, pd.Series] = {}
    nat = c.get("nationality", pd.Series("", index=idx)).fillna("").astype(str).str.upper()
    factors["high_risk_jurisdiction"] = nat.isin(cfg["high_risk_jurisdictions"])
    factors["elevated_jurisdiction"] = nat.isin(cfg["elevated_jurisdictions"])
    occ = c.get("occupation", pd.Series("", index=idx)).fillna("").astype(str).str.lower()
    factors["cash_intensive_occupation"] = occ.isin(cfg["cash_intensive_occupations"])
    pep = pd.Series(False, index=idx)
    if "pep" in c:
        pep |= c["pep"].fillna(False).astype(bool)
    if screening_hits is not None and len(screening_hits) and "list" in screening_hits:
        pep |= _flag(idx, screening_hits.loc[screening_hits["list"].astype(str).str.lower() == "pep", "customer_ref"])
    factors["pep"] = pep
    if ownership and "organisations" in ownership:
        o = ownership["organisations"]
        factors["organisation_opaque"] = _flag(idx, o.loc[o["opaque"].astype(bool), "organisation_ref"])

    if policies is not None and len(policies):
        p = policies
        kind = p["product_kind"] if "product_kind" in p else p.get("product_code", pd.Series("", index=p.index))
        holder = p["policyholder_ref"]
        factors["investment_product"] = _flag(idx, holder[kind.astype(str).isin(cfg["investment_products"])])
        if "channel" in p:
            factors["remote_channel"] = _flag(idx, holder[p["channel"].astype(str).isin(cfg["remote_channels"])])
        premium = pd.to_numeric(p["annual_premium"], errors="coerce").fillna(0).groupby(holder).sum()
        income = pd.to_numeric(c.get("annual_income", pd.Series(np.nan, index=idx)), errors="coerce")
        ratio = premium.reindex(idx).fillna(0) / income.where(income > 0)
        factors["premium_over_income"] = (ratio > cfg["premium_over_income_multiple"]).fillna(False)
        if transactions is not None and len(transactions):
            t = transactions[transactions["kind"] == "premium"]
            owner = t["policy_ref"].map(pd.Series(holder.to_numpy(), index=p["policy_ref"]))
            factors["cash_payments"] = _flag(idx, owner[t["method"].isin(["cash", "cheque"])])
            third = t["payer_ref"].fillna("").astype(str) != owner.fillna("").astype(str)
            factors["third_party_payments"] = _flag(idx, owner[third & (t["payer_ref"].fillna("") != "")])
            risky = t["counterparty_country"].fillna("").astype(str).str.upper().isin(cfg["high_risk_jurisdictions"])
            factors["high_risk_jurisdiction"] = factors["high_risk_jurisdiction"] | _flag(idx, owner[risky])

    score = pd.Series(0.0, index=idx)
    reasons = [[] for _ in range(len(idx))]
    for name, flag in factors.items():
        flag = flag.reindex(idx).fillna(False).astype(bool)
        score += flag * w[name]
        for i in np.flatnonzero(flag.to_numpy()):
            reasons[i].append(f"{name.replace('_', ' ')} (+{w[name]:g})")
    computed = np.where(
        score >= cfg["high_from"], "high", np.where(score >= cfg["medium_from"], "medium", "low")
    ).astype(object)
    declared = c.get("risk_rating", pd.Series("", index=idx)).fillna("").astype(str).str.lower()
    rating = np.where(declared.isin(RATINGS), declared, computed)
    review = pd.Series(rating).map(cfg["review_months"]).to_numpy()
    out = pd.DataFrame(
        {
            "customer_ref": idx,
            "score": score.to_numpy(),
            "computed_rating": computed,
            "rating": rating,
            "reasons": reasons,
            "review_months": review,
        }
    )
    if as_of is not None:
        base = pd.Timestamp(as_of)
        out["next_review"] = [base + pd.DateOffset(months=int(m)) for m in review]
    return out
