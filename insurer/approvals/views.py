"""Screens of approvals: my approvals (queue), my requests, all requests in scope, request
detail with its route and the decision form, submit and resubmit, delegations, and the
authorisation matrix (active version, proposals, history, diff).

Thin: the services decide. A form renders only for those the service would accept, and the
service refuses everyone else whatever the page showed: a refused POST answers 403 with
the rule's message (PermissionDenied) or returns to the page with it (a state error).
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from insurer.access import get_for_user, require
from insurer.access.grants import holds_read_only_role
from insurer.approvals import authority, routing, selectors, services
from insurer.approvals.forms import (
    DecideForm,
    DelegationForm,
    DiffForm,
    ProposeForm,
    ResubmitForm,
    SubmitForm,
    WithdrawForm,
)
from insurer.approvals.models import ApprovalRequest, ApprovalStep, AuthorisationMatrix, BusinessType, Delegation
from insurer.approvals.registry import DECIDE, DELEGATE, PROPOSE, SUBMIT
from insurer.pagination import CappedPaginator

PAGE_SIZE = 25
VIEW = "approvals.view_approvalrequest"


def _refused(request, exc: PermissionDenied):
    """403 with the rule's message (Django's default 403 page says nothing)."""
    message = str(exc) or _("This action is refused.")
    return render(request, "approvals/refused.html", {"message": message}, status=403)


def _errors(exc: ValidationError) -> list[str]:
    return exc.messages


def _writer(user) -> bool:
    return not holds_read_only_role(user)


def _page(request, rows):
    return CappedPaginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


@login_required
@require_GET
def queue(request):
    require(request.user, VIEW)
    steps = selectors.queue(request.user)
    return render(request, "approvals/queue.html", {"steps": steps, "can_decide": request.user.has_perm(DECIDE)})


@login_required
@require_GET
def mine(request):
    rows = selectors.request_list(request.user).filter(maker=request.user)
    status = request.GET.get("status", "")
    if status in ApprovalRequest.Status.values:
        rows = rows.filter(status=status)
    context = {
        "page_obj": _page(request, rows),
        "status": status,
        "statuses": ApprovalRequest.Status.choices,
        "title": _("My requests"),
        "can_submit": request.user.has_perm(SUBMIT) and _writer(request.user),
    }
    return render(request, "approvals/list.html", context)


@login_required
@require_GET
def request_list(request):
    require(request.user, VIEW)
    rows = selectors.request_list(request.user)
    status, kind = request.GET.get("status", ""), request.GET.get("kind", "")
    if status in ApprovalRequest.Status.values:
        rows = rows.filter(status=status)
    if kind in BusinessType.values:
        rows = rows.filter(kind=kind)
    context = {
        "page_obj": _page(request, rows),
        "status": status,
        "statuses": ApprovalRequest.Status.choices,
        "kind": kind,
        "kinds": BusinessType.choices,
        "title": _("Approval requests"),
        "can_submit": request.user.has_perm(SUBMIT) and _writer(request.user),
    }
    return render(request, "approvals/list.html", context)


@login_required
def submit(request):
    try:
        require(request.user, SUBMIT, _("Your role may not submit approval requests."))
    except PermissionDenied as exc:
        return _refused(request, exc)
    form = SubmitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            made = services.approval_submit(actor=request.user, **form.cleaned_data)
        except PermissionDenied as exc:
            return _refused(request, exc)
        except ValidationError as exc:
            for message in _errors(exc):
                form.add_error(None, message)
        else:
            messages.success(request, _("Submitted; the first approver has been notified."))
            return redirect("approvals:detail", pk=made.pk)
    return render(request, "approvals/submit.html", {"form": form})


def _get(request, pk: int) -> ApprovalRequest:
    return get_for_user(selectors.request_detail(request.user, pk), request.user, pk=pk)


def _delegators(user, role: str) -> list:
    today = timezone.localdate()
    return [
        d.delegator
        for d in Delegation.objects.filter(
            delegate=user, role=role, valid_from__lte=today, valid_to__gte=today, revoked_at__isnull=True
        ).select_related("delegator")
    ]


@login_required
@require_GET
def detail(request, pk: int):
    approval = _get(request, pk)
    user = request.user
    steps = list(approval.steps.all())
    current = next((s for s in steps if s.status == ApprovalStep.Status.CURRENT), None)
    decisions = list(approval.decisions.all())
    by_step: dict[int, list] = {}
    for decision in decisions:
        by_step.setdefault(decision.step_id, []).append(decision)
    now = timezone.now()
    for step in steps:
        step.decision_list = by_step.get(step.pk, [])
        step.is_overdue = step.overdue(now)
    can_decide, why_not = (False, "")
    if current is not None and user.has_perm(DECIDE) and _writer(user):
        can_decide, why_not = authority.may_decide(user, approval, current)
    is_maker = user.pk == approval.maker_id
    delegators = _delegators(user, current.role) if can_decide else []
    context = {
        "approval": approval,
        "steps": steps,
        "current": current,
        "can_decide": can_decide,
        "why_not": why_not,
        "is_maker": is_maker,
        "decide_form": DecideForm(delegators=delegators) if can_decide else None,
        "delegators": delegators,
        "can_withdraw": is_maker and approval.is_open and _writer(user),
        "can_resubmit": is_maker and approval.status == ApprovalRequest.Status.RETURNED and _writer(user),
        "withdraw_form": WithdrawForm(),
    }
    return render(request, "approvals/detail.html", context)


@login_required
@require_POST
def decide(request, pk: int):
    approval = _get(request, pk)
    current = approval.steps.filter(status=ApprovalStep.Status.CURRENT).first()
    form = DecideForm(request.POST, delegators=_delegators(request.user, current.role) if current else [])
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{field}: {' '.join(errors)}")
        return redirect("approvals:detail", pk=pk)
    data = form.cleaned_data
    step = ApprovalStep.objects.filter(request=approval, pk=data["step"]).first() if data.get("step") else None
    try:
        made = services.approval_decide(
            actor=request.user,
            request=approval,
            decision=data["decision"],
            comment=data["comment"],
            on_behalf_of=data["on_behalf_of"],
            step=step,
        )
    except PermissionDenied as exc:
        return _refused(request, exc)
    except ValidationError as exc:
        for message in _errors(exc):
            messages.error(request, message)
    else:
        messages.success(request, _("Recorded: %(d)s.") % {"d": made.get_decision_display()})
    return redirect("approvals:detail", pk=pk)


@login_required
@require_POST
def withdraw(request, pk: int):
    approval = _get(request, pk)
    form = WithdrawForm(request.POST)
    form.is_valid()
    try:
        services.approval_withdraw(actor=request.user, request=approval, reason=form.cleaned_data.get("reason", ""))
    except PermissionDenied as exc:
        return _refused(request, exc)
    except ValidationError as exc:
        for message in _errors(exc):
            messages.error(request, message)
    else:
        messages.success(request, _("Withdrawn."))
    return redirect("approvals:detail", pk=pk)


@login_required
def resubmit(request, pk: int):
    approval = _get(request, pk)
    try:
        require(request.user, SUBMIT, _("Your role may not resubmit approval requests."))
        if request.user.pk != approval.maker_id:
            raise PermissionDenied(_("Refused: only the maker of a request may resubmit it."))
    except PermissionDenied as exc:
        return _refused(request, exc)
    initial = {"title": approval.title, "amount": approval.amount, "description": approval.description}
    form = ResubmitForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.approval_resubmit(actor=request.user, request=approval, **form.cleaned_data)
        except PermissionDenied as exc:
            return _refused(request, exc)
        except ValidationError as exc:
            for message in _errors(exc):
                form.add_error(None, message)
        else:
            messages.success(request, _("Resubmitted; the route continues at the step that returned it."))
            return redirect("approvals:detail", pk=pk)
    return render(request, "approvals/resubmit.html", {"form": form, "approval": approval})


@login_required
def delegations(request):
    require(request.user, "approvals.view_delegation")
    user = request.user
    can_delegate = user.has_perm(DELEGATE) and _writer(user)
    form = DelegationForm(request.POST or None, initial={"valid_from": timezone.localdate()})
    if request.method == "POST":
        if not can_delegate:
            return _refused(request, PermissionDenied(_("Your role may not delegate approvals.")))
        if form.is_valid():
            try:
                services.delegation_create(actor=user, **form.cleaned_data)
            except PermissionDenied as exc:
                return _refused(request, exc)
            except ValidationError as exc:
                for message in _errors(exc):
                    form.add_error(None, message)
            else:
                messages.success(request, _("Delegation recorded; it is in force from its start date."))
                return redirect("approvals:delegations")
    rows = selectors.delegations_for(user).order_by("-valid_to", "-pk")
    today = timezone.localdate()
    page_obj = _page(request, rows)
    for row in page_obj.object_list:
        row.active = row.in_force(today)
    return render(request, "approvals/delegations.html", {"page_obj": page_obj, "form": form if can_delegate else None})


@login_required
@require_POST
def delegation_revoke(request, pk: int):
    delegation = get_for_user(selectors.delegations_for(request.user), request.user, pk=pk)
    try:
        services.delegation_revoke(actor=request.user, delegation=delegation)
    except PermissionDenied as exc:
        return _refused(request, exc)
    except ValidationError as exc:
        for message in _errors(exc):
            messages.error(request, message)
    return redirect("approvals:delegations")


def _rows(matrix: AuthorisationMatrix) -> list:
    rules = list(matrix.rules.all())
    for rule in rules:
        rule.route_levels = rule.route
    return rules


@login_required
@require_GET
def matrix(request):
    require(request.user, "approvals.view_authorisationmatrix")
    versions = list(selectors.matrices_for(request.user))
    active = next((m for m in versions if m.status == AuthorisationMatrix.Status.ACTIVE), None)
    pending = [
        m for m in versions if m.status in (AuthorisationMatrix.Status.PENDING, AuthorisationMatrix.Status.DRAFT)
    ]
    requests = {
        r.object_id: r
        for r in ApprovalRequest.objects.filter(
            object_type=services.MATRIX_OBJECT, object_id__in=[str(m.pk) for m in versions]
        )
    }
    for version in versions:
        version.approval = requests.get(str(version.pk))
    context = {
        "active": active,
        "rules": _rows(active) if active else [],
        "pending": pending,
        "versions": versions,
        "can_propose": request.user.has_perm(PROPOSE) and _writer(request.user),
    }
    return render(request, "approvals/matrix.html", context)


@login_required
@require_GET
def matrix_version(request, version: int):
    shown = get_for_user(selectors.matrices_for(request.user), request.user, version=version)
    approval = ApprovalRequest.objects.filter(object_type=services.MATRIX_OBJECT, object_id=str(shown.pk)).first()
    return render(
        request, "approvals/matrix_version.html", {"matrix": shown, "rules": _rows(shown), "approval": approval}
    )


@login_required
@require_GET
def matrix_diff(request):
    require(request.user, "approvals.view_authorisationmatrix")
    form = DiffForm(request.GET or None)
    versions = selectors.matrices_for(request.user)
    changes, a, b = None, None, None
    if form.is_valid():
        a = get_for_user(versions, request.user, version=form.cleaned_data["a"])
        b = get_for_user(versions, request.user, version=form.cleaned_data["b"])
        changes = routing.diff(a.routing_rules(), b.routing_rules())
    return render(
        request, "approvals/matrix_diff.html", {"form": form, "changes": changes, "a": a, "b": b, "versions": versions}
    )


def _as_rows(matrix: AuthorisationMatrix) -> list[dict]:
    return [
        {
            "business_type": r.business_type,
            "min_amount": str(r.min_amount),
            "max_amount": None if r.max_amount is None else str(r.max_amount),
            "levels": r.levels,
            "forbidden_roles": r.forbidden_roles,
        }
        for r in matrix.rules.all()
    ]


@login_required
def matrix_propose(request):
    try:
        require(request.user, PROPOSE, _("Your role may not propose authorisation matrix changes."))
    except PermissionDenied as exc:
        return _refused(request, exc)
    active = services.active_matrix()
    form = ProposeForm(request.POST or None, initial={"rules": json.dumps(_as_rows(active), indent=1)})
    if request.method == "POST" and form.is_valid():
        try:
            proposed, approval = services.matrix_propose(
                actor=request.user, rules=form.cleaned_data["rules"], note=form.cleaned_data["note"]
            )
        except PermissionDenied as exc:
            return _refused(request, exc)
        except ValidationError as exc:
            for message in _errors(exc):
                form.add_error(None, message)
        else:
            messages.success(
                request,
                _("Version %(v)s proposed; it becomes active when its approval request is approved.")
                % {"v": proposed.version},
            )
            return redirect("approvals:detail", pk=approval.pk)
    return render(request, "approvals/matrix_propose.html", {"form": form, "active": active})
