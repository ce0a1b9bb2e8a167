"""Reads for the access screens and reports."""

from __future__ import annotations

from collections import defaultdict

from django.utils import timezone

from insurer.access.grants import in_force_filter
from insurer.access.models import RoleGrant, SodException
from insurer.access.sod import conflicts, current_matrix


def current_matrix_rows():
    return current_matrix(timezone.localdate())


def conflicts_report() -> list[dict]:
    """Users whose roles in force today conflict, with the approved, unexpired exception
    that allows the pair (or none: then it is a control failure to investigate).

    The exception is looked up by pair, not read off one of the two grants: the grant that
    needed it is whichever was granted second, so either grant of the pair may carry it."""
    today = timezone.localdate()
    by_user: dict[int, dict] = defaultdict(lambda: {"roles": set()})
    for grant in RoleGrant.objects.filter(in_force_filter(today)).select_related("user"):
        entry = by_user[grant.user_id]
        entry["user"] = grant.user
        entry["roles"].add(grant.role)
    allowing: dict[tuple[int, frozenset], SodException] = {}
    for exception in SodException.objects.filter(status="approved", valid_to__gte=today).order_by("valid_to"):
        allowing[(exception.user_id, frozenset({exception.role, exception.other_role}))] = exception  # latest wins
    report = []
    for user_id, entry in by_user.items():
        for role in sorted(entry["roles"]):
            for conflict in conflicts(role, entry["roles"] - {role}, today):
                if conflict.role < conflict.other:  # each pair once
                    pair = frozenset({conflict.role, conflict.other})
                    report.append(
                        {"user": entry["user"], "conflict": conflict, "exception": allowing.get((user_id, pair))}
                    )
    return report
