"""Capital position screens: the versions by valuation date with their status, the entry form
(a maker enters a version, submitted for approval), one version with its figures and the
approve / reject buttons for a checker who did not enter it. Thin: the rules are in
risk.capital."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from insurer.access import get_for_user, require
from insurer.access.grants import holds_read_only_role
from risk import capital
from risk.models import CapitalPosition


def _can(user, perm: str) -> bool:
    return user.has_perm(perm) and not holds_read_only_role(user)


def _refused(request, exc: PermissionDenied):
    message = str(exc) or _("This action is refused.")
    return render(request, "risk/assumption_refused.html", {"message": message}, status=403)


@login_required
@require_http_methods(["GET", "POST"])
def capital_positions(request):
    require(request.user, capital.VIEW, _("Your role may not read capital positions."))
    form = capital.CapitalPositionForm()
    if request.method == "POST":
        try:
            position = capital.capital_position_enter(actor=request.user, data=request.POST.dict())
        except PermissionDenied as exc:
            return _refused(request, exc)
        except ValidationError as exc:
            form = capital.CapitalPositionForm(data=request.POST)
            form.is_valid()
            for field, problems in exc.message_dict.items():
                for problem in problems:
                    if problem not in form.errors.get(field if field != "__all__" else None, []):
                        form.add_error(None if field == "__all__" or field not in form.fields else field, problem)
        else:
            messages.success(request, _("Capital position %(position)s entered: it awaits approval.")
                             % {"position": position})  # fmt: skip
            return redirect("risk:capital_position", pk=position.pk)
    rows = capital.positions_for(request.user).order_by("-valuation_date", "-version")[:200]
    context = {"positions": rows, "form": form, "can_enter": _can(request.user, capital.ENTER)}
    return render(request, "risk/capital_list.html", context)


def _get(request, pk: int) -> CapitalPosition:
    return get_for_user(capital.positions_for(request.user), request.user, pk=pk)


@login_required
@require_GET
def capital_position(request, pk: int):
    position = _get(request, pk)
    figures = [(name, capital.CapitalPositionForm.base_fields[name].label, position.figures.get(name))
               for name in capital.FIGURES if name in position.figures]  # fmt: skip
    can_decide = (position.status == CapitalPosition.Status.SUBMITTED and position.maker_id != request.user.pk
                  and _can(request.user, capital.APPROVE))  # fmt: skip
    return render(request, "risk/capital_detail.html", {"position": position, "figures": figures,
                                                        "can_decide": can_decide})  # fmt: skip


def _decide(request, pk: int, approve: bool):
    position = _get(request, pk)
    try:
        capital.capital_position_decide(actor=request.user, position=position, approve=approve,
                                        comment=request.POST.get("comment", ""))  # fmt: skip
    except PermissionDenied as exc:
        return _refused(request, exc)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Approved.") if approve else _("Rejected."))
    return redirect("risk:capital_position", pk=position.pk)


@login_required
@require_POST
def capital_position_approve(request, pk: int):
    return _decide(request, pk, True)


@login_required
@require_POST
def capital_position_reject(request, pk: int):
    return _decide(request, pk, False)


urlpatterns = [
    path("capital/", capital_positions, name="capital_positions"),
    path("capital/<int:pk>/", capital_position, name="capital_position"),
    path("capital/<int:pk>/approve/", capital_position_approve, name="capital_position_approve"),
    path("capital/<int:pk>/reject/", capital_position_reject, name="capital_position_reject"),
]
