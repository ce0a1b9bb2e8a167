"""Job services: permissions, audit, chunk idempotency, one reduce, cancel, failure, recovery.

Celery is not eager here: the tests call the services a worker would call, in order, and
check what would be queued through the on-commit callbacks (insurer/jobs/tests/kinds.py is
the test kind; the worker tests in tests/integration run the same steps in real workers).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from insurer.jobs import registry, services
from insurer.jobs.models import Job, JobChunk
from insurer.jobs.tests import kinds
from insurer.ledger.models import AuditEvent
from insurer.notifications.models import Notification

pytestmark = pytest.mark.django_db
PARAMS = {"n": 1000, "chunks": 4}


@pytest.fixture(autouse=True)
def test_kind():
    kind = kinds.register()
    yield kind
    registry._KINDS.pop(kinds.NAME, None)


def _queued(callbacks) -> list[tuple]:
    return [(cb.func.__name__, *cb.args) for cb in callbacks if hasattr(cb, "func")]


def _request(user, params=None, django_capture_on_commit_callbacks=None) -> Job:
    return services.job_request(actor=user, kind=kinds.NAME, parameters=params or PARAMS)


def _run_all(job: Job, worker: str = "w1") -> list[str]:
    services.job_start(job.pk)
    return [services.job_chunk_run(job.pk, i, worker=worker) for i in range(job.chunks.count())]


def test_request_records_validates_and_queues_the_start_on_commit(actuary, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        job = services.job_request(actor=actuary, kind=kinds.NAME, parameters={"n": "1000", "chunks": "4"})
    assert _queued(callbacks) == [("_send_start", job.pk)]
    job.refresh_from_db()
    assert (job.status, job.parameters, job.requested_by) == ("queued", {"n": 1000, "chunks": 4, "sleep_ms": 0,
                                                                         "fail_index": None}, actuary)  # fmt: skip
    assert len(job.input_hash) == 64 and job.code_version.startswith("test-1")
    event = AuditEvent.objects.filter(action="job.request", object_id=str(job.pk)).get()
    assert event.actor_name == actuary.username and event.changes["after"]["input_hash"] == job.input_hash


def test_the_input_hash_follows_kind_parameters_and_fingerprint(actuary, test_kind):
    a, b = _request(actuary), _request(actuary)
    c = _request(actuary, {"n": 1001, "chunks": 4})
    assert a.input_hash == b.input_hash != c.input_hash
    kinds.register(input_fingerprint=lambda p: {"rows": 7})
    assert _request(actuary).input_hash != a.input_hash


@pytest.mark.parametrize("role", ["internal_auditor", "external_examiner", "it_admin", "nobody"])
def test_roles_without_request_permission_are_refused(role, persona_factory):
    with pytest.raises(PermissionDenied):
        services.job_request(actor=persona_factory(role), kind=kinds.NAME, parameters=PARAMS)
    assert not Job.objects.exists()


def test_the_kind_permission_is_required_too(actuary):
    kinds.register(permission="customers.view_customer_pii")  # actuaries do not hold it
    with pytest.raises(PermissionDenied):
        _request(actuary)


@pytest.mark.parametrize(
    ("kind", "params", "field"),
    [(kinds.NAME, {"n": -1, "chunks": 2}, "n"), (kinds.NAME, {"n": 5, "chunks": 2, "x": 1}, "x"), ("nope", {}, "kind")],
)
def test_bad_requests_name_the_field(actuary, kind, params, field):
    with pytest.raises(ValidationError) as caught:
        services.job_request(actor=actuary, kind=kind, parameters=params)
    assert field in caught.value.message_dict


def test_start_splits_once_and_queues_every_pending_chunk(actuary, django_capture_on_commit_callbacks):
    job = _request(actuary)
    with django_capture_on_commit_callbacks() as callbacks:
        assert services.job_start(job.pk) == 4
    assert _queued(callbacks) == [("_send_chunks", job.pk, [0, 1, 2, 3])]
    services.job_chunk_run(job.pk, 0, worker="w1")
    with django_capture_on_commit_callbacks() as callbacks:  # a redelivered start message
        assert services.job_start(job.pk) == 3
    assert _queued(callbacks) == [("_send_chunks", job.pk, [1, 2, 3])]
    job.refresh_from_db()
    assert (job.status, job.chunks_total, job.chunks_done, job.chunks.count()) == ("running", 4, 1, 4)


def test_a_job_run_chunk_by_chunk_gives_the_inline_result_and_tells_the_requester(actuary):
    job = _request(actuary)
    assert _run_all(job) == ["done"] * 4
    job.refresh_from_db()
    assert job.status == "succeeded" and job.percent == 100
    assert job.result_summary == kinds.expected(1000) == services.job_run_inline(kinds.NAME, PARAMS)
    assert job.started_at <= job.finished_at
    note = Notification.objects.get(recipient=actuary)
    assert note.kind == "job_finished" and note.url == f"/jobs/{job.pk}/"
    assert AuditEvent.objects.filter(action="job.succeeded", object_id=str(job.pk)).count() == 1


def test_completing_the_same_chunk_twice_counts_it_once(actuary):
    job = _request(actuary)
    services.job_start(job.pk)
    assert services.job_chunk_run(job.pk, 1, worker="w1") == "done"
    assert services.job_chunk_run(job.pk, 1, worker="w2") == "already done"
    job.refresh_from_db()
    chunk = job.chunks.get(index=1)
    assert (job.chunks_done, chunk.attempts, chunk.worker) == (1, 1, "w1")


def test_the_reduce_runs_once(actuary):
    calls = []
    kinds.register(reduce=lambda p, results: calls.append(1) or kinds.reduce(p, results))
    job = _request(actuary)
    _run_all(job)
    assert calls == [1]
    assert services.job_finalise(job.pk) is False
    assert services.job_chunk_run(job.pk, 3, worker="late") == "already done"
    assert services.jobs_recover()["finalised"] == 0
    assert calls == [1]
    assert Notification.objects.filter(recipient=actuary, kind="job_finished").count() == 1


def test_a_chunk_held_by_a_live_worker_is_busy_and_a_stale_claim_is_taken_over(actuary, settings):
    settings.INSURER_JOBS_STALE_SECONDS = 30
    job = _request(actuary)
    services.job_start(job.pk)
    now = timezone.now()
    JobChunk.objects.filter(job=job, index=0).update(status="running", claim_token="a" * 32, worker="dead@host",
                                                     heartbeat_at=now, attempts=1)  # fmt: skip
    assert services.job_chunk_run(job.pk, 0, worker="w2") == "busy"
    JobChunk.objects.filter(job=job, index=0).update(heartbeat_at=now - timedelta(seconds=31))
    assert services.job_chunk_run(job.pk, 0, worker="w2") == "done"  # a redelivered message reclaims it
    chunk = job.chunks.get(index=0)
    assert (chunk.worker, chunk.attempts, chunk.status) == ("w2", 2, "done")
    job.refresh_from_db()
    assert job.chunks_done == 1


def test_recovery_requeues_stale_chunks_and_lost_messages_only(actuary, settings, django_capture_on_commit_callbacks):
    settings.INSURER_JOBS_STALE_SECONDS = 30
    job = _request(actuary)
    services.job_start(job.pk)
    long_ago = timezone.now() - timedelta(hours=2)
    JobChunk.objects.filter(job=job, index=0).update(status="running", claim_token="a" * 32, worker="dead@host",
                                                     heartbeat_at=long_ago)  # fmt: skip
    JobChunk.objects.filter(job=job, index=1).update(status="running", claim_token="b" * 32, worker="alive@host",
                                                     heartbeat_at=timezone.now())  # fmt: skip
    JobChunk.objects.filter(job=job, index=2).update(queued_at=long_ago)  # its message may be lost
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        stats = services.jobs_recover()
    assert stats == {"reclaimed": 1, "requeued": 1, "restarted": 0, "finalised": 0}
    assert sorted(_queued(callbacks)) == [("_send_chunks", job.pk, [0]), ("_send_chunks", job.pk, [2])]
    assert job.chunks.get(index=0).status == "pending" and "dead@host" in job.chunks.get(index=0).error
    assert job.chunks.get(index=1).status == "running"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert services.jobs_recover() == {"reclaimed": 0, "requeued": 0, "restarted": 0, "finalised": 0}


def test_the_dead_worker_cannot_complete_a_chunk_that_was_taken_over(actuary, settings):
    """The claim token changes with every claim: a late finisher's result is discarded."""
    settings.INSURER_JOBS_STALE_SECONDS = 30
    job = _request(actuary)
    services.job_start(job.pk)
    kinds.register(run_chunk=lambda p, spec: _take_over_while_running(job, spec) or kinds.run_chunk(p, spec))
    assert services.job_chunk_run(job.pk, 0, worker="slow") == "claim lost"
    chunk = job.chunks.get(index=0)
    assert (chunk.status, chunk.worker) == ("running", "thief")
    job.refresh_from_db()
    assert job.chunks_done == 0


