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


@njit(fastmath=False, cache=True)
def _project_point(p, r, pif, new, pv, cf, with_cashflows):  # noqa: PLR0913
    """One point, all scenarios. ``r`` is the tuple of prepared arrays (see numba_kernel).

    Longer than the house limit on purpose: splitting the month loop into calls would stop
    the compiler fusing it, and the fused loop is the whole point of this module.
    """
    (table_index, age_offset, term_mth, duration_mth, policy_count, sum_assured, premium_pp, nb_mult) = r[:8]
    (q_monthly, lapse_monthly, maintenance, discount, commission, acquisition) = r[8:]
    n_scen = pif.size
    n_years, _, n_ages, n_sel, _ = q_monthly.shape
    n_lapse_years = lapse_monthly.shape[1]
    dur0 = duration_mth[p]
    t_end = term_mth[p] - dur0  # maturity month
    t_start = max(0, -dur0)  # first month with policies: 0, or the month future business is written
    count, sa, pp = policy_count[p], sum_assured[p], premium_pp[p]
    tab, age0 = table_index[p], age_offset[p]
    for s in range(n_scen):
        pif[s] = count if dur0 > 0 else 0.0
        new[s] = 0.0
        for k in range(pv.shape[1]):
            pv[p, k, s] = 0.0
    for t in range(t_start, t_end):
        dm = dur0 + t
        if dm == 0:
            for s in range(n_scen):
                new[s] = count * nb_mult[p, s]
                pif[s] = pif[s] + new[s]
        d = dm // 12
        y = min(t // 12, n_years - 1)
        age = min(age0 + d, n_ages - 1)
        sel = min(d, n_sel - 1)
        lapse_year = min(d, n_lapse_years - 1)
        comm_rate = commission[min(d, commission.size - 1)]
        for s in range(n_scen):
            v = discount[t, s]
            pols = pif[s]
            deaths = pols * q_monthly[y, tab, age, sel, s]
            lapses = (pols - deaths) * lapse_monthly[y, lapse_year, s]
            premiums = pp * pols
            claims = sa * deaths
            expenses = pols * maintenance[t, s] + acquisition * new[s]
            commissions = comm_rate * premiums
            pv[p, 0, s] += premiums * v
            pv[p, 1, s] += claims * v
            pv[p, 2, s] += expenses * v
            pv[p, 3, s] += commissions * v
            pv[p, 4, s] += pols * v
            if with_cashflows:
                cf[t, 0, s] += pols
                cf[t, 1, s] += new[s]
                cf[t, 2, s] += deaths
                cf[t, 3, s] += lapses
                cf[t, 5, s] += premiums
                cf[t, 6, s] += claims
                cf[t, 7, s] += expenses
                cf[t, 8, s] += commissions
            pif[s] = pols - deaths - lapses
            new[s] = 0.0
    for s in range(n_scen):
        if with_cashflows and t_end < cf.shape[0]:
            cf[t_end, 4, s] += pif[s]  # every policy still in force matures
        pv[p, 5, s] = pv[p, 0, s] - pv[p, 1, s] - pv[p, 2, s] - pv[p, 3, s]


@njit(parallel=True, fastmath=False, cache=True)
def _project_all(r, n_points, n_scen, n_chunks, with_cashflows):
    months = r[11].shape[0]
    pv = np.zeros((n_points, 6, n_scen))
    cf = np.zeros((n_chunks, months if with_cashflows else 1, 9, n_scen))
    for c in prange(n_chunks):
        lo = c * n_points // n_chunks
        hi = (c + 1) * n_points // n_chunks
        pif = np.empty(n_scen)
        new = np.empty(n_scen)
        for p in range(lo, hi):
            _project_point(p, r, pif, new, pv, cf[c], with_cashflows)
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
        run.commission,
        run.acquisition,
    )
    pv, cf = _project_all(arrays, n_points, n_scen, n_chunks, with_cashflows)
    if not with_cashflows:
        cf = np.zeros((run.months, 9, n_scen))
    return pv, cf
