"""Reads for the approvals screens and API, each scoped through insurer.access.restrict.

Query budgets do not grow with the data: the queue costs the user's grants (cached per
request), their delegations, the grants of their delegators, the separation-of-duties
matrix once per candidate role, and one query for the rows.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from insurer.access import restrict
from insurer.access.grants import in_force_filter, roles_held
from insurer.access.models import RoleGrant
from insurer.access.sod import conflicts
from insurer.approvals.models import ApprovalRequest, ApprovalStep, AuthorisationMatrix, Decision, Delegation
from insurer.approvals.registry import DECIDE
from insurer.roles import BY_CODE

QUEUE_CAP = 500


def queue(user) -> list[ApprovalStep]:
    """The current steps ``user`` may decide now, earliest due (so overdue) first."""
    if not user.has_perm(DECIDE):
        return []
    today = timezone.localdate()
    held = roles_held(user)
    if any(BY_CODE[h.role].read_only for h in held):
        return []
    codes = {h.role for h in held}
    parts = [
        Q(role=h.role) if h.department_id is None else Q(role=h.role, request__department_id=h.department_id)
        for h in held
    ]
    roles = {h.role for h in held}
    delegations = list(
        Delegation.objects.filter(delegate=user, valid_from__lte=today, valid_to__gte=today, revoked_at__isnull=True)
    )
    if delegations:
        grants = list(
            RoleGrant.objects.filter(
                in_force_filter(today),
                user_id__in={d.delegator_id for d in delegations},
                role__in={d.role for d in delegations},
            ).values_list("user_id", "role", "department_id")
        )
        for d in delegations:
            for user_id, role, department_id in grants:
                if user_id == d.delegator_id and role == d.role:
                    scope = (
                        Q(role=role) if department_id is None else Q(role=role, request__department_id=department_id)
                    )
                    parts.append(scope & ~Q(request__maker_id=d.delegator_id))
                    roles.add(role)
    blocked = {role for role in roles if conflicts(role, codes - {role}, today)}
    if not parts:
        return []
    condition = Q()
    for part in parts:
        condition |= part
    mine_elsewhere = (
        Decision.objects.filter(request=OuterRef("request"))
        .exclude(step=OuterRef("pk"))
        .filter(Q(decided_by=user) | Q(on_behalf_of=user))
    )
    rows = (
        ApprovalStep.objects.filter(
            condition, status=ApprovalStep.Status.CURRENT, request__status=ApprovalRequest.Status.PENDING
        )
        .exclude(role__in=blocked)
        .exclude(request__maker=user)
        .exclude(Exists(mine_elsewhere))
        .select_related("request__maker", "request__department", "request__rule")
        .order_by("due_at", "pk")[:QUEUE_CAP]
    )
    now = timezone.now()
    steps = []
    for step in rows:
        if set(step.request.rule.forbidden_roles) & codes:
            continue  # the must-not-hold list of this business type (checked in memory: no query per row)
        step.is_overdue = step.overdue(now)
        steps.append(step)
    return steps


def requests_for(user) -> QuerySet:
    """Requests the user may see: in the scope of their view grants, their own, and those
    whose current step they may decide (a delegate outside the department)."""
    base = ApprovalRequest.objects.all()
    visible = restrict(base, user) | base.filter(maker_id=getattr(user, "pk", None))
    decidable = [step.request_id for step in queue(user)] if user.has_perm(DECIDE) else []
    if decidable:
        visible = visible | base.filter(pk__in=decidable)
    return visible


def request_list(user) -> QuerySet:
    return (
        requests_for(user)
        .select_related("maker", "department", "matrix")
        .prefetch_related("steps")
        .order_by("-created_at", "-pk")
    )


def request_detail(user, pk: int) -> QuerySet:
    return (
        requests_for(user)
        .filter(pk=pk)
        .select_related("maker", "department", "matrix", "rule")
        .prefetch_related("steps", "decisions__decided_by", "decisions__on_behalf_of", "decisions__step")
    )


def matrices_for(user) -> QuerySet:
    return restrict(AuthorisationMatrix.objects.select_related("created_by", "approved_by", "based_on"), user)


def delegations_for(user) -> QuerySet:
    """Delegations given or received by the user, plus all of them for those who may view
    delegations company-wide (auditors)."""
    rows = Delegation.objects.select_related("delegator", "delegate")
    return restrict(rows, user) | rows.filter(Q(delegator=user) | Q(delegate=user))
