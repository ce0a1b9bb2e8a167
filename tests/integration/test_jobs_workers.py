"""Chunked jobs on real worker processes (PLT-7), on whichever broker the settings name:
the embedded filesystem broker by default, Redis when CELERY_BROKER_URL says so (CI).

- two workers share a job and give the summary one worker gives, and the in-process
  computation gives;
- a worker killed with SIGKILL in the middle of a chunk loses nothing and counts nothing
  twice: the recovery sweep (any broker) or Redis's redelivery (Redis) hands the chunk to
  the surviving worker.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from insurer.jobs import registry, services
from insurer.jobs.models import Job, JobChunk
from insurer.jobs.tests import kinds

pytestmark = [pytest.mark.worker, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
REDIS = not django_settings.CELERY_BROKER_URL.startswith("filesystem://")
# Short timings so a dead worker is noticed in seconds: heartbeat every 0.5 s, a claim is
# stale after 3 s, and Redis gives an unacknowledged message back after 8 s.
WORKER_ENV = {
    "INSURER_JOBS_EXTRA_KINDS": "insurer.jobs.tests.kinds",
    "INSURER_JOBS_HEARTBEAT_SECONDS": "0.5",
    "INSURER_JOBS_STALE_SECONDS": "3",
    "INSURER_BROKER_VISIBILITY_TIMEOUT": "8",
    "INSURER_BROKER_RESTORE_INTERVAL": "1",
}


@pytest.fixture(autouse=True)
def test_kind(settings):
    settings.INSURER_JOBS_STALE_SECONDS = 3
    kinds.register()
    yield
    registry._KINDS.pop(kinds.NAME, None)


def _finished(job: Job) -> bool:
    job.refresh_from_db()
    return not job.is_active


def _run(user, kind: str, parameters: dict, wait_for, seconds: float = 120) -> Job:
    job = services.job_request(actor=user, kind=kind, parameters=parameters)
    started = time.monotonic()
    wait_for(lambda: _finished(job), seconds, f"job {job.pk} to finish")
    job.elapsed = time.monotonic() - started
    assert job.status == "succeeded", job.error
    assert job.chunks_done == job.chunks_total == job.chunks.filter(status="done").count()
    return job


def _book(policies: int = 40) -> None:
    from customers.tests import builders

    product = builders.product()
    frequencies = ["annual", "semiannual", "quarterly", "monthly", "single"]
    for i in range(policies):
        frequency = frequencies[i % 5]
        issue = dt.date(2023, 1 + i % 12, 1 + (i * 3) % 28)
        status, status_date = ("lapsed", issue + dt.timedelta(days=400)) if i % 7 == 3 else ("in_force", None)
        policy = builders.policy(product=product, issue_date=issue, payment_frequency=frequency, status=status,
                                 status_date=status_date, annual_premium=f"{1000 + 37 * i}.50",
                                 premium_term_years=1 if frequency == "single" else 10)  # fmt: skip
        for k in range(i % 4):
            when = timezone.make_aware(dt.datetime.combine(issue + dt.timedelta(days=90 * k), dt.time(9)))
            builders.transaction(on=policy, amount=f"{300 + i}.25", when=when)


def test_two_workers_share_a_job_and_agree_with_one_worker_and_in_process(celery_workers, wait_for, actuary):
    a = celery_workers("jobs-a@test", env=WORKER_ENV)
    b = celery_workers("jobs-b@test", env=WORKER_ENV)
    squares = {"n": 120_000, "chunks": 12, "sleep_ms": 300}
    shared = _run(actuary, kinds.NAME, squares, wait_for)
    assert set(shared.chunks.values_list("worker", flat=True)) == {a.hostname, b.hostname}
    assert shared.result_summary == kinds.expected(120_000) == services.job_run_inline(kinds.NAME, squares)

    _book()
    as_of = {"as_of": "2025-06-30", "chunk_size": 4}  # 10 chunks of 4 policies
    book_shared = _run(actuary, "book_premium_reconciliation", as_of, wait_for)
    assert book_shared.chunks_total == 10
    inline = services.job_run_inline("book_premium_reconciliation", {**as_of, "chunk_size": 5000})
    assert book_shared.result_summary == inline
    assert inline["policies"] == 40 and inline["received"] != "0"

    b.process.terminate()
    b.process.wait(timeout=20)
    alone = _run(actuary, kinds.NAME, squares, wait_for)
    assert set(alone.chunks.values_list("worker", flat=True)) == {a.hostname}
    assert alone.result_summary == shared.result_summary
    assert alone.input_hash == shared.input_hash
    book_alone = _run(actuary, "book_premium_reconciliation", {**as_of, "chunk_size": 7}, wait_for)
    assert book_alone.result_summary == book_shared.result_summary
    print(f"\n12 chunks x 0.3 s: two workers {shared.elapsed:.1f} s, one worker {alone.elapsed:.1f} s")


def _kill_mid_chunk(celery_workers, actuary, wait_for):
    """Two workers; worker A is killed while it computes a chunk. Returns (job, chunk index, B)."""
    a = celery_workers("jobs-victim@test", env=WORKER_ENV)
    b = celery_workers("jobs-survivor@test", env=WORKER_ENV)
    job = services.job_request(actor=actuary, kind=kinds.NAME, parameters={"n": 60_000, "chunks": 6, "sleep_ms": 3000})
    running = JobChunk.objects.filter(job=job, status="running", worker=a.hostname)
    wait_for(running.exists, 60, "worker A to start a chunk")
    a.kill()
    victim = running.get()  # still "running": its worker is gone
    return job, victim.index, b


def _check_nothing_lost_or_double_counted(job: Job, index: int, survivor) -> None:
    assert job.status == "succeeded", job.error
    assert job.chunks_done == job.chunks_total == 6
    assert job.result_summary == kinds.expected(60_000)
    chunk = job.chunks.get(index=index)
    assert (chunk.status, chunk.worker, chunk.attempts) == ("done", survivor.hostname, 2)
    assert list(job.chunks.values_list("status", flat=True)) == ["done"] * 6


def test_a_worker_killed_mid_chunk_loses_nothing_through_the_recovery_sweep(celery_workers, wait_for, actuary):
    """Any broker: beat's jobs_recover (called here as beat would) requeues the stale chunk."""
    job, index, survivor = _kill_mid_chunk(celery_workers, actuary, wait_for)
    killed_at = time.monotonic()

    def recovered() -> bool:
        services.jobs_recover()
        return _finished(job)

    wait_for(recovered, 90, "the job to finish after the kill")
    print(f"\nrecovered and finished {time.monotonic() - killed_at:.1f} s after the kill")
    _check_nothing_lost_or_double_counted(job, index, survivor)


@pytest.mark.skipif(not REDIS, reason="the filesystem broker removes a message when a worker takes it: no redelivery")
def test_a_worker_killed_mid_chunk_loses_nothing_through_redis_redelivery(celery_workers, wait_for, actuary):
    """Redis alone: the unacknowledged message comes back after the visibility timeout and
    the surviving worker reclaims the chunk, whose heartbeat has gone stale."""
    job, index, survivor = _kill_mid_chunk(celery_workers, actuary, wait_for)
    killed_at = time.monotonic()
    wait_for(lambda: _finished(job), 90, "the redelivered chunk to finish the job")
    print(f"\nredelivered and finished {time.monotonic() - killed_at:.1f} s after the kill")
    _check_nothing_lost_or_double_counted(job, index, survivor)
