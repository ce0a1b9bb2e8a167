"""Actuarial engine benchmarks (regulation-actuarial.md, section 6). No Django, no database.

    .venv/bin/python bench/actuarial.py            # prints the results as JSON

``run(selected)`` returns ``{name: result}`` for the workloads ``selected(name)`` accepts:

- ``actuarial.w1_parity``: lifelib's BasicTerm_M (10,000 points x 241 months) run by lifelib
  itself (a fresh model load each time, only its pv_net_cf run timed) and by our engine
  (after a warm-up that compiles or loads the numba cache), in the same process. Budget: our
  time at most 1/50 of lifelib's, both totals equal to the published 14,489,630.5346.
- ``actuarial.w2_cross``: 100,000 synthetic model points x 600 months x 16 deterministic
  scenarios on the cross_default basis, present values per point and scenario. Budget 2 s.
- ``actuarial.w3_stochastic``: 10,000 synthetic points x 600 months x 1,000 Hull-White paths
  (risk/engine/stochastic.py). Timed twice over: the default method for business whose cash
  flows do not depend on rates (each point's flows once, then a matrix product with the paths'
  discount factors: exact) and the fused kernel on every path with rate-sensitive lapses (what
  a path-dependent book needs), so both figures are visible. Budget 10 s, on the default method.
- ``actuarial.w3_workers`` (``run_workers``, needs the benchmark database and Redis): the same
  stochastic_valuation job on the book, run by 1 Celery worker and then by 2 (one numba
  thread each), wall time from request to the last chunk; the speed-up is the ratio.

Each result: budget (text), seconds, policy_months_per_s, pass, figures (the details, with
every timed repeat so the spread is visible).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from risk.engine.bases import basis_file, load_basis
from risk.engine.modelpoints import ModelPoints, model_points_from_frame, read_model_points_csv
from risk.engine.projection import project
from risk.engine.scenario_set import ScenarioSet

PUBLISHED_TOTAL = 14_489_630.5346
W1_RATIO_BUDGET = 50
W2_SECONDS_BUDGET = 2.0
W2_POINTS, W2_MONTHS, W2_SCENARIOS = 100_000, 600, 16
REPEATS = 3


def hardware() -> str:
    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    import numba

    return f"{model}; {os.cpu_count()} logical CPUs; numba {numba.__version__}, {numba.get_num_threads()} threads"


CPU_SECONDS: dict[int, list[float]] = {}  # id(times list) -> process CPU seconds of each repeat


def timed(fn: Callable[[], object], repeats: int = REPEATS) -> tuple[list[float], object]:
    """Wall seconds of each repeat; the process CPU seconds (all threads) go to CPU_SECONDS,
    because on a shared machine wall time alone cannot tell a slow run from a crowded one."""
    times, cpu, out = [], [], None
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        out = fn()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    CPU_SECONDS[id(times)] = cpu
    return times, out


def lifelib_run_once() -> tuple[float, float]:
    """(seconds, total) for one run of BasicTerm_M on a freshly loaded model."""
    import lifelib
    import modelx as mx

    path = Path(lifelib.__file__).parent / "libraries" / "basiclife" / "BasicTerm_M"
    model = mx.read_model(str(path))
    try:
        start = time.perf_counter()
        total = float(model.Projection.pv_net_cf().sum())
        return time.perf_counter() - start, total
    finally:
        model.close()


def w1_parity() -> dict:
    basis = load_basis("basiclife")
    points = read_model_points_csv(basis_file("basiclife", "model_points.csv"))
    project(points, basis)  # warm-up: compile, or load numba's cache
    # Like for like: lifelib's pv_net_cf() gives present values per point, so ours does too;
    # the run that also sums the monthly cash flows over the book is timed and reported beside it.
    ours_times, result = timed(lambda: project(points, basis, cashflows=False), repeats=7)
    with_cf_times, _ = timed(lambda: project(points, basis, cashflows=True), repeats=3)
    ours_total = float(result.pv["pv_net_cf"].sum())
    lifelib_times, lifelib_total = [], float("nan")
    for _ in range(2):
        seconds, lifelib_total = lifelib_run_once()
        lifelib_times.append(seconds)
    ours, theirs = min(ours_times), min(lifelib_times)
    policy_months = len(points) * 241  # the workload as lifelib defines it: every point x 241 months
    ratio = theirs / ours
    parity = abs(ours_total / PUBLISHED_TOTAL - 1) <= 1e-9 and abs(lifelib_total / PUBLISHED_TOTAL - 1) <= 1e-9
    return {
        "budget": f"same total as lifelib to 1e-9; our run <= 1/{W1_RATIO_BUDGET} of lifelib's (aim 1/100)",
        "seconds": ours,
        "policy_months_per_s": policy_months / ours,
        "pass": bool(parity and ratio >= W1_RATIO_BUDGET),
        "figures": {
            "total_ours": ours_total,
            "total_lifelib": lifelib_total,
            "total_published": PUBLISHED_TOTAL,
            "relative_error_ours": ours_total / PUBLISHED_TOTAL - 1,
            "seconds_ours_runs": ours_times,
            "cpu_seconds_ours_runs": CPU_SECONDS[id(ours_times)],
            "seconds_ours_with_monthly_cashflows_runs": with_cf_times,
            "seconds_lifelib_runs": lifelib_times,
            "seconds_lifelib": theirs,
            "speed_ratio": ratio,
            "load_average_1min": os.getloadavg()[0],
            "policy_months": policy_months,
            "lifelib_policy_months_per_s": policy_months / theirs,
            "hardware": hardware(),
        },
    }


def synthetic_book(n: int, seed: int = 20261128) -> ModelPoints:
    """n in-force points one month into a 50-year term, so each is projected over 600 months."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "point_id": np.arange(1, n + 1),
            "age_at_entry": rng.integers(18, 56, n),
            "sex": rng.choice(["M", "F"], n),
            "policy_term": np.full(n, W2_MONTHS // 12),
            "policy_count": rng.integers(1, 50, n).astype(float),
            "sum_assured": rng.integers(10, 100, n) * 10_000.0,
            "duration_mth": np.ones(n, dtype=int),
        }
    )
    return model_points_from_frame(frame)


