"""Monthly cash-flow projection of model points over a set of deterministic scenarios.

Semantics follow lifelib's basiclife BasicTerm_M, extended to in-force and future business as
lifelib's BasicTerm_ME does (``duration_mth``):

* month ``t`` runs from t to t+1 after the valuation date; every cash flow of month t is
  discounted with ``v_t`` (curves.py), i.e. at the start of the month, as lifelib does;
* ``duration_mth(t) = duration_mth + t``; policy year ``d = duration_mth(t) // 12``; attained
  age ``age_at_entry + d``; select column ``min(d, select_years)``;
* a point with ``duration_mth > 0`` is in force at t = 0; a point with ``duration_mth <= 0`` is
  new business written in month ``t = -duration_mth`` (so 0 means written at the valuation
  date, in month 0); future new business (``duration_mth < 0``) is scaled by the scenario's
  ``new_business_mult``;
* the projection of a point ends at ``t = 12 * policy_term - duration_mth`` (its maturity).

Decrement order within month t (lifelib ``pols_if_at`` timings BEF_MAT -> BEF_NB -> BEF_DECR):

1. maturities: if ``duration_mth(t) == 12 * policy_term`` all policies in force mature;
2. new business: ``policy_count`` (times ``new_business_mult`` if future) joins when
   ``duration_mth(t) == 0``;
3. deaths: ``pols_if * q_monthly``; then lapses: ``(pols_if - deaths) * lapse_monthly`` -
   lapses act on the survivors of the month's deaths;
4. ``pols_if(t+1) = pols_if(t) - deaths - lapses`` (before the next maturity).

(Computed as ``pols_if * (1 - q) * lapse`` and ``pols_if * (1 - q) * (1 - lapse)``: the same
quantities, differing from lifelib's order of operations only at the last bit, ~1e-15
relative on the total; it makes the month-to-month dependency one multiplication.)

Cash flows in month t, on the policies in force after step 2: premiums ``premium_pp *
pols_if``; claims ``sum_assured * deaths``; expenses ``acquisition * new business +
pols_if * maintenance / 12 * (1 + inflation)^(t / 12)``; commissions ``rate(d) * premiums``
(basiclife: 100% in policy year 0). When ``premium_pp`` is absent it is priced as lifelib
prices it: ``round((1 + loading) * PV(claims) / PV(pols_if), 2)`` for one policy from issue,
discounted on the basis's pricing curve (contractual, so the same in every scenario).

Product kinds beyond level-premium term (the optional model-point columns, modelpoints.py;
docs/actuarial.md "Product kinds valued"), all in the same monthly walk:

* premiums are paid only while ``duration_mth(t) < 12 * premium_term`` (limited pay), or only
  in policy month 0 for a single premium (``premium_term = 0``); commissions follow premiums;
* lapses (regular premiums stopping) apply only while regular premiums are payable: a
  paid-up policy, a single-premium policy or an annuity in payment stays in force until death or the term's end
  (surrender values are not modelled);
* maturity: ``maturity_benefit * pols_if`` at ``t = 12 * policy_term - duration_mth``,
  discounted with ``v`` of that month (the same month whose policies are counted as matured);
* annuity: ``annuity_pp / annuity_frequency * pols_if`` at the start of each payment month
  (monthly, or each policy anniversary for yearly payments) from policy month
  ``12 * annuity_start`` until the term ends - an annuity-due; an immediate annuity is one
  with its first payment a period later (``annuity_start = 1`` for yearly payments).

Scenario transforms are applied exactly as ``ScenarioSet``'s docstring states, on annual
rates, by projection year ``y = t // 12``, before the monthly conversion.

Two implementations share the prepared arrays: :func:`_reference_kernel` (plain numpy, vectorised
over points, a loop over months) and the fused numba kernel in ``projection_kernel.py`` (one
pass per point and scenario, months innermost, state in registers; prange over chunks of
points). They do the same operations in the same order and agree to rounding (the tests hold
them to 1e-12 relative); the numba one is the default.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from risk.engine.assumptions import Basis
from risk.engine.curves import discount_factors_by_scenario
from risk.engine.modelpoints import ModelPoints, check_against_basis
from risk.engine.projection_kernel import CASHFLOWS, PRESENT_VALUES, numba_kernel
from risk.engine.scenario_set import ScenarioSet
from risk.engine.tables import monthly_rate

ENGINES = ("numba", "numpy")
CRITICAL_ILLNESS = "critical_illness"  # the decrement (modelpoints.py) valued on q x the basis's incidence


@dataclass(frozen=True)
class PreparedRun:
    """Everything the kernels read: rates per (scenario, month) looked up, not recomputed."""

    table_index: np.ndarray  # (P,) which table (the basis's sex -> table)
    age_offset: np.ndarray  # (P,) age at entry minus the first age of the combined tables
    term_mth: np.ndarray  # (P,)
    duration_mth: np.ndarray  # (P,)
    policy_count: np.ndarray  # (P,)
    sum_assured: np.ndarray  # (P,)
    premium_pp: np.ndarray  # (P,)
    new_business_mult: np.ndarray  # (P, S): the scenario factor for future new business, else 1
    q_monthly: np.ndarray  # (years, tables, ages, select columns, S)
    lapse_monthly: np.ndarray  # (years, policy years, S)
    maintenance_monthly: np.ndarray  # (months, S) per policy, inflated
    discount: np.ndarray  # (months, S)
    commission: np.ndarray  # (policy years,)
    acquisition: float
    rates_settled_year: np.ndarray  # (S,) first projection year from which q and lapse stop changing
    # Benefit shape per point (defaults describe level-premium term; modelpoints.py):
    premium_end_mth: np.ndarray  # (P,) premiums are paid while duration_mth < this (1 = single premium)
    maturity_benefit: np.ndarray  # (P,) paid per policy in force at the end of the term
    annuity_payment: np.ndarray  # (P,) one annuity payment per policy (annual amount / payments a year)
    annuity_start_mth: np.ndarray  # (P,) duration month of the first annuity payment
    annuity_step_mth: np.ndarray  # (P,) months between annuity payments (1 or 12)

    @property
    def months(self) -> int:
        return self.discount.shape[0]


@dataclass(frozen=True)
class ProjectionResult:
    scenario_names: tuple[str, ...]
    point_id: np.ndarray
    premium_pp: np.ndarray  # the premiums used (given or priced)
    policies_at_valuation: np.ndarray  # (P,) in force at t = 0 (before month 0's new business)
    pv: dict[str, np.ndarray]  # name -> (S, P): pv_premiums, pv_claims, ..., pv_net_cf
    cashflows: dict[str, np.ndarray] | None  # name -> (S, months), summed over points

    @property
    def bel(self) -> np.ndarray:
        """Best-estimate liability per point and scenario: PV(claims + maturities + annuities +
        expenses + commissions - premiums) = -pv_net_cf (positive = a liability)."""
        return -self.pv["pv_net_cf"]

    def reserve_per_policy(self, scenario: int = 0) -> np.ndarray:
        """BEL per policy in force at the valuation date (NaN for points not yet written)."""
        count = self.policies_at_valuation
        return np.divide(self.bel[scenario], count, out=np.full(count.shape, np.nan), where=count > 0)

    def points(self, scenario: int = 0) -> pd.DataFrame:
        data = {name: values[scenario] for name, values in self.pv.items()}
        frame = pd.DataFrame(data, index=pd.Index(self.point_id, name="point_id"))
        frame["bel"] = self.bel[scenario]
        frame["premium_pp"] = self.premium_pp
        return frame

    def totals(self) -> pd.DataFrame:
        """One row per scenario: the present values summed over points, and the BEL."""
        frame = pd.DataFrame({name: values.sum(axis=1) for name, values in self.pv.items()})
        frame["bel"] = -frame["pv_net_cf"]
        frame.index = pd.Index(self.scenario_names, name="scenario")
        return frame

    def cashflow_frame(self, scenario: int = 0) -> pd.DataFrame:
        if self.cashflows is None:
            raise ValueError("this run was made without cash flows (cashflows=False)")
        frame = pd.DataFrame({name: values[scenario] for name, values in self.cashflows.items()})
        net = frame["premiums"] - frame["claims"] - frame["expenses"] - frame["commissions"]
        frame["net_cf"] = net - frame["maturities"] - frame["annuities"]
        frame.index.name = "month"
        return frame


def _extend_years(arr: np.ndarray, years: int) -> np.ndarray:
    """Rows of a ScenarioSet array over ``years`` projection years, the last value held."""
    idx = np.minimum(np.arange(years), arr.shape[1] - 1)
    return arr[:, idx]


def _monthly_mortality(basis: Basis, scenarios: ScenarioSet, years: int) -> tuple[np.ndarray, int, dict[str, int]]:
    """q_monthly[y, table, age - first age, select column, s] after the scenario transform.

    The tables are the basis's death and annuitant tables, then, when the basis gives a
    critical_illness_incidence, each death table's q times it (clipped at 1), keyed
    "<table>|critical_illness". The scenario's mortality transform applies to every one (the
    scenario sets have no separate morbidity shock)."""
    names = basis.table_names()
    tables = [basis.table_for_sex(sex) for sex in sorted(basis.mortality)]
    tables += [basis.table_for_sex(sex, "annuitant") for sex in sorted(basis.annuity_mortality)]
    by_name = {t.name: t for t in tables}
    incidence = basis.critical_illness_incidence
    illness = [f"{name}|{CRITICAL_ILLNESS}" for name in sorted(set(basis.mortality.values()))] if incidence else []
    first_age = min(t.min_age for t in by_name.values())
    last_age = max(t.max_age for t in by_name.values())
    columns = max(t.select_years for t in by_name.values()) + 1
    annual = np.empty((len(names) + len(illness), last_age - first_age + 1, columns))
    for i, name in enumerate(names + illness):
        table = by_name[name.split("|")[0]]
        # Ages outside a table are never reached (check_against_basis); hold the edge values.
        rows = np.clip(np.arange(first_age, last_age + 1), table.min_age, table.max_age) - table.min_age
        cols = np.minimum(np.arange(columns), table.select_years)
        annual[i] = table.qx[np.ix_(rows, cols)]
    base = np.clip(annual * basis.mortality_scaling, 0.0, 1.0)
    if illness:
        base[len(names) :] = np.clip(base[len(names) :] * incidence, 0.0, 1.0)
    mult = _extend_years(scenarios.mortality_mult, years).T  # (years, S)
    add = _extend_years(scenarios.mortality_add, years).T
    shocked = np.clip(base[None, :, :, :, None] * mult[:, None, None, None, :] + add[:, None, None, None, :], 0.0, 1.0)
    return monthly_rate(shocked), first_age, {name: i for i, name in enumerate(names + illness)}


def _monthly_lapse(basis: Basis, scenarios: ScenarioSet, years: int, policy_years: int) -> np.ndarray:
    annual = basis.lapse_rate(np.arange(policy_years))  # (D,)
    mult = _extend_years(scenarios.lapse_mult, years).T[:, None, :]  # (Y, 1, S)
    floor = _extend_years(scenarios.lapse_floor, years).T[:, None, :]
    shocked = np.clip(np.maximum(annual[None, :, None] * mult, floor), 0.0, 1.0)
    return monthly_rate(shocked)


def _table_index(points: ModelPoints, basis: Basis, table_ids: dict[str, int]) -> np.ndarray:
    """Per point, its rates' row in q_monthly: by sex and decrement (check_against_basis has
    refused a decrement the basis cannot give)."""
    index = np.empty(len(points), dtype=np.int64)
    for sex, table in basis.mortality.items():
        of_sex = points.sex == sex
        index[of_sex] = table_ids[table]
        illness = of_sex & (points.decrement == CRITICAL_ILLNESS)
        if illness.any():
            index[illness] = table_ids[f"{table}|{CRITICAL_ILLNESS}"]
    for sex, table in basis.annuity_mortality.items():
        index[(points.sex == sex) & (points.decrement == "annuitant")] = table_ids[table]
    return index


def _settled_year(q_monthly: np.ndarray, lapse_monthly: np.ndarray) -> np.ndarray:
    """Per scenario, the first projection year after which the monthly rates no longer change
    with the year (0 for an unshocked scenario, 1 for a one-year catastrophe). The kernel then
    only breaks its month loop at policy anniversaries: fewer, longer runs of months."""
    years, n_scen = q_monthly.shape[0], q_monthly.shape[-1]
    settled = np.zeros(n_scen, dtype=np.int64)
    for s in range(n_scen):
        y = years - 1
        while (
            y > 0
            and np.array_equal(q_monthly[y - 1, ..., s], q_monthly[-1, ..., s])
            and np.array_equal(lapse_monthly[y - 1, :, s], lapse_monthly[-1, :, s])
        ):
            y -= 1
        settled[s] = y
    return settled


def projection_months(points: ModelPoints) -> int:
    """Months projected: lifelib's proj_len for the longest point (to its maturity month)."""
    return int(max(1, np.max(points.policy_term * 12 - points.duration_mth + 1)))


