"""Policies of the demo insurer: who, which product, when, how much, and what became of them.

Pricing is in customers.demo.pricing; the formulas are documented in docs/demo-data.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from customers.demo import pricing
from customers.demo import reference as ref
from customers.demo.dates import add_months, age_at, business_day
from customers.demo.params import AS_OF, FIRST_ISSUE, GROWTH_PER_YEAR
from customers.demo.people import People

NAT = np.datetime64("NaT", "D")
STEP_MONTHS = {"annual": 12, "semiannual": 6, "quarterly": 3, "monthly": 1, "single": 12}
# Lapse: chance per policy year of stopping premiums (year 1, 2, ...), times a channel factor.
LAPSE_BY_YEAR = np.array([0.08, 0.06, 0.045, 0.035, 0.03, 0.025, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02])
LAPSE_CHANNEL = {"agency": 1.0, "bancassurance": 0.9, "telephone": 1.6, "online": 1.5, "broker": 1.1}
SURRENDER_BY_YEAR = np.array([0.004, 0.012, 0.02, 0.025, 0.03, 0.03, 0.03, 0.03, 0.03, 0.03, 0.03, 0.03, 0.03])
CANCEL_CHANNEL = {"agency": 0.015, "bancassurance": 0.035, "telephone": 0.06, "online": 0.04, "broker": 0.02}
LAPSE_GRACE_DAYS = 60
PROTECTION_LOADING = (0.25, 0.40)  # gross = net x (1 + loading), loading uniform in this range
SAVINGS_LOADING = (0.05, 0.15)


@dataclass
class Policies:
    product: np.ndarray  # index into reference.PRODUCTS
    holder: np.ndarray  # customer index
    insured: np.ndarray
    issue: np.ndarray  # datetime64[D]
    age: np.ndarray  # insured's age at issue
    policy_term: np.ndarray
    premium_term: np.ndarray
    single: np.ndarray  # bool: single premium
    frequency: np.ndarray  # filled by ledger.calibrate_frequency
    sum_assured: np.ndarray  # cents
    premium: np.ndarray  # annual premium, cents
    channel: np.ndarray
    agent: np.ndarray
    maturity: np.ndarray
    status: np.ndarray
    status_date: np.ndarray  # NaT while in force
    paid_until: np.ndarray  # premiums fall due up to this date (exclusive of the event)

    def __len__(self) -> int:
        return len(self.product)

    @property
    def ref(self) -> np.ndarray:
        return np.char.add("P", np.char.zfill(np.arange(1, len(self) + 1).astype(str), 9))


@dataclass
class Beneficiaries:
    policy: np.ndarray
    customer: np.ndarray
    position: np.ndarray


def _spec_array(attr: str) -> np.ndarray:
    return np.array([getattr(p, attr) for p in ref.PRODUCTS])


def _issue_dates(rng: np.random.Generator, n: int) -> np.ndarray:
    first, last = np.datetime64(FIRST_ISSUE, "D"), np.datetime64(AS_OF, "D")
    span = (last - first).astype(int)
    g = GROWTH_PER_YEAR / 365.25
    # Inverse CDF of a density growing like exp(g t) over [0, span].
    t = np.log1p(rng.random(n) * np.expm1(g * span)) / g
    issue = business_day(first + t.astype(int).astype("m8[D]"))
    return np.minimum(issue, np.busday_offset(last, 0, roll="backward"))


def _pick_in_window(rng, sorted_birth, order, lo_excl, hi) -> tuple[np.ndarray, np.ndarray]:
    """A random person born in (lo_excl, hi]; returns (customer index, found flag)."""
    lo_i = np.searchsorted(sorted_birth, lo_excl, side="right")
    hi_i = np.searchsorted(sorted_birth, hi, side="right")
    found = hi_i > lo_i
    pos = lo_i + (rng.random(len(lo_i)) * np.maximum(hi_i - lo_i, 1)).astype(int)
    return order[np.minimum(pos, len(order) - 1)], found


def _insureds(rng, people: People, product: np.ndarray, issue: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    persons = np.flatnonzero(people.kind == "person")
    order = persons[np.argsort(people.birth[persons], kind="stable")]
    sorted_birth = people.birth[order]
    min_age, max_age = _spec_array("min_age"), _spec_array("max_age")
    fallback = [i for i, p in enumerate(ref.PRODUCTS) if not p.group and p.max_age - p.min_age >= 60]
    insured = np.zeros(len(product), dtype=np.int64)
    todo = np.arange(len(product))
    for _attempt in range(10):
        hi = add_months(issue[todo], -12 * min_age[product[todo]])
        lo = add_months(issue[todo], -12 * (max_age[product[todo]] + 1))
        pick, found = _pick_in_window(rng, sorted_birth, order, lo, hi)
        insured[todo[found]] = pick[found]
        todo = todo[~found]
        if not len(todo):
            break
        # Nobody of a fitting age in a tiny book: sell a product with a wide age range instead.
        product[todo] = rng.choice(fallback, size=len(todo))
    if len(todo):
        raise ValueError("the demo book is too small to find insureds of a fitting age")
    return insured, product


def _holders(rng, people: People, product, insured, issue) -> np.ndarray:
    """Usually the insured; a parent for children; sometimes a spouse; the employer for group cover."""
    persons = np.flatnonzero(people.kind == "person")
    order = persons[np.argsort(people.birth[persons], kind="stable")]
    sorted_birth = people.birth[order]
    birth = people.birth[insured]
    holder = insured.copy()
    child = age_at(birth, issue) < 18
    spouse = ~child & (rng.random(len(insured)) < 0.15)
    parent, found_parent = _pick_in_window(
        rng, sorted_birth, order, add_months(birth, -12 * 45), add_months(birth, -12 * 20)
    )
    adult, _ = _pick_in_window(rng, sorted_birth, order, add_months(issue, -12 * 80), add_months(issue, -12 * 18))
    holder[child] = np.where(found_parent, parent, adult)[child]
    hi = np.minimum(add_months(birth, 12 * 8), add_months(issue, -12 * 18))
    mate, found_mate = _pick_in_window(rng, sorted_birth, order, add_months(birth, -12 * 8), hi)
    holder[spouse & found_mate] = mate[spouse & found_mate]
    group = _spec_array("group")[product]
    orgs = np.flatnonzero(people.kind == "organisation")
    if len(orgs):
        # A few employers buy most group cover.
        w = 1.0 / (np.arange(len(orgs)) + 3.0)
        holder[group] = rng.choice(orgs, size=int(group.sum()), p=w / w.sum())
    return holder


def _choice(rng, options, weights, n) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    return np.asarray(options)[rng.choice(len(options), size=n, p=w / w.sum())]


def _terms(rng, spec: ref.ProductSpec, age: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(policy term, premium term) in years; premium term 1 with the single flag means single."""
    n = len(age)
    whole = 105 - age
    if spec.kind == "term":
        policy = np.maximum(np.minimum(_choice(rng, [10, 20, 30], [0.3, 0.45, 0.25], n), 75 - age), 5)
        return policy, policy.copy()
    if spec.kind == "whole_life":
        return whole, _choice(rng, [1, 5, 10, 20], [0.1, 0.2, 0.4, 0.3], n)
    if spec.code == "EN02":  # education fund: pays out at 22
        policy = np.maximum(22 - age, 8)
        return policy, np.minimum(_choice(rng, [5, 10], [0.5, 0.5], n), policy)
    if spec.kind == "endowment":
        policy = _choice(rng, [10, 15, 20], [0.3, 0.4, 0.3], n)
        return policy, np.minimum(_choice(rng, [1, 3, 5, 10], [0.15, 0.25, 0.3, 0.3], n), policy)
    if spec.kind == "critical_illness":
        policy = np.where(rng.random(n) < 0.7, whole, np.maximum(70 - age, 10))
        return policy, np.minimum(_choice(rng, [10, 20, 30], [0.3, 0.45, 0.25], n), policy)
    if spec.kind == "medical":
        years = 1 if spec.group else 6  # group cover is yearly; individual guarantees renewal for 6
        return np.full(n, years), np.full(n, years)
    if spec.kind == "annuity":
        return np.maximum(85 - age, 10), _choice(rng, [1, 3, 5, 10], [0.5, 0.1, 0.15, 0.25], n)
    if spec.kind == "universal_life":
        return whole, _choice(rng, [1, 5, 10, 20], [0.4, 0.2, 0.25, 0.15], n)
    return whole, _choice(rng, [1, 5, 10], [0.6, 0.2, 0.2], n)  # investment-linked