# An illustrative government spot curve (1.4% at one year rising to 2.2% at twenty), the
# shape of China's curve in 2025-26; only the workload's realism depends on it, not its speed.
ILLUSTRATIVE_GOVERNMENT_CURVE = {year: 0.014 + 0.0004 * year for year in range(1, 21)}


def sixteen_scenarios(years: int = W2_MONTHS // 12) -> ScenarioSet:
    """The C-ROSS standard set (risk.engine.shocks): base, the 12 Rule 5 shocks, rate up and
    down, and stress scenario 3, on the C-ROSS base curve built from the illustrative curve."""
    from risk.engine.shocks import cross_base_curve_in_force, cross_standard_scenarios, load_shock_table

    table = load_shock_table("cross", dt.date(2026, 11, 28))
    curve = cross_base_curve_in_force(table, ILLUSTRATIVE_GOVERNMENT_CURVE, years)
    return cross_standard_scenarios(table, curve).scenarios


def w2_cross() -> dict:
    basis, scenarios = load_basis("cross_default"), sixteen_scenarios()
    points = synthetic_book(W2_POINTS)
    project(points.subset(slice(0, 100)), basis, scenarios, cashflows=False)  # warm-up
    times, result = timed(lambda: project(points, basis, scenarios, cashflows=False))
    with_cf_times, _ = timed(lambda: project(points, basis, scenarios, cashflows=True), repeats=2)
    policy_months = W2_POINTS * W2_MONTHS * W2_SCENARIOS
    seconds = min(times)
    subset = points.subset(slice(0, 2_000))
    ref_times, _ = timed(lambda: project(subset, basis, scenarios, engine="numpy", cashflows=False), repeats=1)
    ref_rate = len(subset) * W2_MONTHS * W2_SCENARIOS / ref_times[0]
    totals = result.totals()["bel"]
    return {
        "budget": f"{W2_POINTS:,} points x {W2_MONTHS} months x {W2_SCENARIOS} scenarios <= {W2_SECONDS_BUDGET} s "
        "on 2 cores (present values per point and scenario)",
        "seconds": seconds,
        "policy_months_per_s": policy_months / seconds,
        "pass": bool(seconds <= W2_SECONDS_BUDGET),
        "figures": {
            "policy_months": policy_months,
            "seconds_runs": times,
            "cpu_seconds_runs": CPU_SECONDS[id(times)],
            "load_average_1min": os.getloadavg()[0],
            "seconds_median": statistics.median(times),
            "seconds_with_monthly_cashflows_runs": with_cf_times,
            "numpy_reference_policy_months_per_s": ref_rate,
            "numpy_reference_points": len(subset),
            "numba_over_numpy": (policy_months / seconds) / ref_rate,
            "bel_base": float(totals.iloc[0]),
            "bel_by_scenario": {name: float(v) for name, v in totals.items()},
            "hardware": hardware(),
        },
    }


W3_POINTS, W3_PATHS, W3_SECONDS_BUDGET = 10_000, 1_000, 10.0


def w3_stochastic() -> dict:
    from risk.engine.esg import HullWhite
    from risk.engine.stochastic import DynamicLapse, stochastic_valuation

    basis, model = load_basis("cross_default"), HullWhite(mean_reversion=0.1, volatility=0.01)
    points = synthetic_book(W3_POINTS)
    stochastic_valuation(points.subset(slice(0, 50)), basis, model, 10, 1, method="kernel")  # warm-up (numba)
    times, result = timed(lambda: stochastic_valuation(points, basis, model, W3_PATHS, 20261128))
    kernel_times, kernel = timed(
        lambda: stochastic_valuation(points, basis, model, W3_PATHS, 20261128, dynamic_lapse=DynamicLapse(10.0)),
        repeats=1,
    )
    policy_months = W3_POINTS * W2_MONTHS * W3_PATHS
    seconds = min(times)
    return {
        "budget": f"{W3_POINTS:,} points x {W2_MONTHS} months x {W3_PATHS:,} Hull-White paths <= {W3_SECONDS_BUDGET} s "
        "on 2 cores",
        "seconds": seconds,
        "policy_months_per_s": policy_months / seconds,
        "pass": bool(seconds <= W3_SECONDS_BUDGET and result.martingale.passed),
        "figures": {
            "method": "linear (cash flows independent of the path; exact)",
            "seconds_runs": times,
            "cpu_seconds_runs": CPU_SECONDS[id(times)],
            "load_average_1min": os.getloadavg()[0],
            "mean_bel": result.mean_bel,
            "standard_error": result.standard_error,
            "percentiles": result.percentiles(),
            "martingale_passed": result.martingale.passed,
            "kernel_with_dynamic_lapse_seconds": kernel_times[0],
            "kernel_with_dynamic_lapse_policy_months_per_s": policy_months / kernel_times[0],
            "kernel_with_dynamic_lapse_mean_bel": kernel.mean_bel,
            "kernel_with_dynamic_lapse_standard_error": kernel.standard_error,
            "hardware": hardware(),
        },
    }


WORKLOADS: dict[str, Callable[[], dict]] = {
    "actuarial.w1_parity": w1_parity,
    "actuarial.w2_cross": w2_cross,
    "actuarial.w3_stochastic": w3_stochastic,
}


def run(selected: Callable[[str], bool]) -> dict[str, dict]:
    return {name: workload() for name, workload in WORKLOADS.items() if selected(name)}


if __name__ == "__main__":
    names = sys.argv[1:]
    print(json.dumps(run(lambda name: not names or name in names), indent=2))
