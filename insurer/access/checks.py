"""System check: every permission the role catalogue names exists (a typo would
otherwise grant nothing, silently). Runs with every `manage.py` command and in tests."""

from __future__ import annotations

from django.core import checks


@checks.register(checks.Tags.security)
def role_permissions_exist(app_configs=None, **kwargs):
    from django.contrib.auth.models import Permission
    from django.db.utils import DatabaseError

    from insurer.roles import CATALOGUE, permissions_for

    try:
        known = {f"{a}.{c}" for a, c in Permission.objects.values_list("content_type__app_label", "codename")}
    except DatabaseError:  # before the first migrate there is nothing to compare with
        return []
    if not known:
        return []
    errors = []
    for role in CATALOGUE:
        for perm in permissions_for(role):
            if perm not in known:
                errors.append(checks.Error(f"role {role.code!r} names unknown permission {perm!r}",
                                           id="access.E001"))  # fmt: skip
    return errors
