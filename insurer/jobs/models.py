"""Jobs: one row per run of a job kind, split into chunks that workers share.

Invariants a row can check are database constraints: progress never exceeds the total, a
finished job has its finish time, a done chunk has its result. Completion of a chunk and
the job's progress change in one transaction (services.py), so progress counts each chunk
once however often its message is delivered.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class Job(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    ACTIVE = frozenset({Status.QUEUED, Status.RUNNING})

    kind = models.CharField(_("kind"), max_length=64)
    parameters = models.JSONField(_("parameters"), default=dict)
    input_hash = models.CharField(_("input hash"), max_length=64)
    code_version = models.CharField(_("code version"), max_length=80)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="jobs", verbose_name=_("requested by")
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.QUEUED)
    chunks_total = models.PositiveIntegerField(_("chunks"), default=0)
    chunks_done = models.PositiveIntegerField(_("chunks done"), default=0)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    queued_at = models.DateTimeField(_("start queued at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    result_summary = models.JSONField(_("result summary"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    cancel_requested = models.BooleanField(_("cancel requested"), default=False)

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("request_job", _("Can request jobs")),
            ("cancel_job", _("Can cancel anyone's job")),
        ]
        constraints = [
            models.CheckConstraint(
                name="job_status_valid",
                condition=Q(status__in=["queued", "running", "succeeded", "failed", "cancelled"]),
            ),
            models.CheckConstraint(name="job_progress_within_total", condition=Q(chunks_done__lte=F("chunks_total"))),
            models.CheckConstraint(
                name="job_finished_has_time",
                condition=Q(status__in=["queued", "running"]) | Q(finished_at__isnull=False),
            ),
            models.CheckConstraint(
                name="job_succeeded_complete",
                condition=~Q(status="succeeded") | (Q(chunks_done=F("chunks_total")) & Q(result_summary__isnull=False)),
            ),
            models.CheckConstraint(
                name="job_cancelled_was_requested", condition=~Q(status="cancelled") | Q(cancel_requested=True)
            ),
        ]
        indexes = [
            models.Index(fields=["requested_by", "-created_at"], name="job_requester_idx"),
            models.Index(fields=["status", "-created_at"], name="job_status_idx"),
            models.Index(fields=["kind", "-created_at"], name="job_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    @property
    def percent(self) -> int:
        if self.status == self.Status.SUCCEEDED:
            return 100
        if not self.chunks_total:
            return 0
        return int(100 * self.chunks_done // self.chunks_total)

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def duration(self):
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None


class JobChunk(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="chunks", verbose_name=_("job"))
    index = models.PositiveIntegerField(_("index"))
    spec = models.JSONField(_("chunk"), default=dict)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.PENDING)
    result = models.JSONField(_("result"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    worker = models.CharField(_("worker"), max_length=200, blank=True)
    # The current claim: who holds it (a token per claim, so a worker that lost its claim
    # cannot complete the chunk) and when it last proved it is alive.
    claim_token = models.CharField(_("claim token"), max_length=32, blank=True)
    heartbeat_at = models.DateTimeField(_("heartbeat at"), null=True, blank=True)
    queued_at = models.DateTimeField(_("message queued at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("job chunk")
        verbose_name_plural = _("job chunks")
        ordering = ["job", "index"]
        constraints = [
            models.UniqueConstraint(fields=["job", "index"], name="job_chunk_unique_index"),
            models.CheckConstraint(
                name="job_chunk_status_valid", condition=Q(status__in=["pending", "running", "done", "failed"])
            ),
            models.CheckConstraint(
                name="job_chunk_done_has_result",
                condition=~Q(status="done") | (Q(result__isnull=False) & Q(finished_at__isnull=False)),
            ),
            models.CheckConstraint(
                name="job_chunk_running_is_claimed",
                condition=~Q(status="running") | (~Q(claim_token="") & Q(heartbeat_at__isnull=False)),
            ),
        ]
        indexes = [
            # The recovery sweep: running chunks by heartbeat, pending chunks by queue time.
            models.Index(fields=["status", "heartbeat_at"], name="job_chunk_status_hb_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.job_id}#{self.index}"
