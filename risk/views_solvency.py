"""Solvency and stress screens: the solvency dashboard (C-ROSS ratios over time against 50% and
100%, minimum capital by module with the diversification effect, Q(S); beside them the Solvency
II runs: SCR ratio over time against 100%, SCR by module with the diversification effect), one
solvency run (with the Solvency II module tree), its quarterly report (Excel, PDF; C-ROSS
only), and the stress runs against capital. Running one is the jobs'
form (/jobs/run/solvency_run/, /jobs/run/stress_run/): a job with a progress bar."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from insurer import audit
from insurer.access import require
from insurer.jobs.models import Job
from risk import reports
from risk.jobs_solvency import (
    CROSS,
    CROSS_MODULES,
    SII_LAPSE_PARTS,
    SII_LIFE_SUB_MODULES,
    SII_MODULES,
    SOLVENCY2,
    SOLVENCY_KIND,
    STRESS_KIND,
    in_order,
    regime_of,
    runs_for,
)
from risk.reports.document import module_label, stress_label

VIEW = "risk.view_valuation"
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def _can_run(user) -> bool:
    return user.has_perm("risk.run_valuation") and user.has_perm("jobs.request_job")


def _pct(value) -> float | None:
    return None if value is None else round(value * 100, 2)


def percents(position: dict | None) -> dict:
    """The ratios and thresholds in percent, for the templates."""
    keys = ("ratio_core", "ratio_comprehensive", "core_minimum", "comprehensive_minimum", "size_factor")
    return {k: _pct(position[k]) for k in keys} if position else {}


def completed(user, kind: str):
    return runs_for(user, kind).filter(status=Job.Status.SUCCEEDED)


def history(user, regime: str = CROSS) -> list[Job]:
    """The latest succeeded solvency run of each valuation date in one regime, oldest date first."""
    latest: dict[str, Job] = {}
    for job in completed(user, SOLVENCY_KIND).order_by("finished_at", "pk"):
        if regime_of(job.parameters) == regime:
            latest[job.parameters.get("valuation_date", "")] = job
    return [latest[day] for day in sorted(latest)]


def scr_ratio_chart(runs: list[Job]) -> dict:
    """Solvency II: the SCR ratio by valuation date against its 100 per cent minimum."""
    positions = [job.result_summary["solvency2"] for job in runs]
    minimum = _pct(positions[-1]["ratio_minimum"]) if positions else 100.0
    return {
        "kind": "line",
        "categories": [job.parameters["valuation_date"] for job in runs],
        "axes": [{"name": _("SCR ratio"), "format": "percent"}],
        "series": [
            {"name": _("SCR ratio"), "data": [_pct(p["ratio"]) for p in positions]},
            {"name": _("Minimum (%(pct)s%%)") % {"pct": f"{minimum:g}"}, "data": [minimum] * len(runs),
             "dashed": True},
        ],
    }  # fmt: skip


def scr_module_label(name: str) -> str:
    labels = {"market": _("Market risk (with the interest-rate SCR of the liabilities)"),
              "default": _("Counterparty default risk"), "life": _("Life underwriting risk"),
              "health": _("Health underwriting risk"), "non_life": _("Non-life underwriting risk")}  # fmt: skip
    return labels.get(name, name)


def scr_steps(position: dict) -> list[tuple[str, str, float]]:
    """(key, label, signed amount): from the SCR modules to the SCR, step by step."""
    steps = [(f"module_{n}", scr_module_label(n), v) for n, v in in_order(position["modules"], SII_MODULES)]
    steps += [
        ("diversification", _("Diversification effect"), -position["diversification"]),
        ("intangible", _("Intangible asset risk"), position["intangible"]),
        ("operational", _("Operational risk"), position["operational"]),
        ("adjustment", _("Loss-absorbing capacity of technical provisions and deferred taxes"),
         -position["adjustment"]),
    ]  # fmt: skip
    return steps


def scr_waterfall(position: dict) -> dict:
    steps = scr_steps(position)
    short = {"module_market": _("Market"), "module_default": _("Default"), "module_life": _("Life"),
             "module_health": _("Health"), "module_non_life": _("Non-life"), "diversification": _("Diversification"),
             "intangible": _("Intangible"), "operational": _("Op"), "adjustment": _("Adj")}  # fmt: skip
    return {
        "kind": "bar",
        "categories": [short.get(key, label) for key, label, _v in steps] + [_("SCR")],
        "axes": [{"name": _("Amount"), "format": "money"}],
        "series": [
            {"name": _("Step"), "data": [round(v, 2) for _k, _l, v in steps] + [None]},
            {"name": _("SCR"), "data": [None] * len(steps) + [round(position["scr"], 2)]},
        ],
    }


def life_module_tree(position: dict) -> list[tuple[str, str, float]]:
    """The life underwriting module as a tree: (level, name, amount), sub-modules under it, the
    lapse components under lapse, the diversification and the module total."""
    life = position["life"]
    rows = []
    for name, amount in in_order(life["sub_modules"], SII_LIFE_SUB_MODULES):
        rows.append(("sub", name, amount))
        if name == "lapse":
            for part, value in in_order(life["lapse_components"], SII_LAPSE_PARTS):
                rows.append(("part", f"{part}{' *' if part == life['lapse_driver'] else ''}", value))
    return rows


def ratio_chart(runs: list[Job]) -> dict:
    positions = [job.result_summary["solvency"] for job in runs]
    dates = [job.parameters["valuation_date"] for job in runs]
    core_min = _pct(positions[-1]["core_minimum"]) if positions else 50.0
    comp_min = _pct(positions[-1]["comprehensive_minimum"]) if positions else 100.0
    return {
        "kind": "line",
        "categories": dates,
        "axes": [{"name": _("Solvency ratio"), "format": "percent"}],
        "series": [
            {"name": _("Core solvency ratio"), "data": [_pct(p["ratio_core"]) for p in positions]},
            {"name": _("Comprehensive solvency ratio"), "data": [_pct(p["ratio_comprehensive"]) for p in positions]},
            {"name": _("Core minimum (%(pct)s%%)") % {"pct": f"{core_min:g}"}, "data": [core_min] * len(dates),
             "dashed": True},
            {"name": _("Comprehensive minimum (%(pct)s%%)") % {"pct": f"{comp_min:g}"},
             "data": [comp_min] * len(dates), "dashed": True},
        ],
    }  # fmt: skip


def capital_steps(position: dict) -> list[tuple[str, str, float]]:
    """(key, label, signed amount): from the modules to the minimum capital, step by step."""
    steps = [(f"module_{n}", module_label(n), v) for n, v in in_order(position["modules"], CROSS_MODULES)]
    steps += [
        ("diversification", _("Diversification effect"), -position["diversification"]),
        ("loss_absorbency", _("Loss absorbency"), -position["loss_absorbency"]),
        ("size_reduction", _("Size factor"), -position["size_reduction"]),
        ("control_risk_capital", _("Control risk Q(S)·MC*"), position["control_risk_capital"]),
        ("add_ons", _("Add-ons"), position["add_ons"]),
    ]
    return steps


def waterfall_chart(position: dict) -> dict:
    """A bar per step (modules up, diversification and the reductions down) and the result."""
    steps = capital_steps(position)
    short = {"module_life": _("Life"), "module_non_life": _("Non-life"), "module_market": _("Market"),
             "module_credit": _("Credit"), "diversification": _("Diversification"), "loss_absorbency": _("LA"),
             "size_reduction": _("Size"), "control_risk_capital": _("Q(S)"), "add_ons": _("Add-ons")}  # fmt: skip
    return {
        "kind": "bar",
        "categories": [short.get(key, label) for key, label, _v in steps] + [_("MC")],
        "axes": [{"name": _("CNY"), "format": "money"}],
        "series": [
            {"name": _("Step"), "data": [round(v, 2) for _k, _l, v in steps] + [None]},
            {"name": _("Minimum capital"), "data": [None] * len(steps) + [round(position["minimum_capital"], 2)]},
        ],
    }


def stress_chart(summary: dict) -> dict:
    rows = [*(summary.get("stress") or []), *(summary.get("user_stress") or [])]  # user-defined after
    position = summary["solvency"]
    short = {"stress1_new_business_high": _("S1 NB 130%"), "stress1_new_business_low": _("S1 NB 70%"),
             "stress2_rate_up_50bp": _("S2"), "stress3_rate_down": _("S3"),
             "sensitivity_rate_down_50bp": _("Sensitivity"), "cash_flow_test": _("Cash-flow test")}  # fmt: skip
    names = [_("Base")] + [short.get(r["scenario"], r["scenario"]) for r in rows]
    core = [_pct(position["ratio_core"])] + [_pct(r["ratio_core_after"]) for r in rows]
    comprehensive = [_pct(position["ratio_comprehensive"])] + [_pct(r["ratio_comprehensive_after"]) for r in rows]
    core_min, comp_min = _pct(position["core_minimum"]), _pct(position["comprehensive_minimum"])
    return {
        "kind": "bar",
        "categories": names,
        "axes": [{"name": _("Solvency ratio"), "format": "percent"}],
        "series": [
            {"name": _("Core ratio after stress"), "type": "bar", "data": core},
            {"name": _("Comprehensive ratio after stress"), "type": "bar", "data": comprehensive},
            {"name": _("Core minimum (%(pct)s%%)") % {"pct": f"{core_min:g}"}, "type": "line",
             "data": [core_min] * len(names), "dashed": True},
            {"name": _("Comprehensive minimum (%(pct)s%%)") % {"pct": f"{comp_min:g}"}, "type": "line",
             "data": [comp_min] * len(names), "dashed": True},
        ],
    }  # fmt: skip


@login_required
@require_GET
def solvency_dashboard(request):
    require(request.user, VIEW, _("Your role may not read solvency results."))
    runs = history(request.user)
    latest = runs[-1] if runs else None
    position = latest.result_summary["solvency"] if latest else None
    stress = completed(request.user, STRESS_KIND).order_by("-finished_at", "-pk").first()
    sii_runs = history(request.user, SOLVENCY2)
    sii_latest = sii_runs[-1] if sii_runs else None
    sii = sii_latest.result_summary["solvency2"] if sii_latest else None
    context = {
        "runs": runs_for(request.user, SOLVENCY_KIND).order_by("-created_at")[:50],
        "latest": latest,
        "position": position,
        "pct": percents(position),
        "steps": capital_steps(position) if position else [],
        "ratio_chart": ratio_chart(runs),
        "waterfall": waterfall_chart(position) if position else None,
        "stress": stress,
        "sii_latest": sii_latest,
        **solvency2_context(sii),
        "scr_ratio_chart": scr_ratio_chart(sii_runs),
        "can_run": _can_run(request.user),
        "kind": SOLVENCY_KIND,
        "stress_kind": STRESS_KIND,
    }
    return render(request, "risk/solvency.html", context)


def solvency2_context(position: dict | None) -> dict:
    """What the Solvency II partial shows: the position, its percentages, the steps from the
    modules to the SCR, the chart and the life module tree."""
    if not position:
        return {"sii": None}
    return {
        "sii": position,
        "sii_pct": {"ratio": _pct(position["ratio"]), "ratio_minimum": _pct(position["ratio_minimum"])},
        "sii_steps": scr_steps(position),
        "sii_waterfall": scr_waterfall(position),
        "sii_tree": life_module_tree(position),
    }


def _run_or_404(user, kind: str, pk: int) -> Job:
    job = runs_for(user, kind).filter(pk=pk).first()
    if job is None:  # absent, another kind of job, or not readable: all look the same
        raise Http404
    return job


@login_required
@require_GET
def solvency_run(request, pk: int):
    job = _run_or_404(request.user, SOLVENCY_KIND, pk)
    summary = job.result_summary or {}
    position = summary.get("solvency")
    context = {
        "job": job,
        "regime": regime_of(job.parameters),
        **solvency2_context(summary.get("solvency2")),
        "summary": summary,
        "position": position,
        "pct": percents(position),
        "steps": capital_steps(position) if position else [],
        "waterfall": waterfall_chart(position) if position else None,
        "capital": summary.get("capital"),
        "stress": reports.latest_stress_for(job) if position else None,
    }
    return render(request, "risk/solvency_run.html", context)


def report_file(job: Job, file_type: str, user) -> HttpResponse:
    """The run's quarterly report as a download (404 unless it finished), audited as an export."""
    from risk.reports.excel import to_xlsx
    from risk.reports.pdf import to_pdf

    if job.status != Job.Status.SUCCEEDED or not (job.result_summary or {}).get("solvency"):
        raise Http404
    report = reports.build(job)
    content = to_xlsx(report) if file_type == "xlsx" else to_pdf(report, get_language() or "en")
    audit.record_export(actor=user, obj_type="risk.solvency_report", rows=1,
                        filters={"run": job.pk, "format": file_type})  # fmt: skip
    response = HttpResponse(content, content_type=CONTENT_TYPES[file_type])
    day = job.parameters.get("valuation_date", "")
    response["Content-Disposition"] = f'attachment; filename="solvency-report-{day}-run{job.pk}.{file_type}"'
    return response


