"""Rule versions: the list, one version with its parameters, backtest figures and shadow
comparison, and the actions (propose, shadow, run a backtest or shadow run, approve to go
live). Every action is a service call; the views only translate outcomes into messages."""

from __future__ import annotations

import yaml
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from compliance.rules import selectors, services
from compliance.rules.forms import ApproveForm, ProposeForm
from compliance.rules.models import RuleVersion
from insurer.access import get_for_user, require
from insurer.jobs.services import job_request

VIEW = "compliance_rules.view_ruleversion"


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@login_required
@require_GET
def version_list(request):
    require(request.user, VIEW, _("Your role may not read rule versions."))
    versions = list(selectors.versions_for(request.user))
    for v in versions:
        v.backtest = selectors.latest_backtest(v)
    context = {"versions": versions, "can_propose": request.user.has_perm(services.PROPOSE)}
    return render(request, "compliance_rules/versions.html", context)


def _rule_rows(summary: dict | None) -> list[tuple[str, dict]]:
    return sorted((summary or {}).get("rules", {}).items())


@login_required
@require_GET
def version_detail(request, pk: int):
    version = get_for_user(selectors.versions_for(request.user), request.user, pk=pk)
    live = selectors.live_version()
    backtest = selectors.latest_backtest(version)
    shadow = selectors.latest_shadow(version)
    user = request.user
    context = {
        "version": version, "live": live, "backtest": backtest, "shadow": shadow,
        "backtest_rows": _rule_rows(backtest.result_summary if backtest else None),
        "shadow_rows": sorted(((shadow.result_summary or {}).get("rules") or {}).items()) if shadow else [],
        "pending": selectors.runs_pending(version),
        "document": yaml.safe_dump(version.parameters, allow_unicode=True, sort_keys=False),
        "can_run": user.has_perm("compliance_rules.run_backtest") and user.has_perm("jobs.request_job"),
        "can_shadow": user.has_perm(services.PROPOSE) and version.status == RuleVersion.Status.DRAFT,
        "can_approve": user.has_perm(services.APPROVE) and version.status == RuleVersion.Status.SHADOW
        and version.proposed_by_id != user.pk,
        "approve_form": ApproveForm(),
    }  # fmt: skip
    return render(request, "compliance_rules/version.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def version_new(request):
    require(request.user, services.PROPOSE, _("Your role may not propose rule versions."))
    based_on = selectors.live_version()
    if request.method == "POST":
        form = ProposeForm(request.POST)
        if form.is_valid():
            try:
                version = services.rule_version_propose(
                    actor=request.user, name=form.cleaned_data["name"], note=form.cleaned_data["note"],
                    parameters_text=form.cleaned_data["parameters"], based_on=based_on,
                )  # fmt: skip
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                messages.success(request, _("Rule version %(name)s proposed as a draft.") % {"name": version.name})
                return redirect("compliance_rules:version", version.pk)
    else:
        text = yaml.safe_dump(based_on.parameters, allow_unicode=True, sort_keys=False) if based_on else ""
        form = ProposeForm(initial={"parameters": text})
    return render(request, "compliance_rules/version_new.html", {"form": form, "based_on": based_on})


def _act(request, pk: int, action) -> object:
    version = get_for_user(selectors.versions_for(request.user), request.user, pk=pk)
    try:
        message = action(version)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, message)
    return redirect("compliance_rules:version", version.pk)


@login_required
@require_POST
def version_shadow(request, pk: int):
    def act(version):
        services.rule_version_shadow(actor=request.user, version=version)
        return _("%(name)s is now the candidate in shadow.") % {"name": version.name}

    return _act(request, pk, act)


@login_required
@require_POST
def version_backtest(request, pk: int):
    def act(version):
        job = job_request(actor=request.user, kind=selectors.BACKTEST_KIND, parameters={"version": version.name})
        return _("Backtest queued as job %(job)s.") % {"job": job.pk}

    return _act(request, pk, act)


@login_required
@require_POST
def version_shadow_run(request, pk: int):
    def act(version):
        live = selectors.live_version()
        if live is None or live.pk == version.pk:
            raise ValidationError(_("A shadow run compares a candidate with the live version."))
        job = job_request(actor=request.user, kind=selectors.SHADOW_KIND,
                          parameters={"candidate": version.name, "live": live.name})  # fmt: skip
        return _("Shadow run against %(live)s queued as job %(job)s.") % {"live": live.name, "job": job.pk}

    return _act(request, pk, act)


@login_required
@require_POST
def version_approve(request, pk: int):
    form = ApproveForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""

    def act(version):
        services.rule_version_approve(actor=request.user, version=version, comment=comment)
        return _("%(name)s is live.") % {"name": version.name}

    return _act(request, pk, act)
