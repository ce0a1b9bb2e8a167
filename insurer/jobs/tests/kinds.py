"""A job kind for tests only: sums of squares over ranges of integers, with an optional
pause per chunk (to catch a chunk while it runs) and an optional failing chunk.

Registered by the tests, and in worker processes started by the tests through
INSURER_JOBS_EXTRA_KINDS=insurer.jobs.tests.kinds (see insurer/jobs/apps.py).
"""

from __future__ import annotations

import time

from django import forms

from insurer.jobs import registry

NAME = "test_sum_of_squares"


class SquaresForm(forms.Form):
    n = forms.IntegerField(min_value=0, max_value=10_000_000)
    chunks = forms.IntegerField(min_value=1, max_value=1000)
    sleep_ms = forms.IntegerField(min_value=0, max_value=60_000, required=False)
    fail_index = forms.IntegerField(required=False)

    def clean_sleep_ms(self):
        return self.cleaned_data.get("sleep_ms") or 0


def split(parameters: dict) -> list[dict]:
    n, chunks = parameters["n"], parameters["chunks"]
    bounds = [n * i // chunks for i in range(chunks + 1)]
    return [{"start": bounds[i], "stop": bounds[i + 1]} for i in range(chunks)]


def run_chunk(parameters: dict, spec: dict) -> dict:
    if parameters.get("fail_index") is not None and spec == split(parameters)[parameters["fail_index"]]:
        raise RuntimeError("chunk failed on purpose")
    time.sleep(parameters["sleep_ms"] / 1000)
    return {"sum": sum(i * i for i in range(spec["start"], spec["stop"])), "count": spec["stop"] - spec["start"]}


def reduce(parameters: dict, results: list[dict]) -> dict:
    return {"sum": sum(r["sum"] for r in results), "count": sum(r["count"] for r in results)}


def expected(n: int) -> dict:
    return {"sum": (n - 1) * n * (2 * n - 1) // 6 if n else 0, "count": n}


def register(**overrides) -> registry.JobKind:
    spec = {"name": NAME, "version": "test-1", "verbose_name": "Test: sum of squares", "permission": "jobs.request_job",
            "split": split, "run_chunk": run_chunk, "reduce": reduce, "form": SquaresForm, **overrides}  # fmt: skip
    return registry.register(registry.JobKind(**spec))
