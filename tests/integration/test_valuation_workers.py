"""The valuation of the book (issue 4) as a job on two real worker processes: the chunks are
shared, and the summary is the one the same computation gives in this process."""

from __future__ import annotations

import time

import pytest

from insurer.jobs import services
from insurer.jobs.models import Job
from risk.tests.test_jobs import _book

pytestmark = [pytest.mark.worker, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_two_workers_value_the_book_and_agree_with_the_in_process_run(celery_workers, wait_for, actuary):
    a = celery_workers("valuation-a@test")
    b = celery_workers("valuation-b@test")
    _book()
    parameters = {"basis": "cross_default", "scenarios": "cross", "valuation_date": "2026-06-30", "chunk_size": 2}
    job = services.job_request(actor=actuary, kind="book_valuation", parameters=parameters)
    started = time.monotonic()

    def finished() -> bool:
        job.refresh_from_db()
        return not job.is_active

    wait_for(finished, 180, f"valuation job {job.pk} to finish")
    assert job.status == "succeeded", job.error
    assert job.chunks_total == 5 == job.chunks_done  # 10 in-force policies, 2 per chunk
    assert set(job.chunks.values_list("worker", flat=True)) <= {a.hostname, b.hostname}
    inline = services.job_run_inline("book_valuation", {**parameters, "chunk_size": 1000})
    summary = Job.objects.get(pk=job.pk).result_summary
    assert summary["valued"] == inline["valued"] == 9
    for scenario, values in inline["totals"].items():
        for key, value in values.items():
            assert summary["totals"][scenario][key] == pytest.approx(value, rel=1e-12, abs=1e-6), (scenario, key)
    assert summary["capital"]["life_insurance_risk"] == pytest.approx(inline["capital"]["life_insurance_risk"],
                                                                      rel=1e-12)  # fmt: skip
    print(f"\nvaluation of 10 policies x 16 scenarios in 5 chunks on two workers: {time.monotonic() - started:.1f} s")


def test_two_workers_share_a_stochastic_valuation_and_draw_the_same_paths(celery_workers, wait_for, actuary):
    a = celery_workers("stochastic-a@test")
    b = celery_workers("stochastic-b@test")
    _book()
    parameters = {"basis": "cross_default", "valuation_date": "2026-06-30", "chunk_size": 2, "paths": 40, "seed": 5,
                  "mean_reversion": 0.1, "volatility": 0.01, "lapse_sensitivity": 10.0}  # fmt: skip
    job = services.job_request(actor=actuary, kind="stochastic_valuation", parameters=parameters)

    def finished() -> bool:
        job.refresh_from_db()
        return not job.is_active

    wait_for(finished, 180, f"stochastic valuation job {job.pk} to finish")
    assert job.status == "succeeded", job.error
    assert job.chunks_total == 5 == job.chunks_done
    assert set(job.chunks.values_list("worker", flat=True)) <= {a.hostname, b.hostname}
    inline = services.job_run_inline("stochastic_valuation", {**parameters, "chunk_size": 1000})
    summary = Job.objects.get(pk=job.pk).result_summary
    assert summary["valued"] == inline["valued"] == 9
    assert summary["bel_by_path"] == pytest.approx(inline["bel_by_path"], rel=1e-12)
    assert summary["martingale"]["passed"] is True
