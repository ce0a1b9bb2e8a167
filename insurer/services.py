"""Platform writes outside the access workflow: the demo logins of the embedded profile."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from insurer.access.grants import role_codes
from insurer.access.services import grant_system
from insurer.roles import CATALOGUE, Role


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
    """One login per role, username = role code, holding that role company-wide through a
    system grant (audited); resets their passwords each time, grants each role once."""
    user_model = get_user_model()
    logins = []
    for role in CATALOGUE:
        user, _ = user_model.objects.get_or_create(username=role.code)
        user.first_name = str(role.name)
        user.set_password(demo_password(role))
        user.is_active = True
        user.save()
        if role.code not in role_codes(user):
            grant_system(user=user, role=role.code, reason="demo login (embedded profile)")
        logins.append(DemoLogin(role.code, demo_password(role), role))
    return logins
