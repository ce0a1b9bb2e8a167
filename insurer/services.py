"""Platform writes: the role catalogue into Groups, demo logins.

``roles_sync`` is idempotent: it creates one Group per role of insurer.roles.CATALOGUE and
sets its permissions to exactly the catalogue's list (a permission named in the catalogue
that no installed app defines is an error, so a typo cannot silently grant nothing).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from insurer import audit
from insurer.roles import CATALOGUE, Role, group_name, permissions_for


def _permissions(codes: tuple[str, ...]) -> list[Permission]:
    found = []
    for code in codes:
        app_label, _, codename = code.partition(".")
        try:
            found.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        except Permission.DoesNotExist as exc:
            raise ImproperlyConfigured(f"role catalogue names unknown permission {code!r}") from exc
    return found


@transaction.atomic
def roles_sync() -> dict[str, Group]:
    groups = {}
    for role in CATALOGUE:
        group, _ = Group.objects.get_or_create(name=group_name(role))
        group.permissions.set(_permissions(permissions_for(role)))
        groups[role.code] = group
    return groups


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: Role


def demo_password(role: Role) -> str:
    # Printed by `make run`; the embedded profile only (seed_demo refuses production).
    return f"demo-{role.code.replace('_', '-')}-2026"


@transaction.atomic
def demo_logins_create() -> list[DemoLogin]:
    """One login per role, username = role code; resets their passwords each time."""
    groups = roles_sync()
    user_model = get_user_model()
    logins = []
    for role in CATALOGUE:
        user, created = user_model.objects.get_or_create(username=role.code)
        user.first_name = str(role.name)
        user.set_password(demo_password(role))
        user.is_active = True
        user.save()
        user.groups.set([groups[role.code]])
        if created:
            audit.record_change(
                actor=None,
                action="demo_login_create",
                obj_type="auth.user",
                obj_id=str(user.pk),
                detail={"role": role.code},
            )
        logins.append(DemoLogin(role.code, demo_password(role), role))
    return logins
