"""System check: every permission the role catalogue names is defined by an installed
model (a typo would otherwise grant nothing, silently). Reads the models' Meta, not the
database, so it holds before the first migrate and never blocks one."""

from __future__ import annotations

from django.apps import apps
from django.core import checks


def defined_permissions() -> set[str]:
    known = set()
    for model in apps.get_models():
        meta = model._meta
        known |= {f"{meta.app_label}.{action}_{meta.model_name}" for action in meta.default_permissions}
        known |= {f"{meta.app_label}.{codename}" for codename, _name in meta.permissions}
    return known


@checks.register(checks.Tags.security)
def role_permissions_exist(app_configs=None, **kwargs):
    from insurer.roles import CATALOGUE, permissions_for

    known = defined_permissions()
    return [
        checks.Error(f"role {role.code!r} names unknown permission {perm!r}", id="access.E001")
        for role in CATALOGUE
        for perm in permissions_for(role)
        if perm not in known
    ]
