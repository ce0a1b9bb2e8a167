"""The one permission chokepoint used by views, API and selectors.

Today a role grants model-level permissions (through a Group per role, see roles.py).
Scopes (department, object grants through guardian) narrow ``restrict`` later without its
callers changing: every read goes through it, so a scope added here applies everywhere.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404


def permission_name(model: type[Model], action: str) -> str:
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def restrict(queryset: QuerySet, user, action: str = "view") -> QuerySet:
    """The rows of ``queryset`` that ``user`` may ``action``; none if the role lacks it."""
    if not getattr(user, "is_active", False):
        return queryset.none()
    if user.has_perm(permission_name(queryset.model, action)):
        return queryset
    return queryset.none()


def get_for_user(queryset: QuerySet, user, action: str = "view", **lookup) -> Model:
    """One object the user may see, or 404 (out of scope looks the same as absent)."""
    try:
        return restrict(queryset, user, action).get(**lookup)
    except queryset.model.DoesNotExist as exc:
        raise Http404 from exc


def require(user, perm: str, message: str | None = None) -> None:
    """Raise PermissionDenied (403) unless ``user`` holds ``perm``."""
    if not (getattr(user, "is_active", False) and user.has_perm(perm)):
        raise PermissionDenied(message or f"You do not have the permission {perm!r}.")
