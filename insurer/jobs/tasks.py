"""Celery tasks of the job machinery: thin, idempotent, each calls one service.

Every task acknowledges late (after it ran), so a worker killed mid-task leaves its message
unacknowledged: Redis delivers it again after the visibility timeout; the filesystem broker
has already removed it, and ``jobs_recover_task`` (beat, every minute) requeues the work.
"""

from __future__ import annotations

import logging

from celery import Task, shared_task

from insurer.jobs import services

logger = logging.getLogger(__name__)
RETRY = {"acks_late": True, "autoretry_for": (Exception,), "retry_backoff": 2, "retry_backoff_max": 300,
         "retry_jitter": True, "max_retries": 4}  # fmt: skip


class ChunkTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        """Retries spent (or an error not retried): the chunk and its job fail."""
        job_id, index = [*args, kwargs.get("job_id"), kwargs.get("index")][:2]
        logger.error("job %s chunk %s failed for good: %r", job_id, index, exc)
        services.job_chunk_fail(job_id, index, error=services._describe(exc))


class StartTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        job_id = [*args, kwargs.get("job_id")][0]
        services.job_fail(job_id, error=services._describe(exc))


@shared_task(base=StartTask, **RETRY)
def job_start_task(job_id: int) -> int:
    return services.job_start(job_id)


@shared_task(bind=True, base=ChunkTask, **RETRY)
def job_chunk_task(self, job_id: int, index: int) -> str:
    return services.job_chunk_run(job_id, index, worker=self.request.hostname or "unknown")


@shared_task(acks_late=True)
def jobs_recover_task() -> dict:
    """Scheduled by beat: requeue chunks whose worker died and messages the broker lost."""
    return services.jobs_recover()
