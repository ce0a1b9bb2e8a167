"""Real-time scoring of ONE new transaction against one customer's history (no Django).

The batch rules (compliance/engine/monitoring/rules.py, TRANSACTION_RULES) run unchanged on a
small Book holding only the rows the new transaction can interact with (its policyholder's
policies, its payer's recent payments) plus the new row. Two things differ from
``monitoring.score_transaction``, for speed only (both measured, 10-30 ms of pandas each):

- ``small_book`` encodes plain rows straight into the Book's arrays (no DataFrame);
- ``episode_alert`` scores the new row's episode in plain Python instead of
  ``alerts.build_alerts``' group-bys, following it step for step: hits on the policy in
  (time, row) order, split where the gap exceeds ``scoring.episode_gap_days``; each rule once
  at its highest weight; the catalogue's tiers; the same alert id and explanation.
  tests/test_engine.py checks both against the batch on the same data.

State rules (L10 linked policies, L12 opaque ownership, L13 screening hits) describe a
policy, not a moment: the batch run and screening raise them, not this path.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from compliance.engine.monitoring.alerts import _alert_id  # the batch's alert identity
from compliance.engine.monitoring.book import (
    DAY,
    INSTALMENTS_PER_YEAR,
    KIND,
    LOCAL_ZONE,
    METHOD,
    TXN_COLUMNS,
    Book,
    Codebook,
)
from compliance.engine.monitoring.rules import TRANSACTION_RULES, Hits
from compliance.engine.parameters import Parameters

ZONE = ZoneInfo(LOCAL_ZONE)
EPOCH = dt.datetime(1970, 1, 1)
NO_BENEFICIARIES = pd.DataFrame({"pol": np.zeros(0, dtype=np.int64), "party": np.zeros(0, dtype=np.int64)})
# The state inputs (screening hits, ownership) only the state rules read: one shared empty
# frame instead of Book's per-instance defaults (three DataFrames cost ~0.3 ms a request).
NO_STATE = pd.DataFrame()


def _codebook(refs: list) -> Codebook:
    """A Codebook of refs already distinct. The rules only call ``refs()`` on it, which an
    object array serves as well as a pandas Index (whose construction costs ~1 ms a call)."""
    book = Codebook.__new__(Codebook)
    book.index = np.array(refs, dtype=object)
    return book


def local_seconds(value) -> int:
    """Seconds of local (Asia/Shanghai) wall time, as the batch's ``book.local_seconds``."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(ZONE).replace(tzinfo=None)
    else:  # a date: local midnight
        value = dt.datetime(value.year, value.month, value.day)
    delta = value - EPOCH
    return delta.days * 86_400 + delta.seconds


def lookback_days(params: Parameters) -> int:
    """How far back the payer's payments on OTHER policyholders' policies matter: only
    L01's one-payer window groups rows across policyholders."""
    return int(params.rules["L01"]["window_days"])


def reads_beneficiaries(params: Parameters) -> bool:
    """Whether the catalogue's transaction rules read the beneficiaries named on a policy:
    L05 of rules-v3 does not count a claim paid to one as paid to a third party."""
    return "beneficiary" in (params.rules["L05"]["claim_contract_payees"] or [])


def _beneficiaries(policies: list, party) -> pd.DataFrame:
    """(policy code, party code) of the named beneficiaries; refs as a list, or ';'-separated
    as in the interchange policies file."""
    pairs = []
    for i, p in enumerate(policies):
        refs = p.get("beneficiary_refs") or ()
        if isinstance(refs, str):
            refs = [r.strip() for r in refs.split(";")]
        pairs.extend((i, party(ref)) for ref in refs if ref)
    if not pairs:
        return NO_BENEFICIARIES
    return pd.DataFrame(pairs, columns=["pol", "party"], dtype=np.int64)


