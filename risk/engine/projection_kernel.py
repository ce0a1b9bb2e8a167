"""The fused numba kernel of the projection (semantics: projection.py's docstring).

Why this shape: one pass per model point over its own months, with the scenarios as the
innermost loop. The scenarios of a point share every index (age, policy year, select column,
month), so the inner loop is a straight run of multiply-adds over contiguous rows of the
prepared tables that LLVM vectorises, and there is no temporary array per month. Points are
split into contiguous chunks, one prange iteration each, and each chunk sums its own monthly
cash flows, so threads never write to the same memory. ``fastmath=False`` keeps IEEE order,
which is what lets the numpy reference agree to rounding.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange

PRESENT_VALUES = ("pv_premiums", "pv_claims", "pv_expenses", "pv_commissions", "pv_pols_if", "pv_net_cf")
# While a point is projected its pv rows hold sums per unit: [1] deaths x v, [2] expenses x v,
# [3] commission rate x pols_if x v, [4] pols_if x v; premium and sum assured multiply them
# once at the end (_finish_block), which keeps two products out of the innermost loop.
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
CHUNKS_PER_THREAD = 8  # enough chunks that a slow chunk does not leave a core idle
# Points per block: enough to overlap the month-to-month dependency of each point, few enough
# that the block's in-force counts and present values (block x scenarios x 8) stay in L1.
SCENARIO_POINTS_PER_BLOCK = 256
MIN_BLOCK = 8


@njit(fastmath=False, cache=True)
def _start_block(first, last, r, pif, pv):
    """In-force counts at t = 0 and the block's first and last month."""
    term_mth, duration_mth, policy_count = r[2], r[3], r[4]
    t_first, t_last = 1 << 30, 0
    for p in range(first, last):
        for s in range(pif.shape[1]):
            pif[p - first, s] = policy_count[p] if duration_mth[p] > 0 else 0.0
            for k in range(pv.shape[1]):
                pv[p, k, s] = 0.0
        t_first = min(t_first, max(0, -duration_mth[p]))  # in force now, or the month it is written
        t_last = max(t_last, term_mth[p] - duration_mth[p])  # its maturity month
    return t_first, t_last


@njit(fastmath=False, cache=True)
def _finish_block(first, last, r, pv):
    """Unit sums (ACCUMULATORS) to money: premium and sum assured applied once per point."""
    sum_assured, premium_pp = r[5], r[6]
    for p in range(first, last):
        for s in range(pv.shape[2]):
            pv[p, 0, s] = premium_pp[p] * pv[p, 4, s]
            pv[p, 1, s] = sum_assured[p] * pv[p, 1, s]
            pv[p, 3, s] = premium_pp[p] * pv[p, 3, s]
            pv[p, 5, s] = pv[p, 0, s] - pv[p, 1, s] - pv[p, 2, s] - pv[p, 3, s]


