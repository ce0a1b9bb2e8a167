"""Reads of restrictions, scoped through the permission chokepoint (insurer.access.restrict)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from compliance.holds.models import Restriction
from insurer.access import restrict


def restriction_list(user, *, state: str = "", kind: str = "", ref: str = "") -> QuerySet:
    rows = restrict(Restriction.objects.select_related("policy", "customer", "placed_by", "lifted_by"), user)
    if state == "active":
        rows = rows.filter(lifted_at__isnull=True)
    elif state == "lifted":
        rows = rows.filter(lifted_at__isnull=False)
    if kind in Restriction.Kind.values:
        rows = rows.filter(kind=kind)
    if ref:
        rows = rows.filter(Q(policy__policy_ref=ref) | Q(customer__customer_ref=ref))
    return rows


def policy_restrictions(user, policy) -> QuerySet:
    """Every restriction that bears on a policy: on the policy itself or on its policyholder."""
    return restriction_list(user).filter(Q(policy=policy) | Q(customer_id=policy.policyholder_id))
