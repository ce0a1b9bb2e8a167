"""Restrictions on a policy or a customer: a payout hold pending review, or a freeze.

A restriction is active until lifted; lifting records who, when and why (the row is never
deleted, so the history of every hold stays readable). One active restriction of each kind
per policy or customer: placing a second is refused by the service and by the database.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from customers.models import Customer, Policy


class Restriction(models.Model):
    class Kind(models.TextChoices):
        HOLD = "hold", _("Payout hold")
        FREEZE = "freeze", _("Account freeze")

    class Source(models.TextChoices):
        ALERT = "alert", _("AML alert")
        MANUAL = "manual", _("Manual")
        COURT_ORDER = "court_order", _("Court or authority order")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    policy = models.ForeignKey(
        Policy, on_delete=models.PROTECT, null=True, blank=True, related_name="restrictions", verbose_name=_("policy")
    )
    customer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="restrictions",
        verbose_name=_("customer"),
    )
    reason = models.TextField(_("reason"))
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    source_ref = models.CharField(_("source reference"), max_length=80, blank=True)  # alert id, order number
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("placed by")
    )
    placed_at = models.DateTimeField(_("placed at"))
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lifted by"),
    )
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lift_reason = models.TextField(_("reason for lifting"), blank=True)

    class Meta:
        verbose_name = _("restriction")
        verbose_name_plural = _("restrictions")
        ordering = ["-placed_at", "-id"]
        permissions = [
            ("place_hold", _("Can place a payout hold")),
            ("lift_hold", _("Can lift a payout hold")),
            ("place_freeze", _("Can freeze an account")),
            ("lift_freeze", _("Can lift an account freeze")),
            ("score_transaction", _("Can score a transaction in real time")),
        ]
        constraints = [
            models.CheckConstraint(
                name="restriction_one_target",
                condition=(Q(policy__isnull=False) & Q(customer__isnull=True))
                | (Q(policy__isnull=True) & Q(customer__isnull=False)),
            ),
            models.CheckConstraint(name="restriction_kind_valid", condition=Q(kind__in=["hold", "freeze"])),
            models.CheckConstraint(
                name="restriction_lift_complete",
                condition=(Q(lifted_at__isnull=True) & Q(lifted_by__isnull=True) & Q(lift_reason=""))
                | (Q(lifted_at__isnull=False) & Q(lifted_by__isnull=False) & ~Q(lift_reason="")),
            ),
            models.UniqueConstraint(
                fields=["kind", "policy"], condition=Q(lifted_at__isnull=True), name="restriction_one_active_per_policy"
            ),
            models.UniqueConstraint(
                fields=["kind", "customer"],
                condition=Q(lifted_at__isnull=True),
                name="restriction_one_active_per_customer",
            ),
        ]
        indexes = [
            # The payout guard reads every active restriction on each import: a partial index
            # keeps that read the size of what is active, not of the history.
            models.Index(fields=["placed_at"], condition=Q(lifted_at__isnull=True), name="restriction_active_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind} {self.target_ref}"

    @property
    def target_ref(self) -> str:
        return self.policy.policy_ref if self.policy_id else self.customer.customer_ref

    @property
    def active(self) -> bool:
        return self.lifted_at is None


class RetentionRule(models.Model):
    """How long a class of record is kept, as versioned data with its source
    (shared/spec/regulation-aml.md, "Customer due diligence and retention")."""

    class RecordClass(models.TextChoices):
        CDD = "cdd", _("Customer due-diligence records (customers, policies)")
        TRANSACTION = "transaction", _("Transaction records")

    class After(models.TextChoices):
        RELATIONSHIP_END = "relationship_end", _("after the business relationship ends")
        TRANSACTION = "transaction", _("after the transaction")

    record_class = models.CharField(_("record class"), max_length=12, choices=RecordClass.choices)
    version = models.PositiveSmallIntegerField(_("version"))
    years = models.PositiveSmallIntegerField(_("years kept"))
    after = models.CharField(_("counted"), max_length=16, choices=After.choices)
    effective_from = models.DateField(_("effective from"))
    source = models.TextField(_("source"))

    class Meta:
        verbose_name = _("retention rule")
        verbose_name_plural = _("retention rules")
        constraints = [
            models.UniqueConstraint(fields=["record_class", "version"], name="retention_rule_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.record_class} v{self.version}: {self.years} years {self.after}"


class LegalHold(models.Model):
    """Keeps every record of a customer (and of their policies and transactions) whatever the
    retention period says, until lifted: litigation, an authority's request, an investigation."""

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="legal_holds", verbose_name=_("customer")
    )
    reason = models.TextField(_("reason"))
    reference = models.CharField(_("reference"), max_length=80, blank=True)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("placed by")
    )
    placed_at = models.DateTimeField(_("placed at"))
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lifted by"),
    )
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")
        permissions = [("delete_expired_record", _("Can delete a book record past its retention"))]

    def __str__(self) -> str:
        return f"legal hold #{self.pk} {self.customer_id}"