@njit(fastmath=False, cache=True)
def _project_block(first, last, r, pif, pv, cf, flows, with_cashflows):
    """Points ``first..last-1``, all scenarios, month by month.

    Months outermost, then the points of the block, then scenarios: each month's totals are
    summed in ``flows`` (small, stays in cache) and added to ``cf`` once per block, and the
    block's points give the CPU independent work while one point's in-force count waits on
    the previous month. The scenario loop exists twice, with and without the monthly totals,
    so the common case (present values only) stays a tight loop the compiler vectorises.

    Longer than the house limit on purpose: splitting the month loop into calls would stop
    the compiler fusing it, and the fused loop is the point of this module.
    """
    table_index, age_offset, term_mth, duration_mth, policy_count, sum_assured, premium_pp, nb_mult = r[:8]
    q_monthly, lapse_monthly, maintenance, discount, maintenance_pv, commission, acquisition = r[8:]
    n_scen = pif.shape[1]
    n_years, _, n_ages, n_sel, _ = q_monthly.shape
    t_first, t_last = _start_block(first, last, r, pif, pv)
    for t in range(t_first, t_last + 1):
        y = min(t // 12, n_years - 1)
        if with_cashflows:
            flows[:, :] = 0.0  # a fill, not a view: no reference count touched
        for p in range(first, last):
            b = p - first
            dm = duration_mth[p] + t
            if dm < 0 or dm > term_mth[p]:
                continue  # not yet written, or already matured
            if dm == term_mth[p]:
                for s in range(n_scen):
                    if with_cashflows:
                        flows[4, s] += pif[b, s]  # every policy still in force matures
                    pif[b, s] = 0.0
                continue
            if dm == 0:
                for s in range(n_scen):
                    new = policy_count[p] * nb_mult[p, s]
                    pif[b, s] += new
                    pv[p, 2, s] += acquisition * new * discount[t, s]
                    if with_cashflows:
                        flows[1, s] += new
                        flows[7, s] += acquisition * new
            d = dm // 12
            # Scalar indices, no row views: a view inside this loop costs a reference-count
            # update on the shared array, which the two threads then fight over.
            tab, age, sel = table_index[p], min(age_offset[p] + d, n_ages - 1), min(d, n_sel - 1)
            lapse_year = min(d, lapse_monthly.shape[1] - 1)
            comm_rate = commission[min(d, commission.size - 1)]
            if not with_cashflows:
                for s in range(n_scen):
                    pols = pif[b, s]
                    pols_v = pols * discount[t, s]
                    deaths = pols * q_monthly[y, tab, age, sel, s]
                    lapses = (pols - deaths) * lapse_monthly[y, lapse_year, s]
                    pv[p, 4, s] += pols_v
                    pv[p, 1, s] += deaths * discount[t, s]
                    pv[p, 2, s] += pols * maintenance_pv[t, s]
                    pv[p, 3, s] += comm_rate * pols_v
                    pif[b, s] = pols - deaths - lapses
                continue
            sa, pp = sum_assured[p], premium_pp[p]
            for s in range(n_scen):
                pols = pif[b, s]
                pols_v = pols * discount[t, s]
                deaths = pols * q_monthly[y, tab, age, sel, s]
                lapses = (pols - deaths) * lapse_monthly[y, lapse_year, s]
                pv[p, 4, s] += pols_v
                pv[p, 1, s] += deaths * discount[t, s]
                pv[p, 2, s] += pols * maintenance_pv[t, s]
                pv[p, 3, s] += comm_rate * pols_v
                pif[b, s] = pols - deaths - lapses
                flows[0, s] += pols
                flows[2, s] += deaths
                flows[3, s] += lapses
                flows[5, s] += pp * pols
                flows[6, s] += sa * deaths
                flows[7, s] += pols * maintenance[t, s]
                flows[8, s] += comm_rate * pp * pols
        if with_cashflows:
            for k in range(flows.shape[0]):
                for s in range(n_scen):
                    cf[t, k, s] += flows[k, s]
    _finish_block(first, last, r, pv)


@njit(parallel=True, fastmath=False, cache=True)
def _project_all(r, n_points, n_scen, n_chunks, block, with_cashflows):
    months = r[11].shape[0]
    pv = np.zeros((n_points, 6, n_scen))
    cf = np.zeros((n_chunks, months if with_cashflows else 1, 9, n_scen))
    for c in prange(n_chunks):
        lo = c * n_points // n_chunks
        hi = (c + 1) * n_points // n_chunks
        pif = np.empty((block, n_scen))
        flows = np.zeros((9, n_scen))
        for first in range(lo, hi, block):
            _project_block(first, min(first + block, hi), r, pif, pv, cf[c], flows, with_cashflows)
    return pv, cf.sum(axis=0)


def numba_kernel(run, with_cashflows: bool) -> tuple[np.ndarray, np.ndarray]:
    """(P, 6, S) present values and (months, 9, S) cash-flow totals from a PreparedRun."""
    n_points, n_scen = run.new_business_mult.shape
    n_chunks = max(1, min(n_points, numba.get_num_threads() * CHUNKS_PER_THREAD))
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
        run.maintenance_monthly,
        run.discount,
        run.maintenance_monthly * run.discount,
        run.commission,
        run.acquisition,
    )
    block = max(MIN_BLOCK, SCENARIO_POINTS_PER_BLOCK // n_scen)
    pv, cf = _project_all(arrays, n_points, n_scen, n_chunks, block, with_cashflows)
    if not with_cashflows:
        cf = np.zeros((run.months, 9, n_scen))
    return pv, cf
