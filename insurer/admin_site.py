"""The Django admin writes to the audit ledger like every other write path.

The admin is where an operator creates user accounts, sets ``is_staff`` / ``is_superuser``
/ ``is_active``, changes passwords and mints API tokens: the changes that matter most to an
auditor. Django only notes them in its own LogEntry table, outside the hash chain, so every
ModelAdmin registered on this site records its additions, changes and deletions with
insurer.audit, in the admin's transaction. Secrets (password hashes, token keys) are never
written to the ledger: a changed password is recorded as changed, without a value.

Installed as the default admin site by ``InsurerAdminConfig`` (settings.INSTALLED_APPS), so
models registered by any app, before or after this one, are covered.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.db import transaction

# Field names whose values never go to the ledger (they are, or derive, credentials).
SECRET_FIELDS = frozenset({"password", "key"})
# Bookkeeping Django changes by itself on sign-in; not an administrative change.
IGNORED_FIELDS = frozenset({"last_login"})


def _fields(obj) -> list[str]:
    return [f.attname for f in obj._meta.concrete_fields if f.attname not in IGNORED_FIELDS]


def _snapshot(obj) -> dict:
    return {name: ("(secret)" if name in SECRET_FIELDS else getattr(obj, name)) for name in _fields(obj)}


def _stored(obj) -> dict | None:
    row = type(obj)._default_manager.filter(pk=obj.pk).values(*_fields(obj)).first()
    if row is None:
        return None
    return {name: ("(secret)" if name in SECRET_FIELDS else value) for name, value in row.items()}


def _identity(obj) -> tuple[str, str]:
    """Id and label for the ledger. An API token's primary key *is* the secret, so a token
    is named by its user instead."""
    if obj._meta.pk.attname in SECRET_FIELDS:
        owner = getattr(obj, "user_id", None)
        return f"user:{owner}", f"{obj._meta.verbose_name} of user {owner}"
    return str(obj.pk), str(obj)[:200]


def _record(request, action: str, obj, *, before=None, after=None, detail=None) -> None:
    from insurer import audit  # this module loads with the app registry, before any model

    obj_id, label = _identity(obj)
    audit.record_change(actor=request.user, action=f"admin_{action}", obj_type=obj._meta.label_lower,
                        obj_id=obj_id, object_repr=label, before=before, after=after, detail=detail)  # fmt: skip


class LedgeredModelAdmin:
    """Mixin put in front of every ModelAdmin class registered on the site."""

    def save_model(self, request, obj, form, change):
        obj._ledger_before = _stored(obj) if change and obj.pk is not None else None
        super().save_model(request, obj, form, change)

    def log_addition(self, request, obj, message):
        _record(request, "add", obj, after=_snapshot(obj))
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        before = getattr(obj, "_ledger_before", None)
        if before is None:
            # Not through save_model: the admin's password form, which saves the hash itself.
            _record(request, "change", obj, detail={"message": message})
            return super().log_change(request, obj, message)
        after = _snapshot(obj)
        changed = sorted(k for k in after if before.get(k) != after[k] or (k in SECRET_FIELDS and k in message))
        _record(request, "change", obj, before={k: before.get(k) for k in changed},
                after={k: after[k] for k in changed}, detail={"message": message})  # fmt: skip
        return super().log_change(request, obj, message)

    def delete_model(self, request, obj):
        with transaction.atomic():
            _record(request, "delete", obj, before=_snapshot(obj))
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                _record(request, "delete", obj, before=_snapshot(obj))
            super().delete_queryset(request, queryset)


class LedgeredAdminSite(admin.AdminSite):
    def register(self, model_or_iterable, admin_class=None, **options):
        base = admin_class or admin.ModelAdmin
        if not issubclass(base, LedgeredModelAdmin):
            base = type(f"Ledgered{base.__name__}", (LedgeredModelAdmin, base), {"__module__": base.__module__})
        super().register(model_or_iterable, base, **options)


class InsurerAdminConfig(AdminConfig):
    default_site = "insurer.admin_site.LedgeredAdminSite"
