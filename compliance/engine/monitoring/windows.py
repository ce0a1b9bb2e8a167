"""Window arithmetic over sorted arrays: the vectorised core the rules share.

Each grouping (payer, policy, policyholder, ...) is folded with the timestamp into one int64
"composite" key, so one stable argsort orders rows by (group, time) and a trailing window is
one ``searchsorted``: no Python loop per transaction and no pandas rolling per group.
"""

from __future__ import annotations

import numpy as np

SPAN = np.int64(2**31)  # > any timestamp in seconds (until 2038) plus any window


def composite(group: np.ndarray, t: np.ndarray) -> np.ndarray:
    return group.astype(np.int64) * SPAN + np.clip(t, 0, None).astype(np.int64)


def order_by(group: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Permutation ordering rows by (group, time), and the sorted composite keys."""
    comp = composite(group, t)
    order = np.argsort(comp, kind="stable")
    return order, comp[order]


def window_start(comp_sorted: np.ndarray, window_seconds: float) -> np.ndarray:
    """For each sorted row, the first row of its group within the trailing window (inclusive)."""
    return np.searchsorted(comp_sorted, comp_sorted - np.int64(window_seconds), side="left")


def window_sum(values_sorted: np.ndarray, start: np.ndarray) -> np.ndarray:
    csum = np.concatenate([[0.0], np.cumsum(values_sorted, dtype=np.float64)])
    idx = np.arange(len(values_sorted))
    return csum[idx + 1] - csum[start]


def members(start: np.ndarray, end: np.ndarray, n: int) -> np.ndarray:
    """Boolean mask of every row covered by the inclusive ranges [start, end]."""
    diff = np.zeros(n + 1, dtype=np.int64)
    np.add.at(diff, start, 1)
    np.add.at(diff, end + 1, -1)
    return np.cumsum(diff[:-1]) > 0


def group_first(group_sorted: np.ndarray) -> np.ndarray:
    """Mask of the first row of each group in a group-sorted array."""
    first = np.ones(len(group_sorted), dtype=bool)
    first[1:] = group_sorted[1:] != group_sorted[:-1]
    return first


def group_cumcount(group_sorted: np.ndarray) -> np.ndarray:
    """0-based position of each row within its group (group-sorted input)."""
    n = len(group_sorted)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    first = group_first(group_sorted)
    starts = np.flatnonzero(first)
    idx = np.arange(n)
    return idx - np.repeat(starts, np.diff(np.append(starts, n)))


def group_cumsum_before(group_sorted: np.ndarray, values_sorted: np.ndarray) -> np.ndarray:
    """Sum of the earlier rows' values within the same group (exclusive running sum)."""
    n = len(group_sorted)
    if n == 0:
        return np.zeros(0)
    csum = np.cumsum(values_sorted, dtype=np.float64)
    first = group_first(group_sorted)
    starts = np.flatnonzero(first)
    base = np.repeat(csum[starts] - values_sorted[starts], np.diff(np.append(starts, n)))
    return csum - values_sorted - base


def sum_before(
    group_q: np.ndarray, t_q: np.ndarray, group_v: np.ndarray, t_v: np.ndarray, v: np.ndarray, inclusive: bool = True
) -> np.ndarray:
    """For each query (group, time): sum of v over rows of the same group at or before that time."""
    if len(v) == 0:
        return np.zeros(len(group_q))
    order, comp = order_by(group_v, t_v)
    csum = np.concatenate([[0.0], np.cumsum(v[order], dtype=np.float64)])
    q = composite(group_q, t_q)
    hi = np.searchsorted(comp, q, side="right" if inclusive else "left")
    lo = np.searchsorted(comp, composite(group_q, np.zeros_like(t_q)), side="left")
    return csum[hi] - csum[lo]


def last_before(group_q: np.ndarray, t_q: np.ndarray, group_v: np.ndarray, t_v: np.ndarray) -> np.ndarray:
    """For each query, the index (into the v arrays) of the latest v row of the same group at or
    before the query time, or -1: a merge_asof(direction="backward", by=group) on arrays."""
    if len(t_v) == 0:
        return np.full(len(t_q), -1, dtype=np.int64)
    order, comp = order_by(group_v, t_v)
    pos = np.searchsorted(comp, composite(group_q, t_q), side="right") - 1
    ok = pos >= 0
    out = np.full(len(t_q), -1, dtype=np.int64)
    cand = order[np.clip(pos, 0, None)]
    same = ok & (group_v[cand] == group_q)
    out[same] = cand[same]
    return out
