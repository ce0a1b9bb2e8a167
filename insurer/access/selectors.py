"""Reads for the access screens and reports."""

from __future__ import annotations

from collections import defaultdict

from django.utils import timezone

from insurer.access.grants import in_force_filter
from insurer.access.models import RoleGrant
from insurer.access.sod import conflicts, current_matrix


def current_matrix_rows():
    return current_matrix(timezone.localdate())


def conflicts_report() -> list[dict]:
    """Users whose roles in force today conflict, with the exception that allows it (or
    none: then it is a control failure to investigate)."""
    today = timezone.localdate()
    by_user: dict[int, dict] = defaultdict(lambda: {"roles": set(), "grants": []})
    for grant in RoleGrant.objects.filter(in_force_filter(today)).select_related("user", "sod_exception"):
        entry = by_user[grant.user_id]
        entry["user"] = grant.user
        entry["roles"].add(grant.role)
        entry["grants"].append(grant)
    report = []
    for entry in by_user.values():
        for grant in entry["grants"]:
            for conflict in conflicts(grant.role, entry["roles"] - {grant.role}, today):
                if conflict.role < conflict.other:  # each pair once
                    report.append({"user": entry["user"], "conflict": conflict, "exception": grant.sod_exception})
    return report
