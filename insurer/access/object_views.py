"""Screens for object grants (one permission on one object). Thin: object_grants decides."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from insurer.access import get_for_user, object_grants, require, restrict
from insurer.access.forms import DecisionForm, ObjectGrantRequestForm
from insurer.access.grants import holds_read_only_role
from insurer.access.models import ObjectGrant
from insurer.pagination import CappedPaginator

ROWS = ObjectGrant.objects.select_related("user", "permission__content_type")


@login_required
def object_grant_list(request):
    require(request.user, "access.view_objectgrant")
    grants = restrict(ROWS, request.user)
    status = request.GET.get("status", "")
    if status in ObjectGrant.Status.values:
        grants = grants.filter(status=status)
    page = CappedPaginator(grants.order_by("-requested_at", "-id"), 25).get_page(request.GET.get("page"))
    can_request = request.user.has_perm("access.add_objectgrant") and not holds_read_only_role(request.user)
    return render(request, "access/object_grant_list.html", {"page_obj": page, "status": status,
                  "statuses": ObjectGrant.Status.choices, "can_request": can_request})  # fmt: skip


@login_required
def object_grant_detail(request, pk: int):
    grant = get_for_user(ROWS, request.user, pk=pk)
    user = request.user
    writer = not holds_read_only_role(user)
    is_party = user.username == grant.requested_by or user.pk == grant.user_id
    context = {
        "grant": grant,
        "can_decide": writer and grant.status == "requested" and user.has_perm("access.approve_objectgrant")
        and not is_party,
        "can_revoke": writer and grant.status == "active" and user.has_perm("access.change_objectgrant")
        and user.pk != grant.user_id,
        "form": DecisionForm(),
    }  # fmt: skip
    return render(request, "access/object_grant_detail.html", context)


@login_required
def object_grant_request(request):
    require(request.user, "access.add_objectgrant")
    today = timezone.localdate()
    form = ObjectGrantRequestForm(request.POST or None, initial={"valid_from": today})
    if request.method == "POST" and form.is_valid():
        try:
            grant = object_grants.object_grant_request(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                for message in exc.messages:
                    form.add_error(None, message)
        else:
            messages.success(request, _("Object grant requested; it takes effect when another administrator "
                                        "approves it."))  # fmt: skip
            return redirect("access:object_grant_detail", pk=grant.pk)
    return render(request, "access/object_grant_request.html", {"form": form})


def _decide(request, pk: int, action, field: str):
    grant = get_for_user(ObjectGrant.objects.all(), request.user, pk=pk)
    try:
        action(actor=request.user, grant=grant, **{field: request.POST.get("note", "")})
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("access:object_grant_detail", pk=pk)


@login_required
@require_POST
def object_grant_approve(request, pk: int):
    return _decide(request, pk, object_grants.object_grant_approve, "note")


@login_required
@require_POST
def object_grant_refuse(request, pk: int):
    return _decide(request, pk, object_grants.object_grant_refuse, "note")


@login_required
@require_POST
def object_grant_revoke(request, pk: int):
    return _decide(request, pk, object_grants.object_grant_revoke, "reason")
