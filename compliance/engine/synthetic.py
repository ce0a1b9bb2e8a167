"""Deterministic synthetic life book with planted money-laundering typologies (L01-L13).

``synthetic_book(n_transactions, seed)`` builds a background of ordinary behaviour (regular
premiums paid by the policyholder from their own account, late surrenders at a small loss,
claims paid to family, occasional policy loans repaid by transfer) with numpy, then plants
each typology on fresh customers at ``plant_rate`` (share of background policies, at least
``min_per_typology``), recording a label per planted case: typology, customer_ref, policy_ref,
txn_refs. Detection recall and precision are measured against those labels
(``detection_scores``), never asserted from the generator's own flags.

Screening data (watch lists and labelled name variants) is in synthetic_names.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import namegen
from .monitoring.book import INSTALMENTS_PER_YEAR
from .parameters import RULE_IDS

START = np.datetime64("2021-01-01T00:00:00", "s").astype(np.int64)
END = np.datetime64("2025-12-31T00:00:00", "s").astype(np.int64)
DAY = 86_400
FREQS = ("monthly", "quarterly", "semiannual", "annual", "single")
FREQ_P = (0.45, 0.10, 0.05, 0.25, 0.15)
PERIOD_DAYS = {"monthly": 30.4375, "quarterly": 91.3125, "semiannual": 182.625, "annual": 365.25, "single": 0}
PRODUCTS = {  # product_code: (kind, cooling_off_days)
    "TL01": ("term", 15),
    "WL01": ("whole_life", 15),
    "EN01": ("endowment", 15),
    "CI01": ("critical_illness", 15),
    "UL01": ("universal_life", 15),
    "IL01": ("investment_linked", 10),
    "AN01": ("annuity", 15),
}
TXN_COLUMNS = [
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
]


@dataclass
class SyntheticBook:
    customers: pd.DataFrame
    policies: pd.DataFrame
    transactions: pd.DataFrame
    relations: pd.DataFrame
    beneficial_owners: pd.DataFrame
    screening_hits: pd.DataFrame
    watchlist: pd.DataFrame
    labels: pd.DataFrame


def _ts(seconds: np.ndarray) -> np.ndarray:
    return np.asarray(seconds, dtype=np.int64).astype("datetime64[s]")


def _background(rng: np.random.Generator, n_transactions: int) -> dict:
    """Ordinary customers and policies, generated column-wise until n_transactions is reached."""
    n_pol = max(50, n_transactions // 8)  # over-generate, then cut at the target
    freq_idx = rng.choice(len(FREQS), size=n_pol, p=FREQ_P)
    freq = np.array(FREQS, dtype=object)[freq_idx]
    issue = rng.integers(START, END - 90 * DAY, size=n_pol)
    period = np.array([PERIOD_DAYS[f] for f in FREQS])[freq_idx] * DAY
    span = END - issue
    count = np.where(period > 0, np.floor(span / np.where(period > 0, period, 1)) + 1, 1).astype(np.int64)
    count = np.minimum(count, np.where(freq == "monthly", 60, 10))
    extra = (rng.random(n_pol) < 0.08).astype(np.int64)  # room for one non-premium event
    total = np.cumsum(count + extra)
    n_pol = int(np.searchsorted(total, n_transactions)) + 1
    n_pol = min(n_pol, len(total))
    freq, freq_idx, issue, period, count = freq[:n_pol], freq_idx[:n_pol], issue[:n_pol], period[:n_pol], count[:n_pol]

    # Customers: one policyholder per ~1.3 policies, each with a spouse on file.
    n_holders = max(10, int(n_pol / 1.3))
    org = rng.random(n_holders) < 0.03
    holder_idx = rng.integers(0, n_holders, size=n_pol)
    income = np.round(np.exp(rng.normal(np.log(150_000), 0.6, size=n_holders)), -2)
    income[org] = np.round(np.exp(rng.normal(np.log(20_000_000), 0.8, size=org.sum())), -3)
    return {
        "n_pol": n_pol,
        "freq": freq,
        "issue": issue,
        "period": period,
        "count": count,
        "n_holders": n_holders,
        "org": org,
        "holder_idx": holder_idx,
        "income": income,
    }


def _background_frames(rng: np.random.Generator, bg: dict) -> dict[str, pd.DataFrame]:
    n_pol, n_h = bg["n_pol"], bg["n_holders"]
    h_refs = np.char.add("C", np.char.zfill(np.arange(n_h).astype(str), 7)).astype(object)
    s_refs = np.char.add("S", np.char.zfill(np.arange(n_h).astype(str), 7)).astype(object)
    org = bg["org"]
    person_names = namegen.chinese_names(rng, 2 * n_h)
    names = np.array(person_names[:n_h], dtype=object)
    names[org] = namegen.organisation_names(rng, int(org.sum()))
    birth = _ts(rng.integers(START - 60 * 365 * DAY, START - 20 * 365 * DAY, size=2 * n_h)).astype("datetime64[D]")
    customers = pd.DataFrame(
        {
            "customer_ref": np.concatenate([h_refs, s_refs]),
            "kind": np.where(np.concatenate([org, np.zeros(n_h, bool)]), "organisation", "person"),
            "name": np.concatenate([names, np.array(person_names[n_h:], dtype=object)]),
            "birth_date": birth,
            "nationality": "CN",
            "occupation": rng.choice(
                ["employee", "teacher", "engineer", "retired", "self_employed", "doctor"], 2 * n_h
            ),
            "annual_income": np.concatenate([bg["income"], np.round(bg["income"] * rng.uniform(0.3, 1.2, n_h), -2)]),
            "phone_hash": np.concatenate(
                [np.char.add("ph", h_refs.astype(str)), np.char.add("ph", s_refs.astype(str))]
            ),
            "address_hash": np.concatenate([np.char.add("ad", h_refs.astype(str))] * 2),  # spouses share a home
            "bank_account_hash": np.concatenate(
                [np.char.add("ba", h_refs.astype(str)), np.char.add("ba", s_refs.astype(str))]
            ),
            "risk_rating": "",
        }
    )
    customers.loc[customers["kind"] == "organisation", "birth_date"] = pd.NaT
    relations = pd.DataFrame({"customer_ref": h_refs[~org], "related_ref": s_refs[~org], "relation": "spouse"})

    hi = bg["holder_idx"]
    holder = h_refs[hi]
    spouse = s_refs[hi]
    is_org = org[hi]
    insured = np.where(~is_org & (rng.random(n_pol) < 0.3), spouse, holder)
    freq = bg["freq"]
    single = freq == "single"
    per_year = np.array([INSTALMENTS_PER_YEAR[f] for f in freq])
    share = np.where(single, rng.uniform(0.3, 2.0, n_pol), rng.uniform(0.02, 0.12, n_pol))
    premium = np.round(bg["income"][hi] * share * np.where(is_org, 0.05, 1.0), -1)
    products = rng.choice(list(PRODUCTS), n_pol)
    p_refs = np.char.add("P", np.char.zfill(np.arange(n_pol).astype(str), 7)).astype(object)
    policies = pd.DataFrame(
        {
            "policy_ref": p_refs,
            "product_code": products,
            "product_kind": [PRODUCTS[p][0] for p in products],
            "cooling_off_days": [PRODUCTS[p][1] for p in products],
            "policyholder_ref": holder,
            "insured_ref": insured,
            "beneficiary_refs": np.where(is_org, holder, spouse),
            "issue_date": _ts(bg["issue"]).astype("datetime64[D]"),
            "status": "in_force",
            "sum_assured": np.round(premium * np.where(single, 1.5, 20), -2),
            "annual_premium": premium,
            "premium_term_years": np.where(single, 1, 10),
            "policy_term_years": 20,
            "payment_frequency": freq,
            "channel": rng.choice(["agency", "bancassurance", "telephone", "online", "broker"], n_pol),
            "agent_code": np.char.add("AG", rng.integers(100, 999, n_pol).astype(str)),
        }
    )

    # Premiums: instalment k of policy i at issue + k * period (+ office-hours jitter).
    count = bg["count"]
    pol_of = np.repeat(np.arange(n_pol), count)
    k = np.arange(len(pol_of)) - np.repeat(np.cumsum(count) - count, count)
    t = bg["issue"][pol_of] + (k * bg["period"][pol_of]).astype(np.int64) + rng.integers(9 * 3600, 18 * 3600, len(k))
    instalment = premium[pol_of] / per_year[pol_of]
    r = rng.random(len(k))
    method = np.where(r < 0.85, "transfer", "card")
    method = np.where((r > 0.97) & (instalment < 20_000), "cash", method)
    txn = {
        "pol": pol_of,
        "kind": np.full(len(k), "premium", dtype=object),
        "t": t,
        "amount": instalment,
        "method": method.astype(object),
        "payer": holder[pol_of],
        "payee": np.full(len(k), "", dtype=object),
        "account": np.char.add("A", holder[pol_of].astype(str)).astype(object),
    }
    # A few ordinary events after the premiums: late surrenders, family claims, loans.
    last_t = np.zeros(n_pol, dtype=np.int64)
    np.maximum.at(last_t, pol_of, t)
    paid = np.bincount(pol_of, weights=instalment, minlength=n_pol)
    ev = rng.random(n_pol)
    age = (last_t - bg["issue"]) / DAY
    rows = []
    sur = (ev < 0.03) & (age > 800) & ~single
    rows.append((sur, "surrender", last_t + 20 * DAY, paid * rng.uniform(0.8, 0.98, n_pol), "transfer", "", holder))
    claim = (ev >= 0.03) & (ev < 0.04) & ~is_org
    rows.append((claim, "claim_payout", last_t + 40 * DAY, policies["sum_assured"].to_numpy(), "transfer", "", spouse))
    loan = (ev >= 0.04) & (ev < 0.06) & (age > 400)
    rows.append((loan, "policy_loan", last_t + 10 * DAY, paid * 0.3, "transfer", "", holder))
    rows.append((loan, "loan_repayment", last_t + 150 * DAY, paid * 0.3, "transfer", holder, ""))
    # Ordinary behaviour that some rules flag anyway (what keeps precision below 1 in real
    # books): a spouse paying one premium, regret surrenders in year one or two, and an
    # overpayment refunded to the paying account (a near miss of L07).
    family = (ev >= 0.06) & (ev < 0.062) & ~is_org
    rows.append((family, "premium", last_t + 5 * DAY, premium / per_year, "transfer", spouse, ""))
    regret = (ev >= 0.062) & (ev < 0.065) & ~single & (age < 700)
    rows.append((regret, "surrender", last_t + 20 * DAY, paid * rng.uniform(0.5, 0.8, n_pol), "transfer", "", holder))
    over = (ev >= 0.065) & (ev < 0.068)
    rows.append((over, "premium", last_t + 3 * DAY, 1.5 * premium / per_year, "transfer", holder, ""))
    rows.append((over, "refund", last_t + 13 * DAY, 0.5 * premium / per_year, "transfer", "", holder))
    for mask, kind, when, amount, meth, payer, payee in rows:
        idx = np.flatnonzero(mask & (when < END + 200 * DAY))
        txn["pol"] = np.concatenate([txn["pol"], idx])
        txn["kind"] = np.concatenate([txn["kind"], np.full(len(idx), kind, dtype=object)])
        txn["t"] = np.concatenate([txn["t"], when[idx]])
        txn["amount"] = np.concatenate([txn["amount"], np.round(amount[idx], 2)])
        txn["method"] = np.concatenate([txn["method"], np.full(len(idx), meth, dtype=object)])
        pay = payer[idx] if isinstance(payer, np.ndarray) else np.full(len(idx), payer, dtype=object)
        rec = payee[idx] if isinstance(payee, np.ndarray) else np.full(len(idx), payee, dtype=object)
        txn["payer"] = np.concatenate([txn["payer"], pay])
        txn["payee"] = np.concatenate([txn["payee"], rec])
        txn["account"] = np.concatenate([txn["account"], np.char.add("A", holder[idx].astype(str)).astype(object)])
    policies.loc[sur | regret, "status"] = "surrendered"
    policies.loc[claim, "status"] = "claimed"
    n = len(txn["t"])
    transactions = pd.DataFrame(
        {
            "txn_ref": np.char.add("T", np.char.zfill(np.arange(n).astype(str), 8)).astype(object),
            "policy_ref": p_refs[txn["pol"]],
            "kind": txn["kind"],
            "timestamp": _ts(txn["t"]),
            "amount": np.round(txn["amount"], 2),
            "currency": "CNY",
            "method": txn["method"],
            "payer_ref": txn["payer"],
            "payee_ref": txn["payee"],
            "account_ref": txn["account"],
            "counterparty_country": "CN",
        }
    )
    # Transparent organisations: one or two natural persons owning >= 30% each.
    org_refs = h_refs[org]
    owners = []
    for i, o in enumerate(org_refs):
        a = s_refs[np.flatnonzero(org)[i]]
        owners.append((o, a, 60.0, True))
        owners.append((o, h_refs[(np.flatnonzero(org)[i] + 1) % n_h], 40.0, False))
    beneficial_owners = pd.DataFrame(owners, columns=["organisation_ref", "owner_ref", "share_pct", "control"])
    beneficial_owners["nominee"] = False
    return {
        "customers": customers,
        "policies": policies,
        "transactions": transactions,
        "relations": relations,
        "beneficial_owners": beneficial_owners,
    }


def synthetic_book(
    n_transactions: int = 100_000,
    seed: int = 1,
    plant_rate: float = 0.002,
    min_per_typology: int = 20,
) -> SyntheticBook:
    """A book of about ``n_transactions`` background transactions plus planted cases."""
    from .synthetic_plant import Planter

    rng = np.random.default_rng(seed)
    bg = _background(rng, n_transactions)
    frames = _background_frames(rng, bg)
    n_cases = max(min_per_typology, round(plant_rate * bg["n_pol"]))
    planter = Planter(np.random.default_rng(seed + 1_000_003), START, END)
    for typology in RULE_IDS:
        for case in range(n_cases):
            planter.plant(typology, case)
    planted = planter.frames()
    customers = pd.concat([frames["customers"], planted["customers"]], ignore_index=True)
    policies = pd.concat([frames["policies"], planted["policies"]], ignore_index=True)
    transactions = pd.concat([frames["transactions"], planted["transactions"]], ignore_index=True)
    transactions = transactions.sort_values(["timestamp", "txn_ref"], kind="stable", ignore_index=True)
    return SyntheticBook(
        customers=customers,
        policies=policies,
        transactions=transactions,
        relations=pd.concat([frames["relations"], planted["relations"]], ignore_index=True),
        beneficial_owners=pd.concat([frames["beneficial_owners"], planted["beneficial_owners"]], ignore_index=True),
        screening_hits=planted["screening_hits"],
        watchlist=planted["watchlist"],
        labels=planted["labels"],
    )


def detection_scores(alerts: pd.DataFrame, labels: pd.DataFrame) -> dict:
    """Recall per typology (a planted case counts as found when an alert on its policy names
    its rule and shares a transaction with it, or the case has no transactions) and precision
    (share of alerts on a policy that carries a planted case), per rule and overall; with the
    counts behind them (cases and found per typology, alerts and true alerts per rule)."""
    by_policy: dict[str, list[tuple[set[str], set[str]]]] = {}
    for a in alerts.itertuples(index=False):
        by_policy.setdefault(a.policy_ref, []).append((set(a.rule_ids), set(a.txn_refs)))
    recall, cases, found_by = {}, {}, {}
    for typ, group in labels.groupby("typology"):
        found = 0
        for lab in group.itertuples(index=False):
            want = set(lab.txn_refs)
            found += any(
                typ in rules and (not want or want & txns) for rules, txns in by_policy.get(lab.policy_ref, ())
            )
        recall[typ] = found / len(group)
        cases[typ], found_by[typ] = len(group), found
    labelled = set(labels["policy_ref"])
    typ_policies = labels.groupby("typology")["policy_ref"].agg(set).to_dict()
    precision_by_rule, alerts_by_rule, true_by_rule = {}, {}, {}
    for rid in RULE_IDS:
        mine = [a.policy_ref for a in alerts.itertuples(index=False) if rid in a.rule_ids]
        if mine:
            true_by_rule[rid] = sum(p in typ_policies.get(rid, ()) for p in mine)
            alerts_by_rule[rid] = len(mine)
            precision_by_rule[rid] = true_by_rule[rid] / len(mine)
    n = len(alerts)
    precision = float(np.mean([p in labelled for p in alerts["policy_ref"]])) if n else 0.0
    return {"recall": recall, "precision": precision, "precision_by_rule": precision_by_rule, "alerts": n,
            "cases": cases, "found": found_by, "alerts_by_rule": alerts_by_rule,
            "true_alerts_by_rule": true_by_rule}  # fmt: skip
