"""Screens for role grants and separation of duties. Thin: services decide."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from insurer.access import get_for_user, require, restrict, services
from insurer.access.forms import DecisionForm, GrantRequestForm, SodExceptionForm
from insurer.access.grants import holds_read_only_role
from insurer.access.models import RoleGrant, SodException
from insurer.access.selectors import conflicts_report, current_matrix_rows
from insurer.pagination import CappedPaginator


def _errors(exc: ValidationError) -> list[str]:
    return exc.messages


@login_required
def my_roles(request):
    grants = RoleGrant.objects.filter(user=request.user).select_related("department")
    return render(request, "access/my_roles.html", {"grants": grants, "today": timezone.localdate()})


@login_required
def grant_list(request):
    require(request.user, "access.view_rolegrant")
    grants = restrict(RoleGrant.objects.select_related("user", "department"), request.user)
    status = request.GET.get("status", "")
    if status in RoleGrant.Status.values:
        grants = grants.filter(status=status)
    if role := request.GET.get("role", ""):
        grants = grants.filter(role=role)
    page = CappedPaginator(grants.order_by("-requested_at", "-id"), 25).get_page(request.GET.get("page"))
    can_request = request.user.has_perm("access.add_rolegrant") and not holds_read_only_role(request.user)
    return render(request, "access/grant_list.html", {"page_obj": page, "status": status, "statuses":
                  RoleGrant.Status.choices, "can_request": can_request})  # fmt: skip


@login_required
def grant_detail(request, pk: int):
    grant = get_for_user(RoleGrant.objects.select_related("user", "department", "sod_exception"), request.user, pk=pk)
    user = request.user
    writer = not holds_read_only_role(user)
    is_party = user.username == grant.requested_by or user.pk == grant.user_id
    context = {
        "grant": grant,
        "can_decide": writer and grant.status == "requested" and user.has_perm("access.approve_rolegrant")
        and not is_party,
        "can_revoke": writer and grant.status == "active" and user.has_perm("access.change_rolegrant")
        and user.pk != grant.user_id,
        "form": DecisionForm(),
    }  # fmt: skip
    return render(request, "access/grant_detail.html", context)


@login_required
def grant_request(request):
    require(request.user, "access.add_rolegrant")
    form = GrantRequestForm(request.POST or None, initial={"valid_from": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            grant = services.grant_request(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for message in _errors(exc):
                form.add_error(None, message)
        else:
            messages.success(request, _("Grant requested; it takes effect when another person approves it."))
            return redirect("access:grant_detail", pk=grant.pk)
    return render(request, "access/grant_request.html", {"form": form})


def _decide(request, pk: int, action):
    grant = get_for_user(RoleGrant.objects.all(), request.user, pk=pk)
    form = DecisionForm(request.POST)
    form.is_valid()
    try:
        action(actor=request.user, grant=grant, note=form.cleaned_data.get("note", ""))
    except ValidationError as exc:
        for message in _errors(exc):
            messages.error(request, message)
    return redirect("access:grant_detail", pk=pk)


@login_required
@require_POST
def grant_approve(request, pk: int):
    return _decide(request, pk, services.grant_approve)


@login_required
@require_POST
def grant_refuse(request, pk: int):
    return _decide(request, pk, services.grant_refuse)


@login_required
@require_POST
def grant_revoke(request, pk: int):
    grant = get_for_user(RoleGrant.objects.all(), request.user, pk=pk)
    try:
        services.grant_revoke(actor=request.user, grant=grant, reason=request.POST.get("note", ""))
    except ValidationError as exc:
        for message in _errors(exc):
            messages.error(request, message)
    return redirect("access:grant_detail", pk=pk)


@login_required
def sod_matrix(request):
    require(request.user, "access.view_incompatibleduty")
    writer = not holds_read_only_role(request.user)
    context = {
        "rules": current_matrix_rows(),
        "conflicts": conflicts_report(),
        "exceptions": restrict(SodException.objects.select_related("user"), request.user)[:200],
        "can_request_exception": writer and request.user.has_perm("access.add_sodexception"),
        "can_decide_exception": writer and request.user.has_perm("access.approve_sodexception"),
        "form": SodExceptionForm(),
    }
    return render(request, "access/sod_matrix.html", context)


@login_required
@require_POST
def sod_exception_request(request):
    require(request.user, "access.add_sodexception")
    form = SodExceptionForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{field}: {' '.join(errors)}")
        return redirect("access:sod_matrix")
    try:
        services.sod_exception_request(actor=request.user, **form.cleaned_data)
        messages.success(request, _("Exception requested; compliance reviews it."))
    except ValidationError as exc:
        for message in _errors(exc):
            messages.error(request, message)
    return redirect("access:sod_matrix")


@login_required
@require_POST
def sod_exception_decide(request, pk: int):
    exception = get_for_user(SodException.objects.all(), request.user, pk=pk)
    approve = request.POST.get("decision") == "approve"
    try:
        services.sod_exception_decide(actor=request.user, exception=exception, approve=approve,
                                      note=request.POST.get("note", ""))  # fmt: skip
    except ValidationError as exc:
        for message in _errors(exc):
            messages.error(request, message)
    return redirect("access:sod_matrix")
