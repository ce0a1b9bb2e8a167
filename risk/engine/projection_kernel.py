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

PRESENT_VALUES = ("pv_premiums", "pv_claims", "pv_expenses", "pv_commissions", "pv_pols_if", "pv_net_cf")
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
)
CHUNKS_PER_THREAD = 4  # enough chunks that a slow chunk does not leave a core idle
# Below this much work (points x scenarios x months) one thread is faster: waking the other
# thread costs from microseconds on an idle machine to milliseconds on a busy one, and a small
# run (premium pricing, lifelib's 10,000 x 241) takes only a few milliseconds on one core.
SERIAL_BELOW_POLICY_MONTHS = 4_000_000


@njit(fastmath=False, cache=True)
def _project_point_scenario(p, s, r, cf, with_cashflows):
    """One point under one scenario over its whole life; returns the unit sums
    (pols_if x v, pols_if x q x v, expenses x v, commission rate x pols_if x v).

    Longer than the house limit on purpose: it is the fused loop, and splitting it into calls
    would put the running sums back in memory.
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
def _project_points(first, last, r, pv, cf, with_cashflows):
    """Points first..last-1 under every scenario, into ``pv`` and this chunk's ``cf``."""
    sum_assured, premium_pp = r[5], r[6]
    for p in range(first, last):
        for s in range(pv.shape[2]):
            sum_pols, sum_deaths, sum_expenses, sum_commission = _project_point_scenario(p, s, r, cf, with_cashflows)
            # Unit sums to money: premium and sum assured applied once per point.
            pv[p, 0, s] = premium_pp[p] * sum_pols
            pv[p, 1, s] = sum_assured[p] * sum_deaths
            pv[p, 2, s] = sum_expenses
            pv[p, 3, s] = premium_pp[p] * sum_commission
            pv[p, 4, s] = sum_pols
            pv[p, 5, s] = pv[p, 0, s] - pv[p, 1, s] - pv[p, 2, s] - pv[p, 3, s]


@njit(parallel=True, fastmath=False, cache=True)
def _project_parallel(r, n_points, n_scen, n_chunks, with_cashflows):
    months = r[11].shape[1]
    pv = np.zeros((n_points, 6, n_scen))
    cf = np.zeros((n_chunks, n_scen, months if with_cashflows else 1, 9))
    for c in prange(n_chunks):
        _project_points(c * n_points // n_chunks, (c + 1) * n_points // n_chunks, r, pv, cf[c], with_cashflows)
    return pv, cf.sum(axis=0)


@njit(fastmath=False, cache=True)
def _project_serial(r, n_points, n_scen, with_cashflows):
    months = r[11].shape[1]
    pv = np.zeros((n_points, 6, n_scen))
    cf = np.zeros((n_scen, months if with_cashflows else 1, 9))
    _project_points(0, n_points, r, pv, cf, with_cashflows)
    return pv, cf


def numba_kernel(run, with_cashflows: bool) -> tuple[np.ndarray, np.ndarray]:
    """(P, 6, S) present values and (months, 9, S) cash-flow totals from a PreparedRun."""
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
    )
    nominal = n_points * n_scen * run.months
    if nominal < SERIAL_BELOW_POLICY_MONTHS or threads == 1:
        pv, cf = _project_serial(arrays, n_points, n_scen, with_cashflows)
    else:
        pv, cf = _project_parallel(arrays, n_points, n_scen, n_chunks, with_cashflows)
    if not with_cashflows:
        return pv, np.zeros((run.months, 9, n_scen))
    return pv, np.ascontiguousarray(cf.transpose(1, 2, 0))
