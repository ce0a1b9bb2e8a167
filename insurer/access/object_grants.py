"""Object grants: one permission on one object for one user, maker-checker and audited.

``restrict()`` already adds the rows a user holds a django-guardian object permission on;
this module is the only sanctioned way to create those guardian rows. The rules, each
refused with a message naming it:
- the maker never asks for themselves, and nobody decides a request they made or that is
  for them (the checker is another access administrator);
- the separation-of-duties rules of role grants apply: an oversight (read-only) role is
  never given a write permission, and a permission that only roles incompatible with the
  user's roles confer is refused unless an approved exception covers the pair;
- a grant has an end date; past it the grant no longer counts.

Expiry: the guardian row exists only while an approved grant is in force. Approval adds it
when the grant starts today, ``object_grants_sweep`` (celery beat, every 5 minutes) adds it
on a later start date and removes it after the end date. We chose the sweep rather than a
date filter inside ``restrict()`` because ``restrict()`` runs on every list, detail and API
read for every user, while grants start and end once a day: keeping its subquery on the
guardian table alone (indexed, no join to this table) keeps every read as cheap as before,
and guardian's own ``user.has_perm(perm, obj)`` agrees with ``restrict()`` because both see
the same rows. The price is that a grant ending yesterday still counts until the first
sweep after midnight (at most five minutes).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from insurer import audit
from insurer.access import is_read_permission, require
from insurer.access.grants import roles_held
from insurer.access.models import ObjectGrant
from insurer.access.services import _exception_for, _name, _overlapping_roles
from insurer.access.sod import conflicts
from insurer.roles import BY_CODE, CATALOGUE, permissions_for

MAX_GRANT_DAYS = 366


def _full_name(permission: Permission) -> str:
    return f"{permission.content_type.app_label}.{permission.codename}"


def _snapshot(grant: ObjectGrant) -> dict:
    return {"user": grant.user.username, "permission": _full_name(grant.permission), "object_pk": grant.object_pk,
            "object": grant.object_repr, "valid_from": grant.valid_from, "valid_to": grant.valid_to,
            "status": grant.status}  # fmt: skip


def _record(actor, action: str, grant: ObjectGrant, before: dict | None, reason: str) -> None:
    audit.record_change(actor=actor, action=action, obj_type="access.objectgrant", obj_id=str(grant.pk),
                        object_repr=str(grant), before=before, after=_snapshot(grant), reason=reason)  # fmt: skip


def resolve_target(object_type: str, object_pk: str, permission: str):
    """(Permission, object) for "app_label.model", a primary key and a codename (with or
    without the app label); a ValidationError naming the field otherwise."""
    try:
        app_label, model = object_type.lower().split(".", 1)
        content_type = ContentType.objects.get(app_label=app_label, model=model)
    except (ValueError, ContentType.DoesNotExist):
        raise ValidationError({"object_type": _("Unknown object type %(t)s (write app_label.model).")
                               % {"t": object_type}}) from None  # fmt: skip
    codename = permission.split(".", 1)[-1]
    found = Permission.objects.filter(content_type=content_type, codename=codename).select_related("content_type")
    if not found:
        message = _("%(p)s is not a permission on %(t)s.") % {"p": permission, "t": object_type}
        raise ValidationError({"permission": message})
    try:
        obj = content_type.get_object_for_this_type(pk=object_pk)
    except (ObjectDoesNotExist, ValueError, ValidationError):
        raise ValidationError(
            {"object_pk": _("No %(t)s with id %(id)s.") % {"t": object_type, "id": object_pk}}
        ) from None
    return found[0], obj


def separation_refusal(user, perm: str, valid_from: dt.date, valid_to: dt.date) -> str | None:
    """Why ``user`` may not be given ``perm`` on an object, or None.

    An oversight role never writes; and a permission conferred only by roles incompatible
    with the user's roles (over the grant's dates, no approved exception) would give them,
    object by object, the duty the matrix keeps apart."""
    if not is_read_permission(perm):
        for held in roles_held(user):
            if BY_CODE[held.role].read_only:
                return _("Refused: %(user)s holds the read-only role %(role)s and may not be given the write "
                         "permission %(perm)s (oversight roles never write).") % {
                    "user": user.username, "role": BY_CODE[held.role].name, "perm": perm}  # fmt: skip
    conferring = [r.code for r in CATALOGUE if perm in permissions_for(r)]
    if not conferring:
        return None
    held = _overlapping_roles(user, valid_from, valid_to)
    today = timezone.localdate()
    first_conflict = None
    for role in conferring:
        if role in held:
            return None  # a role they already hold confers it: nothing new is combined
        uncovered = [c for c in conflicts(role, held, today) if _exception_for(user, c.role, c.other, today) is None]
        if not uncovered:
            return None  # at least one role giving this permission is compatible with theirs
        first_conflict = first_conflict or uncovered[0]
    return _("Refused: %(perm)s is a duty of %(role)s only, and %(conflict)s. An approved separation-of-duties "
             "exception is needed.") % {"perm": perm, "role": BY_CODE[first_conflict.role].name,
                                        "conflict": first_conflict}  # fmt: skip


def _check_separation(user, perm: str, valid_from: dt.date, valid_to: dt.date) -> None:
    refusal = separation_refusal(user, perm, valid_from, valid_to)
    if refusal:
        raise ValidationError(refusal, code="sod_conflict")


def _in_force(grant: ObjectGrant, on: dt.date) -> bool:
    return grant.status == ObjectGrant.Status.ACTIVE and grant.valid_from <= on <= grant.valid_to


def _sync_guardian(grant: ObjectGrant, on: dt.date) -> None:
    """Make the guardian row match the grant: present while in force, gone otherwise
    (unless another grant in force gives the same permission on the same object)."""
    from guardian.models import UserObjectPermission

    key = {"user_id": grant.user_id, "permission_id": grant.permission_id,
           "content_type_id": grant.permission.content_type_id, "object_pk": grant.object_pk}  # fmt: skip
    if _in_force(grant, on):
        UserObjectPermission.objects.get_or_create(**key)
        return
    others = ObjectGrant.objects.filter(user_id=grant.user_id, permission_id=grant.permission_id,
                                        object_pk=grant.object_pk, status=ObjectGrant.Status.ACTIVE,
                                        valid_from__lte=on, valid_to__gte=on).exclude(pk=grant.pk)  # fmt: skip
    if not others.exists():
        UserObjectPermission.objects.filter(**key).delete()


@transaction.atomic
def object_grant_request(*, actor, user, object_type: str, object_pk: str, permission: str, reason: str,
                         valid_to: dt.date, valid_from: dt.date | None = None) -> ObjectGrant:  # fmt: skip
    """Ask for ``permission`` on one object for ``user``; takes effect when another access
    administrator approves."""
    require(actor, "access.add_objectgrant", _("Your role may not request object grants."))
    if getattr(actor, "pk", None) == user.pk:
        raise PermissionDenied(_("Nobody may request an object grant for themselves."))
    if not reason.strip():
        raise ValidationError({"reason": _("A reason is required.")})
    perm_row, obj = resolve_target(object_type, str(object_pk), permission)
    today = timezone.localdate()
    valid_from = valid_from or today
    if valid_from < today:
        raise ValidationError({"valid_from": _("An object grant cannot start in the past.")})
    if valid_to < valid_from:
        raise ValidationError({"valid_to": _("The end date is before the start date.")})
    if valid_to > valid_from + dt.timedelta(days=MAX_GRANT_DAYS):
        raise ValidationError({"valid_to": _("An object grant may last a year at most.")})
    _check_separation(user, _full_name(perm_row), valid_from, valid_to)
    grant = ObjectGrant.objects.create(user=user, permission=perm_row, object_pk=str(obj.pk),
                                       object_repr=str(obj)[:200], valid_from=valid_from, valid_to=valid_to,
                                       reason=reason, requested_by=_name(actor))  # fmt: skip
    _record(actor, "object_grant_request", grant, None, reason)
    _notify_approvers(grant)
    return grant


def _notify_approvers(grant: ObjectGrant) -> None:
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    from insurer.access.grants import in_force_filter
    from insurer.access.models import RoleGrant
    from insurer.notifications.services import notify

    roles = [r.code for r in CATALOGUE if "access.approve_objectgrant" in permissions_for(r)]
    ids = RoleGrant.objects.filter(in_force_filter(timezone.localdate()), role__in=roles).values("user_id")
    approvers = get_user_model().objects.filter(pk__in=ids).exclude(pk=grant.user_id)
    notify(recipients=approvers.exclude(username=grant.requested_by), kind="object_grant_requested",
           title=lambda: _("Object grant to review: %(grant)s") % {"grant": grant},
           url=reverse("access:object_grant_detail", args=[grant.pk]))  # fmt: skip


def _checker_rules(actor, grant: ObjectGrant) -> None:
    if _name(actor) == grant.requested_by:
        raise PermissionDenied(_("The maker of a request may not decide it."))
    if getattr(actor, "pk", None) == grant.user_id:
        raise PermissionDenied(_("Nobody may decide an object grant of their own."))


def _locked(grant: ObjectGrant) -> ObjectGrant:
    return ObjectGrant.objects.select_for_update().select_related("user", "permission__content_type").get(pk=grant.pk)


@transaction.atomic
def object_grant_approve(*, actor, grant: ObjectGrant, note: str = "") -> ObjectGrant:
    """Approve: another access administrator; separation of duties checked again (the
    user's roles may have changed since the request); the guardian row is added if the
    grant starts today."""
    require(actor, "access.approve_objectgrant", _("Your role may not approve object grants."))
    grant = _locked(grant)
    if grant.status != ObjectGrant.Status.REQUESTED:
        raise ValidationError(_("Only a requested grant can be approved (this one is %(s)s).") % {"s": grant.status})
    _checker_rules(actor, grant)
    today = timezone.localdate()
    if grant.valid_to < today:
        raise ValidationError({"valid_to": _("This request ended on %(day)s before anyone approved it.")
                               % {"day": grant.valid_to}})  # fmt: skip
    _check_separation(grant.user, _full_name(grant.permission), grant.valid_from, grant.valid_to)
    before = _snapshot(grant)
    grant.status, grant.decided_by, grant.decided_at = ObjectGrant.Status.ACTIVE, _name(actor), timezone.now()
    grant.decision_note = note
    grant.save()
    _sync_guardian(grant, today)
    _record(actor, "object_grant_approve", grant, before, note)
    return grant


@transaction.atomic
def object_grant_refuse(*, actor, grant: ObjectGrant, note: str) -> ObjectGrant:
    require(actor, "access.approve_objectgrant", _("Your role may not decide object grants."))
    grant = _locked(grant)
    if grant.status != ObjectGrant.Status.REQUESTED:
        raise ValidationError(_("Only a requested grant can be refused."))
    _checker_rules(actor, grant)
    if not note.strip():
        raise ValidationError({"note": _("Say why the grant is refused.")})
    before = _snapshot(grant)
    grant.status, grant.decided_by, grant.decided_at = ObjectGrant.Status.REFUSED, _name(actor), timezone.now()
    grant.decision_note = note
    grant.save()
    _record(actor, "object_grant_refuse", grant, before, note)
    return grant


@transaction.atomic
def object_grant_revoke(*, actor, grant: ObjectGrant, reason: str) -> ObjectGrant:
    """End an active grant now: the guardian row goes in the same transaction."""
    require(actor, "access.change_objectgrant", _("Your role may not revoke object grants."))
    grant = _locked(grant)
    if getattr(actor, "pk", None) == grant.user_id:
        raise PermissionDenied(_("Nobody may revoke their own object grant; ask another administrator."))
    if grant.status != ObjectGrant.Status.ACTIVE:
        raise ValidationError(_("Only an active grant can be revoked."))
    if not reason.strip():
        raise ValidationError({"reason": _("A reason is required.")})
    before = _snapshot(grant)
    grant.status = ObjectGrant.Status.REVOKED
    grant.decision_note = reason
    grant.save()
    _sync_guardian(grant, timezone.localdate())
    _record(actor, "object_grant_revoke", grant, before, reason)
    return grant


@dataclass(frozen=True)
class SweepResult:
    started: int
    expired: int


def object_grants_sweep(*, on: dt.date | None = None) -> SweepResult:
    """Expire approved grants past their end date (guardian row removed, audited as the
    system) and add the guardian row of approved grants whose start date has come."""
    on = on or timezone.localdate()
    expired = 0
    ended = ObjectGrant.objects.filter(status=ObjectGrant.Status.ACTIVE, valid_to__lt=on)
    for pk in ended.values_list("pk", flat=True):
        with transaction.atomic():
            grant = _locked(ObjectGrant(pk=pk))
            if grant.status != ObjectGrant.Status.ACTIVE or grant.valid_to >= on:
                continue  # decided meanwhile
            before = _snapshot(grant)
            grant.status = ObjectGrant.Status.EXPIRED
            grant.save(update_fields=["status"])
            _sync_guardian(grant, on)
            _record(None, "object_grant_expire", grant, before, _("End date %(day)s passed.") % {"day": grant.valid_to})
            expired += 1
    started = 0
    due = ObjectGrant.objects.filter(status=ObjectGrant.Status.ACTIVE, valid_from__lte=on, valid_to__gte=on)
    for grant in due.select_related("permission"):
        from guardian.models import UserObjectPermission

        if not UserObjectPermission.objects.filter(user_id=grant.user_id, permission_id=grant.permission_id,
                                                   object_pk=grant.object_pk).exists():  # fmt: skip
            with transaction.atomic():
                _sync_guardian(grant, on)
            started += 1
    return SweepResult(started=started, expired=expired)
