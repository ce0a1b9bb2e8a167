"""Reading jobs, always through the permission chokepoint (insurer.access.restrict)."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from insurer.access import restrict
from insurer.jobs.models import Job, JobChunk


def jobs_for(user, *, kind: str = "", status: str = "", mine: bool = False) -> QuerySet[Job]:
    rows = restrict(Job.objects.select_related("requested_by"), user, "view")
    if kind:
        rows = rows.filter(kind=kind)
    if status:
        rows = rows.filter(status=status)
    if mine:
        rows = rows.filter(requested_by=user)
    return rows.order_by("-created_at", "-id")


def chunk_counts(job: Job) -> dict[str, int]:
    counts = dict.fromkeys(JobChunk.Status.values, 0)
    for row in job.chunks.values("status").annotate(n=Count("id")):
        counts[row["status"]] = row["n"]
    return counts