def _sum_assured(rng, spec: ref.ProductSpec, n: int) -> np.ndarray:
    """Whole yuan."""
    if len(spec.sa) != 3 or spec.sa[1] >= 1:  # a tuple of fixed limits
        return _choice(rng, spec.sa, np.ones(len(spec.sa)), n).astype(np.int64)
    median, sigma, step = spec.sa
    raw = median * rng.lognormal(0.0, sigma, n)
    return np.maximum(np.round(raw / step), 1).astype(np.int64) * step


def annual_premium(spec: ref.ProductSpec, sex, age, policy_term, premium_term, single, sum_assured, loading):
    """Gross annual premium in yuan (float). Protection: the net premium of
    customers.demo.pricing (a single premium is m = 1: N_x - N_{x+1} = D_x, the net single
    premium) times 1 + loading. Savings: sum assured spread over the premium term, loaded."""
    if spec.kind in ref.PROTECTION_KINDS:
        m = np.where(single, 1, premium_term)
        net = np.zeros(len(age))
        for s in ("M", "F"):
            sel = sex == s
            table = pricing.table_for(spec.table, s)
            net[sel] = pricing.net_rate(table, spec.incidence, age[sel], policy_term[sel], m[sel])
        return sum_assured * net * (1 + loading)
    return sum_assured / np.where(single, 1, premium_term) * (1 + loading)


