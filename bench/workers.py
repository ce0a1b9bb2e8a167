"""Scale-out benchmark (issue 4, W3): the same chunked stochastic_valuation job on the
benchmark book, run by 1 Celery worker and then by 2, each worker a separate process with one
numba thread (so one worker uses one core), on Redis. The figure is the speed-up: wall time
with 1 worker / wall time with 2, from the request to the last chunk (bench.probe ``job``).

Needs Redis (the workers and the requesting process must share a broker); skipped, with the
reason, without it.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench.pg import ROOT

PARAMETERS = {
    "basis": "cross_default",
    "paths": 100,
    "seed": 20261128,
    "mean_reversion": 0.1,
    "volatility": 0.01,
    "lapse_sensitivity": 10.0,
}  # fmt: skip  (dynamic lapse: the kernel runs every path)
CHUNKS = 8
SPEEDUP_AIM = 1.6  # two cores, one of them shared with PostgreSQL and the requester


def _start_workers(env: dict, count: int, log_dir: Path) -> list[subprocess.Popen]:
    workers = []
    for n in range(count):
        log = log_dir / f"bench-worker-{n}.log"
        log.write_text("")
        command = [sys.executable, "-m", "celery", "-A", "insurer", "worker", "--pool=solo", "--loglevel=INFO",
                   "--without-gossip", "--without-mingle", "--hostname", f"bench-w{n}@%h"]  # fmt: skip
        env_one = {**env, "NUMBA_NUM_THREADS": "1"}
        workers.append(subprocess.Popen(command, cwd=ROOT, env=env_one, stdout=log.open("w"), stderr=subprocess.STDOUT))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if all("ready" in (log_dir / f"bench-worker-{n}.log").read_text() for n in range(count)):
            return workers
        time.sleep(0.5)
    _stop(workers)
    raise RuntimeError(f"celery workers did not start; see {log_dir}/bench-worker-*.log")


def _stop(workers: list[subprocess.Popen]) -> None:
    for w in workers:
        w.terminate()
    for w in workers:
        try:
            w.wait(timeout=30)
        except subprocess.TimeoutExpired:
            w.kill()


def run(env: dict, redis: str | None, var: Path, probe: Callable, selected: Callable[[str], bool]) -> dict:
    name = "actuarial.w3_workers"
    if not selected(name):
        return {}
    if not redis:
        return {name: {"budget": "speed-up from 1 to 2 workers", "pass": False, "skipped": "Redis not reachable"}}
    env = {**env, "CELERY_BROKER_URL": redis.rsplit("/", 1)[0] + "/12"}
    runs = {}
    for count in (1, 2):
        workers = _start_workers(env, count, var)
        try:
            payload = {"kind": "stochastic_valuation", "parameters": PARAMETERS, "username": "actuary",
                       "chunks": CHUNKS}  # fmt: skip
            runs[count] = probe(env, "job", payload)
        finally:
            _stop(workers)
    one, two = runs[1], runs[2]
    speedup = one["seconds"] / two["seconds"] if one.get("seconds") and two.get("seconds") else None
    # The same figures up to the order chunks are added in (a last-bit difference is rounding).
    a, b = one.get("mean_bel"), two.get("mean_bel")
    same = bool(a is not None and b is not None and abs(a - b) <= 1e-12 * max(abs(a), abs(b), 1.0))
    return {
        name: {
            "budget": f"report the speed-up from 1 to 2 Celery workers on the same chunked job (aim >= {SPEEDUP_AIM})",
            "speedup": speedup,
            "pass": bool(speedup and same and len(two.get("workers", [])) == 2),
            "figures": {"one_worker": one, "two_workers": two, "same_result": same},
        }
    }
