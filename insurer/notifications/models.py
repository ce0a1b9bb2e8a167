"""The in-app notification centre: approval assigned, clock escalating or breached, job
finished or failed. One row per recipient; e-mail goes out through Django's configured
e-mail backend when the recipient has an address."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    class Kind(models.TextChoices):
        APPROVAL_ASSIGNED = "approval_assigned", _("Approval assigned")
        APPROVAL_DECIDED = "approval_decided", _("Approval decided")
        CLOCK_ESCALATING = "clock_escalating", _("Deadline approaching")
        CLOCK_BREACHED = "clock_breached", _("Deadline breached")
        JOB_FINISHED = "job_finished", _("Job finished")
        JOB_FAILED = "job_failed", _("Job failed")
        GRANT_REQUESTED = "grant_requested", _("Role grant to review")
        OBJECT_GRANT_REQUESTED = "object_grant_requested", _("Object grant to review")
        OTHER = "other", _("Other")

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("details"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The bell's unread count and the centre's list, per user.
            models.Index(fields=["recipient", "read_at", "-created_at"], name="notification_inbox_idx"),
        ]

    def __str__(self) -> str:
        return self.title