def _price(rng, spec, people, idx, pol: dict) -> None:
    n = len(idx)
    sa = _sum_assured(rng, spec, n)
    lo, hi = PROTECTION_LOADING if spec.kind in ref.PROTECTION_KINDS else SAVINGS_LOADING
    loading = rng.uniform(lo, hi, n)
    sex = people.sex[pol["insured"][idx]]
    gross = annual_premium(
        spec, sex, pol["age"][idx], pol["policy_term"][idx], pol["premium_term"][idx], pol["single"][idx], sa, loading
    )
    pol["sum_assured"][idx] = sa * 100
    pol["premium"][idx] = np.maximum(np.round(gross * 100), 100).astype(np.int64)


def _channels(rng, spec, n: int, agents: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    channel = _choice(rng, ref.CHANNELS, spec.channels, n)
    n_agency = max(int(len(agents) * 0.8), 1)
    agency_w = 1.0 / (np.arange(n_agency) + 5.0)
    agent = np.full(n, "", dtype="U8")
    is_agency, is_bank = channel == "agency", channel == "bancassurance"
    agent[is_agency] = agents[rng.choice(n_agency, size=int(is_agency.sum()), p=agency_w / agency_w.sum())]
    bank_pool = agents[n_agency:] if len(agents) > n_agency else agents
    agent[is_bank] = rng.choice(bank_pool, size=int(is_bank.sum()))
    return channel, agent


def agent_codes(rng, count: int) -> np.ndarray:
    numbers = np.sort(rng.choice(np.arange(100, 999_999), size=count, replace=False))
    return np.char.add("A", np.char.zfill(numbers.astype(str), 6))


def _claim_rate(spec: ref.ProductSpec, sex: np.ndarray, age: np.ndarray) -> np.ndarray:
    """Chance per policy year that the policy ends by a claim: death (or diagnosis for
    critical illness). Medical claims do not end the cover; the ledger pays those."""
    if spec.kind == "medical":
        return np.zeros(len(age))
    rate = np.zeros(len(age))
    for s in ("M", "F"):
        qx = np.asarray(pricing.annual_qx(pricing.table_for(spec.table, s)))
        sel = sex == s
        rate[sel] = np.minimum(qx[np.minimum(age[sel], len(qx) - 1)] * spec.incidence, 1.0)
    return rate


def _fates(rng, people: People, pol: dict) -> None:
    """Cooling-off cancellations, then policy year by policy year: claim, lapse or surrender."""
    n = len(pol["product"])
    as_of = np.datetime64(AS_OF, "D")
    issue, channel = pol["issue"], pol["channel"]
    specs = [ref.PRODUCTS[i] for i in pol["product"]]
    kind = np.array([s.kind for s in specs])
    sex = people.sex[pol["insured"]]
    status = np.full(n, "in_force", dtype="U12")
    status_date = np.full(n, NAT)
    paid_until = np.full(n, as_of)
    cooling = np.array([s.cooling_off_days for s in specs])
    cancel_p = np.array([CANCEL_CHANNEL[c] for c in channel])
    cancel = (rng.random(n) < cancel_p) & (issue < as_of)
    days = 1 + (rng.random(n) * cooling).astype(int)
    status[cancel] = "cancelled"
    status_date[cancel] = np.minimum(business_day(issue + days.astype("m8[D]")), as_of)[cancel]
    paid_until[cancel] = issue[cancel]

    end = np.minimum(pol["maturity"], as_of)
    alive = ~cancel
    lapse_factor = np.array([LAPSE_CHANNEL[c] for c in channel]) * np.where(kind == "medical", 1.5, 1.0)
    surrender_factor = np.where(channel == "bancassurance", 1.5, 1.0) * np.where(kind == "investment_linked", 1.5, 1.0)
    can_surrender = np.isin(kind, ref.CASH_VALUE_KINDS)
    for year in range(len(LAPSE_BY_YEAR)):
        start, stop = add_months(issue, 12 * year), add_months(issue, 12 * (year + 1))
        active = alive & (start < end)
        if not active.any():
            break
        u = rng.random(n)
        when = start + (rng.random(n) * (stop - start).astype(int)).astype(int).astype("m8[D]")
        live = active & (when <= end)
        p_claim = np.zeros(n)
        for i, spec in enumerate(ref.PRODUCTS):
            sel = pol["product"] == i
            if sel.any():
                p_claim[sel] = _claim_rate(spec, sex[sel], pol["age"][sel] + year)
        paying = ~pol["single"] & (year < pol["premium_term"])
        p_lapse = np.where(paying, LAPSE_BY_YEAR[year] * lapse_factor, 0.0)
        p_surr = np.where(can_surrender, SURRENDER_BY_YEAR[year] * surrender_factor, 0.0)
        claim = live & (u < p_claim)
        lapse = live & ~claim & (u < p_claim + p_lapse) & (when + LAPSE_GRACE_DAYS <= as_of)
        surr = live & ~claim & ~lapse & (u >= p_claim + p_lapse) & (u < p_claim + p_lapse + p_surr)
        for flag, name, day in (
            (claim, "claimed", when),
            (lapse, "lapsed", when + LAPSE_GRACE_DAYS),
            (surr, "surrendered", when),
        ):
            status[flag] = name
            status_date[flag] = day[flag]
            paid_until[flag] = when[flag] - np.timedelta64(1, "D")
        alive &= ~(claim | lapse | surr)
    matured = alive & (pol["maturity"] <= as_of)
    status[matured] = "matured"
    status_date[matured] = pol["maturity"][matured]
    paid_until[matured] = pol["maturity"][matured] - np.timedelta64(1, "D")
    # An event on the issue day still follows the first premium.
    pol.update(status=status, status_date=status_date, paid_until=np.maximum(paid_until, issue))


def generate_policies(rng, people: People, n: int, agents: np.ndarray) -> Policies:
    weights = _spec_array("weight").astype(float)
    product = rng.choice(len(ref.PRODUCTS), size=n, p=weights / weights.sum())
    issue = _issue_dates(rng, n)
    insured, product = _insureds(rng, people, product, issue)
    pol = {"product": product, "issue": issue, "insured": insured, "age": age_at(people.birth[insured], issue)}
    pol["holder"] = _holders(rng, people, product, insured, issue)
    for key, dtype in (
        ("policy_term", np.int64),
        ("premium_term", np.int64),
        ("sum_assured", np.int64),
        ("premium", np.int64),
    ):
        pol[key] = np.zeros(n, dtype=dtype)
    pol["single"] = np.zeros(n, dtype=bool)
    pol["channel"] = np.empty(n, dtype="U14")
    pol["agent"] = np.empty(n, dtype="U8")
    for i, spec in enumerate(ref.PRODUCTS):
        idx = np.flatnonzero(product == i)
        if not len(idx):
            continue
        policy_term, premium_term = _terms(rng, spec, pol["age"][idx])
        pol["single"][idx] = (premium_term == 1) & (spec.kind != "medical")
        pol["policy_term"][idx] = policy_term
        pol["premium_term"][idx] = np.minimum(premium_term, policy_term)
        _price(rng, spec, people, idx, pol)
        pol["channel"][idx], pol["agent"][idx] = _channels(rng, spec, len(idx), agents)
    pol["maturity"] = add_months(issue, 12 * pol["policy_term"])
    _fates(rng, people, pol)
    pol["frequency"] = np.where(pol["single"], "single", "annual").astype("U10")
    return Policies(**pol)


def generate_beneficiaries(rng, people: People, policies: Policies) -> Beneficiaries:
    """0-3 named beneficiaries on policies that pay on death (not medical cover)."""
    kinds = np.array([ref.PRODUCTS[i].kind for i in policies.product])
    counts = np.where(kinds == "medical", 0, rng.choice([0, 1, 2, 3], size=len(policies), p=[0.35, 0.4, 0.18, 0.07]))
    policy = np.repeat(np.arange(len(policies)), counts)
    persons = np.flatnonzero(people.kind == "person")
    customer = rng.choice(persons, size=len(policy))
    keep = customer != policies.insured[policy]
    pair = policy.astype(np.int64) * (len(people) + 1) + customer
    _, first = np.unique(pair, return_index=True)
    unique = np.zeros(len(policy), dtype=bool)
    unique[first] = True
    keep &= unique
    policy, customer = policy[keep], customer[keep]
    starts = np.r_[True, policy[1:] != policy[:-1]]
    group_start = np.maximum.accumulate(np.where(starts, np.arange(len(policy)), 0))
    position = np.arange(len(policy)) - group_start + 1
    return Beneficiaries(policy, customer, position)