def prepare(
    points: ModelPoints, basis: Basis, scenarios: ScenarioSet, premium_pp: np.ndarray, *, checked: bool = False
) -> PreparedRun:
    """The kernels' inputs; ``checked`` skips check_against_basis when the caller has run it."""
    if not checked:
        check_against_basis(points, basis)
    term_mth = points.policy_term * 12
    months = projection_months(points)
    years = (months - 1) // 12 + 1
    policy_years = int(points.policy_term.max())
    q_monthly, first_age, table_ids = _monthly_mortality(basis, scenarios, years)
    lapse_monthly = _monthly_lapse(basis, scenarios, years, policy_years)
    infl = basis.inflation_rate + scenarios.inflation_add  # (S,)
    t = np.arange(months)[:, None]
    maintenance = basis.maintenance_expense * scenarios.expense_mult / 12.0 * (1.0 + infl) ** (t / 12.0)
    future = points.duration_mth < 0
    nb_mult = np.where(future[:, None], scenarios.new_business_mult[None, :], 1.0)
    return PreparedRun(
        table_index=_table_index(points, basis, table_ids),
        age_offset=(points.age_at_entry - first_age).astype(np.int64),
        term_mth=term_mth.astype(np.int64),
        duration_mth=points.duration_mth.astype(np.int64),
        policy_count=points.policy_count.astype(float),
        sum_assured=points.sum_assured.astype(float),
        premium_pp=np.asarray(premium_pp, dtype=float),
        new_business_mult=np.ascontiguousarray(nb_mult),
        q_monthly=np.ascontiguousarray(q_monthly),
        lapse_monthly=np.ascontiguousarray(lapse_monthly),
        maintenance_monthly=np.ascontiguousarray(maintenance),
        discount=np.ascontiguousarray(discount_factors_by_scenario(scenarios.spot_rates, months).T),
        commission=basis.commission_rate(np.arange(policy_years)).astype(float),
        acquisition=float(basis.acquisition_expense),
        rates_settled_year=_settled_year(q_monthly, lapse_monthly),
        **_benefit_arrays(points),
    )


