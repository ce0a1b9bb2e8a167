"""Regulatory clocks (PLT-6): versioned rules, clocks on any object, pauses, escalations
fired, and the breach register.

A clock points at its object by (``object_type`` "app.model", ``object_id``,
``object_repr``) rather than a foreign key, so the platform imports no domain app. Every
write goes through insurer.clocks.services (permission check and audit event).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from insurer.clocks import calendar


class ClockRule(models.Model):
    """One version of a rule C1..C15. A new version is a new row with a later
    ``effective_from``; clocks keep the version they started with."""

    class Unit(models.TextChoices):
        NATURAL_DAYS = "natural_days", _("natural days")
        WORKING_DAYS = "working_days", _("working days (PRC calendar)")
        HOURS = "hours", _("hours")
        YEARS = "years", _("years")

    class OnDue(models.TextChoices):
        BREACH = "breach", _("Deadline: a breach when missed")
        CLOSE = "close", _("Window: closes when due")

    code = models.CharField(_("code"), max_length=8)
    version = models.PositiveIntegerField(_("version"))
    effective_from = models.DateField(_("effective from"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)  # catalogue order: C1, C2, …, C15
    title = models.CharField(_("title"), max_length=200)
    source = models.TextField(_("legal source"))
    trigger = models.TextField(_("starts when"))
    duration_value = models.PositiveIntegerField(_("duration"))
    # Internal rules whose time limit is set by whoever starts the clock (an approval step's
    # limit comes from its level of the authorisation matrix); duration_value is then the default.
    limit_per_clock = models.BooleanField(_("time limit set per clock"), default=False)
    duration_unit = models.CharField(_("unit"), max_length=16, choices=Unit.choices)
    on_due = models.CharField(_("when due"), max_length=8, choices=OnDue.choices, default=OnDue.BREACH)
    pause_allowed = models.BooleanField(_("pause allowed"), default=False)
    # [{"at": 20, "notify": ["claims_supervisor"]}, …]: offsets from the start, in the rule's unit.
    escalation = models.JSONField(_("escalation steps"), default=list, blank=True)
    breach_notify = models.JSONField(_("roles told of a breach"), default=list, blank=True)
    verify = models.BooleanField(_("figure to verify"), default=False)
    verify_note = models.TextField(_("what to verify"), blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("clock rule")
        verbose_name_plural = _("clock rules")
        ordering = ["position", "code", "-version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="clockrule_code_version_uniq")]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}: {self.title}"

    @property
    def duration_label(self) -> str:
        if self.limit_per_clock:
            return _("%(default)s by default; set per clock") % {"default": self.limit_label(self.duration_value)}
        return self.limit_label(self.duration_value)

    def limit_label(self, n: int) -> str:
        labels = {
            self.Unit.NATURAL_DAYS: ngettext("%(n)d day", "%(n)d days", n),
            self.Unit.WORKING_DAYS: ngettext("%(n)d working day", "%(n)d working days", n),
            self.Unit.HOURS: ngettext("%(n)d hour", "%(n)d hours", n),
            self.Unit.YEARS: ngettext("%(n)d year", "%(n)d years", n),
        }
        return labels[self.duration_unit] % {"n": n}


class Clock(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        PAUSED = "paused", _("Paused")
        STOPPED = "stopped", _("Stopped (met)")
        BREACHED = "breached", _("Breached")
        CLOSED = "closed", _("Window closed")

    rule = models.ForeignKey(ClockRule, on_delete=models.PROTECT, related_name="clocks", verbose_name=_("rule"))
    object_type = models.CharField(_("object type"), max_length=60)  # "app.model"
    object_id = models.CharField(_("object id"), max_length=120)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    started_at = models.DateTimeField(_("started at"))
    # The due time without pauses, and with them (while paused: as of the pause).
    base_due_at = models.DateTimeField(_("due without pauses"))
    # Only for rules with limit_per_clock: this clock's time limit, in the rule's unit.
    time_limit = models.PositiveIntegerField(_("time limit"), null=True, blank=True)
    # Roles told of this clock's escalations and breach besides the rule's own (e.g. the
    # deciding role of an approval step).
    extra_notify = models.JSONField(_("also told"), default=list, blank=True)
    due_at = models.DateTimeField(_("due at"))
    next_escalation_at = models.DateTimeField(_("next escalation at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RUNNING)
    calendar_note = models.CharField(_("calendar note"), max_length=300, blank=True)
    calendar_years_outside = models.JSONField(default=list, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    # The department whose role holders are told (escalations, breach) and whose scoped
    # grants see the clock; None = company-wide.
    department = models.ForeignKey(
        "access.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("department"),
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True)
    stopped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("stopped by"),
    )
    stop_reason = models.TextField(_("stop reason"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("clock")
        verbose_name_plural = _("clocks")
        ordering = ["due_at", "pk"]
        indexes = [
            models.Index(fields=["status", "due_at"], name="clock_status_due_idx"),
            models.Index(fields=["status", "next_escalation_at"], name="clock_status_escalation_idx"),
            models.Index(fields=["object_type", "object_id"], name="clock_object_idx"),
        ]

    access_scope_field = "department"  # insurer.access.restrict: department-scoped grants see their clocks

    def __str__(self) -> str:
        return f"{self.rule.code} {self.object_repr or self.object_type + ':' + self.object_id}"

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.RUNNING, self.Status.PAUSED)

    @property
    def calendar_warning(self) -> str:
        """The fallback warning in the reader's language ("" when none)."""
        years = self.calendar_years_outside
        if not years:
            return ""
        first, last = calendar.covered_years()
        label = str(years[0]) if len(years) == 1 else f"{years[0]}–{years[-1]}"
        return _(
            "%(years)s outside the official holiday calendar (%(first)s–%(last)s): working days counted as "
            "Monday to Friday only."
        ) % {"years": label, "first": first, "last": last}

    @property
    def limit(self) -> int:
        return self.time_limit if self.time_limit is not None else self.rule.duration_value

    @property
    def limit_label(self) -> str:
        return self.rule.limit_label(self.limit)

    def due_soon(self, now: dt.datetime | None = None, within: dt.timedelta = dt.timedelta(days=2)) -> bool:
        now = now or timezone.now()
        return self.status == self.Status.RUNNING and now <= self.due_at <= now + within