def _take_over_while_running(job, spec):
    JobChunk.objects.filter(job=job, index=0).update(claim_token="c" * 32, worker="thief")


def test_cancel_stops_the_pending_chunks(actuary, django_capture_on_commit_callbacks):
    job = _request(actuary)
    services.job_start(job.pk)
    services.job_chunk_run(job.pk, 0, worker="w1")
    services.job_cancel(actor=actuary, job=job, reason="wrong date")
    assert [services.job_chunk_run(job.pk, i, worker="w1") for i in (1, 2, 3)] == ["inactive"] * 3
    job.refresh_from_db()
    assert (job.status, job.cancel_requested, job.chunks_done, job.result_summary) == ("cancelled", True, 1, None)
    assert list(job.chunks.values_list("status", flat=True)) == ["done", "pending", "pending", "pending"]
    assert services.jobs_recover(requeue_after=0)["requeued"] == 0
    assert AuditEvent.objects.filter(action="job.cancel", reason="wrong date").count() == 1
    with pytest.raises(ValidationError):
        services.job_cancel(actor=actuary, job=job)


def test_who_may_cancel(actuary, persona_factory):
    job = _request(actuary)
    for role in ("internal_auditor", "external_examiner", "risk_officer"):  # risk officers request jobs, not this one
        user = persona_factory(role)
        assert not services.can_cancel(user, job)
        with pytest.raises(PermissionDenied):
            services.job_cancel(actor=user, job=job)
    services.job_cancel(actor=persona_factory("cro"), job=job)  # a role with jobs.cancel_job
    assert Job.objects.get(pk=job.pk).status == "cancelled"


