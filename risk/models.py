"""The risk app's records: its permissions, and the versioned assumption sets runs are made on.

Runs themselves are platform jobs (insurer.jobs: parameters, input hash, code version,
requester, chunk results, summary); a run's parameters name the approved assumption set it
used by id, version and content hash (decision 0013).
"""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RiskPermissions(models.Model):
    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("run_valuation", _("Can run valuation, solvency and stress jobs")),
            ("view_valuation", _("Can read valuation, solvency and stress results")),
        ]

    def __str__(self) -> str:
        return "risk permissions"


SYSTEM_APPROVAL = "system: shipped reference basis"


class AssumptionSet(models.Model):
    """One version of a named valuation basis: its parameters as JSON (the engine's basis
    schema, risk/engine/basis_schema.py), maker-checker approved before any run may use it.

    draft → submitted → approved → retired; a submission may be rejected instead (kept, with
    the reason). Only a draft's parameters change, and only through risk.assumptions; from
    submission on they are fixed and ``content_hash`` (SHA-256 of their canonical JSON) is
    what runs record and check. A new version starts as a draft copy of a parent version.
    The shipped bases were loaded as approved version 1 by the data migration, approved by
    "system: shipped reference basis" (no maker, no checker: ``system_note`` says so).
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        RETIRED = "retired", _("Retired")

    name = models.CharField(
        _("basis name"),
        max_length=60,
        validators=[RegexValidator(r"^[a-z][a-z0-9_]*$", _("Lower-case letters, digits and underscores."))],
    )
    version = models.PositiveIntegerField(_("version"))
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children",
        verbose_name=_("drafted from"),
    )  # fmt: skip
    note = models.TextField(_("what changes and why"), blank=True)
    parameters = models.JSONField(_("parameters"))
    content_hash = models.CharField(_("content hash (SHA-256)"), max_length=64)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    maker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("maker"),
    )  # fmt: skip
    created_at = models.DateTimeField(_("drafted at"), default=timezone.now)
    updated_at = models.DateTimeField(_("last edited at"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    checker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("checker"),
    )  # fmt: skip
    decided_at = models.DateTimeField(_("approved or rejected at"), null=True, blank=True)
    decision_comment = models.TextField(_("checker's comment"), blank=True)
    system_note = models.CharField(_("approved by the system"), max_length=100, blank=True)
    retired_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("retired by"),
    )  # fmt: skip
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)
    retire_reason = models.TextField(_("why retired"), blank=True)

    class Meta:
        verbose_name = _("assumption set")
        verbose_name_plural = _("assumption sets")
        ordering = ["name", "-version"]
        default_permissions = ("view",)
        permissions = [
            ("draft_assumptions", _("Can draft and submit assumption set versions")),
            ("approve_assumptions", _("Can approve, reject and retire assumption set versions")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="risk_assumptionset_name_version_uniq"),
            # Maker-checker, also below the services: nobody approves their own version.
            models.CheckConstraint(
                name="risk_assumptionset_checker_not_maker",
                condition=Q(checker__isnull=True) | Q(maker__isnull=True) | ~Q(checker=F("maker")),
            ),
            # An approved (or once approved, now retired) version names who approved it.
            models.CheckConstraint(
                name="risk_assumptionset_approval_named",
                condition=~Q(status__in=["approved", "retired"]) | Q(checker__isnull=False) | ~Q(system_note=""),
            ),
        ]
        indexes = [
            # Run-time resolution: the latest approved version of a name.
            models.Index(fields=["name", "status", "version"], name="risk_assumptionset_resolve_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    @property
    def label(self) -> str:
        return f"{self.name}:{self.version}"

    @property
    def approved_by_label(self) -> str:
        if self.checker_id is not None and self.status in (self.Status.APPROVED, self.Status.RETIRED):
            return self.checker.get_username()
        return self.system_note

    @property
    def is_usable(self) -> bool:
        """A run may use it: approved and not retired."""
        return self.status == self.Status.APPROVED

    def run_reference(self) -> dict:
        """What a run records of the set it used."""
        return {"id": self.pk, "name": self.name, "version": self.version, "content_hash": self.content_hash}


class ModelPointSet(models.Model):
    """An imported ``model_points.csv`` (interchange.md), validated whole before it was kept.

    The rows are stored as validated, typed values in blocks of ``risk.model_points.BLOCK_ROWS``
    rows (ModelPointBlock: one JSON object of columns per block), not one database row per
    model point: a set of a few hundred thousand points is then a few dozen rows, written in one
    bulk insert and read back by a valuation chunk a block at a time (decision in
    docs/actuarial.md, "Imported model points"). A set is never changed after import; runs
    record its id and the uploaded file's SHA-256.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    sha256 = models.CharField(_("file SHA-256"), max_length=64, db_index=True)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    row_count = models.PositiveIntegerField(_("rows"))
    policy_count = models.FloatField(_("policies"), default=0)
    sum_assured = models.FloatField(_("total sum assured"), default=0)
    counts = models.JSONField(_("counts by sex and term"), default=dict)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("model point set")
        verbose_name_plural = _("model point sets")
        ordering = ["-uploaded_at", "-id"]
        default_permissions = ()

    def __str__(self) -> str:
        return self.name


