"""Requesting, running, cancelling and recovering jobs.

Lifecycle (docs/jobs.md): ``job_request`` creates the Job and, on commit, queues
``job_start_task``; ``job_start`` splits the parameters into JobChunk rows (idempotent) and
queues one ``job_chunk_task`` per pending chunk; ``job_chunk_run`` claims a chunk with a
conditional UPDATE, computes it, and in ONE transaction marks it done and adds one to the
job's progress, only if it still holds the claim; the chunk that completes the job runs
``job_finalise``, whose conditional lock on the Job row lets the reduce happen once.

A worker that dies leaves its chunk "running" with a heartbeat that stops moving. Once the
heartbeat is older than ``conf.stale_seconds()``, any delivery of that chunk's message
(Redis redelivers unacknowledged messages after the visibility timeout) may reclaim it, and
``jobs_recover`` (beat, every minute; needed on the filesystem broker, which loses a
message taken by a killed worker) puts it back to pending and queues it again.
"""

from __future__ import annotations

import json
import logging
import threading
import traceback
import uuid
from contextlib import contextmanager
from datetime import timedelta
from functools import partial

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from insurer import audit
from insurer.access import require
from insurer.jobs import conf, registry
from insurer.jobs.models import Job, JobChunk
from insurer.notifications.services import notify

logger = logging.getLogger(__name__)
Status, ChunkStatus = Job.Status, JobChunk.Status


def _json(value):
    """A JSON round trip: what the database will hold, and a clear error if it is not JSON."""
    return json.loads(registry.canonical_json(value))


def _job_url(job_id: int) -> str:
    return reverse("jobs:detail", args=[job_id])


# --- Commands by people ---------------------------------------------------------------


def job_request(*, actor, kind: str, parameters: dict | None = None) -> Job:
    """Validate, record and queue a job. 403 without jobs.request_job and the kind's own
    permission (oversight roles hold neither); 400 (ValidationError) on bad parameters."""
    require(actor, "jobs.request_job", _("Your role may not request jobs."))
    job_kind = registry.get(kind)
    require(actor, job_kind.permission, _("Your role may not run this kind of job."))
    clean = job_kind.clean_parameters(parameters)
    with transaction.atomic():
        job = Job.objects.create(
            kind=job_kind.name,
            parameters=clean,
            input_hash=registry.input_hash(job_kind, clean),
            code_version=registry.code_version(job_kind),
            requested_by=actor,
            queued_at=timezone.now(),
        )
        audit.record_change(
            actor=actor, action="job.request", obj_type="jobs.job", obj_id=str(job.pk), object_repr=str(job),
            after={"kind": job.kind, "parameters": clean, "input_hash": job.input_hash,
                   "code_version": job.code_version},
        )  # fmt: skip
        transaction.on_commit(partial(_send_start, job.pk))
    return job


def can_cancel(user, job: Job) -> bool:
    if not (getattr(user, "is_active", False) and job.is_active):
        return False
    if user.has_perm("jobs.cancel_job"):
        return True
    return job.requested_by_id == user.pk and user.has_perm("jobs.request_job")


def job_cancel(*, actor, job: Job, reason: str = "") -> Job:
    """Cancel a queued or running job: its requester (while holding jobs.request_job) or a
    role with jobs.cancel_job. Chunks not yet started never run; a chunk already running
    finishes its computation but the job is not reduced."""
    own = job.requested_by_id == getattr(actor, "pk", None) and actor.has_perm("jobs.request_job")
    if not own:
        require(actor, "jobs.cancel_job", _("Only the requester or a role that may cancel jobs can cancel this job."))
    with transaction.atomic():
        locked = Job.objects.select_for_update().get(pk=job.pk)
        if not locked.is_active:
            raise ValidationError(_("Only a queued or running job can be cancelled (this one is %(status)s).")
                                  % {"status": locked.get_status_display()})  # fmt: skip
        before = locked.status
        locked.cancel_requested = True
        locked.status = Status.CANCELLED
        locked.finished_at = timezone.now()
        locked.save(update_fields=["cancel_requested", "status", "finished_at"])
        audit.record_change(
            actor=actor, action="job.cancel", obj_type="jobs.job", obj_id=str(locked.pk), object_repr=str(locked),
            before={"status": before}, after={"status": locked.status}, reason=reason,
        )  # fmt: skip
    return locked


