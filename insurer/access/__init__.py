"""Access: the one permission chokepoint, role grants with scopes, separation of duties.

``restrict`` / ``get_for_user`` / ``require`` are what views, the API and selectors call.
Permissions come from role grants (insurer.access.backends.RoleGrantBackend): a grant that
is active today gives its role's permissions; a grant scoped to a department narrows the
rows of models that declare ``access_scope_field``; django-guardian object grants add
single objects on top. Out of scope reads are 404, refused writes 403.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import BigIntegerField, Model, Q, QuerySet
from django.db.models.functions import Cast
from django.http import Http404

# Permissions that only read (view a record, export a table, verify the ledger).
READ_PREFIXES = ("view_", "export_", "verify_")


def is_read_permission(perm: str) -> bool:
    return perm.split(".", 1)[-1].startswith(READ_PREFIXES)


def permission_name(model: type[Model], action: str) -> str:
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def restrict(queryset: QuerySet, user, action: str = "view") -> QuerySet:
    """The rows of ``queryset`` that ``user`` may ``action``.

    - no permission at all → none;
    - a company-wide grant of the permission → all rows;
    - department-scoped grants → the rows whose ``access_scope_field`` is one of those
      departments (models without that field are company-wide data: the permission is enough);
    - plus rows the user holds a guardian object permission on.
    """
    from insurer.access.grants import permission_scopes

    if not getattr(user, "is_active", False):
        return queryset.none()
    perm = permission_name(queryset.model, action)
    scope_field = getattr(queryset.model, "access_scope_field", None)
    if getattr(user, "is_superuser", False):
        return queryset
    departments = permission_scopes(user, perm)  # None = company-wide; a set = those departments
    if departments is None or (departments and scope_field is None):
        return queryset
    condition = Q(pk__in=_object_grants(queryset.model, user, perm))
    if departments:
        condition |= Q(**{f"{scope_field}__in": departments})
    return queryset.filter(condition)


def _object_grants(model, user, perm: str):
    """Primary keys of ``model`` rows the user holds ``perm`` on through guardian (a subquery)."""
    from django.contrib.contenttypes.models import ContentType
    from guardian.models import UserObjectPermission

    codename = perm.split(".", 1)[1]
    # guardian stores the key as text; cast it so the IN compares numbers on PostgreSQL.
    return (
        UserObjectPermission.objects.filter(
            user=user, permission__codename=codename, content_type=ContentType.objects.get_for_model(model)
        )
        .annotate(object_id=Cast("object_pk", BigIntegerField()))
        .values("object_id")
    )


def get_for_user(queryset: QuerySet, user, action: str = "view", **lookup) -> Model:
    """One object the user may see, or 404 (out of scope looks the same as absent)."""
    try:
        return restrict(queryset, user, action).get(**lookup)
    except queryset.model.DoesNotExist as exc:
        raise Http404 from exc


def require(user, perm: str, message: str | None = None) -> None:
    """Raise PermissionDenied (403) unless ``user`` holds ``perm``.

    A holder of a read-only (oversight) role is refused every non-view permission here,
    whatever else they hold: auditors and examiners never write.
    """
    from insurer.access.grants import holds_read_only_role

    if not (getattr(user, "is_active", False) and user.has_perm(perm)):
        raise PermissionDenied(message or f"You do not have the permission {perm!r}.")
    if not is_read_permission(perm) and holds_read_only_role(user):
        raise PermissionDenied(message or "Oversight roles are read-only: this action is refused.")
