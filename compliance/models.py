"""AML alerts, cases and reports (issue 5, AML-3 and AML-4); decision 0009.

- ``MonitoringRun``: one run of the monitoring batch (command or job) and what it found.
- ``Alert``: one alert of the engine (compliance/engine/monitoring), keyed by the engine's
  ``alert_id`` (a hash of the catalogue version, customer, policy and the episode's first
  transaction), so re-running the batch over the same history creates no duplicate.
  ``AlertRule`` holds the rules that fired in it (filters and the dashboard group by it).
- ``Case``: the alerts of one customer under review; at most one case per customer is not
  closed (a database constraint). open → under review → escalated to the MLRO → closed
  with a disposition (not suspicious / suspicious, which needs an STR).
- ``CaseEvent``: the case's append-only timeline (alerts joining, assignment, notes,
  proposals, escalation, decisions, report steps).
- ``SuspiciousTransactionReport``: drafted by an analyst, approved by the MLRO (never the
  same person), recorded with a reference.
- ``LargeValueReport``: one per reportable transaction (PBoC large-value thresholds), each
  with its C13 clock.

Every write goes through compliance.services (permission, separation of duties, audit).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class Tier(models.TextChoices):
    REVIEW = "review", _("Review")
    HOLD = "hold", _("Hold")
    FREEZE = "freeze", _("Freeze")


TIER_RANK = {"review": 1, "hold": 2, "freeze": 3}


class Disposition(models.TextChoices):
    NOT_SUSPICIOUS = "not_suspicious", _("Not suspicious")
    SUSPICIOUS = "suspicious", _("Suspicious (report to the regulator)")


class MonitoringRun(models.Model):
    class Source(models.TextChoices):
        COMMAND = "command", _("Command (aml_monitor)")
        JOB = "job", _("Job")
        SERVICE = "service", _("Service call")

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    job_id = models.BigIntegerField(_("job"), null=True, blank=True)
    part = models.PositiveIntegerField(_("part"), default=0)
    parts = models.PositiveIntegerField(_("parts"), default=1)
    rules_version = models.CharField(_("rules version"), max_length=40)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.RUNNING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    transactions = models.PositiveIntegerField(_("transactions read"), default=0)
    alerts_found = models.PositiveIntegerField(_("alerts found"), default=0)
    alerts_new = models.PositiveIntegerField(_("new alerts"), default=0)
    alerts_updated = models.PositiveIntegerField(_("updated alerts"), default=0)
    alerts_unchanged = models.PositiveIntegerField(_("unchanged alerts"), default=0)
    cases_opened = models.PositiveIntegerField(_("cases opened"), default=0)
    summary = models.JSONField(_("summary"), default=dict, blank=True)

    class Meta:
        verbose_name = _("monitoring run")
        verbose_name_plural = _("monitoring runs")
        ordering = ["-started_at", "-pk"]
        default_permissions = ("view",)
        permissions = [("run_monitoring", _("Can run the AML monitoring batch and generate large-value reports"))]

    def __str__(self) -> str:
        return f"run {self.pk} ({self.rules_version})"


class Alert(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    alert_id = models.CharField(_("alert id"), max_length=32, unique=True)
    rules_version = models.CharField(_("rules version"), max_length=40)
    rule_codes = models.CharField(_("rules"), max_length=80)  # "L01;L06": the rules that fired, in order
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="aml_alerts", verbose_name=_("customer")
    )
    policy = models.ForeignKey(
        "customers.Policy", on_delete=models.PROTECT, related_name="aml_alerts", verbose_name=_("policy")
    )
    txn_refs = models.JSONField(_("transactions"), default=list, blank=True)
    score = models.DecimalField(_("score"), max_digits=7, decimal_places=2)
    tier = models.CharField(_("tier"), max_length=8, choices=Tier.choices)
    explanation = models.JSONField(_("explanation"), default=dict)
    created_at = models.DateTimeField(_("created at"))  # the episode's last hit (event time)
    raised_at = models.DateTimeField(_("raised at"))  # first persisted
    updated_at = models.DateTimeField(_("updated at"))
    first_run = models.ForeignKey(
        MonitoringRun, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("first run")
    )
    last_run = models.ForeignKey(
        MonitoringRun, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("last run")
    )
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    disposition = models.CharField(_("disposition"), max_length=16, choices=Disposition.choices, blank=True)
    case = models.ForeignKey(
        "Case", on_delete=models.PROTECT, null=True, blank=True, related_name="alerts", verbose_name=_("case")
    )
    # The current snooze (AlertSnooze keeps them all): out of the queue to the end of this local day.
    snoozed_until = models.DateField(_("snoozed until"), null=True, blank=True)

    class Meta:
        verbose_name = _("AML alert")
        verbose_name_plural = _("AML alerts")
        ordering = ["-created_at", "-pk"]
        default_permissions = ("view",)
        permissions = [("export_alert", _("Can export AML alerts"))]
        constraints = [
            models.CheckConstraint(name="aml_alert_tier_valid", condition=Q(tier__in=["review", "hold", "freeze"])),
            models.CheckConstraint(
                name="aml_alert_closed_has_disposition",
                condition=Q(status="open", disposition="") | (Q(status="closed") & ~Q(disposition="")),
            ),
        ]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="aml_alert_created_idx"),
            models.Index(fields=["status", "tier", "-created_at"], name="aml_alert_queue_idx"),
            models.Index(fields=["customer", "-created_at"], name="aml_alert_customer_idx"),
            models.Index(
                fields=["snoozed_until"], condition=Q(snoozed_until__isnull=False), name="aml_alert_snoozed_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.alert_id

    @property
    def snoozable_rules(self) -> list[str]:
        """The rules that fired here that may be snoozed for the customer (never L13, sanctions)."""
        return [r for r in self.rule_codes.split(";") if r and r != "L13"]

    @property
    def rule_list(self) -> list[str]:
        return [r for r in self.rule_codes.split(";") if r]


class AlertSnooze(models.Model):
    """An analyst's snooze of an alert: out of the queue until the end of ``until`` (a local
    day), with the reason; ended early by hand or when a later run finds the episode grown.
    Rows are never deleted: the alert's snooze history."""

    alert = models.ForeignKey(Alert, on_delete=models.PROTECT, related_name="snoozes", verbose_name=_("alert"))
    until = models.DateField(_("snoozed until"))
    reason = models.TextField(_("reason"))
    snoozed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("snoozed by")
    )
    snoozed_at = models.DateTimeField(_("snoozed at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ended by"),
    )
    end_reason = models.TextField(_("why it ended early"), blank=True)

    class Meta:
        verbose_name = _("alert snooze")
        verbose_name_plural = _("alert snoozes")
        ordering = ["-snoozed_at", "-pk"]
        default_permissions = ()
        constraints = [
            # One snooze in force per alert.
            models.UniqueConstraint(
                fields=["alert"], condition=Q(ended_at__isnull=True), name="aml_alertsnooze_one_open_per_alert"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.alert_id} snoozed until {self.until:%Y-%m-%d}"


class RuleSnooze(models.Model):
    """A rule snoozed for one customer (regulation-aml.md: "snoozes per customer or value stop
    repeat false positives, with a reason and an expiry"): until ``expires_at`` the batch, its
    backtest and shadow runs and real-time scoring drop that rule from the customer's alerts
    (compliance.engine.monitoring.apply_snoozes, keyed by customer_ref and rule_id). Never L13:
    a confirmed sanctions hit is not snoozable. Rows are never deleted: the snooze history."""

    rule_id = models.CharField(_("rule"), max_length=8)
    customer_ref = models.CharField(_("customer"), max_length=64, db_index=True)
    reason = models.TextField(_("reason"))
    expires_at = models.DateTimeField(_("expires at"))
    from_alert = models.CharField(_("from alert"), max_length=64, blank=True)
    snoozed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("snoozed by")
    )
    snoozed_at = models.DateTimeField(_("snoozed at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ended by"),
    )
    end_reason = models.TextField(_("why it ended early"), blank=True)

    class Meta:
        verbose_name = _("rule snooze")
        verbose_name_plural = _("rule snoozes")
        ordering = ["-snoozed_at", "-pk"]
        default_permissions = ()
        constraints = [
            # One snooze in force per rule and customer (a new one replaces it).
            models.UniqueConstraint(
                fields=["rule_id", "customer_ref"],
                condition=Q(ended_at__isnull=True),
                name="aml_rulesnooze_one_open_per_rule_customer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} for {self.customer_ref} until {self.expires_at:%Y-%m-%d}"


class AlertRule(models.Model):
    """One rule that fired in an alert (for filtering and counting by rule)."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="rules", verbose_name=_("alert"))
    rule_id = models.CharField(_("rule"), max_length=8)
    weight = models.DecimalField(_("weight"), max_digits=7, decimal_places=2)

    class Meta:
        verbose_name = _("alert rule")
        verbose_name_plural = _("alert rules")
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["alert", "rule_id"], name="aml_alertrule_unique")]
        indexes = [models.Index(fields=["rule_id", "alert"], name="aml_alertrule_rule_idx")]

    def __str__(self) -> str:
        return f"{self.alert_id}:{self.rule_id}"


class Case(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        UNDER_REVIEW = "under_review", _("Under review")
        ESCALATED = "escalated", _("Escalated to the MLRO")
        CLOSED = "closed", _("Closed")

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="aml_cases", verbose_name=_("customer")
    )
    status = models.CharField(_("status"), max_length=14, choices=Status.choices, default=Status.OPEN)
    disposition = models.CharField(_("disposition"), max_length=16, choices=Disposition.choices, blank=True)
    max_tier = models.CharField(_("highest tier"), max_length=8, choices=Tier.choices, default=Tier.REVIEW)
    max_score = models.DecimalField(_("highest score"), max_digits=7, decimal_places=2, default=0)
    alert_count = models.PositiveIntegerField(_("alerts"), default=0)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned analyst"),
    )
    opened_at = models.DateTimeField(_("opened at"))
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    # A hold-tier case is closed "not suspicious" only by a second reviewer: the first
    # reviewer's proposal waits here.
    proposed_disposition = models.CharField(
        _("proposed disposition"), max_length=16, choices=Disposition.choices, blank=True
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    # The analyst's 5-working-day review clock (rule AML-R), and the C14 report clock once
    # the case is confirmed suspicious.
    review_clock = models.ForeignKey(
        "clocks.Clock",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("review clock"),
    )
    report_clock = models.ForeignKey(
        "clocks.Clock",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("report clock"),
    )
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)  # the running clock's deadline (queue order)

    class Meta:
        verbose_name = _("AML case")
        verbose_name_plural = _("AML cases")
        ordering = ["-opened_at", "-pk"]
        permissions = [
            ("work_case", _("Can work AML cases (assign, note, dispose, escalate, draft reports)")),
            ("decide_case", _("Can decide escalated AML cases and approve suspicious transaction reports")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"], condition=~Q(status="closed"), name="aml_case_one_open_per_customer"
            ),
            models.CheckConstraint(
                name="aml_case_closed_has_disposition",
                condition=(Q(status="closed") & ~Q(disposition="") & Q(closed_at__isnull=False))
                | (~Q(status="closed") & Q(disposition="")),
            ),
            models.CheckConstraint(
                name="aml_case_status_valid",
                condition=Q(status__in=["open", "under_review", "escalated", "closed"]),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_at"], name="aml_case_queue_idx"),
            models.Index(fields=["assigned_to", "status"], name="aml_case_assignee_idx"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"AMLC-{self.pk:06d}" if self.pk else "AMLC-new"

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.CLOSED


class CaseEvent(models.Model):
    """The case's timeline: append-only (services never update or delete a row)."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("Case opened")
        ALERT_ADDED = "alert_added", _("Alert added")
        ALERT_UPDATED = "alert_updated", _("Alert updated by a later run")
        ALERT_MOVED = "alert_moved", _("Alert re-raised into a new case")
        ASSIGNED = "assigned", _("Assigned")
        NOTE = "note", _("Note")
        PROPOSED = "proposed", _("Disposition proposed (second reviewer needed)")
        ESCALATED = "escalated", _("Escalated to the MLRO")
        DISPOSED = "disposed", _("Closed with a disposition")
        STR_DRAFTED = "str_drafted", _("Report drafted")
        STR_SUBMITTED = "str_submitted", _("Report submitted for approval")
        STR_RETURNED = "str_returned", _("Report returned to the analyst")
        STR_APPROVED = "str_approved", _("Report approved and recorded")
        ALERT_SNOOZED = "alert_snoozed", _("Alert snoozed")
        ALERT_UNSNOOZED = "alert_unsnoozed", _("Alert snooze ended")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events", verbose_name=_("case"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"))
    text = models.TextField(_("text"), blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["at", "pk"]
        default_permissions = ()
        indexes = [models.Index(fields=["case", "at"], name="aml_caseevent_case_idx")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class SuspiciousTransactionReport(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted for approval")
        RECORDED = "recorded", _("Approved and recorded")

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="report", verbose_name=_("case"))
    reference = models.CharField(_("reference"), max_length=30, unique=True, null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    activity_type = models.CharField(_("suspected activity"), max_length=200)
    grounds = models.TextField(_("grounds for suspicion"))
    action_taken = models.TextField(_("action taken"), blank=True)
    txn_refs = models.JSONField(_("transactions reported"), default=list)
    amount_total = models.DecimalField(_("total amount"), max_digits=18, decimal_places=2, default=0)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("drafted by")
    )
    drafted_at = models.DateTimeField(_("drafted at"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    return_comment = models.TextField(_("returned with"), blank=True)
    revision = models.PositiveIntegerField(_("revision"), default=1)

    class Meta:
        verbose_name = _("suspicious transaction report")
        verbose_name_plural = _("suspicious transaction reports")
        ordering = ["-drafted_at", "-pk"]
        permissions = [("export_suspicioustransactionreport", _("Can export suspicious transaction reports"))]
        constraints = [
            # Maker-checker: the MLRO approving is never the analyst who drafted it.
            models.CheckConstraint(
                name="aml_str_checker_not_maker",
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("drafted_by")),
            ),
            models.CheckConstraint(
                name="aml_str_recorded_complete",
                condition=~Q(status="recorded")
                | (Q(reference__isnull=False) & Q(approved_by__isnull=False) & Q(approved_at__isnull=False)),
            ),
        ]

    def __str__(self) -> str:
        return self.reference or f"STR draft {self.pk}"


class LargeValueReport(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("To report")
        REPORTED = "reported", _("Reported")

    class Category(models.TextChoices):
        CASH = "cash", _("Cash (single or same-day total)")
        NON_NATURAL_TRANSFER = "non_natural_transfer", _("Transfer by a non-natural person")
        NATURAL_DOMESTIC_TRANSFER = "natural_domestic_transfer", _("Domestic transfer by a natural person")
        NATURAL_CROSS_BORDER_TRANSFER = "natural_cross_border_transfer", _("Cross-border transfer by a natural person")

    transaction = models.OneToOneField(
        "customers.PolicyTransaction",
        on_delete=models.PROTECT,
        related_name="large_value_report",
        verbose_name=_("transaction"),
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="large_value_reports", verbose_name=_("customer")
    )
    category = models.CharField(_("category"), max_length=32, choices=Category.choices)
    currency = models.CharField(_("currency"), max_length=3)
    threshold = models.DecimalField(_("threshold"), max_digits=18, decimal_places=2)
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2)
    day_total = models.DecimalField(_("amount compared"), max_digits=18, decimal_places=2)
    report_day = models.DateField(_("transaction day"))
    source = models.CharField(_("source"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    clock = models.ForeignKey(
        "clocks.Clock", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("C13 clock")
    )
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    generated_at = models.DateTimeField(_("generated at"))
    reference = models.CharField(_("reference"), max_length=60, unique=True, null=True, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reported by"),
    )
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)

    class Meta:
        verbose_name = _("large-value transaction report")
        verbose_name_plural = _("large-value transaction reports")
        ordering = ["due_at", "pk"]
        permissions = [("report_largevaluereport", _("Can record large-value transaction reports as filed"))]
        constraints = [
            models.CheckConstraint(
                name="aml_lvtr_reported_complete",
                condition=~Q(status="reported") | (Q(reference__isnull=False) & Q(reported_at__isnull=False)),
            ),
        ]
        indexes = [models.Index(fields=["status", "due_at"], name="aml_lvtr_queue_idx")]

    def __str__(self) -> str:
        return f"LVTR {self.transaction_id} ({self.category})"
