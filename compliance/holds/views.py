"""Screens of payout holds and freezes: the list, placing, one restriction with its lift
form, and everything bearing on one policy. Thin: the services decide and refuse."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from compliance.holds import selectors, services
from compliance.holds.forms import LiftForm, PlaceForm
from compliance.holds.models import Restriction
from customers.models import Policy
from insurer.access import get_for_user, require
from insurer.access.grants import holds_read_only_role
from insurer.pagination import CappedPaginator

VIEW = "compliance_holds.view_restriction"
PAGE_SIZE = 25


def _refused(request, exc: PermissionDenied):
    return render(request, "compliance_holds/refused.html", {"message": str(exc)}, status=403)


def _may_place(user) -> bool:
    return not holds_read_only_role(user) and (
        user.has_perm("compliance_holds.place_hold") or user.has_perm("compliance_holds.place_freeze")
    )


@login_required
@require_GET
def restriction_list(request):
    require(request.user, VIEW)
    state, kind, ref = request.GET.get("state", "active"), request.GET.get("kind", ""), request.GET.get("ref", "")
    rows = selectors.restriction_list(request.user, state=state, kind=kind, ref=ref.strip())
    context = {
        "page_obj": CappedPaginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
        "state": state, "kind": kind, "ref": ref, "kinds": Restriction.Kind.choices,
        "can_place": _may_place(request.user),
    }  # fmt: skip
    return render(request, "compliance_holds/list.html", context)


@login_required
def restriction_place(request):
    if not _may_place(request.user):
        return _refused(request, PermissionDenied(_("Your role may not place payout holds or freezes.")))
    form = PlaceForm(request.POST or None, initial={"kind": request.GET.get("kind", "hold"),
                                                   "target_ref": request.GET.get("ref", "")})  # fmt: skip
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            placed = services.restriction_place(
                actor=request.user, kind=data["kind"], reason=data["reason"], source=data["source"],
                source_ref=data["source_ref"], policy=data["policy"], customer=data["customer"],
            )  # fmt: skip
        except PermissionDenied as exc:
            return _refused(request, exc)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Restriction #%(id)s placed.") % {"id": placed.pk})
            return redirect("compliance_holds:detail", pk=placed.pk)
    return render(request, "compliance_holds/place.html", {"form": form})


def _get(request, pk: int) -> Restriction:
    return get_for_user(selectors.restriction_list(request.user), request.user, pk=pk)


@login_required
@require_GET
def restriction_detail(request, pk: int):
    restriction = _get(request, pk)
    permission = f"compliance_holds.lift_{restriction.kind}"
    can_lift = (
        restriction.active
        and request.user.has_perm(permission)
        and not holds_read_only_role(request.user)
        and restriction.placed_by_id != request.user.pk
    )
    context = {"restriction": restriction, "can_lift": can_lift, "form": LiftForm()}
    return render(request, "compliance_holds/detail.html", context)


@login_required
@require_POST
def restriction_lift(request, pk: int):
    restriction = _get(request, pk)
    form = LiftForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("A reason for lifting is required."))
        return redirect("compliance_holds:detail", pk=pk)
    try:
        services.restriction_lift(actor=request.user, restriction=restriction, reason=form.cleaned_data["reason"])
    except PermissionDenied as exc:
        return _refused(request, exc)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Restriction #%(id)s lifted.") % {"id": pk})
    return redirect("compliance_holds:detail", pk=pk)


@login_required
@require_GET
def policy_restrictions(request, policy_ref: str):
    policy = get_for_user(Policy.objects.select_related("policyholder"), request.user, policy_ref=policy_ref)
    require(request.user, VIEW)
    rows = list(selectors.policy_restrictions(request.user, policy))
    context = {
        "policy": policy,
        "active": [r for r in rows if r.active],
        "history": [r for r in rows if not r.active],
        "can_place": _may_place(request.user),
    }
    return render(request, "compliance_holds/policy.html", context)
