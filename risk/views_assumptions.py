"""Assumption set screens: the versions of every basis with their status, one version (its
parameters, what changed from its parent, who drafted and who approved it, the actions its
reader may take), the new-version and edit-draft forms, the submit / approve / reject / retire
buttons, and the comparison of any two versions. Thin: the rules are in risk.assumptions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from insurer.access import get_for_user, require
from insurer.access.grants import holds_read_only_role
from risk import assumptions
from risk.engine import basis_schema
from risk.forms import AssumptionSetForm, CommentForm, as_json
from risk.models import AssumptionSet

Status = AssumptionSet.Status
SCALAR_FIELDS = ("mortality_scaling", "acquisition_expense", "maintenance_expense", "inflation_rate",
                 "premium_loading", "premium_rounding")  # fmt: skip


def _get(request, pk: int) -> AssumptionSet:
    return get_for_user(assumptions.assumption_sets_for(request.user), request.user, pk=pk)


def _refused(request, exc: PermissionDenied):
    message = str(exc) or _("This action is refused.")
    return render(request, "risk/assumption_refused.html", {"message": message}, status=403)


@login_required
@require_GET
def assumption_list(request):
    require(request.user, assumptions.VIEW, _("Your role may not read assumption sets."))
    rows = list(assumptions.assumption_sets_for(request.user).order_by("name", "-version"))
    names: dict[str, list[AssumptionSet]] = {}
    for row in rows:
        names.setdefault(row.name, []).append(row)
    context = {"names": names, "versions": rows, "can_draft": _can(request.user, assumptions.DRAFT)}
    return render(request, "risk/assumption_list.html", context)


def _can(user, perm: str) -> bool:
    return user.has_perm(perm) and not holds_read_only_role(user)


def _actions(user, s: AssumptionSet) -> dict:
    mine = s.maker_id == user.pk
    return {
        "new_version": _can(user, assumptions.DRAFT),
        "edit": s.status == Status.DRAFT and mine and _can(user, assumptions.DRAFT),
        "submit": s.status == Status.DRAFT and mine and _can(user, assumptions.DRAFT),
        "decide": s.status == Status.SUBMITTED and not mine and _can(user, assumptions.APPROVE),
        "retire": s.status == Status.APPROVED and _can(user, assumptions.APPROVE),
    }


@login_required
@require_GET
def assumption_detail(request, pk: int):
    s = _get(request, pk)
    p = basis_schema.ordered(s.parameters)
    vectors = [(name, basis_schema.VECTORS[name][2], p.get(name, [])) for name in basis_schema.VECTORS]
    tables = [
        (name, spec["min_age"], spec["min_age"] + len(spec["qx"]) - 1, len(spec["qx"][0]) - 1, spec["source"])
        for name, spec in (p.get("tables") or {}).items()
    ]
    context = {
        "set": s, "parameters": p, "scalars": [(f, p.get(f)) for f in SCALAR_FIELDS], "vectors": vectors,
        "tables": tables, "raw": as_json(p), "actions": _actions(request.user, s),
        "changes": assumptions.diff(s.parent, s) if s.parent_id else None,
        "others": assumptions.versions_of(s.name).exclude(pk=s.pk),
    }  # fmt: skip
    return render(request, "risk/assumption_detail.html", context)


def _form_page(request, s: AssumptionSet, form, *, editing: bool):
    context = {"set": s, "form": form, "editing": editing}
    return render(request, "risk/assumption_form.html", context, status=400 if form.errors else 200)


@login_required
def assumption_new(request, pk: int):
    """A new draft version from version ``pk`` (any status): its parameters to edit."""
    parent = _get(request, pk)
    require(request.user, assumptions.DRAFT, _("Your role may not draft assumption sets."))
    if request.method != "POST":
        form = AssumptionSetForm(initial={"parameters": as_json(basis_schema.ordered(parent.parameters))})
        return _form_page(request, parent, form, editing=False)
    form = AssumptionSetForm(request.POST)
    if form.is_valid():
        try:
            draft = assumptions.assumption_set_draft(actor=request.user, parent=parent,
                                                     parameters=form.cleaned_data["parameters"],
                                                     note=form.cleaned_data["note"])  # fmt: skip
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Draft %(set)s saved; submit it when it is ready.") % {"set": draft})
            return redirect("risk:assumption", pk=draft.pk)
    return _form_page(request, parent, form, editing=False)


@login_required
def assumption_edit(request, pk: int):
    """Change a draft: its maker only."""
    s = _get(request, pk)
    require(request.user, assumptions.DRAFT, _("Your role may not draft assumption sets."))
    if s.maker_id != request.user.pk:
        return _refused(request, PermissionDenied(_("Only the maker of %(set)s may edit it.") % {"set": s}))
    if s.status != Status.DRAFT:
        messages.error(request, _("%(set)s is no longer a draft: start a new version from it.") % {"set": s})
        return redirect("risk:assumption", pk=s.pk)
    if request.method != "POST":
        form = AssumptionSetForm(initial={"parameters": as_json(basis_schema.ordered(s.parameters)), "note": s.note})
        return _form_page(request, s, form, editing=True)
    form = AssumptionSetForm(request.POST)
    if form.is_valid():
        try:
            assumptions.assumption_set_edit(actor=request.user, assumption_set=s,
                                            parameters=form.cleaned_data["parameters"],
                                            note=form.cleaned_data["note"])  # fmt: skip
        except PermissionDenied as exc:
            return _refused(request, exc)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Draft %(set)s saved.") % {"set": s})
            return redirect("risk:assumption", pk=s.pk)
    return _form_page(request, s, form, editing=True)


def _form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _command(request, pk: int, service, done: str, **extra):
    s = _get(request, pk)
    try:
        service(actor=request.user, assumption_set=s, **extra)
    except PermissionDenied as exc:
        return _refused(request, exc)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, done % {"set": s})
    return redirect("risk:assumption", pk=s.pk)


def _comment(request) -> str:
    form = CommentForm(request.POST)
    form.is_valid()
    return form.cleaned_data.get("comment", "")


@login_required
@require_POST
def assumption_submit(request, pk: int):
    return _command(request, pk, assumptions.assumption_set_submit, _("%(set)s submitted for approval."))


@login_required
@require_POST
def assumption_approve(request, pk: int):
    return _command(request, pk, assumptions.assumption_set_approve, _("%(set)s approved: runs may use it."),
                    comment=_comment(request))  # fmt: skip


@login_required
@require_POST
def assumption_reject(request, pk: int):
    return _command(request, pk, assumptions.assumption_set_reject, _("%(set)s rejected."), comment=_comment(request))


@login_required
@require_POST
def assumption_retire(request, pk: int):
    return _command(request, pk, assumptions.assumption_set_retire, _("%(set)s retired: no new run may use it."),
                    reason=_comment(request))  # fmt: skip


@login_required
@require_GET
def assumption_compare(request):
    """Pick two versions (of any bases) → every field that differs, old → new."""
    require(request.user, assumptions.VIEW, _("Your role may not read assumption sets."))
    visible = assumptions.assumption_sets_for(request.user).order_by("name", "-version")
    old = new = changes = None
    if request.GET.get("old") and request.GET.get("new"):
        try:
            old_pk, new_pk = int(request.GET["old"]), int(request.GET["new"])
        except ValueError:
            old_pk = new_pk = 0
        old = get_for_user(visible, request.user, pk=old_pk)
        new = get_for_user(visible, request.user, pk=new_pk)
        changes = assumptions.diff(old, new)
    return render(
        request, "risk/assumption_compare.html", {"versions": visible, "old": old, "new": new, "changes": changes}
    )


# Included by risk/urls.py into the "risk" namespace.
urlpatterns = [
    path("assumptions/", assumption_list, name="assumptions"),
    path("assumptions/compare/", assumption_compare, name="assumption_compare"),
    path("assumptions/<int:pk>/", assumption_detail, name="assumption"),
    path("assumptions/<int:pk>/new/", assumption_new, name="assumption_new"),
    path("assumptions/<int:pk>/edit/", assumption_edit, name="assumption_edit"),
    path("assumptions/<int:pk>/submit/", assumption_submit, name="assumption_submit"),
    path("assumptions/<int:pk>/approve/", assumption_approve, name="assumption_approve"),
    path("assumptions/<int:pk>/reject/", assumption_reject, name="assumption_reject"),
    path("assumptions/<int:pk>/retire/", assumption_retire, name="assumption_retire"),
]
