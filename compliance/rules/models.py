"""Rule governance (AML-5): versions of the AML rule catalogue as data, and the labels of the
typologies planted in the demo book that backtests measure recall and precision against.

A ``RuleVersion`` holds a whole catalogue document (the YAML of compliance/engine/data as
JSON), validated by the engine's loader before it is stored. It moves draft → shadow → live →
retired; going live is an approval by someone other than its proposer, and the version it
replaces is retired in the same transaction, so exactly one version is live (a partial unique
constraint backs the service). Backtests and shadow runs are platform jobs (insurer.jobs);
their results live on the job rows (decision 0011).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RuleVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SHADOW = "shadow", _("Shadow (candidate)")
        LIVE = "live", _("Live")
        RETIRED = "retired", _("Retired")

    name = models.CharField(_("version"), max_length=40, unique=True)
    parameters = models.JSONField(_("parameters (the catalogue document)"))
    note = models.TextField(_("what changes and why"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    based_on = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("based on")
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("proposed by"),
    )  # fmt: skip
    proposed_at = models.DateTimeField(_("proposed at"), default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("approved by"),
    )  # fmt: skip
    approved_at = models.DateTimeField(_("live since"), null=True, blank=True)
    approval_comment = models.TextField(_("approval comment"), blank=True)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    class Meta:
        verbose_name = _("rule version")
        verbose_name_plural = _("rule versions")
        ordering = ["-proposed_at", "-pk"]
        permissions = [
            ("propose_ruleversion", _("Can propose a rule version and put it in shadow")),
            ("approve_ruleversion", _("Can approve a rule version to go live")),
            ("run_backtest", _("Can run AML rule backtests and shadow runs")),
        ]
        constraints = [
            # At most one live version in the database; the approve service keeps it exactly one.
            models.UniqueConstraint(fields=["status"], condition=Q(status="live"), name="rules_one_live_version"),
            models.CheckConstraint(
                name="rules_live_is_approved",
                condition=~Q(status="live") | (Q(approved_at__isnull=False)),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_status_display()})"


class TypologyLabel(models.Model):
    """One planted case of a typology in the demo book (customers/demo/typologies.py), as
    sent by seed_demo with customers.signals.book_seeded. Refs, not foreign keys: the labels
    describe the book as seeded and stay readable if the book is replaced."""

    rule_id = models.CharField(_("typology"), max_length=3)
    customer_ref = models.CharField(_("customer ref"), max_length=40)
    policy_ref = models.CharField(_("policy ref"), max_length=40)
    txn_refs = models.JSONField(_("transaction refs"), default=list, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    seed = models.IntegerField(_("seed"))
    size = models.CharField(_("size"), max_length=10, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("typology label")
        verbose_name_plural = _("typology labels")
        ordering = ["rule_id", "pk"]
        default_permissions = ("view",)
        indexes = [models.Index(fields=["rule_id", "policy_ref"], name="rules_label_rule_policy_idx")]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.policy_ref}"