# --- Steps run by workers ---------------------------------------------------------------


def job_start(job_id: int) -> int:
    """Split the job into chunks (once) and queue every pending chunk. Safe to run again
    (a redelivered start message): the chunk rows are keyed by (job, index) and a chunk
    message delivered twice finds its chunk claimed or done. Returns the chunks queued."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or not job.is_active or job.cancel_requested:
            return 0
        now = timezone.now()
        if job.status == Status.QUEUED:
            kind = registry.get(job.kind)
            try:
                specs = [_json(spec) for spec in kind.split(job.parameters)]
            except Exception as exc:
                logger.exception("job %s: split failed", job_id)
                _fail(job, _("Splitting the job failed: %(error)s") % {"error": _describe(exc)})
                return 0
            JobChunk.objects.bulk_create(
                [JobChunk(job=job, index=i, spec=spec) for i, spec in enumerate(specs)], ignore_conflicts=True
            )
            job.status, job.started_at, job.chunks_total = Status.RUNNING, now, len(specs)
            job.save(update_fields=["status", "started_at", "chunks_total"])
        pending = list(job.chunks.filter(status=ChunkStatus.PENDING).values_list("index", flat=True))
        JobChunk.objects.filter(job=job, index__in=pending).update(queued_at=now)
        transaction.on_commit(partial(_send_chunks, job.pk, pending))
        empty = job.chunks_total == 0
    if empty:
        job_finalise(job_id)
    return len(pending)


def job_chunk_run(job_id: int, index: int, *, worker: str) -> str:
    """Claim, compute and complete one chunk. Returns what happened: "done", "already
    done", "inactive" (job cancelled, failed or finished), "busy" (another live worker
    holds it) or "missing". An exception from the kind puts the chunk back to pending and
    propagates, so the task retries it."""
    chunk = JobChunk.objects.select_related("job").filter(job_id=job_id, index=index).first()
    if chunk is None:
        return "missing"
    job = chunk.job
    if chunk.status == ChunkStatus.DONE:
        job_finalise(job_id)  # in case the worker that completed it died before reducing
        return "already done"
    if chunk.status == ChunkStatus.FAILED or job.status != Status.RUNNING or job.cancel_requested:
        return "inactive"
    now = timezone.now()
    token = uuid.uuid4().hex
    stale_before = now - timedelta(seconds=conf.stale_seconds())
    claimed = (
        JobChunk.objects.filter(pk=chunk.pk)
        .filter(Q(status=ChunkStatus.PENDING) | Q(status=ChunkStatus.RUNNING, heartbeat_at__lt=stale_before))
        .update(
            status=ChunkStatus.RUNNING,
            claim_token=token,
            worker=worker[:200],
            heartbeat_at=now,
            started_at=now,
            finished_at=None,
            attempts=F("attempts") + 1,
        )
    )
    if not claimed:
        return "busy"
    kind = registry.get(job.kind)
    try:
        with _heartbeat(chunk.pk, token):
            result = _json(kind.run_chunk(job.parameters, chunk.spec))
        if result is None:
            raise ValueError("run_chunk returned no result")
    except Exception as exc:
        JobChunk.objects.filter(pk=chunk.pk, status=ChunkStatus.RUNNING, claim_token=token).update(
            status=ChunkStatus.PENDING, error=_describe(exc)
        )
        raise
    with transaction.atomic():
        completed = JobChunk.objects.filter(pk=chunk.pk, status=ChunkStatus.RUNNING, claim_token=token).update(
            status=ChunkStatus.DONE, result=result, finished_at=timezone.now(), error=""
        )
        if not completed:  # the claim went stale and someone else took the chunk
            logger.warning("job %s chunk %s: claim lost by %s; result discarded", job_id, index, worker)
            return "claim lost"
        Job.objects.filter(pk=job_id).update(chunks_done=F("chunks_done") + 1)
        last = Job.objects.filter(pk=job_id, chunks_done=F("chunks_total")).exists()
    if last:
        job_finalise(job_id)
    return "done"


def job_finalise(job_id: int) -> bool:
    """Reduce the chunk results and mark the job succeeded (or failed if the reduce
    raises). The row lock and the condition (running, every chunk done) let exactly one
    caller through; every later caller finds the job finished and returns False."""
    with transaction.atomic():
        job = (
            Job.objects.select_for_update()
            .filter(pk=job_id, status=Status.RUNNING, chunks_done=F("chunks_total"))
            .first()
        )
        if job is None:
            return False
        results = list(job.chunks.order_by("index").values_list("result", flat=True))
        try:
            summary = _json(registry.get(job.kind).reduce(job.parameters, results))
        except Exception as exc:
            logger.exception("job %s: reduce failed", job_id)
            _fail(job, _("Reducing the results failed: %(error)s") % {"error": _describe(exc)})
            return True
        job.status, job.result_summary, job.finished_at = Status.SUCCEEDED, summary, timezone.now()
        job.save(update_fields=["status", "result_summary", "finished_at"])
        audit.record_change(actor=None, action="job.succeeded", obj_type="jobs.job", obj_id=str(job.pk),
                            object_repr=str(job), after={"status": job.status, "chunks": job.chunks_total})  # fmt: skip
        seconds = _seconds(job.finished_at - job.started_at)
        notify(  # callables: rendered in each recipient's language (insurer.notifications.services.notify)
            recipients=[job.requested_by], kind="job_finished",
            title=lambda: _("Job %(job)s finished") % {"job": job}, url=_job_url(job.pk),
            body=lambda: _("%(n)s chunks in %(seconds)s s.") % {"n": job.chunks_total, "seconds": seconds},
        )  # fmt: skip
    return True


def job_chunk_fail(job_id: int, index: int, *, error: str) -> None:
    """The chunk's retries are spent: the chunk and its job fail, the requester is told."""
    with transaction.atomic():
        JobChunk.objects.filter(
            job_id=job_id, index=index, status__in=[ChunkStatus.PENDING, ChunkStatus.RUNNING]
        ).update(status=ChunkStatus.FAILED, error=error, finished_at=timezone.now())
        job_fail(
            job_id, error=_("Chunk %(index)s failed after its retries: %(error)s") % {"index": index, "error": error}
        )


