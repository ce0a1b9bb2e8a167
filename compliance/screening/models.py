"""Watch lists, screening hits and their review, customer risk ratings and enhanced due
diligence (AML-1, AML-2). Decision 0012 explains the shape.

A list entry keeps what the matching engine needs (names and aliases, birth date, ID
numbers) plus what a reviewer needs (countries, programmes, sanctions/PEP flags, entity
type). Its ``content_hash`` tells a reload which entries changed, so only those are
re-screened against the book.

Links to customers carry no database foreign-key constraint (``db_constraint=False``):
seed_demo replaces the book with raw DELETE/TRUNCATE, which a constraint from here would
refuse on SQLite (or silently empty these tables on PostgreSQL). Deleting a customer
through the ORM still cascades; rows left behind by a raw wipe are removed when the book
is seeded again (demo.py). Decision 0012.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Watchlist(models.Model):
    class Source(models.TextChoices):
        OPENSANCTIONS = "opensanctions", _("OpenSanctions targets.simple.csv")
        OWN = "own", _("Own list (simple layout)")

    name = models.CharField(_("name"), max_length=80, unique=True)
    source_kind = models.CharField(_("source layout"), max_length=16, choices=Source.choices)
    version = models.PositiveIntegerField(_("version"), default=0)  # +1 per load
    loaded_at = models.DateTimeField(_("loaded at"), null=True, blank=True)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("loaded by"),
    )
    source_file = models.CharField(_("source file"), max_length=200, blank=True)
    file_sha256 = models.CharField(_("file SHA-256"), max_length=64, blank=True)
    entries_count = models.PositiveIntegerField(_("entries"), default=0)
    last_changes = models.JSONField(_("last load's changes"), default=dict, blank=True)

    class Meta:
        verbose_name = _("watch list")
        verbose_name_plural = _("watch lists")
        ordering = ["name"]
        permissions = [("import_watchlist", _("Can load a watch list from CSV"))]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class WatchlistEntry(models.Model):
    watchlist = models.ForeignKey(Watchlist, on_delete=models.CASCADE, related_name="entries")
    entry_id = models.CharField(_("entry ID"), max_length=120)
    schema = models.CharField(_("entity type"), max_length=40, blank=True)  # Person, Organization, ...
    name = models.CharField(_("name"), max_length=300)
    aliases = models.JSONField(_("aliases"), default=list, blank=True)
    birth_date = models.CharField(_("birth date"), max_length=10, blank=True)  # YYYY, YYYY-MM or YYYY-MM-DD
    id_numbers = models.JSONField(_("ID numbers"), default=list, blank=True)
    countries = models.JSONField(_("countries"), default=list, blank=True)
    sanctions = models.TextField(_("sanctions programmes"), blank=True)
    is_sanctioned = models.BooleanField(_("sanctioned"), default=False)
    is_pep = models.BooleanField(_("politically exposed"), default=False)
    dataset = models.CharField(_("dataset"), max_length=200, blank=True)
    content_hash = models.CharField(_("content hash"), max_length=64)
    active = models.BooleanField(_("on the list"), default=True)  # False: dropped by a later load
    changed_in_version = models.PositiveIntegerField(_("changed in version"), default=1)

    class Meta:
        verbose_name = _("watch-list entry")
        verbose_name_plural = _("watch-list entries")
        constraints = [models.UniqueConstraint(fields=["watchlist", "entry_id"], name="watchlist_entry_unique")]
        indexes = [
            # A reload re-screens the entries changed in its version.
            models.Index(fields=["watchlist", "changed_in_version"], name="wl_entry_version_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.entry_id} {self.name}"

    @property
    def list_kind(self) -> str:
        return "pep" if self.is_pep and not self.is_sanctioned else "sanctions"


class ScreeningHit(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending review")
        PROPOSED_TRUE = "proposed_true", _("True match proposed (awaiting MLRO)")
        TRUE_MATCH = "true_match", _("True match (confirmed)")
        FALSE_MATCH = "false_match", _("False match")

    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.CASCADE,
        db_constraint=False,
        related_name="screening_hits",
        verbose_name=_("customer"),
    )
    entry = models.ForeignKey(WatchlistEntry, on_delete=models.PROTECT, related_name="hits", verbose_name=_("entry"))
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=4)
    name_score = models.DecimalField(_("name score"), max_digits=5, decimal_places=4)
    method = models.CharField(_("matched on"), max_length=40)
    matched_name = models.CharField(_("matched name"), max_length=300)
    second_factor = models.CharField(_("second factor"), max_length=20)
    explanation = models.JSONField(_("explanation"), default=dict)
    # What was compared (the customer's screened name/birth date/ID digest and the entry's
    # content): a false match is reopened when either side changes.
    basis_hash = models.CharField(_("basis"), max_length=64)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    reason = models.TextField(_("reason"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    first_seen = models.DateTimeField(_("first seen"), auto_now_add=True)
    last_screened = models.DateTimeField(_("last screened"))

    class Meta:
        verbose_name = _("screening hit")
        verbose_name_plural = _("screening hits")
        permissions = [
            ("review_screeninghit", _("Can review screening hits (true / false match)")),
            ("confirm_screeninghit", _("Can confirm a proposed true match (MLRO)")),
            ("screen_name", _("Can screen a name against the watch lists")),
            ("run_screening", _("Can re-screen the book and recompute risk ratings")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["customer", "entry"], name="screening_hit_unique"),
            models.CheckConstraint(
                name="screening_hit_status_valid",
                condition=Q(status__in=["pending", "proposed_true", "true_match", "false_match"]),
            ),
            models.CheckConstraint(
                name="screening_hit_reviewed_has_reason",
                condition=Q(status="pending") | (~Q(reason="") & Q(reviewed_by__isnull=False)),
            ),
        ]
        indexes = [models.Index(fields=["status", "-score"], name="screening_hit_queue_idx")]

    def __str__(self) -> str:
        return f"{self.customer_id} ~ {self.entry_id} ({self.score})"


class CustomerScreening(models.Model):
    """When a customer was last screened and on what: the onboarding sweep screens customers
    created or changed since (updated_at later than screened_at, or never screened)."""

    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.CASCADE, db_constraint=False, related_name="screening"
    )
    screened_at = models.DateTimeField(_("screened at"))
    input_hash = models.CharField(_("input"), max_length=64)
    hits = models.PositiveIntegerField(_("hits"), default=0)

    class Meta:
        verbose_name = _("customer screening")
        verbose_name_plural = _("customer screenings")

    def __str__(self) -> str:
        return f"{self.customer_id} @ {self.screened_at:%Y-%m-%d %H:%M}"


class CustomerRiskRating(models.Model):
    class Rating(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")

    customer = models.OneToOneField(
        "customers.Customer",
        on_delete=models.CASCADE,
        db_constraint=False,
        related_name="aml_rating",
        verbose_name=_("customer"),
    )
    score = models.DecimalField(_("score"), max_digits=7, decimal_places=2)
    computed_rating = models.CharField(_("computed rating"), max_length=6, choices=Rating.choices)
    rating = models.CharField(_("rating"), max_length=6, choices=Rating.choices)  # declared one wins if given
    reasons = models.JSONField(_("reasons"), default=list)
    inputs_hash = models.CharField(_("inputs"), max_length=64)
    computed_at = models.DateTimeField(_("computed at"))
    review_months = models.PositiveSmallIntegerField(_("review interval (months)"))
    next_review = models.DateField(_("next review"))
    previous_rating = models.CharField(_("previous rating"), max_length=6, blank=True)

    class Meta:
        verbose_name = _("customer risk rating")
        verbose_name_plural = _("customer risk ratings")
        constraints = [
            models.CheckConstraint(name="risk_rating_valid", condition=Q(rating__in=["low", "medium", "high"])),
        ]
        indexes = [
            models.Index(fields=["rating", "next_review"], name="risk_rating_review_idx"),
            models.Index(fields=["-score"], name="risk_rating_score_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.rating}"


class EddTask(models.Model):
    """Enhanced due diligence for a high-risk customer: opened when the rating becomes high,
    completed by an analyst with findings."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        COMPLETED = "completed", _("Completed")

    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.CASCADE,
        db_constraint=False,
        related_name="edd_tasks",
        verbose_name=_("customer"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    reason = models.TextField(_("why"))
    opened_at = models.DateTimeField(_("opened at"))
    due = models.DateField(_("due"))
    findings = models.TextField(_("findings"), blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("completed by"),
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("enhanced due diligence task")
        verbose_name_plural = _("enhanced due diligence tasks")
        permissions = [("complete_eddtask", _("Can complete enhanced due diligence"))]
        constraints = [
            # At most one open EDD task per customer.
            models.UniqueConstraint(fields=["customer"], condition=Q(status="open"), name="edd_one_open_per_customer"),
            models.CheckConstraint(
                name="edd_completed_has_findings",
                condition=Q(status="open") | (~Q(findings="") & Q(completed_by__isnull=False)),
            ),
        ]

    def __str__(self) -> str:
        return f"EDD {self.customer_id} {self.status}"


class PlantedVariant(models.Model):
    """Demo labels: a demo customer whose name was made a variant of a list entry (seed_demo),
    so a test and the profile page can measure screening recall on the book."""

    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.CASCADE, db_constraint=False, related_name="+"
    )
    entry_id = models.CharField(max_length=120)
    variant = models.CharField(max_length=40)

    class Meta:
        verbose_name = _("planted screening variant")
        verbose_name_plural = _("planted screening variants")

    def __str__(self) -> str:
        return f"{self.customer_id} ~ {self.entry_id} ({self.variant})"