def test_a_failing_chunk_goes_back_to_pending_then_fails_the_job(actuary):
    job = _request(actuary, {"n": 100, "chunks": 4, "fail_index": 2})
    services.job_start(job.pk)
    with pytest.raises(RuntimeError):
        services.job_chunk_run(job.pk, 2, worker="w1")
    chunk = job.chunks.get(index=2)
    assert (chunk.status, chunk.attempts) == ("pending", 1) and "on purpose" in chunk.error
    services.job_chunk_fail(job.pk, 2, error="RuntimeError: chunk failed on purpose")  # the task's retries spent
    job.refresh_from_db()
    assert job.status == "failed" and "Chunk 2" in job.error and job.finished_at
    assert job.chunks.get(index=2).status == "failed"
    assert Notification.objects.get(recipient=actuary).kind == "job_failed"
    assert services.job_chunk_run(job.pk, 3, worker="w1") == "inactive"


def test_a_failing_reduce_fails_the_job(actuary):
    kinds.register(reduce=lambda p, r: 1 / 0)
    job = _request(actuary)
    _run_all(job)
    job.refresh_from_db()
    assert job.status == "failed" and "ZeroDivisionError" in job.error and job.result_summary is None


def test_an_empty_job_succeeds_at_once(actuary):
    job = _request(actuary, {"n": 0, "chunks": 1})
    _run_all(job)
    job.refresh_from_db()
    assert (job.status, job.result_summary) == ("succeeded", {"sum": 0, "count": 0})


def test_the_database_refuses_progress_beyond_the_total(actuary):
    from django.db import IntegrityError, transaction

    job = _request(actuary)
    with pytest.raises(IntegrityError), transaction.atomic():
        Job.objects.filter(pk=job.pk).update(chunks_done=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        JobChunk.objects.create(job=job, index=0, status="done")
