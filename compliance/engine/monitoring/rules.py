"""The life-insurance red flags L01-L13 as vectorised computations over a Book.

Each rule returns ``Hits``: the transaction rows (or, for state rules, the policies) that
triggered it, a weight and a short fact string per row for the alert's explanation. Rules
read thresholds only from the parameter catalogue (parameters.py); see the package docstring
for the proxies used where the interchange format lacks a field.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..parameters import Parameters
from .book import DAY, KIND, METHOD, Book
from .windows import (
    group_cumcount,
    group_cumsum_before,
    group_first,
    last_before,
    members,
    order_by,
    sum_before,
    window_start,
    window_sum,
)

MONTH = 30.4375 * DAY
PREMIUM, LOAN, REPAY = KIND["premium"], KIND["policy_loan"], KIND["loan_repayment"]
INFLOWS = (PREMIUM, REPAY)


@dataclass
class Hits:
    rule_id: str
    rows: np.ndarray  # transaction rows of the book; -1 for a policy-level (state) hit
    pols: np.ndarray  # policy codes
    weight: np.ndarray
    facts: np.ndarray  # object array of str
    confirmed: np.ndarray  # confirmed sanctions hit (forces the freeze tier)

    @staticmethod
    def make(rule_id: str, book: Book, rows, weight, facts, pols=None, confirmed=None) -> Hits:
        rows = np.asarray(rows, dtype=np.int64)
        if pols is None:
            pols = book.pol[rows] if len(rows) else np.zeros(0, dtype=np.int64)
        n = len(rows)
        w = np.broadcast_to(np.asarray(weight, dtype=np.float64), (n,)).copy()
        f = np.empty(n, dtype=object)
        f[:] = list(facts) if n else []
        c = np.zeros(n, dtype=bool) if confirmed is None else np.asarray(confirmed, dtype=bool)
        return Hits(rule_id, rows, np.asarray(pols, dtype=np.int64), w, f, c)


def _money(x: float) -> str:
    return f"{x:,.0f}"


def reporting_threshold(book: Book, params: Parameters) -> tuple[np.ndarray, np.ndarray]:
    """PBoC large-value threshold that applies to each transaction, and its category
    (0 cash, 1 non-natural transfer, 2 natural domestic, 3 natural cross-border, -1 none)."""
    lv = params.large_value
    natural = np.ones(book.n, dtype=bool)
    ok = book.payer >= 0
    natural[ok] = book.party_natural[book.payer[ok]]
    foreign = (book.country != "") & (book.country != lv["home_country"])
    cat = np.full(book.n, -1, dtype=np.int64)
    transfer = book.method == METHOD["transfer"]
    cat[transfer & ~natural] = 1
    cat[transfer & natural & ~foreign] = 2
    cat[transfer & natural & foreign] = 3
    cat[book.method == METHOD["cash"]] = 0
    table = np.array(
        [
            lv["cash_cny"],
            lv["nonnatural_transfer_cny"],
            lv["natural_domestic_transfer_cny"],
            lv["natural_crossborder_transfer_cny"],
        ]
    )
    thr = np.where(cat >= 0, table[np.clip(cat, 0, 3)], np.inf)
    return thr, cat


def l01_structuring(book: Book, params: Parameters) -> Hits:
    r = params.rules["L01"]
    thr, cat = reporting_threshold(book, params)
    methods = [METHOD[m] for m in r["methods"] if m in METHOD]
    base = np.isin(book.kind, INFLOWS) & np.isin(book.method, methods) & (cat >= 0)
    window = r["window_days"] * DAY
    fired = np.zeros(book.n, dtype=bool)
    facts = np.full(book.n, "", dtype=object)

    # (a) repeated payments by one payer each just under a reporting threshold.
    near = base & (book.amount >= r["near_threshold_low"] * thr) & (book.amount <= r["near_threshold_high"] * thr)
    idx = np.flatnonzero(near)
    if len(idx):
        order, comp = order_by(book.payer[idx] * 4 + cat[idx], book.t[idx])
        start = window_start(comp, window)
        count = np.arange(len(idx)) - start + 1
        hit = count >= r["min_payments"]
        if hit.any():
            ends = np.flatnonzero(hit)
            mask = members(start[ends], ends, len(idx))
            rows = idx[order[mask]]
            fired[rows] = True
            for row in rows:
                facts[row] = (
                    f"{_money(book.amount[row])} = {book.amount[row] / thr[row]:.1%} of the CNY {_money(thr[row])} "
                    f"threshold; >= {r['min_payments']} such payments by one payer within {r['window_days']} days"
                )

    # (b) payments below a threshold, split over payers or policies of one policyholder,
    # that together reach it within the window.
    idx = np.flatnonzero(base & (book.amount < thr))
    if len(idx):
        holder = book.pol_holder[book.pol[idx]]
        order, comp = order_by(holder * 4 + cat[idx], book.t[idx])
        start = window_start(comp, window)
        total = window_sum(book.amount[idx][order], start)
        reach = total >= thr[idx][order]
        for end in np.flatnonzero(reach):
            rows = idx[order[start[end] : end + 1]]
            parties = max(len(np.unique(book.payer[rows])), len(np.unique(book.pol[rows])))
            if parties >= r["split_min_parties"] and len(rows) >= 2:
                new = rows[~fired[rows]]
                fired[rows] = True
                for row in new:
                    facts[row] = (
                        f"{len(rows)} payments over {parties} payers/policies total CNY {_money(total[end])} "
                        f">= CNY {_money(thr[row])} within {r['window_days']} days, each below it"
                    )
    rows = np.flatnonzero(fired)
    return Hits.make("L01", book, rows, r.weight, facts[rows])


def l02_lump_sum(book: Book, params: Parameters) -> Hits:
    r = params.rules["L02"]
    prem = np.flatnonzero(book.kind == PREMIUM)
    holder = book.pol_holder[book.pol[prem]]
    income = np.full(len(prem), np.nan)
    ok = holder >= 0
    income[ok] = book.party_income[holder[ok]]
    amount = book.amount[prem]
    with np.errstate(invalid="ignore"):
        over_income = (income > 0) & (amount >= r["income_multiple"] * income)
    if r["income_single_premium_only"]:
        over_income &= book.pol_single[book.pol[prem]]
    # Sudden lump sum: compare with the mean of the earlier premiums on the same policy.
    order, _ = order_by(book.pol[prem], book.t[prem])
    pol_sorted = book.pol[prem][order]
    prior_n = group_cumcount(pol_sorted)
    prior_sum = group_cumsum_before(pol_sorted, amount[order])
    prior_mean = np.divide(prior_sum, prior_n, out=np.zeros(len(order)), where=prior_n > 0)
    sudden_sorted = (
        (prior_n >= r["sudden_min_prior_premiums"])
        & (amount[order] >= r["sudden_multiple"] * prior_mean)
        & (amount[order] >= r["sudden_min_amount"])
    )
    sudden = np.zeros(len(prem), dtype=bool)
    sudden[order] = sudden_sorted
    mean_by_row = np.zeros(len(prem))
    mean_by_row[order] = prior_mean
    sel = np.flatnonzero(over_income | sudden)
    facts = []
    for i in sel:
        if over_income[i]:
            facts.append(
                f"premium CNY {_money(amount[i])} = {amount[i] / income[i]:.1f}x declared income "
                f"CNY {_money(income[i])} (>= {r['income_multiple']}x)"
            )
        else:
            facts.append(
                f"premium CNY {_money(amount[i])} = {amount[i] / mean_by_row[i]:.1f}x the mean earlier premium "
                f"CNY {_money(mean_by_row[i])} (>= {r['sudden_multiple']}x)"
            )
    return Hits.make("L02", book, prem[sel], r.weight, facts)


def l03_early_surrender(book: Book, params: Parameters) -> Hits:
    r = params.rules["L03"]
    sur = np.flatnonzero(book.kind == KIND["surrender"])
    pol = book.pol[sur]
    months = (book.t[sur] - book.pol_issue_t[pol]) / MONTH
    prem = book.kind == PREMIUM
    paid = sum_before(pol, book.t[sur], book.pol[prem], book.t[prem], book.amount[prem])
    wd = book.kind == KIND["partial_withdrawal"]
    withdrawn = sum_before(pol, book.t[sur], book.pol[wd], book.t[wd], book.amount[wd])
    # Proxy: the penalty is what the policyholder paid in and does not get back.
    penalty = paid - book.amount[sur] - withdrawn
    share = np.divide(penalty, paid, out=np.zeros(len(sur)), where=paid > 0)
    sel = np.flatnonzero((months <= r["max_months"]) & (paid > 0) & (share >= r["min_penalty_share"]))
    weight = np.where(months[sel] <= r["higher_tier_months"], r["higher_tier_weight"], r.weight)
    facts = [
        f"surrender {months[i]:.1f} months after issue (<= {r['max_months']}), loss CNY {_money(penalty[i])} = "
        f"{share[i]:.0%} of CNY {_money(paid[i])} premiums paid (>= {r['min_penalty_share']:.0%})"
        for i in sel
    ]
    return Hits.make("L03", book, sur[sel], weight, facts)


def _premium_accounts(book: Book) -> np.ndarray:
    prem = (book.kind == PREMIUM) & (book.account >= 0)
    return np.unique(book.pol[prem].astype(np.int64) * (2**31) + book.account[prem])


def _account_used_for_premium(book: Book, rows: np.ndarray) -> np.ndarray:
    keys = book.pol[rows].astype(np.int64) * (2**31) + book.account[rows]
    return np.isin(keys, _premium_accounts(book))


def l04_cooling_off(book: Book, params: Parameters) -> Hits:
    r = params.rules["L04"]
    ref = np.flatnonzero(book.kind == KIND["cooling_off_refund"])
    pol = book.pol[ref]
    days = (book.t[ref] - book.pol_issue_t[pol]) / DAY
    inside = days <= book.pol_cooling_off[pol] + r["grace_days"]
    other_account = (book.account[ref] >= 0) & ~_account_used_for_premium(book, ref)
    sel = np.flatnonzero(inside & other_account)
    facts = [
        f"cooling-off refund {days[i]:.0f} days after issue (period {book.pol_cooling_off[pol[i]]:.0f} days) to an "
        "account never used to pay the premium"
        for i in sel
    ]
    return Hits.make("L04", book, ref[sel], r.weight, facts)


def l05_third_party_payout(book: Book, params: Parameters) -> Hits:
    r = params.rules["L05"]
    kinds = [KIND[k] for k in r["payout_kinds"] if k in KIND]
    out = np.flatnonzero(np.isin(book.kind, kinds) & (book.payee >= 0))
    holder = book.pol_holder[book.pol[out]]
    insured = book.pol_insured[book.pol[out]]
    payee = book.payee[out]
    unrelated = (payee != holder) & ~book.related(holder, payee) & ~book.related(insured, payee)
    contract = set(r["claim_contract_payees"])
    if contract:
        claim = book.kind[out] == KIND["claim_payout"]
        if "insured" in contract:
            unrelated &= ~(claim & (payee == insured))
        if "beneficiary" in contract and len(book.pol_beneficiaries):
            named = np.unique(book.pol_beneficiaries["pol"].to_numpy().astype(np.int64) * (2**31)
                              + book.pol_beneficiaries["party"].to_numpy())  # fmt: skip
            unrelated &= ~(claim & np.isin(book.pol[out].astype(np.int64) * (2**31) + payee, named))
    sel = np.flatnonzero(unrelated)
    refs = book.parties.refs(payee[sel])
    facts = [f"paid to {p}, not the policyholder and no family relation on file" for p in refs]
    return Hits.make("L05", book, out[sel], r.weight, facts)


def l06_third_party_payer(book: Book, params: Parameters) -> Hits:
    r = params.rules["L06"]
    prem = np.flatnonzero((book.kind == PREMIUM) & (book.payer >= 0))
    # First payment of each (policy, payer): a payer is flagged once, not on every instalment.
    order, _ = order_by(book.pol[prem], book.t[prem])
    pairs = book.pol[prem][order].astype(np.int64) * (2**31) + book.payer[prem][order]
    _, first_idx = np.unique(pairs, return_index=True)
    firsts = prem[order[np.sort(first_idx)]]
    forder, _ = order_by(book.pol[firsts], book.t[firsts])
    firsts = firsts[forder]
    rank = group_cumcount(book.pol[firsts]) + 1
    holder = book.pol_holder[book.pol[firsts]]
    insured = book.pol_insured[book.pol[firsts]]
    payer = book.payer[firsts]
    third = (payer != holder) & (payer != insured)
    if r["exempt_family_payers"]:
        third &= ~book.related(holder, payer)
    many = rank > r["max_payers_per_policy"]
    sel = np.flatnonzero(third | many)
    weight = np.full(len(sel), r.weight)
    if r["from_issue_weight"] is not None:
        # A third party who paid the first premium and is the policy's only payer so far: the
        # payer of record since the start, weighed apart from a payer who turns up later.
        weight[(third & ~many & (rank == 1))[sel]] = r["from_issue_weight"]
    refs = book.parties.refs(payer[sel])
    facts = [
        f"premium paid by {p}"
        + (" (not policyholder or insured)" if third[i] else "")
        + f"; payer #{rank[i]} on policy"
        for p, i in zip(refs, sel, strict=True)
    ]
    return Hits.make("L06", book, firsts[sel], weight, facts)


def l07_overpay_refund(book: Book, params: Parameters) -> Hits:
    r = params.rules["L07"]
    prem = np.flatnonzero(book.kind == PREMIUM)
    due = book.pol_premium[book.pol[prem]] / book.pol_per_year[book.pol[prem]]
    over = prem[(due > 0) & (book.amount[prem] > r["overpay_ratio"] * due)]
    ref = np.flatnonzero(book.kind == KIND["refund"])
    if len(over) == 0 or len(ref) == 0:
        return Hits.make("L07", book, [], r.weight, [])
    j = last_before(book.pol[ref], book.t[ref], book.pol[over], book.t[over])
    ok = j >= 0
    cand = over[np.clip(j, 0, None)]
    gap = (book.t[ref] - book.t[cand]) / DAY
    other = (book.account[ref] >= 0) & (book.account[ref] != book.account[cand])
    sel = np.flatnonzero(ok & (gap <= r["refund_within_days"]) & other)
    rows = np.concatenate([cand[sel], ref[sel]])
    dues = book.pol_premium[book.pol[cand[sel]]] / book.pol_per_year[book.pol[cand[sel]]]
    f = [
        f"paid CNY {_money(book.amount[c])} = {book.amount[c] / d:.0%} of CNY {_money(d)} due (> "
        f"{r['overpay_ratio']:.0%}); refund {g:.0f} days later to another account"
        for c, d, g in zip(cand[sel], dues, gap[sel], strict=True)
    ]
    return Hits.make("L07", book, rows, r.weight, f + f)


def l08_policy_loans(book: Book, params: Parameters) -> Hits:
    r = params.rules["L08"]
    loans = np.flatnonzero(book.kind == LOAN)
    pol = book.pol[loans]
    days = (book.t[loans] - book.pol_issue_t[pol]) / DAY
    prem = book.kind == PREMIUM
    # Proxy for cash value: premiums paid before the loan x a factor (the format has no cash value).
    cash_value = r["cash_value_to_premiums"] * sum_before(
        pol, book.t[loans], book.pol[prem], book.t[prem], book.amount[prem]
    )
    early = (
        (days <= r["early_days"])
        & (cash_value > 0)
        & (book.amount[loans] >= r["loan_share_of_cash_value"] * cash_value)
    )
    facts = np.full(book.n, "", dtype=object)
    fired = np.zeros(book.n, dtype=bool)
    for i in np.flatnonzero(early):
        fired[loans[i]] = True
        facts[loans[i]] = (
            f"loan CNY {_money(book.amount[loans[i]])} = {book.amount[loans[i]] / cash_value[i]:.0%} of cash value "
            f"proxy CNY {_money(cash_value[i])} {days[i]:.0f} days after issue"
        )
    order, comp = order_by(pol, book.t[loans])
    start = window_start(comp, r["frequent_window_days"] * DAY)
    count = np.arange(len(loans)) - start + 1
    ends = np.flatnonzero(count >= r["frequent_count"])
    if len(ends):
        rows = loans[order[members(start[ends], ends, len(loans))]]
        for row in rows[~fired[rows]]:
            facts[row] = f">= {r['frequent_count']} policy loans within {r['frequent_window_days']} days"
        fired[rows] = True
    cash_repay = (book.kind == REPAY) & (book.method == METHOD["cash"])
    for row in np.flatnonzero(cash_repay & ~fired):
        facts[row] = f"policy loan repaid in cash (CNY {_money(book.amount[row])})"
    fired |= cash_repay
    rows = np.flatnonzero(fired)
    return Hits.make("L08", book, rows, r.weight, facts[rows])


def l09_beneficiary_churn(book: Book, params: Parameters) -> Hits:
    r = params.rules["L09"]
    changes = np.flatnonzero(np.isin(book.kind, [KIND["beneficiary_change"], KIND["owner_change"]]))
    kinds = [KIND[k] for k in r["payout_kinds"] if k in KIND]
    pay = np.flatnonzero(np.isin(book.kind, kinds))
    if len(changes) == 0 or len(pay) == 0:
        return Hits.make("L09", book, [], r.weight, [])
    j = last_before(book.pol[pay], book.t[pay], book.pol[changes], book.t[changes])
    ok = j >= 0
    ch = changes[np.clip(j, 0, None)]
    gap = (book.t[pay] - book.t[ch]) / DAY
    # Proxy: the change transaction names the new beneficiary/owner in payee_ref.
    new = book.payee[ch]
    holder = book.pol_holder[book.pol[pay]]
    unrelated = (new >= 0) & (new != holder) & ~book.related(holder, new)
    sel = np.flatnonzero(ok & (gap <= r["window_days"]) & unrelated)
    refs = book.parties.refs(new[sel])
    f = [
        f"{'beneficiary' if book.kind[ch[i]] == KIND['beneficiary_change'] else 'owner'} changed to unrelated {p} "
        f"{gap[i]:.0f} days before the payout (<= {r['window_days']})"
        for p, i in zip(refs, sel, strict=True)
    ]
    return Hits.make("L09", book, np.concatenate([ch[sel], pay[sel]]), r.weight, f + f)


def first_premium_row(book: Book) -> np.ndarray:
    """Row of each policy's first premium (-1 when none), by policy code."""
    out = np.full(len(book.pol_holder), -1, dtype=np.int64)
    prem = np.flatnonzero(book.kind == PREMIUM)
    if len(prem):
        order, _ = order_by(book.pol[prem], book.t[prem])
        rows = prem[order]
        first = group_first(book.pol[rows])
        out[book.pol[rows[first]]] = rows[first]
    return out