@login_required
@require_GET
def solvency_report(request, pk: int, file_type: str):
    job = _run_or_404(request.user, SOLVENCY_KIND, pk)
    return report_file(job, file_type, request.user)


@login_required
@require_GET
def stress_list(request):
    require(request.user, VIEW, _("Your role may not read stress results."))
    runs = runs_for(request.user, STRESS_KIND).order_by("-created_at")[:100]
    latest = completed(request.user, STRESS_KIND).order_by("-finished_at", "-pk").first()
    context = {
        "runs": runs,
        "latest": latest,
        "chart": stress_chart(latest.result_summary) if latest else None,
        "can_run": _can_run(request.user),
        "kind": STRESS_KIND,
    }
    return render(request, "risk/stress.html", context)


@login_required
@require_GET
def stress_run(request, pk: int):
    job = _run_or_404(request.user, STRESS_KIND, pk)
    summary = job.result_summary or {}
    # The regulator's stresses, then the user-defined scenarios (labelled by their own names).
    rows = [
        {**r, "label": r["scenario"] if r.get("user_defined") else stress_label(r["scenario"]),
         "core_pct": _pct(r["ratio_core_after"]), "comprehensive_pct": _pct(r["ratio_comprehensive_after"]),
         "core_base_pct": _pct(r.get("ratio_core_after_on_base_mc")),
         "comprehensive_base_pct": _pct(r.get("ratio_comprehensive_after_on_base_mc"))}
        for r in [*(summary.get("stress") or []), *(summary.get("user_stress") or [])]
    ]  # fmt: skip
    context = {
        "job": job,
        "recomputed": bool(rows) and all(r.get("minimum_capital_recomputed") for r in rows),
        "summary": summary,
        "position": summary.get("solvency"),
        "pct": percents(summary.get("solvency")),
        "rows": rows,
        "chart": stress_chart(summary) if summary.get("solvency") else None,
    }
    return render(request, "risk/stress_run.html", context)


def solvency_panel_context(request) -> dict:
    """The home dashboard's solvency panel: the latest succeeded run's ratios and pass test."""
    runs = history(request.user)
    latest = runs[-1] if runs else None
    position = latest.result_summary["solvency"] if latest else None
    return {"latest": latest, "position": position, "pct": percents(position)}