class ClockPause(models.Model):
    clock = models.ForeignKey(Clock, on_delete=models.CASCADE, related_name="pauses", verbose_name=_("clock"))
    reason = models.TextField(_("reason"))
    paused_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("paused by")
    )
    paused_from = models.DateTimeField(_("paused from"))
    paused_to = models.DateTimeField(_("paused to"), null=True, blank=True)
    resumed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resumed by"),
    )

    class Meta:
        verbose_name = _("clock pause")
        verbose_name_plural = _("clock pauses")
        ordering = ["paused_from", "pk"]
        default_permissions = ()
        constraints = [
            # At most one open pause per clock.
            models.UniqueConstraint(
                fields=["clock"], condition=models.Q(paused_to__isnull=True), name="clockpause_one_open_per_clock"
            ),
        ]

    def __str__(self) -> str:
        return f"pause {self.paused_from:%Y-%m-%d %H:%M}"


class ClockEscalation(models.Model):
    """An escalation step that fired (one row per clock and step: the idempotence key)."""

    clock = models.ForeignKey(Clock, on_delete=models.CASCADE, related_name="escalations", verbose_name=_("clock"))
    step = models.PositiveSmallIntegerField(_("step"))  # index into rule.escalation
    due_at = models.DateTimeField(_("scheduled for"))
    fired_at = models.DateTimeField(_("fired at"))
    notified = models.JSONField(_("notified"), default=list)  # usernames

    class Meta:
        verbose_name = _("clock escalation")
        verbose_name_plural = _("clock escalations")
        ordering = ["step"]
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["clock", "step"], name="clockescalation_once")]

    def __str__(self) -> str:
        return f"escalation {self.step} of clock {self.clock_id}"


class ClockBreach(models.Model):
    """The breach register: one row per breached clock; the explanation is signed off by
    an approver who did not write it."""

    clock = models.OneToOneField(Clock, on_delete=models.PROTECT, related_name="breach", verbose_name=_("clock"))
    breached_at = models.DateTimeField(_("breached at"))
    explanation = models.TextField(_("explanation"), blank=True)
    explained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("explained by"),
    )
    explained_at = models.DateTimeField(_("explained at"), null=True, blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signed off by"),
    )
    signed_off_at = models.DateTimeField(_("signed off at"), null=True, blank=True)

    class Meta:
        verbose_name = _("clock breach")
        verbose_name_plural = _("clock breaches")
        ordering = ["-breached_at", "-pk"]
        permissions = [("signoff_breach", _("Can sign off a breach explanation"))]

    access_scope_field = "clock__department"

    def __str__(self) -> str:
        return f"breach of clock {self.clock_id}"

    @property
    def state(self) -> str:
        if self.signed_off_at:
            return "signed_off"
        if self.explained_at:
            return "explained"
        return "open"
