"""Who holds what, today: the active grants of a user, read once per request.

A grant is in force when it is ACTIVE and today lies within [valid_from, valid_to]. The
result is cached on the user object for the life of the request, so permission checks in a
page cost one query however many there are.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from insurer.roles import BY_CODE, permissions_for

CACHE_ATTR = "_insurer_role_grants"


@dataclass(frozen=True)
class Held:
    role: str
    department_id: int | None  # None = company-wide


def in_force_filter(on: dt.date) -> Q:
    return Q(status="active", valid_from__lte=on) & (Q(valid_to__isnull=True) | Q(valid_to__gte=on))


def roles_held(user, on: dt.date | None = None) -> list[Held]:
    """The user's grants in force on ``on`` (today by default)."""
    from insurer.access.models import RoleGrant

    if user is None or not getattr(user, "pk", None) or not getattr(user, "is_active", False):
        return []
    today = on is None
    on = on or timezone.localdate()
    if today and hasattr(user, CACHE_ATTR):
        return getattr(user, CACHE_ATTR)
    held = [
        Held(role, department_id)
        for role, department_id in RoleGrant.objects.filter(in_force_filter(on), user_id=user.pk).values_list(
            "role", "department_id"
        )
        if role in BY_CODE
    ]
    if today:
        setattr(user, CACHE_ATTR, held)
    return held


def forget(user) -> None:
    """Drop the per-request cache (after a grant changes within the same request or test)."""
    for attr in (CACHE_ATTR, PERMS_ATTR):
        if hasattr(user, attr):
            delattr(user, attr)


def role_codes(user) -> list[str]:
    return sorted({h.role for h in roles_held(user)})


PERMS_ATTR = "_insurer_role_permissions"


def permissions_of(user) -> set[str]:
    """The permissions of the roles the user holds today (cached with the grants)."""
    cached = getattr(user, PERMS_ATTR, None)
    if cached is not None and hasattr(user, CACHE_ATTR):
        return cached
    perms: set[str] = set()
    for held in roles_held(user):
        perms.update(permissions_for(BY_CODE[held.role]))
    if hasattr(user, CACHE_ATTR):  # only alongside the grants it was computed from
        setattr(user, PERMS_ATTR, perms)
    return perms


def permission_scopes(user, perm: str) -> set[int] | None:
    """Departments in which ``user`` holds ``perm``: None if company-wide, empty if nowhere."""
    departments: set[int] = set()
    for held in roles_held(user):
        if perm in permissions_for(BY_CODE[held.role]):
            if held.department_id is None:
                return None
            departments.add(held.department_id)
    return departments


def holds_read_only_role(user) -> bool:
    return any(BY_CODE[h.role].read_only for h in roles_held(user))


def holders(role: str, *, department_id: int | None = None, on: dt.date | None = None):
    """Users holding ``role`` on ``on``: company-wide holders, plus holders scoped to
    ``department_id`` when one is given. A queryset of users (for routing and notifying)."""
    from django.contrib.auth import get_user_model

    from insurer.access.models import RoleGrant

    scope = Q(department__isnull=True)
    if department_id is not None:
        scope |= Q(department_id=department_id)
    grants = RoleGrant.objects.filter(in_force_filter(on or timezone.localdate()), scope, role=role)
    return get_user_model().objects.filter(is_active=True, pk__in=grants.values("user_id"))
