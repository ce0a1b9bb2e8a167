"""Departments, role grants with validity and scope, the incompatible-duties matrix and
its approved exceptions (PLT-3). Roles themselves are a code-reviewed catalogue
(insurer/roles.py); a grant names a role by its code."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from insurer.roles import BODIES, CATALOGUE

ROLE_CHOICES = [(r.code, r.name) for r in CATALOGUE]


class Department(models.Model):
    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=120)
    body = models.CharField(_("body"), max_length=12, choices=list(BODIES.items()))

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class RoleGrant(models.Model):
    """A user holds a role, company-wide or in one department, between two dates.

    Maker-checker: requested by one person, approved by another; nobody is either party
    to their own grant (services.grant_request / grant_approve)."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        ACTIVE = "active", _("Active")
        REFUSED = "refused", _("Refused")
        REVOKED = "revoked", _("Revoked")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_grants",
                             verbose_name=_("user"))  # fmt: skip
    role = models.CharField(_("role"), max_length=30, choices=ROLE_CHOICES)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, null=True, blank=True,
                                   verbose_name=_("scope (empty = whole company)"))  # fmt: skip
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.REQUESTED)
    reason = models.TextField(_("reason"))
    requested_by = models.CharField(_("requested by"), max_length=150)
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_by = models.CharField(_("decided by"), max_length=150, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    sod_exception = models.ForeignKey("SodException", on_delete=models.PROTECT, null=True, blank=True,
                                      verbose_name=_("separation-of-duties exception"))  # fmt: skip

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        ordering = ["-requested_at"]
        permissions = [("approve_rolegrant", _("Can approve or refuse role grants"))]
        constraints = [
            models.CheckConstraint(name="grant_dates_ordered",
                                   condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from"))),
            # The checker is never the maker (names are frozen strings, so compare them).
            models.CheckConstraint(name="grant_checker_not_maker",
                                   condition=Q(decided_by="") | ~Q(decided_by=F("requested_by"))),
        ]  # fmt: skip
        indexes = [
            # Every permission check reads the user's active grants.
            models.Index(fields=["user", "status", "valid_from"], name="grant_user_active_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.role} · {self.department or _('company')}"


class IncompatibleDuty(models.Model):
    """One row of the incompatible-duties matrix. ``other`` is a role code or a category:
    ``@management`` (any management-body role), ``@business`` (any business-operation role),
    ``@any`` (any other role)."""

    code = models.CharField(_("rule"), max_length=20)
    version = models.PositiveIntegerField(_("version"), default=1)
    effective_from = models.DateField(_("effective from"))
    role = models.CharField(_("role"), max_length=30, choices=ROLE_CHOICES)
    other = models.CharField(_("incompatible with"), max_length=30)
    description = models.CharField(_("description"), max_length=200)
    source = models.CharField(_("source"), max_length=300)

    class Meta:
        verbose_name = _("incompatible duty")
        verbose_name_plural = _("incompatible duties")
        ordering = ["code", "-version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="sod_rule_version_unique")]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}: {self.role} × {self.other}"


class SodException(models.Model):
    """An approved, expiring permission to hold two incompatible roles, reviewed by
    compliance (requested by one person, approved by another)."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sod_exceptions",
                             verbose_name=_("user"))  # fmt: skip
    role = models.CharField(_("role"), max_length=30, choices=ROLE_CHOICES)
    other_role = models.CharField(_("other role"), max_length=30, choices=ROLE_CHOICES)
    reason = models.TextField(_("reason"))
    compensating_controls = models.TextField(_("compensating controls"))
    valid_to = models.DateField(_("expires on"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.REQUESTED)
    requested_by = models.CharField(_("requested by"), max_length=150)
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_by = models.CharField(_("decided by"), max_length=150, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("separation-of-duties exception")
        verbose_name_plural = _("separation-of-duties exceptions")
        ordering = ["-requested_at"]
        permissions = [("approve_sodexception", _("Can approve separation-of-duties exceptions"))]
        constraints = [
            models.CheckConstraint(name="sod_exception_checker_not_maker",
                                   condition=Q(decided_by="") | ~Q(decided_by=F("requested_by"))),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.user}: {self.role} + {self.other_role} until {self.valid_to}"


class ObjectGrant(models.Model):
    """One permission on one object (a django-guardian row) for one user, between two dates.

    Maker-checker like a role grant: requested by one person, approved by another access
    administrator; the guardian row exists only while an approved grant is in force (the
    access sweep adds it on the start date and removes it after the end date), so
    ``restrict()`` keeps reading guardian alone (insurer/access/object_grants.py)."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        ACTIVE = "active", _("Active")
        REFUSED = "refused", _("Refused")
        REVOKED = "revoked", _("Revoked")
        EXPIRED = "expired", _("Expired")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="object_grants",
                             verbose_name=_("user"))  # fmt: skip
    permission = models.ForeignKey("auth.Permission", on_delete=models.PROTECT, verbose_name=_("permission"))
    object_pk = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.REQUESTED)
    reason = models.TextField(_("reason"))
    requested_by = models.CharField(_("requested by"), max_length=150)
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_by = models.CharField(_("decided by"), max_length=150, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        verbose_name = _("object grant")
        verbose_name_plural = _("object grants")
        ordering = ["-requested_at"]
        permissions = [("approve_objectgrant", _("Can approve or refuse object grants"))]
        constraints = [
            models.CheckConstraint(name="object_grant_dates_ordered", condition=Q(valid_to__gte=F("valid_from"))),
            models.CheckConstraint(name="object_grant_checker_not_maker",
                                   condition=Q(decided_by="") | ~Q(decided_by=F("requested_by"))),
        ]  # fmt: skip
        indexes = [models.Index(fields=["status", "valid_to"], name="object_grant_sweep_idx")]

    def __str__(self) -> str:
        return f"{self.user} · {self.permission.codename} · {self.object_repr}"
