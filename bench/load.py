"""A small closed-loop load generator: N clients, each a keep-alive HTTP/1.1 connection.

Standard library only (threads + http.client) so it runs wherever the project runs. Each
client sends its next request as soon as the previous answer is read, so "10 concurrent
clients" means at most 10 requests in flight. Bounded twice: a request budget and a
wall-clock deadline, whichever comes first. Loopback only.
"""

from __future__ import annotations

import http.client
import resource
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass
class LoadResult:
    latencies_ms: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)  # "HTTP 404", "ConnectionResetError", ...
    wall_seconds: float = 0.0
    bytes_received: int = 0
    client_cpu_seconds: float = 0.0  # this process: what the load generator itself cost
    machine_busy: float | None = None  # share of all cores busy during the run (/proc/stat)

    def figures(self) -> dict:
        lat = sorted(self.latencies_ms)
        done = len(lat) + sum(self.errors.values())
        return {
            "requests": done,
            "ok": len(lat),
            "errors": sum(self.errors.values()),
            "error_kinds": dict(self.errors),
            "p50_ms": _pct(lat, 50),
            "p95_ms": _pct(lat, 95),
            "p99_ms": _pct(lat, 99),
            "max_ms": round(lat[-1], 1) if lat else None,
            "rps": round(done / self.wall_seconds, 1) if self.wall_seconds else None,
            "mean_kb": round(self.bytes_received / len(lat) / 1024, 1) if lat else None,
            "seconds": round(self.wall_seconds, 2),
            "client_cpu_ms_per_request": round(self.client_cpu_seconds * 1000 / done, 2) if done else None,
            "machine_busy_pct": round(self.machine_busy * 100) if self.machine_busy is not None else None,
        }


def _cpu_times() -> tuple[int, int] | None:
    """(busy, total) jiffies over all cores, or None off Linux."""
    try:
        with open("/proc/stat") as fh:
            values = [int(v) for v in fh.readline().split()[1:]]
    except OSError:
        return None
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    return sum(values) - idle, sum(values)


def _self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _pct(sorted_ms: list[float], pct: int) -> float | None:
    """Nearest-rank percentile (no interpolation: the value a real request saw)."""
    if not sorted_ms:
        return None
    rank = max(1, -(-pct * len(sorted_ms) // 100))  # ceil(pct/100 * n)
    return round(sorted_ms[rank - 1], 1)


class _Budget:
    """Hands out request tickets until the count or the deadline runs out."""

    def __init__(self, requests: int, deadline: float):
        self._left = requests
        self._deadline = deadline
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            if self._left <= 0 or time.perf_counter() >= self._deadline:
                return False
            self._left -= 1
            return True


def _client(host, port, path, headers, budget: _Budget, result: LoadResult, lock: threading.Lock) -> None:
    conn = http.client.HTTPConnection(host, port, timeout=30)
    latencies: list[float] = []
    errors: Counter = Counter()
    received = 0
    try:
        while budget.take():
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                resp = conn.getresponse()
                body = resp.read()
            except (OSError, http.client.HTTPException) as exc:
                errors[type(exc).__name__] += 1
                conn.close()  # reconnects on the next request
                continue
            elapsed = (time.perf_counter() - started) * 1000
            if resp.status == 200:
                latencies.append(elapsed)
                received += len(body)
            else:
                errors[f"HTTP {resp.status}"] += 1
            if resp.getheader("Connection", "").lower() == "close":
                conn.close()
    finally:
        conn.close()
        with lock:
            result.latencies_ms.extend(latencies)
            result.errors.update(errors)
            result.bytes_received += received


def run(
    host: str,
    port: int,
    path: str,
    headers: dict[str, str],
    *,
    clients: int,
    requests: int,
    max_seconds: float,
) -> LoadResult:
    if host not in LOOPBACK:
        raise ValueError(f"the load generator only targets loopback, not {host!r}")
    result, lock = LoadResult(), threading.Lock()
    cpu_before, machine_before = _self_cpu(), _cpu_times()
    started = time.perf_counter()
    budget = _Budget(requests, started + max_seconds)
    threads = [
        threading.Thread(target=_client, args=(host, port, path, headers, budget, result, lock), daemon=True)
        for _ in range(clients)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(max_seconds + 60)
    result.wall_seconds = time.perf_counter() - started
    result.client_cpu_seconds = _self_cpu() - cpu_before
    machine_after = _cpu_times()
    if machine_before and machine_after and machine_after[1] > machine_before[1]:
        result.machine_busy = (machine_after[0] - machine_before[0]) / (machine_after[1] - machine_before[1])
    return result
