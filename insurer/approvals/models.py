"""Approvals (PLT-5): a versioned authorisation matrix, approval requests on any object
with their computed route (steps), decisions, and delegations.

A request points at its object by (``object_type`` "app.model", ``object_id``,
``object_repr``), so the platform imports no domain app. Every write goes through
insurer.approvals.services (permission check, the refusal rules, audit event).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from insurer.access.models import ROLE_CHOICES
from insurer.approvals import routing


class BusinessType(models.TextChoices):
    CLAIM_PAYOUT = "claim_payout", _("Claim payout")
    SURRENDER_PAYOUT = "surrender_payout", _("Surrender payout")
    POLICY_LOAN = "policy_loan", _("Policy loan")
    REFUND = "refund", _("Premium refund")
    EXPENSE = "expense", _("Expense")
    CONTRACT = "contract", _("Contract")
    INVESTMENT = "investment", _("Investment")
    RELATED_PARTY_TRANSACTION = "related_party_transaction", _("Related-party transaction")
    MATRIX_CHANGE = "matrix_change", _("Authorisation matrix change")


assert set(BusinessType.values) == set(routing.BUSINESS_TYPES)


class AuthorisationMatrix(models.Model):
    """One version of the authorisation matrix. A version is never edited: a change is a
    new version, approved through a ``matrix_change`` request; it becomes active when that
    request is approved, and the version it replaces is superseded."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING = "pending_approval", _("Pending approval")
        ACTIVE = "active", _("Active")
        SUPERSEDED = "superseded", _("Superseded")
        REJECTED = "rejected", _("Rejected or withdrawn")

    version = models.PositiveIntegerField(_("version"), unique=True)
    effective_from = models.DateField(_("effective from"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    based_on = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("based on")
    )
    note = models.TextField(_("what changes and why"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    created_at = models.DateTimeField(_("proposed at"), default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("authorisation matrix")
        verbose_name_plural = _("authorisation matrices")
        ordering = ["-version"]
        permissions = [("propose_authorisationmatrix", _("Can propose a new authorisation matrix version"))]
        constraints = [
            models.UniqueConstraint(fields=["status"], condition=Q(status="active"), name="approvals_one_active_matrix")
        ]

    def __str__(self) -> str:
        return f"v{self.version} ({self.get_status_display()})"

    def routing_rules(self) -> list[routing.Rule]:
        return [r.as_rule() for r in self.rules.all()]


class MatrixRule(models.Model):
    """A business type and an amount range [min, max) in CNY → ordered levels
    ``[{"role": "claims_supervisor", "days": 2}, {"body": "board", "days": 10}]``, and the
    roles an approver of this business type must not hold."""

    matrix = models.ForeignKey(
        AuthorisationMatrix, on_delete=models.CASCADE, related_name="rules", verbose_name=_("matrix")
    )
    business_type = models.CharField(_("business type"), max_length=40, choices=BusinessType.choices)
    min_amount = models.DecimalField(_("from (CNY, inclusive)"), max_digits=18, decimal_places=2, default=0)
    max_amount = models.DecimalField(
        _("below (CNY, exclusive)"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    levels = models.JSONField(_("levels"))
    forbidden_roles = models.JSONField(_("approvers must not hold"), default=list, blank=True)

    class Meta:
        verbose_name = _("matrix rule")
        verbose_name_plural = _("matrix rules")
        ordering = ["matrix", "business_type", "min_amount"]
        constraints = [
            models.UniqueConstraint(fields=["matrix", "business_type", "min_amount"], name="approvals_rule_range_uniq")
        ]

    def __str__(self) -> str:
        upper = self.max_amount if self.max_amount is not None else "∞"
        return f"{self.business_type} [{self.min_amount}, {upper})"

    def as_rule(self) -> routing.Rule:
        return routing.rule_from(
            {
                "business_type": self.business_type,
                "min_amount": self.min_amount,
                "max_amount": self.max_amount,
                "levels": self.levels,
                "forbidden_roles": self.forbidden_roles,
            }
        )

    @property
    def route(self) -> list[routing.Level]:
        return routing.levels_of(self.as_rule())


class ApprovalRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        RETURNED = "returned", _("Returned for changes")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    # insurer.access.restrict narrows department-scoped grants through this field.
    access_scope_field = "department"

    object_type = models.CharField(_("object type"), max_length=60)  # "app.model"
    object_id = models.CharField(_("object id"), max_length=120)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    kind = models.CharField(_("business type"), max_length=40, choices=BusinessType.choices)
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    department = models.ForeignKey(
        "access.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("department (empty = company)"),
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    maker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("maker")
    )
    created_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    matrix = models.ForeignKey(
        AuthorisationMatrix,
        on_delete=models.PROTECT,
        related_name="requests",
        verbose_name=_("routed by matrix version"),
    )
    rule = models.ForeignKey(MatrixRule, on_delete=models.PROTECT, related_name="+", verbose_name=_("matrix rule"))
    is_exception = models.BooleanField(_("exception"), default=False)
    exception_reason = models.TextField(_("why an exception"), blank=True)
    revision = models.PositiveIntegerField(_("revision"), default=1)

    class Meta:
        verbose_name = _("approval request")
        verbose_name_plural = _("approval requests")
        ordering = ["-created_at", "-pk"]
        permissions = [("decide_approvalrequest", _("Can decide approval steps (when the route allows)"))]
        indexes = [
            models.Index(fields=["maker", "status"], name="approvals_request_maker_idx"),
            models.Index(fields=["object_type", "object_id"], name="approvals_request_object_idx"),
        ]
        constraints = [
            models.CheckConstraint(name="approvals_amount_not_negative", condition=Q(amount__gte=0)),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.PENDING, self.Status.RETURNED)


class ApprovalStep(models.Model):
    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        CURRENT = "current", _("Current")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        RETURNED = "returned", _("Returned for changes")
        SKIPPED = "skipped", _("Not reached")

    class Kind(models.TextChoices):
        LEVEL = "level", _("Level")
        EXCEPTION_REVIEW = "exception_review", _("Compliance review of the exception")

    request = models.ForeignKey(
        ApprovalRequest, on_delete=models.CASCADE, related_name="steps", verbose_name=_("request")
    )
    order = models.PositiveSmallIntegerField(_("order"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.LEVEL)
    level = models.PositiveSmallIntegerField(_("level"))  # 0 for the exception review
    role = models.CharField(_("deciding role"), max_length=30, choices=ROLE_CHOICES)
    body = models.CharField(_("deciding body"), max_length=20, blank=True)
    days = models.PositiveSmallIntegerField(_("time limit (working days)"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.WAITING)
    started_at = models.DateTimeField(_("current since"), null=True, blank=True)
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    calendar_note = models.CharField(_("calendar note"), max_length=300, blank=True)
    # The step's time limit as a clock (rule A1): escalation, breach register, clock screens.
    # Started when the step becomes current, stopped when it is decided or the request ends.
    clock = models.ForeignKey(
        "clocks.Clock", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("clock")
    )

    class Meta:
        verbose_name = _("approval step")
        verbose_name_plural = _("approval steps")
        ordering = ["request", "order"]
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["request", "order"], name="approvals_step_order_uniq"),
            models.UniqueConstraint(
                fields=["request"], condition=Q(status="current"), name="approvals_one_current_step"
            ),
        ]
        indexes = [models.Index(fields=["status", "role", "due_at"], name="approvals_step_queue_idx")]

    def __str__(self) -> str:
        return f"step {self.order} of request {self.request_id}"

    @property
    def label(self) -> str:
        if self.kind == self.Kind.EXCEPTION_REVIEW:
            return str(_("Compliance review (exception)"))
        if self.body:
            return str(_("The board (any board member)"))
        return self.get_role_display()

    def overdue(self, now=None) -> bool:
        return self.status == self.Status.CURRENT and self.due_at is not None and self.due_at < (now or timezone.now())


class Decision(models.Model):
    class Verdict(models.TextChoices):
        APPROVE = "approve", _("Approve")
        REJECT = "reject", _("Reject")
        RETURN = "return", _("Return for changes")

    request = models.ForeignKey(
        ApprovalRequest, on_delete=models.CASCADE, related_name="decisions", verbose_name=_("request")
    )
    step = models.ForeignKey(ApprovalStep, on_delete=models.CASCADE, related_name="decisions", verbose_name=_("step"))
    revision = models.PositiveIntegerField(_("revision"), default=1)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("decided by")
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("on behalf of"),
    )
    delegation = models.ForeignKey(
        "Delegation", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("delegation")
    )
    decision = models.CharField(_("decision"), max_length=10, choices=Verdict.choices)
    comment = models.TextField(_("comment"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["decided_at", "pk"]
        default_permissions = ()
        constraints = [
            models.CheckConstraint(
                name="approvals_comment_for_reject_return", condition=Q(decision="approve") | ~Q(comment="")
            ),
            models.CheckConstraint(
                name="approvals_not_on_behalf_of_self",
                condition=Q(on_behalf_of__isnull=True) | ~Q(on_behalf_of=F("decided_by")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.decision} by {self.decided_by_id} on step {self.step_id}"


class Delegation(models.Model):
    """The delegator lets the delegate decide, in their name, the steps of one role they
    hold, from ``valid_from`` to ``valid_to`` inclusive. Effective on creation (audited);
    outside its dates it is refused."""

    delegator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("delegator")
    )
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("delegate")
    )
    role = models.CharField(_("role"), max_length=30, choices=ROLE_CHOICES)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))
    reason = models.TextField(_("reason"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")
        ordering = ["-valid_to", "-pk"]
        constraints = [
            models.CheckConstraint(name="approvals_delegation_dates", condition=Q(valid_to__gte=F("valid_from"))),
            models.CheckConstraint(name="approvals_delegation_not_self", condition=~Q(delegate=F("delegator"))),
        ]
        indexes = [models.Index(fields=["delegate", "role", "valid_to"], name="approvals_delegation_idx")]

    def __str__(self) -> str:
        return f"{self.delegator} → {self.delegate}: {self.role} {self.valid_from}–{self.valid_to}"

    def in_force(self, on) -> bool:
        return self.revoked_at is None and self.valid_from <= on <= self.valid_to
