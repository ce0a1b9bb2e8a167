"""Imported model points: the sets (list and upload form) and one set (counts by sex and by
term, the valuations run on it). Importing is risk.model_points.model_points_import; valuing a
set is the job kind ``model_point_valuation`` (/jobs/run/model_point_valuation/)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods

from insurer.access import require
from risk import model_points


class UploadForm(forms.Form):
    name = forms.CharField(label=_lazy("Name"), max_length=100)
    file = forms.FileField(
        label=_lazy("model_points.csv"),
        help_text=_lazy("Columns as in the interchange guide: point_id, age_at_entry, sex, policy_term, "
                        "policy_count, sum_assured, duration_mth, premium_pp."),
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def model_point_sets(request):
    require(request.user, model_points.VIEW, _("Your role may not read model points."))
    form, problems = UploadForm(), []
    if request.method == "POST":
        require(request.user, model_points.RUN, _("Your role may not import model points."))
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                point_set = model_points.model_points_import(
                    actor=request.user, name=form.cleaned_data["name"], file=form.cleaned_data["file"]
                )
            except model_points.ModelPointImportError as exc:
                problems = exc.problems
                form.add_error("file", _("The file was refused, nothing was imported: %(n)s problems.")
                               % {"n": len(problems)})  # fmt: skip
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("Imported %(name)s: %(n)s model points.")
                                 % {"name": point_set.name, "n": point_set.row_count})  # fmt: skip
                return redirect("risk:model_point_set", pk=point_set.pk)
    sets = model_points.model_point_sets_for(request.user)[:200]
    context = {"sets": sets, "form": form, "problems": problems[: model_points.MAX_PROBLEMS],
               "more_problems": max(0, len(problems) - model_points.MAX_PROBLEMS),
               "can_import": request.user.has_perm(model_points.RUN)}  # fmt: skip
    return render(request, "risk/model_points.html", context, status=400 if problems or form.errors else 200)


@login_required
@require_GET
def model_point_set(request, pk: int):
    point_set = model_points.model_point_sets_for(request.user).filter(pk=pk).first()
    if point_set is None:
        raise Http404
    counts = point_set.counts or {}
    by_term = sorted((counts.get("by_term") or {}).items(), key=lambda item: int(item[0]))
    runs = []
    for job in model_points.valuations_of(point_set).order_by("-created_at")[:50]:
        base = ((job.result_summary or {}).get("totals") or {}).get("base") or {}
        runs.append((job, base))
    can_run = request.user.has_perm(model_points.RUN) and request.user.has_perm("jobs.request_job")
    context = {"point_set": point_set, "by_sex": sorted((counts.get("by_sex") or {}).items()), "by_term": by_term,
               "runs": runs, "can_run": can_run, "kind": model_points.KIND}  # fmt: skip
    return render(request, "risk/model_point_set.html", context)