def _benefit_arrays(points: ModelPoints) -> dict[str, np.ndarray]:
    premium_term = points.premium_term.astype(np.int64)
    step = (12 // points.annuity_frequency).astype(np.int64)
    return {
        "premium_end_mth": np.where(premium_term == 0, 1, 12 * premium_term).astype(np.int64),
        "maturity_benefit": points.maturity_benefit.astype(float),
        "annuity_payment": (points.annuity_pp / points.annuity_frequency).astype(float),
        "annuity_start_mth": (12 * points.annuity_start).astype(np.int64),
        "annuity_step_mth": step,
    }


@dataclass(frozen=True)
class MonthState:
    """One month of the decrement walk, for all points and scenarios ((P, S) arrays)."""

    t: int
    pols_if: np.ndarray  # in force after the month's maturities and new business
    new: np.ndarray
    matured: np.ndarray
    q: np.ndarray
    lapse: np.ndarray
    commission_rate: np.ndarray  # (P, 1), 0 once premiums have stopped
    paying: np.ndarray  # (P, 1) 1.0 while premiums are payable, else 0.0
    annuity_due: np.ndarray  # (P, 1) 1.0 in a month with an annuity payment, else 0.0


def _months(run: PreparedRun):
    """The decrement walk month by month (projection.py's docstring, steps 1-4), vectorised
    over points and scenarios; consumers add up what they need (present values, cash flows,
    per-point unit flows for stochastic.py). Discounting is the consumer's."""
    dur0, term = run.duration_mth, run.term_mth
    pif = np.where(dur0 > 0, run.policy_count, 0.0)[:, None] * np.ones(run.new_business_mult.shape[1])
    n_years, _, n_ages, n_sel, _ = run.q_monthly.shape
    annuitant = run.annuity_payment > 0
    for t in range(run.months):
        dm = dur0 + t
        matured = np.where((dm == term)[:, None], pif, 0.0)
        pif = np.where((dm == term)[:, None], 0.0, pif)
        new = np.where((dm == 0)[:, None], run.policy_count[:, None] * run.new_business_mult, 0.0)
        pif = pif + new
        d = np.maximum(dm, 0) // 12
        y = min(t // 12, n_years - 1)
        paying = (dm < run.premium_end_mth)[:, None]
        q = run.q_monthly[y, run.table_index, np.minimum(run.age_offset + d, n_ages - 1), np.minimum(d, n_sel - 1)]
        lapsing = paying & (run.premium_end_mth > 1)[:, None]  # a single premium never lapses
        lapse = np.where(lapsing, run.lapse_monthly[y, np.minimum(d, run.lapse_monthly.shape[1] - 1)], 0.0)
        comm_rate = np.where(paying, run.commission[np.minimum(d, run.commission.size - 1)][:, None], 0.0)
        on_date = (run.annuity_step_mth == 1) | (dm % 12 == 0)
        due = annuitant & (dm >= run.annuity_start_mth) & (dm < term) & on_date
        yield MonthState(t, pif, new, matured, q, lapse, comm_rate, paying * 1.0, due[:, None] * 1.0)
        pif = pif * ((1.0 - q) * (1.0 - lapse))


def _reference_kernel(run: PreparedRun, with_cashflows: bool) -> tuple[np.ndarray, np.ndarray]:
    """Plain numpy: all points at once, one month at a time. The same operations in the same
    order as the numba kernel (unit sums scaled at the end), so the two agree to rounding;
    kept as the readable specification."""
    n_points, n_scen = run.new_business_mult.shape
    # pols_if x v, pols_if x q x v, expenses x v, commission rate x pols_if x v,
    # premium-paying pols_if x v, maturing pols x v, annuity-paying pols_if x v
    sums = np.zeros((7, n_points, n_scen))
    cf = np.zeros((run.months, len(CASHFLOWS), n_scen))
    pp, sa = run.premium_pp[:, None], run.sum_assured[:, None]
    maturity, annuity = run.maturity_benefit[:, None], run.annuity_payment[:, None]
    for m in _months(run):
        pif, new, q, lapse, comm_rate = m.pols_if, m.new, m.q, m.lapse, m.commission_rate
        v, maint = run.discount[m.t], run.maintenance_monthly[m.t]
        sums[2] += run.acquisition * new * v
        survive = 1.0 - q
        pols_v = pif * v
        sums[0] += pols_v
        sums[1] += pols_v * q
        sums[2] += pif * (maint * v)
        sums[3] += comm_rate * pols_v
        sums[4] += pols_v * m.paying
        sums[5] += m.matured * v
        sums[6] += pols_v * m.annuity_due
        if with_cashflows:
            deaths = pif * q
            flows = (pif, new, deaths, pif * (survive * lapse), m.matured, (pp * m.paying) * pif, sa * deaths)
            flows += (pif * maint + run.acquisition * new, comm_rate * (pp * pif))
            flows += (maturity * m.matured, annuity * (pif * m.annuity_due))
            for k, flow in enumerate(flows):
                cf[m.t, k, :] = flow.sum(axis=0)
    return _present_values(run, sums), cf


def _present_values(run: PreparedRun, sums: np.ndarray) -> np.ndarray:
    """(P, values, S) money from the unit sums (premium, sum assured and benefits applied once)."""
    n_points, n_scen = sums.shape[1], sums.shape[2]
    pp, sa = run.premium_pp[:, None], run.sum_assured[:, None]
    pv = np.empty((n_points, len(PRESENT_VALUES), n_scen))
    pv[:, 0], pv[:, 1], pv[:, 2], pv[:, 3], pv[:, 4] = pp * sums[4], sa * sums[1], sums[2], pp * sums[3], sums[0]
    pv[:, 6] = run.maturity_benefit[:, None] * sums[5]
    pv[:, 7] = run.annuity_payment[:, None] * sums[6]
    pv[:, 5] = pv[:, 0] - pv[:, 1] - pv[:, 2] - pv[:, 3] - pv[:, 6] - pv[:, 7]
    return pv


UNIT_FLOWS = ("pols_if", "deaths", "expenses", "commission_units", "paying", "matured", "annuity_pols")


def unit_flows(run: PreparedRun) -> np.ndarray:
    """(7, P, months) undiscounted unit flows of scenario 0, named by UNIT_FLOWS: pols_if,
    pols_if x q, expenses, commission rate x pols_if, premium-paying pols_if, maturing pols,
    annuity-paying pols_if. When nothing but discounting differs between scenarios, each
    scenario's unit sums are these flows times its discount factors (a matrix product), which
    is how stochastic.py values rate-independent business over many paths exactly."""
    flows = np.zeros((len(UNIT_FLOWS), run.new_business_mult.shape[0], run.months))
    maint = run.maintenance_monthly[:, 0]
    first = dataclasses.replace(
        run,
        new_business_mult=run.new_business_mult[:, :1],
        q_monthly=run.q_monthly[..., :1],
        lapse_monthly=run.lapse_monthly[..., :1],
    )
    for m in _months(first):
        pif = m.pols_if[:, 0]
        flows[0, :, m.t] = pif
        flows[1, :, m.t] = pif * m.q[:, 0]
        flows[2, :, m.t] = run.acquisition * m.new[:, 0] + pif * maint[m.t]
        flows[3, :, m.t] = m.commission_rate[:, 0] * pif
        flows[4, :, m.t] = pif * m.paying[:, 0]
        flows[5, :, m.t] = m.matured[:, 0]
        flows[6, :, m.t] = pif * m.annuity_due[:, 0]
    return flows


def _run_kernel(run: PreparedRun, engine: str, with_cashflows: bool) -> tuple[np.ndarray, np.ndarray]:
    if engine == "numpy":
        return _reference_kernel(run, with_cashflows)
    if engine == "numba":
        return numba_kernel(run, with_cashflows)
    raise ValueError(f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}")


def price_premiums(points: ModelPoints, basis: Basis, engine: str = "numba") -> np.ndarray:
    """premium_pp where given, else lifelib's: round((1 + loading) * PV(benefits) / PV(premium-
    paying pols_if)), for one policy from issue (duration 0) on the basis's pricing curve, no
    scenario shock. Benefits are claims, maturity and annuity payments; for level-premium term
    business that is lifelib's PV(claims) / PV(pols_if).

    Term claims are proportional to the sum assured, so the rate per unit is projected once per
    (sex, age at entry, term) and scaled, rather than once per point; other kinds are projected
    one policy per point.
    """
    premium = np.asarray(points.premium_pp, dtype=float).copy()
    missing = np.isnan(premium)
    term = np.flatnonzero(missing & points.is_level_term)
    other = np.flatnonzero(missing & ~points.is_level_term)
    if term.size:
        premium[term] = _price_term(points.subset(term), basis, engine)
    if other.size:
        premium[other] = _price_benefits(points.subset(other), basis, engine)
    return premium


def _price_term(points: ModelPoints, basis: Basis, engine: str) -> np.ndarray:
    sexes, sex_code = np.unique(points.sex, return_inverse=True)
    age, term = points.age_at_entry, points.policy_term
    key = (sex_code.astype(np.int64) * 1_000 + age) * 1_000 + term  # ages and terms are below 1,000
    _, first, which = np.unique(key, return_index=True, return_inverse=True)
    n = first.size
    unit = ModelPoints(
        point_id=np.arange(n, dtype=np.int64),
        age_at_entry=age[first],
        sex=sexes[sex_code[first]],
        policy_term=term[first],
        policy_count=np.ones(n),
        sum_assured=np.ones(n),
        duration_mth=np.zeros(n, dtype=np.int64),
        premium_pp=np.zeros(n),
    )
    run = prepare(unit, basis, ScenarioSet.base(basis.pricing_spot_curve), unit.premium_pp)
    pv, _ = _run_kernel(run, engine, with_cashflows=False)
    claims_per_unit = pv[:, PRESENT_VALUES.index("pv_claims"), 0] / pv[:, PRESENT_VALUES.index("pv_pols_if"), 0]
    net = points.sum_assured * claims_per_unit[which.ravel()]
    return np.around((1.0 + basis.premium_loading) * net, basis.premium_rounding)


def _price_benefits(points: ModelPoints, basis: Basis, engine: str) -> np.ndarray:
    n = len(points)
    unit = dataclasses.replace(
        points, policy_count=np.ones(n), duration_mth=np.zeros(n, dtype=np.int64), premium_pp=np.ones(n)
    )
    run = prepare(unit, basis, ScenarioSet.base(basis.pricing_spot_curve), unit.premium_pp)
    pv, _ = _run_kernel(run, engine, with_cashflows=False)
    at = PRESENT_VALUES.index
    benefits = pv[:, at("pv_claims"), 0] + pv[:, at("pv_maturities"), 0] + pv[:, at("pv_annuities"), 0]
    net = benefits / pv[:, at("pv_premiums"), 0]  # premium 1 per payment: the PV of the payments
    return np.around((1.0 + basis.premium_loading) * net, basis.premium_rounding)


def project(
    points: ModelPoints,
    basis: Basis,
    scenarios: ScenarioSet | None = None,
    *,
    engine: str = "numba",
    cashflows: bool = True,
) -> ProjectionResult:
    """Project every point under every scenario; ``scenarios`` defaults to the basis's pricing
    curve unshocked. ``cashflows=False`` skips the monthly totals (present values only)."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}")
    scenarios = scenarios or ScenarioSet.base(basis.pricing_spot_curve)
    check_against_basis(points, basis)  # before pricing, so a bad book is refused whole
    premium = price_premiums(points, basis, engine)
    run = prepare(points, basis, scenarios, premium, checked=True)
    pv, cf = _run_kernel(run, engine, cashflows)
    return ProjectionResult(
        scenario_names=scenarios.names,
        point_id=points.point_id,
        premium_pp=premium,
        policies_at_valuation=np.where(points.duration_mth > 0, points.policy_count, 0.0),
        pv={name: np.ascontiguousarray(pv[:, k, :].T) for k, name in enumerate(PRESENT_VALUES)},
        cashflows={name: np.ascontiguousarray(cf[:, k, :].T) for k, name in enumerate(CASHFLOWS)}
        if cashflows
        else None,
    )
