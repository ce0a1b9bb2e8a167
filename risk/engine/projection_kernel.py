"""The fused numba kernel of the projection (semantics: projection.py's docstring).

Why this shape: loops run point -> scenario -> segment -> month. A segment is a run of months
in which neither the policy year nor the projection year changes, so the month's mortality,
lapse and commission rates are read and combined once per segment, not once per month. For
one point under one scenario the whole life is carried in registers: the in-force count and
four running sums, so the innermost loop is a handful of multiply-adds on two streamed
arrays (discount factors and discounted maintenance, laid out by scenario then month). The
in-force count moves on by one product per month (``pols * keep``), so the month-to-month
dependency is a single multiplication and the running sums proceed in parallel.

Points are split into contiguous chunks, one prange iteration each; each chunk sums its own
monthly cash flows, so threads never write to the same memory. ``fastmath=False`` keeps IEEE
order, which is what lets the numpy reference (projection._reference_kernel), doing the same
operations in the same order, agree to rounding.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange

# pv_maturities and pv_annuities come last so the older positions (pv_net_cf = 5) stand.
PRESENT_VALUES = (
    "pv_premiums",
    "pv_claims",
    "pv_expenses",
    "pv_commissions",
    "pv_pols_if",
    "pv_net_cf",
    "pv_maturities",
    "pv_annuities",
)
CASHFLOWS = (
    "pols_if",
    "pols_new_biz",
    "pols_death",
    "pols_lapse",
    "pols_maturity",
    "premiums",
    "claims",
    "expenses",
    "commissions",
    "maturities",
    "annuities",
)
CHUNKS_PER_THREAD = 4  # enough chunks that a slow chunk does not leave a core idle
# Below this much work (points x scenarios x months) one thread is faster: waking the other
# thread costs from microseconds on an idle machine to milliseconds on a busy one, and a small
# run (premium pricing, lifelib's 10,000 x 241) takes only a few milliseconds on one core.
SERIAL_BELOW_POLICY_MONTHS = 4_000_000


@njit(fastmath=False, cache=True)
def _project_term_point(p, s, r, cf, with_cashflows):
    """One level-premium term point under one scenario over its whole life; returns the unit
    sums (pols_if x v, pols_if x q x v, expenses x v, commission rate x pols_if x v).

    Longer than the house limit on purpose: it is the fused loop, and splitting it into calls
    would put the running sums back in memory. It is the general loop below
    (_project_point_scenario) with the premium-end, annuity and maturity logic taken out: term
    books (the W2 benchmark, lifelib's models) run about 15 per cent faster for it, and its
    figures are those of the term-only kernel bit for bit.
    """
    term_mth, duration_mth, policy_count, sum_assured, premium_pp, nb_mult = r[2], r[3], r[4], r[5], r[6], r[7]
    q_monthly, lapse_monthly, maintenance, discount, maintenance_pv, commission, acquisition = r[8:15]
    settled = r[15][s]  # from this projection year on, the year no longer changes the rates
    n_ages, n_sel = q_monthly.shape[2], q_monthly.shape[3]
    dur0 = duration_mth[p]
    t_end = term_mth[p] - dur0  # the maturity month
    t = max(0, -dur0)  # in force now, or the month the policy is written
    tab, age0 = r[0][p], r[1][p]
    pp, sa = premium_pp[p], sum_assured[p]
    pols = policy_count[p] if dur0 > 0 else 0.0
    sum_pols, sum_deaths, sum_expenses, sum_commission = 0.0, 0.0, 0.0, 0.0
    while t < t_end:
        dm = dur0 + t
        if dm == 0:
            new = policy_count[p] * nb_mult[p, s]
            pols = pols + new
            sum_expenses += acquisition * new * discount[s, t]
            if with_cashflows:
                cf[s, t, 1] += new
                cf[s, t, 7] += acquisition * new
        d = dm // 12
        y = t // 12
        # Up to the next policy anniversary (or maturity), and to the next anniversary of the
        # valuation date while the scenario still changes the rates year by year.
        segment_end = min(t_end, t + 12 - dm % 12)
        if y < settled:
            segment_end = min(segment_end, t + 12 - t % 12)
        else:
            y = settled
        q = q_monthly[y, tab, min(age0 + d, n_ages - 1), min(d, n_sel - 1), s]
        lapse = lapse_monthly[y, min(d, lapse_monthly.shape[1] - 1), s]
        comm_rate = commission[min(d, commission.size - 1)]
        survive = 1.0 - q
        keep = survive * (1.0 - lapse)  # deaths first, then lapses among the survivors
        lapse_share = survive * lapse
        for month in range(t, segment_end):
            pols_v = pols * discount[s, month]
            sum_pols += pols_v
            sum_deaths += pols_v * q
            sum_expenses += pols * maintenance_pv[s, month]
            sum_commission += comm_rate * pols_v
            if with_cashflows:
                cf[s, month, 0] += pols
                cf[s, month, 2] += pols * q
                cf[s, month, 3] += pols * lapse_share
                cf[s, month, 5] += pp * pols
                cf[s, month, 6] += sa * (pols * q)
                cf[s, month, 7] += pols * maintenance[s, month]
                cf[s, month, 8] += comm_rate * (pp * pols)
            pols = pols * keep
        t = segment_end
    if with_cashflows:
        cf[s, t_end, 4] += pols  # every policy still in force matures
    return sum_pols, sum_deaths, sum_expenses, sum_commission


@njit(fastmath=False, cache=True)
def _project_point_scenario(p, s, r, cf, with_cashflows):
    """One point under one scenario over its whole life; returns the unit sums
    (pols_if x v, pols_if x q x v, expenses x v, commission rate x pols_if x v, premium-paying
    pols_if x v, maturing pols x v, annuity-paying pols_if x v).

    Longer than the house limit on purpose: it is the fused loop, and splitting it into calls
    would put the running sums back in memory.

    Product kinds other than level-premium term change only what happens at segment edges
    (premium end, annuity start and anniversaries are all segment edges), never the month
    loop: a premium-paying or annuity-paying segment's sum is read off ``sum_pols`` before and
    after it. For level-premium term business every added quantity is exactly 0.0 and every
    branch takes the old path, so its figures are bit-identical to the term-only kernel.
    """
    term_mth, duration_mth, policy_count, sum_assured, premium_pp, nb_mult = r[2], r[3], r[4], r[5], r[6], r[7]
    q_monthly, lapse_monthly, maintenance, discount, maintenance_pv, commission, acquisition = r[8:15]
    settled = r[15][s]  # from this projection year on, the year no longer changes the rates
    premium_end, annuity_start, annuity_step = r[16][p], r[19][p], r[20][p]
    maturity_benefit, annuity_payment = r[17][p], r[18][p]
    n_ages, n_sel = q_monthly.shape[2], q_monthly.shape[3]
    dur0 = duration_mth[p]
    t_end = term_mth[p] - dur0  # the maturity month
    t = max(0, -dur0)  # in force now, or the month the policy is written
    tab, age0 = r[0][p], r[1][p]
    pp, sa = premium_pp[p], sum_assured[p]
    pols = policy_count[p] if dur0 > 0 else 0.0
    full_pay = premium_end >= term_mth[p]
    annuitant = annuity_payment > 0.0
    sum_pols, sum_deaths, sum_expenses, sum_commission = 0.0, 0.0, 0.0, 0.0
    sum_paying, sum_annuity = 0.0, 0.0
    while t < t_end:
        dm = dur0 + t
        if dm == 0:
            new = policy_count[p] * nb_mult[p, s]
            pols = pols + new
            sum_expenses += acquisition * new * discount[s, t]
            if with_cashflows:
                cf[s, t, 1] += new
                cf[s, t, 7] += acquisition * new
        d = dm // 12
        y = t // 12
        # Up to the next policy anniversary (or maturity), and to the next anniversary of the
        # valuation date while the scenario still changes the rates year by year.
        segment_end = min(t_end, t + 12 - dm % 12)
        paying = dm < premium_end
        if paying:
            segment_end = min(segment_end, t + premium_end - dm)  # a single premium: one month
        if y < settled:
            segment_end = min(segment_end, t + 12 - t % 12)
        else:
            y = settled
        q = q_monthly[y, tab, min(age0 + d, n_ages - 1), min(d, n_sel - 1), s]
        # Lapse means regular premiums stop: a paid-up policy (single premium - its premium_end
        # is 1 - or after a limited premium term, an annuity in payment) does not lapse;
        # surrender values are not modelled.
        lapse = lapse_monthly[y, min(d, lapse_monthly.shape[1] - 1), s] if paying and premium_end > 1 else 0.0
        comm_rate = commission[min(d, commission.size - 1)] if paying else 0.0
        pp_paid = pp if paying else 0.0
        annuity_due = annuitant and dm >= annuity_start
        if annuity_due and annuity_step == 12 and dm % 12 == 0:
            sum_annuity += pols * discount[s, t]  # a yearly payment on the policy anniversary
            if with_cashflows:
                cf[s, t, 10] += annuity_payment * pols
        survive = 1.0 - q
        keep = survive * (1.0 - lapse)  # deaths first, then lapses among the survivors
        lapse_share = survive * lapse
        before, pols_at_start = sum_pols, pols
        for month in range(t, segment_end):
            pols_v = pols * discount[s, month]
            sum_pols += pols_v
            sum_deaths += pols_v * q
            sum_expenses += pols * maintenance_pv[s, month]
            sum_commission += comm_rate * pols_v
            if with_cashflows:
                cf[s, month, 0] += pols
                cf[s, month, 2] += pols * q
                cf[s, month, 3] += pols * lapse_share
                cf[s, month, 5] += pp_paid * pols
                cf[s, month, 6] += sa * (pols * q)
                cf[s, month, 7] += pols * maintenance[s, month]
                cf[s, month, 8] += comm_rate * (pp_paid * pols)
            pols = pols * keep
        if with_cashflows and annuity_due and annuity_step == 1:
            # Kept out of the month loop above, whose register use decides the kernel's speed.
            in_force = pols_at_start
            for month in range(t, segment_end):
                cf[s, month, 10] += annuity_payment * in_force
                in_force = in_force * keep
        if paying and not full_pay:
            sum_paying += sum_pols - before
        if annuity_due and annuity_step == 1:
            sum_annuity += sum_pols - before
        t = segment_end
    if full_pay:
        sum_paying = sum_pols
    sum_maturity = pols * discount[s, max(t_end, 0)] if maturity_benefit > 0.0 else 0.0
    if with_cashflows:
        cf[s, t_end, 4] += pols  # every policy still in force matures
        cf[s, t_end, 9] += maturity_benefit * pols
    return sum_pols, sum_deaths, sum_expenses, sum_commission, sum_paying, sum_maturity, sum_annuity


@njit(fastmath=False, cache=True)
def _project_points(first, last, r, pv, cf, with_cashflows):
    """Points first..last-1 under every scenario, into ``pv`` and this chunk's ``cf``."""
    sum_assured, premium_pp, maturity_benefit, annuity_payment, level_term = r[5], r[6], r[17], r[18], r[21]
    for p in range(first, last):
        for s in range(pv.shape[2]):
            if level_term[p]:  # maturities and annuities stay 0 (pv starts zeroed)
                sum_pols, sum_deaths, sum_expenses, sum_commission = _project_term_point(p, s, r, cf, with_cashflows)
                pv[p, 0, s] = premium_pp[p] * sum_pols
                pv[p, 1, s] = sum_assured[p] * sum_deaths
                pv[p, 2, s] = sum_expenses
                pv[p, 3, s] = premium_pp[p] * sum_commission
                pv[p, 4, s] = sum_pols
                pv[p, 5, s] = pv[p, 0, s] - pv[p, 1, s] - pv[p, 2, s] - pv[p, 3, s]
                continue
            sums = _project_point_scenario(p, s, r, cf, with_cashflows)
            sum_pols, sum_deaths, sum_expenses, sum_commission, sum_paying, sum_maturity, sum_annuity = sums
            # Unit sums to money: premium, sum assured and benefits applied once per point.
            pv[p, 0, s] = premium_pp[p] * sum_paying
            pv[p, 1, s] = sum_assured[p] * sum_deaths
            pv[p, 2, s] = sum_expenses
            pv[p, 3, s] = premium_pp[p] * sum_commission
            pv[p, 4, s] = sum_pols
            pv[p, 6, s] = maturity_benefit[p] * sum_maturity
            pv[p, 7, s] = annuity_payment[p] * sum_annuity
            pv[p, 5, s] = pv[p, 0, s] - pv[p, 1, s] - pv[p, 2, s] - pv[p, 3, s] - pv[p, 6, s] - pv[p, 7, s]


@njit(parallel=True, fastmath=False, cache=True)
def _project_parallel(r, n_points, n_scen, n_chunks, with_cashflows):
    months = r[11].shape[1]
    pv = np.zeros((n_points, 8, n_scen))
    cf = np.zeros((n_chunks, n_scen, months if with_cashflows else 1, 11))
    for c in prange(n_chunks):
        _project_points(c * n_points // n_chunks, (c + 1) * n_points // n_chunks, r, pv, cf[c], with_cashflows)
    return pv, cf.sum(axis=0)


@njit(fastmath=False, cache=True)
def _project_serial(r, n_points, n_scen, with_cashflows):
    months = r[11].shape[1]
    pv = np.zeros((n_points, 8, n_scen))
    cf = np.zeros((n_scen, months if with_cashflows else 1, 11))
    _project_points(0, n_points, r, pv, cf, with_cashflows)
    return pv, cf


def numba_kernel(run, with_cashflows: bool) -> tuple[np.ndarray, np.ndarray]:
    """(P, 8, S) present values and (months, 11, S) cash-flow totals from a PreparedRun."""
    n_points, n_scen = run.new_business_mult.shape
    threads = numba.get_num_threads()
    n_chunks = max(1, min(n_points, threads * CHUNKS_PER_THREAD))
    # Scenario-major (S, months) so one point-scenario streams through contiguous memory.
    discount = np.ascontiguousarray(run.discount.T)
    maintenance = np.ascontiguousarray(run.maintenance_monthly.T)
    arrays = (
        run.table_index,
        run.age_offset,
        run.term_mth,
        run.duration_mth,
        run.policy_count,
        run.sum_assured,
        run.premium_pp,
        run.new_business_mult,
        run.q_monthly,
        run.lapse_monthly,
        maintenance,
        discount,
        maintenance * discount,
        run.commission,
        run.acquisition,
        run.rates_settled_year,
        run.premium_end_mth,
        run.maturity_benefit,
        run.annuity_payment,
        run.annuity_start_mth,
        run.annuity_step_mth,
        (run.premium_end_mth >= run.term_mth) & (run.maturity_benefit == 0) & (run.annuity_payment == 0),
    )
    nominal = n_points * n_scen * run.months
    if nominal < SERIAL_BELOW_POLICY_MONTHS or threads == 1:
        pv, cf = _project_serial(arrays, n_points, n_scen, with_cashflows)
    else:
        pv, cf = _project_parallel(arrays, n_points, n_scen, n_chunks, with_cashflows)
    if not with_cashflows:
        return pv, np.zeros((run.months, len(CASHFLOWS), n_scen))
    return pv, np.ascontiguousarray(cf.transpose(1, 2, 0))
