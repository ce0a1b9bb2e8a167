"""Policy transactions: premiums as they fell due, and the other money movements.

Event dates come first (they do not depend on how often premiums are paid), then the
premium frequency mix is tuned so the total lands near the size's target, then amounts
(cash values need the premiums paid so far).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from customers.demo import reference as ref
from customers.demo.book import STEP_MONTHS, Beneficiaries, Policies
from customers.demo.dates import add_months, months_elapsed, stamp
from customers.demo.params import AS_OF
from customers.demo.people import People

# Share of the annual premium collected per instalment (monthly premiums carry a loading).
MODAL_FACTOR = {"annual": 1.0, "semiannual": 0.52, "quarterly": 0.262, "monthly": 0.09, "single": 1.0}
FREQUENCIES = ("monthly", "quarterly", "semiannual", "annual")
SAVINGS_KINDS = ("endowment", "annuity", "universal_life", "investment_linked")


@dataclass
class Ledger:
    policy: np.ndarray
    kind: np.ndarray
    when: np.ndarray  # datetime64[s], local time (Asia/Shanghai)
    amount: np.ndarray  # cents
    method: np.ndarray
    payer: np.ndarray  # customer index, -1 = none (the insurer)
    payee: np.ndarray
    account: np.ndarray
    country: np.ndarray

    def __len__(self) -> int:
        return len(self.policy)

    @property
    def ref(self) -> np.ndarray:
        return np.char.add("T", np.char.zfill(np.arange(1, len(self) + 1).astype(str), 10))


@dataclass
class Events:
    """Non-premium transactions before their amounts are known."""

    policy: np.ndarray
    kind: np.ndarray
    date: np.ndarray  # datetime64[D]
    share: np.ndarray  # kind-specific draw (loan fraction, claim size...)


def dues_by(pol: Policies, idx: np.ndarray, frequency: np.ndarray, until: np.ndarray) -> np.ndarray:
    """Premiums fallen due for policies ``idx`` on or before ``until`` (per element)."""
    step = np.array([STEP_MONTHS[f] for f in ref_frequencies()])[frequency_code(frequency)]
    issue = pol.issue[idx]
    total = np.where(frequency == "single", 1, pol.premium_term[idx] * 12 // step)
    count = np.where(until >= issue, months_elapsed(issue, until) // step + 1, 0)
    count += (count > 0) & (add_months(issue, count * step) <= until)
    return np.minimum(count, total)


def ref_frequencies() -> tuple[str, ...]:
    return (*FREQUENCIES, "single")


def frequency_code(frequency: np.ndarray) -> np.ndarray:
    codes = np.zeros(len(frequency), dtype=np.int64)
    for i, f in enumerate(ref_frequencies()):
        codes[frequency == f] = i
    return codes


def _end(pol: Policies) -> np.ndarray:
    """The last day a policy was on the books."""
    return np.where(pol.status == "in_force", np.datetime64(AS_OF, "D"), pol.status_date)


def _pick(rng, eligible: np.ndarray, p: float) -> np.ndarray:
    """Each eligible policy with chance p, and at least one when any is eligible, so even
    the small book shows every kind of transaction."""
    chosen = eligible & (rng.random(len(eligible)) < p)
    if eligible.any() and not chosen.any():
        chosen[rng.choice(np.flatnonzero(eligible))] = True
    return chosen


def _between(rng, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    span = np.maximum((hi - lo).astype(int), 0)
    return np.minimum(lo + (rng.random(len(lo)) * (span + 1)).astype(int).astype("m8[D]"), hi)


def plan_events(rng, pol: Policies, bens: Beneficiaries) -> Events:
    n = len(pol)
    kind = np.array([ref.PRODUCTS[i].kind for i in pol.product])
    code = np.array([ref.PRODUCTS[i].code for i in pol.product])
    end = _end(pol)
    years = (end - pol.issue).astype(int) / 365.25
    parts: list[tuple] = []

    def add(mask_or_idx, name, dates, share=None):
        idx = np.flatnonzero(mask_or_idx) if mask_or_idx.dtype == bool else mask_or_idx
        parts.append((idx, np.full(len(idx), name), dates, rng.random(len(idx)) if share is None else share))

    for status, name in (
        ("cancelled", "cooling_off_refund"),
        ("surrendered", "surrender"),
        ("claimed", "claim_payout"),
    ):
        sel = pol.status == status
        add(sel, name, pol.status_date[sel])
    # Medical claims do not end the cover: a Poisson number per year of exposure.
    rate = np.where(code == "GM01", 0.35, np.where(kind == "medical", 0.08, 0.0))
    n_claims = rng.poisson(rate * np.maximum(years, 0) * (pol.status != "cancelled"))
    idx = np.repeat(np.arange(n), n_claims)
    add(idx, "claim_payout", _between(rng, pol.issue[idx], end[idx]))
    loanable = np.isin(kind, ("whole_life", "endowment", "universal_life", "critical_illness")) & (years >= 2)
    loans = np.flatnonzero(_pick(rng, loanable, 0.08))
    loan_date = _between(rng, add_months(pol.issue[loans], 24), end[loans])
    add(loans, "policy_loan", loan_date)
    repaid = _pick(rng, np.ones(len(loans), dtype=bool), 0.55)
    add(loans[repaid], "loan_repayment", _between(rng, loan_date[repaid], end[loans][repaid]))
    withdrawers = _pick(rng, (kind == "universal_life") & (years >= 1), 0.2)
    idx = np.repeat(np.arange(n), np.where(withdrawers, rng.integers(1, 4, n), 0))
    add(idx, "partial_withdrawal", _between(rng, add_months(pol.issue[idx], 12), end[idx]))
    refunds = np.flatnonzero(_pick(rng, pol.status != "cancelled", 0.015))
    add(refunds, "refund", _between(rng, pol.issue[refunds], end[refunds]))
    has_bens = np.zeros(n, dtype=bool)
    has_bens[bens.policy] = True
    changes = np.flatnonzero(_pick(rng, has_bens, 0.012))
    add(changes, "beneficiary_change", _between(rng, pol.issue[changes], end[changes]))
    owners = np.flatnonzero(_pick(rng, np.ones(n, dtype=bool), 0.006))
    add(owners, "owner_change", _between(rng, pol.issue[owners], end[owners]))
    return Events(*(np.concatenate([p[i] for p in parts]) for i in range(4)))


def calibrate_frequency(rng, pol: Policies, target_premiums: int) -> int:
    """Choose the monthly share among regular-premium policies so premiums ≈ target.

    Each policy draws one uniform u; with monthly share m it pays monthly when u < m, then
    quarterly/semiannual/annual in fixed proportions of the rest. The premium count grows
    with m, so a bisection finds m; everything stays a function of the seed."""
    n = len(pol)
    regular = ~pol.single & ~np.array([ref.PRODUCTS[i].group for i in pol.product])
    u = rng.random(n)
    idx = np.arange(n)
    counts = {f: dues_by(pol, idx, np.full(n, f), pol.paid_until) for f in (*FREQUENCIES, "single")}

    def assign(m: float) -> np.ndarray:
        freq = np.where(pol.single, "single", "annual").astype("U10")
        rest = (u - m) / max(1 - m, 1e-9)
        freq[regular & (rest >= 0) & (rest < 0.25)] = "semiannual"
        freq[regular & (rest >= 0.25) & (rest < 0.45)] = "quarterly"
        freq[regular & (u < m)] = "monthly"
        return freq

    def total(freq: np.ndarray) -> int:
        return int(sum(counts[f][freq == f].sum() for f in counts))

    lo, hi = 0.0, 1.0
    for _ in range(40):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if total(assign(mid)) < target_premiums else (lo, mid)
    pol.frequency = assign(lo)
    return total(pol.frequency)


def _premiums_paid(pol: Policies, idx: np.ndarray, until: np.ndarray) -> np.ndarray:
    """Cents of premium paid by each date."""
    freq = pol.frequency[idx]
    factor = np.array([MODAL_FACTOR[f] for f in ref_frequencies()])[frequency_code(freq)]
    instalment = np.round(pol.premium[idx] * factor)
    return dues_by(pol, idx, freq, np.minimum(until, pol.paid_until[idx])) * instalment


def cash_value(pol: Policies, idx: np.ndarray, on: np.ndarray) -> np.ndarray:
    """A rough surrender value in cents: a share of premiums paid that grows with duration,
    below the premiums in the early years (acquisition costs), above them later for savings."""
    years = (on - pol.issue[idx]).astype(int) / 365.25
    kind = np.array([ref.PRODUCTS[i].kind for i in pol.product[idx]])
    savings = np.isin(kind, SAVINGS_KINDS)
    factor = np.where(savings, np.minimum(0.70 + 0.04 * years, 1.25), np.minimum(0.15 + 0.06 * years, 0.9))
    return np.round(_premiums_paid(pol, idx, on) * factor)


def _methods(rng, options: tuple[str, ...], weights: tuple[float, ...], n: int) -> np.ndarray:
    w = np.asarray(weights)
    return np.asarray(options, dtype="U8")[rng.choice(len(options), size=n, p=w / w.sum())]


def _premium_rows(rng, people: People, pol: Policies) -> dict:
    n = len(pol)
    idx_all = np.arange(n)
    counts = dues_by(pol, idx_all, pol.frequency, pol.paid_until)
    idx = np.repeat(idx_all, counts)
    k = np.arange(len(idx)) - np.repeat(np.cumsum(counts) - counts, counts)
    step = np.array([STEP_MONTHS[f] for f in ref_frequencies()])[frequency_code(pol.frequency)]
    due = add_months(pol.issue[idx], k * step[idx])
    factor = np.array([MODAL_FACTOR[f] for f in ref_frequencies()])[frequency_code(pol.frequency)]
    instalment = np.round(pol.premium * factor).astype(np.int64)
    # Who pays and how is a habit of the policy, not of each instalment.
    payer = pol.holder.copy()
    third = rng.random(n) < 0.04
    persons = np.flatnonzero(people.kind == "person")
    payer[third] = rng.choice(persons, size=int(third.sum()))
    org = people.kind[pol.holder] == "organisation"
    method = np.where(
        org,
        _methods(rng, ("transfer", "cheque"), (0.8, 0.2), n),
        _methods(rng, ("transfer", "card", "cash", "cheque"), (0.72, 0.18, 0.06, 0.04), n),
    )
    return {
        "policy": idx,
        "kind": np.full(len(idx), "premium"),
        "date": due,
        "amount": instalment[idx],
        "method": method[idx],
        "payer": payer[idx],
        "payee": np.full(len(idx), -1),
    }


def _claim_amounts(rng, pol: Policies, idx: np.ndarray, date: np.ndarray, share: np.ndarray) -> np.ndarray:
    kind = np.array([ref.PRODUCTS[i].kind for i in pol.product[idx]])
    group = np.array([ref.PRODUCTS[i].group for i in pol.product[idx]])
    sa = pol.sum_assured[idx]
    paid = _premiums_paid(pol, idx, date)
    savings = np.maximum(np.round(paid * 1.05), cash_value(pol, idx, date))
    # Medical bills: lognormal, median 25,000 yuan (individual, above a deductible) or 1,500 (group).
    median = np.where(group, 1_500, 25_000) * 100
    bill = np.round(median * np.exp(0.9 * np.sqrt(2) * _erfinv(2 * share - 1)))
    medical = np.minimum(np.maximum(bill, 10_000), sa)
    return np.where(kind == "medical", medical, np.where(np.isin(kind, SAVINGS_KINDS), savings, sa))


def _erfinv(y: np.ndarray) -> np.ndarray:
    """Inverse error function (Giles' approximation): turns a uniform draw into a normal one
    without drawing again, so adding a kind of event does not shift every later draw."""
    y = np.clip(y, -0.999999, 0.999999)
    w = -np.log((1.0 - y) * (1.0 + y))
    small = w < 5.0
    ws, wl = w - 2.5, np.sqrt(np.maximum(w, 5.0)) - 3.0
    ps = 2.81022636e-08
    for c in (
        3.43273939e-07,
        -3.5233877e-06,
        -4.39150654e-06,
        0.00021858087,
        -0.00125372503,
        -0.00417768164,
        0.246640727,
        1.50140941,
    ):
        ps = c + ps * ws
    pl = -0.000200214257
    for c in (
        0.000100950558,
        0.00134934322,
        -0.00367342844,
        0.00573950773,
        -0.0076224613,
        0.00943887047,
        1.00167406,
        2.83297682,
    ):
        pl = c + pl * wl
    return np.where(small, ps, pl) * y


def _event_amounts(rng, pol: Policies, ev: Events) -> np.ndarray:
    amount = np.zeros(len(ev.policy), dtype=np.int64)
    freq = pol.frequency[ev.policy]
    factor = np.array([MODAL_FACTOR[f] for f in ref_frequencies()])[frequency_code(freq)]
    instalment = np.round(pol.premium[ev.policy] * factor)
    for name in ("cooling_off_refund", "surrender", "claim_payout", "policy_loan", "partial_withdrawal", "refund"):
        sel = ev.kind == name
        p, d, s = ev.policy[sel], ev.date[sel], ev.share[sel]
        if name == "cooling_off_refund":
            value = _premiums_paid(pol, p, d)
        elif name == "surrender":
            value = cash_value(pol, p, d)
        elif name == "claim_payout":
            value = _claim_amounts(rng, pol, p, d, s)
        elif name == "policy_loan":  # 50-80% of the cash value, in hundreds of yuan
            value = np.maximum(np.round(cash_value(pol, p, d) * (0.5 + 0.3 * s), -4), 10_000)
        elif name == "partial_withdrawal":
            value = np.maximum(np.round(cash_value(pol, p, d) * (0.05 + 0.15 * s), -2), 10_000)
        else:
            value = instalment[sel]
        amount[sel] = value
    # A repayment returns its loan with 5% a year interest.
    loan_amount = np.zeros(len(pol), dtype=np.int64)
    loan_date = np.full(len(pol), np.datetime64("NaT", "D"))
    loans = ev.kind == "policy_loan"
    loan_amount[ev.policy[loans]], loan_date[ev.policy[loans]] = amount[loans], ev.date[loans]
    rep = ev.kind == "loan_repayment"
    years = (ev.date[rep] - loan_date[ev.policy[rep]]).astype(int) / 365.25
    amount[rep] = np.round(loan_amount[ev.policy[rep]] * (1 + 0.05 * years))
    return amount


def _event_rows(rng, people: People, pol: Policies, bens: Beneficiaries, ev: Events) -> dict:
    n = len(ev.policy)
    first_ben = np.full(len(pol), -1)
    firsts = bens.position == 1
    first_ben[bens.policy[firsts]] = bens.customer[firsts]
    kind = np.array([ref.PRODUCTS[i].kind for i in pol.product[ev.policy]])
    holder, insured = pol.holder[ev.policy], pol.insured[ev.policy]
    death_payee = np.where(first_ben[ev.policy] >= 0, first_ben[ev.policy], holder)
    claim_payee = np.where(np.isin(kind, ("medical", "critical_illness")), insured, death_payee)
    payee = np.where(ev.kind == "claim_payout", claim_payee, holder)
    payer = np.where(ev.kind == "loan_repayment", holder, -1)
    non_monetary = np.isin(ev.kind, ("beneficiary_change", "owner_change"))
    payee[non_monetary | (ev.kind == "loan_repayment")] = -1
    method = _methods(rng, ("transfer", "cheque"), (0.95, 0.05), n)
    method[ev.kind == "loan_repayment"] = _methods(
        rng, ("transfer", "card", "cash"), (0.8, 0.1, 0.1), int((ev.kind == "loan_repayment").sum())
    )
    method[non_monetary] = "none"
    return {
        "policy": ev.policy,
        "kind": ev.kind.astype("U18"),
        "date": ev.date,
        "amount": _event_amounts(rng, pol, ev),
        "method": method,
        "payer": payer,
        "payee": payee,
    }


def build_ledger(rng, people: People, pol: Policies, bens: Beneficiaries, events: Events) -> Ledger:
    rows = [_premium_rows(rng, people, pol), _event_rows(rng, people, pol, bens, events)]
    col = {k: np.concatenate([r[k] for r in rows]) for k in rows[0]}
    when = stamp(col["date"], rng)
    counterparty = np.where(col["payer"] >= 0, col["payer"], col["payee"])
    has_party = (counterparty >= 0) & (col["method"] != "none")
    account = np.where(has_party & (col["method"] != "cash"), people.account[np.maximum(counterparty, 0)], "")
    country = np.where(has_party, people.nationality[np.maximum(counterparty, 0)], "")
    # A few incoming transfers come from accounts abroad.
    abroad = (col["payer"] >= 0) & (col["method"] == "transfer") & (rng.random(len(when)) < 0.003)
    country[abroad] = _methods(rng, ("HK", "MO", "SG", "US"), (0.5, 0.2, 0.2, 0.1), int(abroad.sum()))
    order = np.lexsort((col["policy"], when))
    return Ledger(
        policy=col["policy"][order],
        kind=col["kind"][order],
        when=when[order],
        amount=col["amount"][order].astype(np.int64),
        method=col["method"][order],
        payer=col["payer"][order],
        payee=col["payee"][order],
        account=account[order],
        country=country[order],
    )
