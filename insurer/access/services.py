"""Granting roles (maker-checker, separation of duties) and SoD exceptions.

Every service: keyword-only, atomic, permission-checked, audited. The rules, each refused
with a message naming it:
- nobody requests, approves or revokes a grant of their own;
- the checker is never the maker;
- a grant whose role is incompatible with a role the user holds (or has requested) over
  overlapping dates is refused, unless an approved, unexpired exception covers the pair;
  such a grant ends when the exception does;
- an exception is asked for a pair the matrix actually names, and refused with a reason.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from insurer import audit
from insurer.access import require
from insurer.access.grants import forget
from insurer.access.models import Department, RoleGrant, SodException
from insurer.access.sod import conflicts
from insurer.roles import BY_CODE

MAX_EXCEPTION_DAYS = 366


def _name(actor) -> str:
    return getattr(actor, "username", None) or str(actor)


def _snapshot(grant: RoleGrant) -> dict:
    return {"user": grant.user.username, "role": grant.role, "department": grant.department.code if grant.department
            else None, "valid_from": grant.valid_from, "valid_to": grant.valid_to, "status": grant.status}  # fmt: skip


def _overlapping_roles(user, valid_from: dt.date, valid_to: dt.date | None, exclude_pk=None) -> set[str]:
    grants = RoleGrant.objects.filter(user=user, status__in=["active", "requested"])
    if valid_to:
        grants = grants.filter(valid_from__lte=valid_to)
    grants = grants.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from))
    if exclude_pk:
        grants = grants.exclude(pk=exclude_pk)
    return set(grants.values_list("role", flat=True))


def _exception_for(user, role: str, other: str, on: dt.date) -> SodException | None:
    return SodException.objects.filter(
        Q(role=role, other_role=other) | Q(role=other, other_role=role),
        user=user, status="approved", valid_to__gte=on,
    ).order_by("-valid_to").first()  # fmt: skip


def _check_separation(user, role: str, valid_from: dt.date, valid_to: dt.date | None, exclude_pk=None):
    """Return the exception that allows the grant (the one expiring first when several
    conflicts need one), or None; raise naming the first conflict that no exception covers."""
    today = timezone.localdate()
    allowing = None
    for conflict in conflicts(role, _overlapping_roles(user, valid_from, valid_to, exclude_pk), today):
        exception = _exception_for(user, conflict.role, conflict.other, today)
        if exception is None:
            raise ValidationError(
                _("Refused: %(conflict)s. An approved separation-of-duties exception is needed.")
                % {"conflict": conflict}, code="sod_conflict")  # fmt: skip
        if allowing is None or exception.valid_to < allowing.valid_to:
            allowing = exception
    return allowing


def _end_with_exception(exception: SodException | None, valid_from: dt.date, valid_to: dt.date | None):
    """The grant's end date: a grant that holds only because of an exception ends when the
    exception does, so the incompatible pair never outlives the exception compliance
    approved (otherwise "expiring" would mean nothing once the grant was in force)."""
    if exception is None:
        return valid_to
    if exception.valid_to < valid_from:
        raise ValidationError(
            {"valid_from": _("The separation-of-duties exception this grant needs expires on %(day)s, before the "
                             "grant would start.") % {"day": exception.valid_to}})  # fmt: skip
    return min(valid_to, exception.valid_to) if valid_to else exception.valid_to


@transaction.atomic
def grant_request(*, actor, user, role: str, reason: str, valid_from: dt.date | None = None,
                  valid_to: dt.date | None = None, department: Department | None = None) -> RoleGrant:  # fmt: skip
    """Request a role for ``user``. Checks access.add_rolegrant, not for oneself, the role
    exists, dates ordered, separation of duties. Writes the grant (requested) and an audit
    event; notifies the people who may approve it."""
    require(actor, "access.add_rolegrant", _("Your role may not request role grants."))
    if getattr(actor, "pk", None) == user.pk:
        raise PermissionDenied(_("Nobody may request a role for themselves."))
    if role not in BY_CODE:
        raise ValidationError({"role": _("Unknown role %(role)s.") % {"role": role}})
    if not reason.strip():
        raise ValidationError({"reason": _("A reason is required.")})
    valid_from = valid_from or timezone.localdate()
    if valid_to and valid_to < valid_from:
        raise ValidationError({"valid_to": _("The end date is before the start date.")})
    exception = _check_separation(user, role, valid_from, valid_to)
    valid_to = _end_with_exception(exception, valid_from, valid_to)
    grant = RoleGrant.objects.create(user=user, role=role, department=department, valid_from=valid_from,
                                     valid_to=valid_to, reason=reason, requested_by=_name(actor),
                                     sod_exception=exception)  # fmt: skip
    audit.record_change(actor=actor, action="grant_request", obj_type="access.rolegrant", obj_id=str(grant.pk),
                        object_repr=str(grant), after=_snapshot(grant), reason=reason)  # fmt: skip
    _notify_approvers(grant)
    return grant


def _notify_approvers(grant: RoleGrant) -> None:
    from django.urls import reverse

    from insurer.access.grants import in_force_filter
    from insurer.notifications.services import notify
    from insurer.roles import CATALOGUE, permissions_for

    approver_roles = [r.code for r in CATALOGUE if "access.approve_rolegrant" in permissions_for(r)]
    user_ids = RoleGrant.objects.filter(in_force_filter(timezone.localdate()), role__in=approver_roles).values(
        "user_id"
    )
    approvers = get_user_model().objects.filter(pk__in=user_ids).exclude(pk=grant.user_id)
    approvers = approvers.exclude(username=grant.requested_by)
    notify(recipients=approvers, kind="grant_requested",
           title=lambda: _("Role grant to review: %(grant)s") % {"grant": grant},  # in each reader's language
           url=reverse("access:grant_detail", args=[grant.pk]))  # fmt: skip


def _checker_rules(actor, grant: RoleGrant) -> None:
    if _name(actor) == grant.requested_by:
        raise PermissionDenied(_("The maker of a request may not decide it."))
    if getattr(actor, "pk", None) == grant.user_id:
        raise PermissionDenied(_("Nobody may decide a grant of their own role."))


@transaction.atomic
def grant_approve(*, actor, grant: RoleGrant, note: str = "") -> RoleGrant:
    """Approve a requested grant: access.approve_rolegrant, checker ≠ maker, not one's own
    grant, separation of duties checked again (the user's roles may have changed)."""
    require(actor, "access.approve_rolegrant", _("Your role may not approve role grants."))
    grant = RoleGrant.objects.select_for_update().get(pk=grant.pk)
    if grant.status != RoleGrant.Status.REQUESTED:
        raise ValidationError(_("Only a requested grant can be approved (this one is %(s)s).") % {"s": grant.status})
    _checker_rules(actor, grant)
    before = _snapshot(grant)
    grant.sod_exception = _check_separation(grant.user, grant.role, grant.valid_from, grant.valid_to, grant.pk)
    grant.valid_to = _end_with_exception(grant.sod_exception, grant.valid_from, grant.valid_to)
    grant.status, grant.decided_by, grant.decided_at = RoleGrant.Status.ACTIVE, _name(actor), timezone.now()
    grant.decision_note = note
    grant.save()
    forget(grant.user)
    audit.record_change(actor=actor, action="grant_approve", obj_type="access.rolegrant", obj_id=str(grant.pk),
                        object_repr=str(grant), before=before, after=_snapshot(grant), reason=note)  # fmt: skip
    return grant


@transaction.atomic
def grant_refuse(*, actor, grant: RoleGrant, note: str) -> RoleGrant:
    require(actor, "access.approve_rolegrant", _("Your role may not decide role grants."))
    grant = RoleGrant.objects.select_for_update().get(pk=grant.pk)
    if grant.status != RoleGrant.Status.REQUESTED:
        raise ValidationError(_("Only a requested grant can be refused."))
    _checker_rules(actor, grant)
    if not note.strip():
        raise ValidationError({"note": _("Say why the grant is refused.")})
    before = _snapshot(grant)
    grant.status, grant.decided_by, grant.decided_at = RoleGrant.Status.REFUSED, _name(actor), timezone.now()
    grant.decision_note = note
    grant.save()
    audit.record_change(actor=actor, action="grant_refuse", obj_type="access.rolegrant", obj_id=str(grant.pk),
                        object_repr=str(grant), before=before, after=_snapshot(grant), reason=note)  # fmt: skip
    return grant


@transaction.atomic
def grant_revoke(*, actor, grant: RoleGrant, reason: str) -> RoleGrant:
    """End an active grant today. access.change_rolegrant; not one's own grant."""
    require(actor, "access.change_rolegrant", _("Your role may not revoke role grants."))
    grant = RoleGrant.objects.select_for_update().get(pk=grant.pk)
    if getattr(actor, "pk", None) == grant.user_id:
        raise PermissionDenied(_("Nobody may revoke their own role; ask another administrator."))
    if grant.status != RoleGrant.Status.ACTIVE:
        raise ValidationError(_("Only an active grant can be revoked."))
    if not reason.strip():
        raise ValidationError({"reason": _("A reason is required.")})
    before = _snapshot(grant)
    grant.status = RoleGrant.Status.REVOKED
    grant.valid_to = max(grant.valid_from, timezone.localdate() - dt.timedelta(days=1))
    grant.decision_note = reason
    grant.save()
    forget(grant.user)
    audit.record_change(actor=actor, action="grant_revoke", obj_type="access.rolegrant", obj_id=str(grant.pk),
                        object_repr=str(grant), before=before, after=_snapshot(grant), reason=reason)  # fmt: skip
    return grant


@transaction.atomic
def sod_exception_request(*, actor, user, role: str, other_role: str, reason: str, compensating_controls: str,
                          valid_to: dt.date) -> SodException:  # fmt: skip
    require(actor, "access.add_sodexception", _("Your role may not request separation-of-duties exceptions."))
    today = timezone.localdate()
    if valid_to <= today or valid_to > today + dt.timedelta(days=MAX_EXCEPTION_DAYS):
        raise ValidationError({"valid_to": _("An exception must expire within a year from today.")})
    if not (reason.strip() and compensating_controls.strip()):
        raise ValidationError(_("A reason and the compensating controls are required."))
    if getattr(actor, "pk", None) == user.pk:
        raise PermissionDenied(_("Nobody may request an exception for themselves."))
    for field, code in (("role", role), ("other_role", other_role)):
        if code not in BY_CODE:
            raise ValidationError({field: _("Unknown role %(role)s.") % {"role": code}})
    if not conflicts(role, {other_role}, today):
        names = {"role": BY_CODE[role].name, "other": BY_CODE[other_role].name}
        message = _(
            "%(role)s and %(other)s are not incompatible duties in the matrix in force: no exception is needed."
        )
        raise ValidationError({"other_role": message % names})
    exception = SodException.objects.create(user=user, role=role, other_role=other_role, reason=reason,
                                            compensating_controls=compensating_controls, valid_to=valid_to,
                                            requested_by=_name(actor))  # fmt: skip
    audit.record_change(actor=actor, action="sod_exception_request", obj_type="access.sodexception",
                        obj_id=str(exception.pk), object_repr=str(exception), reason=reason,
                        after={"role": role, "other_role": other_role, "valid_to": valid_to})  # fmt: skip
    return exception


@transaction.atomic
def sod_exception_decide(*, actor, exception: SodException, approve: bool, note: str = "") -> SodException:
    """Compliance review of an exception: access.approve_sodexception, not the maker, not
    the person it is for, a reason when refusing."""
    require(actor, "access.approve_sodexception", _("Only compliance may decide separation-of-duties exceptions."))
    exception = SodException.objects.select_for_update().get(pk=exception.pk)
    if exception.status != SodException.Status.REQUESTED:
        raise ValidationError(_("This exception has already been decided."))
    if _name(actor) == exception.requested_by or getattr(actor, "pk", None) == exception.user_id:
        raise PermissionDenied(_("The maker of a request, or the person it is for, may not decide it."))
    if not approve and not note.strip():
        raise ValidationError({"note": _("Say why the exception is refused.")})
    exception.status = SodException.Status.APPROVED if approve else SodException.Status.REFUSED
    exception.decided_by, exception.decided_at = _name(actor), timezone.now()
    exception.save()
    audit.record_change(actor=actor, action="sod_exception_approve" if approve else "sod_exception_refuse",
                        obj_type="access.sodexception", obj_id=str(exception.pk), object_repr=str(exception),
                        reason=note, after={"status": exception.status})  # fmt: skip
    return exception


@transaction.atomic
def grant_system(*, user, role: str, reason: str, department: Department | None = None,
                 valid_from: dt.date | None = None) -> RoleGrant:  # fmt: skip
    """An active grant made by the system itself: bootstrapping the first administrators
    (`manage.py access_bootstrap`), the demo logins and test personas. Not reachable from
    any screen or API. Separation of duties is still enforced; audited as 'system'."""
    valid_from = valid_from or timezone.localdate()
    exception = _check_separation(user, role, valid_from, None)
    grant = RoleGrant.objects.create(user=user, role=role, department=department, valid_from=valid_from,
                                     valid_to=_end_with_exception(exception, valid_from, None), reason=reason,
                                     requested_by="system", status=RoleGrant.Status.ACTIVE,
                                     decided_by="system:bootstrap", decided_at=timezone.now(),
                                     sod_exception=exception)  # fmt: skip
    forget(user)
    audit.record_change(actor=None, action="grant_system", obj_type="access.rolegrant", obj_id=str(grant.pk),
                        object_repr=str(grant), after=_snapshot(grant), reason=reason)  # fmt: skip
    return grant