def l10_linked_policies(book: Book, params: Parameters) -> Hits:
    """Policy-level: evaluated over the whole policy table, anchored on each policy's first premium."""
    r = params.rules["L10"]
    single = np.flatnonzero(book.pol_single & (book.pol_holder >= 0))
    holder = book.pol_holder[single]
    flagged: dict[int, str] = {}
    for link, codes in book.party_links.items():
        key = codes[holder]
        has = key >= 0
        idx, k = single[has], key[has]
        order, comp = order_by(k, book.pol_issue_t[idx])
        start = window_start(comp, r["window_days"] * DAY)
        count = np.arange(len(idx)) - start + 1
        for end in np.flatnonzero(count >= r["min_policies"]):
            group = idx[order[start[end] : end + 1]]
            holders = np.unique(book.pol_holder[group])
            if len(holders) >= r["min_distinct_holders"]:
                for p in group:
                    flagged.setdefault(
                        int(p),
                        f"{len(group)} single-premium policies within {r['window_days']} days by {len(holders)} "
                        f"policyholders sharing one {link.removesuffix('_hash').replace('_', ' ')}",
                    )
    pols = np.array(sorted(flagged), dtype=np.int64)
    anchor = first_premium_row(book)[pols] if len(pols) else np.zeros(0, dtype=np.int64)
    return Hits.make("L10", book, anchor, r.weight, [flagged[p] for p in pols], pols=pols)