def job_fail(job_id: int, *, error: str) -> bool:
    """Fail a queued or running job (a step that cannot be retried any more)."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or not job.is_active:
            return False
        _fail(job, error)
        return True


def _fail(job: Job, error: str) -> None:
    job.status, job.error, job.finished_at = Status.FAILED, error, timezone.now()
    job.save(update_fields=["status", "error", "finished_at"])
    audit.record_change(actor=None, action="job.failed", obj_type="jobs.job", obj_id=str(job.pk),
                        object_repr=str(job), after={"status": job.status, "error": error[:500]})  # fmt: skip
    # The title in the recipient's language; the error as recorded.
    notify(
        recipients=[job.requested_by],
        kind="job_failed",
        title=lambda: _("Job %(job)s failed") % {"job": job},
        body=error[:2000],
        url=_job_url(job.pk),
    )


# --- Recovery -------------------------------------------------------------------------


def jobs_recover(*, now=None, stale_after: float | None = None, requeue_after: float | None = None) -> dict:
    """Put work that lost its worker or its message back on the queue (beat, every minute).

    - a running chunk whose heartbeat is stale (its worker died) goes back to pending and is
      queued again: the claim token changes, so the dead worker could never complete it;
    - a pending chunk (or a queued job) whose message was sent longer ago than
      ``requeue_after`` is queued again, in case the broker lost the message;
    - a running job whose chunks are all done but which was never reduced is reduced.
    Every step is safe to repeat: a duplicate message finds its chunk claimed or done.
    """
    now = now or timezone.now()
    stale_before = now - timedelta(seconds=stale_after if stale_after is not None else conf.stale_seconds())
    requeue_before = now - timedelta(seconds=requeue_after if requeue_after is not None else
                                     conf.requeue_pending_seconds())  # fmt: skip
    stats = {"reclaimed": 0, "requeued": 0, "restarted": 0, "finalised": 0}
    running = JobChunk.objects.filter(job__status=Status.RUNNING, job__cancel_requested=False)
    for chunk in running.filter(status=ChunkStatus.RUNNING, heartbeat_at__lt=stale_before):
        note = f"worker {chunk.worker} stopped (last heartbeat {chunk.heartbeat_at:%H:%M:%S}); requeued"
        with transaction.atomic():
            reset = JobChunk.objects.filter(
                pk=chunk.pk, status=ChunkStatus.RUNNING, claim_token=chunk.claim_token, heartbeat_at__lt=stale_before
            ).update(status=ChunkStatus.PENDING, queued_at=now, error=note)
            if reset:
                stats["reclaimed"] += 1
                transaction.on_commit(partial(_send_chunks, chunk.job_id, [chunk.index]))
    lost = running.filter(status=ChunkStatus.PENDING).filter(
        Q(queued_at__isnull=True) | Q(queued_at__lt=requeue_before)
    )
    for job_id, index in lost.values_list("job_id", "index"):
        with transaction.atomic():
            if JobChunk.objects.filter(job_id=job_id, index=index, status=ChunkStatus.PENDING).update(queued_at=now):
                stats["requeued"] += 1
                transaction.on_commit(partial(_send_chunks, job_id, [index]))
    for job_id in Job.objects.filter(
        status=Status.QUEUED, cancel_requested=False, queued_at__lt=requeue_before
    ).values_list("pk", flat=True):
        Job.objects.filter(pk=job_id, status=Status.QUEUED).update(queued_at=now)
        stats["restarted"] += 1
        _send_start(job_id)
    for job_id in Job.objects.filter(status=Status.RUNNING, chunks_done=F("chunks_total")).values_list("pk", flat=True):
        stats["finalised"] += int(job_finalise(job_id))
    if any(stats.values()):
        logger.warning("jobs_recover: %s", stats)
    return stats


def job_run_inline(kind: str, parameters: dict | None = None) -> dict:
    """The same computation in this process, without Job rows: split, run every chunk,
    reduce. For comparisons (a worker run must give the same summary) and small jobs."""
    job_kind = registry.get(kind)
    clean = job_kind.clean_parameters(parameters)
    results = [_json(job_kind.run_chunk(clean, _json(spec))) for spec in job_kind.split(clean)]
    return _json(job_kind.reduce(clean, results))


# --- Helpers --------------------------------------------------------------------------


@contextmanager
def _heartbeat(chunk_pk: int, token: str):
    """Stamp the chunk's heartbeat from a background thread while the chunk computes."""
    stop = threading.Event()
    interval = conf.heartbeat_seconds()

    def beat() -> None:
        try:
            while not stop.wait(interval):
                JobChunk.objects.filter(pk=chunk_pk, status=ChunkStatus.RUNNING, claim_token=token).update(
                    heartbeat_at=timezone.now()
                )
        except Exception:  # a missed heartbeat only risks a reclaim, which is safe
            logger.exception("heartbeat of chunk %s failed", chunk_pk)
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=beat, name=f"job-chunk-{chunk_pk}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=interval + 5)


def _describe(exc: BaseException) -> str:
    return "".join(traceback.format_exception_only(type(exc), exc)).strip()[:2000]


def _seconds(delta) -> str:
    return f"{delta.total_seconds():.1f}" if delta is not None else "?"


def _send_start(job_id: int) -> None:
    from insurer.jobs.tasks import job_start_task

    job_start_task.delay(job_id)


def _send_chunks(job_id: int, indexes: list[int]) -> None:
    from insurer.jobs.tasks import job_chunk_task

    for index in indexes:
        job_chunk_task.delay(job_id, index)
