"""Separation of duties: which roles may not be held together (PLT-3, CMP-4).

The matrix is data (IncompatibleDuty rows, versioned, with their source); this module
expands its categories and finds the conflicts of a set of role codes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext

from insurer.roles import BY_CODE, CATALOGUE, MANAGEMENT

# Roles that operate the business (as opposed to governing, overseeing or running IT).
BUSINESS_OPERATION = frozenset({
    "claims_handler", "claims_supervisor", "underwriter", "service_agent", "service_supervisor",
    "finance_accountant", "payment_officer", "aml_analyst", "actuary", "risk_officer", "compliance_officer", "mlro",
})  # fmt: skip


@dataclass(frozen=True)
class Conflict:
    rule: str
    role: str
    other: str
    description: str

    def __str__(self) -> str:
        return gettext("%(role)s and %(other)s are incompatible duties (%(rule)s: %(description)s)") % {
            "role": BY_CODE[self.role].name,
            "other": BY_CODE[self.other].name,
            "rule": self.rule,
            "description": self.description,
        }


def expand(other: str, role: str) -> set[str]:
    """The role codes a matrix entry's ``other`` stands for (never the role itself)."""
    if other == "@management":
        codes = {r.code for r in CATALOGUE if r.body == MANAGEMENT}
    elif other == "@business":
        codes = set(BUSINESS_OPERATION)
    elif other == "@any":
        codes = {r.code for r in CATALOGUE}
    else:
        codes = {other}
    return codes - {role}


def current_matrix(on: dt.date):
    """The latest version of each rule in effect on ``on``."""
    from insurer.access.models import IncompatibleDuty

    latest = {}
    for row in IncompatibleDuty.objects.filter(effective_from__lte=on).order_by("code", "-version"):
        latest.setdefault(row.code, row)
    return list(latest.values())


def conflicts(role: str, held: set[str], on: dt.date) -> list[Conflict]:
    """Conflicts between ``role`` and the roles in ``held`` (both directions of each rule)."""
    found = []
    for rule in current_matrix(on):
        if rule.role == role:
            hits = expand(rule.other, role) & held
            found += [Conflict(rule.code, role, other, rule.description) for other in sorted(hits)]
        elif rule.role in held and role in expand(rule.other, rule.role):
            found.append(Conflict(rule.code, role, rule.role, rule.description))
    return found