def _cash_equivalent_switches(book: Book, prem: np.ndarray, cheq: np.ndarray, min_prior: int) -> np.ndarray:
    """Rows of each policy's first cash-equivalent premium that follows at least ``min_prior``
    premiums paid by other methods (a break of the policy's payment habit)."""
    idx = np.flatnonzero(prem)
    order, _ = order_by(book.pol[idx], book.t[idx])
    rows = idx[order]
    pol = book.pol[rows]
    is_cheq = cheq[rows]
    prior_other = group_cumsum_before(pol, (~is_cheq).astype(np.float64))
    prior_cheq = group_cumsum_before(pol, is_cheq.astype(np.float64))
    return rows[is_cheq & (prior_cheq == 0) & (prior_other >= min_prior)]


def l11_payment_method(book: Book, params: Parameters) -> Hits:
    r = params.rules["L11"]
    prem = book.kind == PREMIUM
    facts = np.full(book.n, "", dtype=object)
    fired = np.zeros(book.n, dtype=bool)
    cheq = prem & np.isin(book.method, [METHOD[m] for m in r["cash_equivalent_methods"] if m in METHOD])
    large = cheq & (book.amount >= r["cash_equivalent_min_amount"])
    for row in np.flatnonzero(large):
        facts[row] = f"premium CNY {_money(book.amount[row])} paid by a cash equivalent" + (
            f" (>= CNY {_money(r['cash_equivalent_min_amount'])})" if r["cash_equivalent_min_amount"] > 0 else ""
        )
    fired |= large
    if r["cash_equivalent_switch_min_prior"] > 0:
        switch = _cash_equivalent_switches(book, prem, cheq, r["cash_equivalent_switch_min_prior"])
        for row in switch[~fired[switch]]:
            facts[row] = (
                f"first premium by a cash equivalent (CNY {_money(book.amount[row])}) after "
                f">= {r['cash_equivalent_switch_min_prior']} premiums paid otherwise"
            )
        fired[switch] = True
    risky = prem & np.isin(book.country, r["high_risk_countries"])
    for row in np.flatnonzero(risky & ~fired):
        facts[row] = f"premium from high-risk jurisdiction {book.country[row]}"
    fired |= risky
    # Many source accounts: first use of each account on a policy, counted in a trailing window.
    idx = np.flatnonzero(prem & (book.account >= 0))
    order, _ = order_by(book.pol[idx], book.t[idx])
    rows = idx[order]
    pairs = book.pol[rows].astype(np.int64) * (2**31) + book.account[rows]
    _, first_pos = np.unique(pairs, return_index=True)
    firsts = rows[np.sort(first_pos)]
    forder, comp = order_by(book.pol[firsts], book.t[firsts])
    firsts = firsts[forder]
    start = window_start(comp, r["source_account_window_days"] * DAY)
    count = np.arange(len(firsts)) - start + 1
    ends = np.flatnonzero(count >= r["min_source_accounts"])
    if len(ends):
        many = firsts[members(start[ends], ends, len(firsts))]
        for row in many[~fired[many]]:
            facts[row] = (
                f">= {r['min_source_accounts']} source accounts on the policy "
                f"within {r['source_account_window_days']} days"
            )
        fired[many] = True
    rows = np.flatnonzero(fired)
    return Hits.make("L11", book, rows, r.weight, facts[rows])