def small_book(policies: Iterable[Mapping], parties: Mapping[str, tuple[str, float | None]],
               transactions: Iterable[Mapping], params: Parameters) -> Book:  # fmt: skip
    """A Book of a few rows. ``policies``: policy_ref, policyholder_ref, insured_ref,
    issue_date, annual_premium, payment_frequency, cooling_off_days, optionally
    beneficiary_refs (a list, in the policy's order); ``parties``: ref ->
    (kind, annual income or None); ``transactions`` in time-of-entry order, the interchange
    columns (TXN_COLUMNS). Parties only named by a transaction are natural persons of
    unknown income, as in the batch."""
    policies = list(policies)
    transactions = list(transactions)
    pol_code = {p["policy_ref"]: i for i, p in enumerate(policies)}
    party_code: dict[str, int] = {}

    def party(ref) -> int:
        if not ref:
            return -1
        return party_code.setdefault(ref, len(party_code))

    for ref in parties:
        party(ref)
    holder = np.array([party(p["policyholder_ref"]) for p in policies], dtype=np.int64)
    beneficiaries = _beneficiaries(policies, party)
    insured = np.array([party(p["insured_ref"]) for p in policies], dtype=np.int64)
    freq = [str(p["payment_frequency"]).lower() for p in policies]
    default_cooling = params.rules["L04"]["default_cooling_off_days"]
    accounts: dict[str, int] = {}
    columns = {name: [] for name in TXN_COLUMNS}
    for t in transactions:
        for name in TXN_COLUMNS:
            columns[name].append(t.get(name))
    payer = [party(r) for r in columns["payer_ref"]]
    payee = [party(r) for r in columns["payee_ref"]]
    n_parties = len(party_code)
    kinds, incomes = [], []
    for ref in party_code:
        kind, income = parties.get(ref, ("person", None))
        kinds.append(kind != "organisation")
        incomes.append(np.nan if income is None else float(income))
    return Book(
        txn_ref=np.array(columns["txn_ref"], dtype=object),
        pol=np.array([pol_code[r] for r in columns["policy_ref"]], dtype=np.int64),
        kind=np.array([KIND.get(k, -1) for k in columns["kind"]], dtype=np.int64),
        t=np.array([local_seconds(v) for v in columns["timestamp"]], dtype=np.int64),
        amount=np.array([float(a or 0) for a in columns["amount"]], dtype=np.float64),
        method=np.array([METHOD.get(m, METHOD["none"]) for m in columns["method"]], dtype=np.int64),
        payer=np.array(payer, dtype=np.int64),
        payee=np.array(payee, dtype=np.int64),
        account=np.array(
            [accounts.setdefault(a, len(accounts)) if a else -1 for a in columns["account_ref"]], dtype=np.int64
        ),
        country=np.array([str(c or "").upper() for c in columns["counterparty_country"]], dtype=object),
        policies=_codebook(list(pol_code)),
        pol_holder=holder,
        pol_insured=insured,
        pol_issue_t=np.array([local_seconds(p["issue_date"]) for p in policies], dtype=np.int64),
        pol_premium=np.array([float(p["annual_premium"] or 0) for p in policies], dtype=np.float64),
        pol_per_year=np.array([INSTALMENTS_PER_YEAR.get(f, 1) for f in freq], dtype=np.float64),
        pol_single=np.array([f == "single" for f in freq], dtype=bool),
        pol_cooling_off=np.array(
            [default_cooling if p.get("cooling_off_days") is None else p["cooling_off_days"] for p in policies],
            dtype=np.float64,
        ),
        pol_beneficiaries=beneficiaries,
        party_hit=NO_STATE,
        opaque_orgs=NO_STATE,
        org_owners=NO_STATE,
        parties=_codebook(list(party_code)),
        party_natural=np.array(kinds, dtype=bool),
        party_income=np.array(incomes, dtype=np.float64),
        party_links={},
        related_pairs=np.zeros(0, dtype=np.int64),
        accounts=_codebook(list(accounts)),
        pair_base=max(n_parties, 1) * 4 + 1024,
    )


def episode_alert(book: Book, params: Parameters, hits: list[Hits], row: int) -> dict | None:
    """The alert of the episode ``row`` belongs to (as ``alerts.build_alerts`` builds it,
    tier "none" included), or None when no rule hit ``row``."""
    pol = book.pol[row]
    items = []  # (t, row, rule order, rule_id, weight, fact, confirmed) on the row's policy
    for order, h in enumerate(hits):
        for r, p, w, fact, conf in zip(h.rows, h.pols, h.weight, h.facts, h.confirmed, strict=True):
            if p == pol and r >= 0:
                items.append((int(book.t[r]), int(r), order, h.rule_id, float(w), str(fact), bool(conf)))
    if not any(i[1] == row for i in items):
        return None
    items.sort(key=lambda i: (i[0], i[1], i[2]))
    gap = params.scoring["episode_gap_days"] * DAY
    start, episode = 0, None
    for k in range(1, len(items) + 1):
        if k == len(items) or items[k][0] - items[k - 1][0] > gap:
            if any(i[1] == row for i in items[start:k]):
                episode = items[start:k]
                break
            start = k
    weights: dict[str, float] = {}
    facts: dict[str, dict[str, None]] = {}
    confirmed = False
    for _t, _r, _o, rule_id, weight, fact, conf in episode:
        weights[rule_id] = max(weights.get(rule_id, weight), weight)
        facts.setdefault(rule_id, {})[fact] = None
        confirmed |= conf
    rule_ids = sorted(weights)
    score = float(sum(weights[r] for r in rule_ids))
    rows = list(dict.fromkeys(i[1] for i in episode))
    refs = [book.txn_ref[r] for r in rows]
    policy_ref = book.policies.refs([pol])[0]
    customer_ref = book.parties.refs([book.pol_holder[pol]])[0]
    rules = [
        {
            "rule_id": rid,
            "name": params.rules[rid].name,
            "version": params.rules[rid].version,
            "weight": weights[rid],
            "facts": list(facts[rid])[:5],
            "thresholds": dict(params.rules[rid].values),
        }
        for rid in rule_ids
    ]
    created = EPOCH + dt.timedelta(seconds=max(i[0] for i in episode))
    return {
        "alert_id": _alert_id(params.label, str(customer_ref), str(policy_ref), str(refs[0])),
        "rule_ids": rule_ids,
        "customer_ref": customer_ref,
        "policy_ref": policy_ref,
        "txn_refs": refs,
        "score": score,
        "tier": params.tier(score, confirmed),
        "created_at": created.replace(tzinfo=ZONE),
        "explanation": {"catalogue": params.label, "rules": rules, "confirmed_sanctions": confirmed},
    }


def score_one(policies, parties, history, new_txn: Mapping, params: Parameters) -> dict | None:
    """Score ``new_txn`` (the interchange columns) after ``history`` (its customer's rows,
    oldest entry first): the batch's transaction rules on the few rows it can interact with.
    Returns the alert of its episode (tier "none" when below review), or None."""
    book = small_book(policies, parties, [*history, new_txn], params)
    hits = [rule(book, params) for rule in TRANSACTION_RULES]
    return episode_alert(book, params, hits, book.n - 1)