class ModelPointBlock(models.Model):
    """Consecutive validated rows of a set, as columns: ``{"point_id": [...], "age_at_entry": [...], ...}``
    (a blank premium_pp is null). ``first_row`` is the 0-based index of the block's first row."""

    point_set = models.ForeignKey(ModelPointSet, on_delete=models.CASCADE, related_name="blocks")
    index = models.PositiveIntegerField(_("block"))
    first_row = models.PositiveIntegerField(_("first row"))
    row_count = models.PositiveIntegerField(_("rows"))
    columns = models.JSONField(_("columns"))

    class Meta:
        verbose_name = _("model point block")
        verbose_name_plural = _("model point blocks")
        ordering = ["point_set", "index"]
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["point_set", "index"], name="risk_modelpointblock_set_index_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.point_set_id}/{self.index}"


class CapitalPosition(models.Model):
    """One version of the capital position at a valuation date: own funds and their tiers,
    the other modules' capital, the SARMRA score and the IRR rating (C-ROSS), the Solvency II
    figures, the holdings the stress tests shock. Entered by a maker and approved by a checker
    (risk.capital) before a solvency or stress run may reference it by id; a correction is a
    new version of the same date. The figures (``figures``, strings of the run form's fields)
    are fixed once entered and ``content_hash`` covers them."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    valuation_date = models.DateField(_("valuation date"))
    version = models.PositiveIntegerField(_("version"))
    figures = models.JSONField(_("figures"))
    content_hash = models.CharField(_("content hash (SHA-256)"), max_length=64)
    source = models.TextField(_("where the figures come from"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    maker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("entered by"))  # fmt: skip
    created_at = models.DateTimeField(_("entered at"), default=timezone.now)
    checker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("checker"),
    )  # fmt: skip
    decided_at = models.DateTimeField(_("approved or rejected at"), null=True, blank=True)
    decision_comment = models.TextField(_("checker's comment"), blank=True)

    class Meta:
        verbose_name = _("capital position")
        verbose_name_plural = _("capital positions")
        ordering = ["-valuation_date", "-version"]
        default_permissions = ("view",)
        permissions = [
            ("enter_capital", _("Can enter capital positions")),
            ("approve_capital", _("Can approve and reject capital positions")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["valuation_date", "version"], name="risk_capital_date_version_uniq"),
            # Maker-checker, also below the services.
            models.CheckConstraint(
                name="risk_capital_checker_not_maker", condition=Q(checker__isnull=True) | ~Q(checker=F("maker"))
            ),
            models.CheckConstraint(
                name="risk_capital_decision_named", condition=Q(status="submitted") | Q(checker__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.valuation_date.isoformat()} v{self.version}"

    def run_reference(self) -> dict:
        """What a run records of the position it used (in its parameters, so in its input hash)."""
        return {"id": self.pk, "valuation_date": self.valuation_date.isoformat(), "version": self.version,
                "content_hash": self.content_hash}  # fmt: skip