def l12_opaque_ownership(book: Book, params: Parameters) -> Hits:
    """Policy-level: legal-entity policyholders the ownership look-through found opaque."""
    r = params.rules["L12"]
    if book.opaque_orgs.empty:
        return Hits.make("L12", book, [], r.weight, [], pols=[])
    pols = np.flatnonzero(np.isin(book.pol_holder, book.opaque_orgs.index.to_numpy()))
    reasons = book.opaque_orgs["reasons"].reindex(book.pol_holder[pols]).astype(str).to_numpy()
    facts = [f"opaque ownership of the policyholder: {x}" for x in reasons]
    return Hits.make("L12", book, np.full(len(pols), -1), r.weight, facts, pols=pols)


def _party_roles(book: Book) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(role, policy codes, party codes) for every party of every policy except payers."""
    pols = np.arange(len(book.pol_holder))
    roles = [("policyholder", pols, book.pol_holder), ("insured", pols, book.pol_insured)]
    b = book.pol_beneficiaries
    if len(b):
        roles.append(("beneficiary", b["pol"].to_numpy(), b["party"].to_numpy()))
    if len(book.org_owners):
        o = book.org_owners
        holder_pols = pols[book.pol_holder >= 0]
        # policies whose holder is an organisation with named beneficial owners
        org_to_pols = {}
        for p, h in zip(holder_pols, book.pol_holder[holder_pols], strict=True):
            org_to_pols.setdefault(int(h), []).append(int(p))
        pp, oo = [], []
        for org, owner in zip(o["org"].to_numpy(), o["owner"].to_numpy(), strict=True):
            for p in org_to_pols.get(int(org), ()):
                pp.append(p)
                oo.append(owner)
        roles.append(("beneficial_owner", np.array(pp, dtype=np.int64), np.array(oo, dtype=np.int64)))
    return roles


def l13_screening(book: Book, params: Parameters, roles=None) -> Hits:
    r = params.rules["L13"]
    hits = book.party_hit
    if hits.empty:
        return Hits.make("L13", book, [], r.weight, [], pols=[])
    hits = hits[hits["score"] >= r["min_hit_score"]]
    listed = hits.index.to_numpy()
    wanted = set(r["roles"])
    rows, pols, facts, conf = [], [], [], []

    def add(role, row_arr, pol_arr, party_arr):
        m = np.isin(party_arr, listed)
        for row, pol, party in zip(row_arr[m], pol_arr[m], party_arr[m], strict=True):
            h = hits.loc[party]
            rows.append(row)
            pols.append(pol)
            conf.append(bool(h["confirmed"]))
            facts.append(
                f"{role} {book.parties.refs([party])[0]} matches list entry {h['entry_id']}"
                + (f" ({h['matched_name']}, {h.get('method', '')})" if "matched_name" in h else "")
                + f" score {float(h['score']):.2f}"
                + (" CONFIRMED" if h["confirmed"] else "")
            )

    for role, pol_arr, party_arr in roles if roles is not None else _party_roles(book):
        if role in wanted:
            add(role, np.full(len(pol_arr), -1), pol_arr, party_arr)
    if "payer" in wanted:
        prem = np.flatnonzero((book.kind == PREMIUM) & np.isin(book.payer, listed))
        if r["payer_first_premium_only"] and len(prem):
            order, _ = order_by(book.pol[prem], book.t[prem])
            pairs = book.pol[prem][order].astype(np.int64) * (2**31) + book.payer[prem][order]
            _, first_idx = np.unique(pairs, return_index=True)
            prem = np.sort(prem[order[first_idx]])
        add("payer", prem, book.pol[prem], book.payer[prem])
    return Hits.make("L13", book, rows, r.weight, facts, pols=pols, confirmed=conf)


TRANSACTION_RULES = (
    l01_structuring,
    l02_lump_sum,
    l03_early_surrender,
    l04_cooling_off,
    l05_third_party_payout,
    l06_third_party_payer,
    l07_overpay_refund,
    l08_policy_loans,
    l09_beneficiary_churn,
    l11_payment_method,
)
STATE_RULES = (l10_linked_policies, l12_opaque_ownership, l13_screening)
