"""What the quarterly solvency report says, independent of the file format.

Every figure is read from the run's summary (``Job.result_summary``) as stored by
``risk.jobs_solvency``; labels are translated in the language active when the report is built
(the requester's). A row carries a stable ``key`` so tests and integrations can find a figure
whatever the language.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from insurer.jobs.models import Job
from risk.jobs_solvency import CROSS_MODULES, SOLVENCY_KIND, STRESS_KIND, in_order

MONEY, PERCENT, FACTOR, COUNT, TEXT = "money", "percent", "factor", "count", "text"


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    values: tuple
    formats: tuple


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    headers: tuple[str, ...]
    rows: list[Row]
    note: str = ""


@dataclass(frozen=True)
class Report:
    title: str
    subtitle: str
    run_id: int
    quarter: str
    sections: list[Section] = field(default_factory=list)

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)

    def figure(self, section: str, key: str, column: int = 0):
        return next(r for r in self.section(section).rows if r.key == key).values[column]


def quarter_of(day: dt.date) -> str:
    return _("%(year)s Q%(quarter)s") % {"year": day.year, "quarter": (day.month - 1) // 3 + 1}


def _one(key: str, label: str, value, fmt: str = MONEY) -> Row:
    return Row(key, label, (value,), (fmt,))


def format_value(value, fmt: str) -> str:
    """How the PDF (and the screens' reader) shows a value: 1,234,567.89 · 123.45% · 0.950."""
    if value is None:
        return "–"
    if fmt != TEXT and value == 0:
        value = abs(value)  # no "-0.00"
    if fmt == MONEY:
        return f"{value:,.2f}"
    if fmt == PERCENT:
        return f"{value * 100:,.2f}%"
    if fmt == FACTOR:
        return f"{value:+.4f}" if value else "0.0000"
    if fmt == COUNT:
        return f"{int(value):,}"
    return str(value)


def latest_stress_for(job: Job) -> Job | None:
    """The newest succeeded stress run on the same valuation date and basis, if any."""
    return (
        Job.objects.filter(
            kind=STRESS_KIND,
            status=Job.Status.SUCCEEDED,
            parameters__valuation_date=job.parameters.get("valuation_date"),
            parameters__basis=job.parameters.get("basis"),
        )
        .order_by("-finished_at", "-pk")
        .first()
    )


def stress_label(name: str) -> str:
    labels = {
        "stress1_new_business_high": _("Scenario 1: new business 130%"),
        "stress1_new_business_low": _("Scenario 1: new business 70%"),
        "stress2_rate_up_50bp": _("Scenario 2: curve +50 bp, equities −20%, defaults 10%"),
        "stress3_rate_down": _("Scenario 3: adverse rate parameters × 130%"),
        "sensitivity_rate_down_50bp": _("Sensitivity: curve −50 bp, equities −30%"),
        "cash_flow_test": _("Cash-flow test (Attachment 6)"),
    }
    return labels.get(name, name)


def module_label(name: str) -> str:
    return {
        "life": _("Life insurance risk"),
        "non_life": _("Non-life insurance risk"),
        "market": _("Market risk"),
        "credit": _("Credit risk"),
    }.get(name, name)


def capital_source(parameters: dict) -> str:
    """Where the run's capital figures come from: an approved capital position, or what-if."""
    ref = parameters.get("capital_position")
    if ref:
        text = _("approved capital position %(id)s (%(date)s v%(version)s, sha256 %(hash)s)")
        return text % {"id": ref["id"], "date": ref["valuation_date"], "version": ref["version"],
                       "hash": ref["content_hash"]}  # fmt: skip
    return _("WHAT-IF: figures given as run parameters, not an approved capital position")


def _assumption_rows(used: dict | None) -> list[Row]:
    if not used:
        return []
    text = f"{used.get('name', '')} v{used.get('version', '')}, sha256 {used.get('content_hash', '')}"
    return [_one("assumption_set", _("Approved assumption set"), text, TEXT)]


def stress_section(stress_job: Job) -> Section:
    summary = stress_job.result_summary or {}
    headers = (
        _("Scenario"),
        _("Liability change"),
        _("Asset loss"),
        _("Core capital after"),
        _("Actual capital after"),
        _("Core ratio after"),
        _("Comprehensive ratio after"),
        _("Minimum capital after stress"),
        _("Core ratio on the base minimum capital"),
        _("Comprehensive ratio on the base minimum capital"),
        _("Result"),
    )
    rows = [
        Row(
            r["scenario"],
            stress_label(r["scenario"]),
            (
                r["bel_change"],
                r["asset_loss"],
                r["core_capital_after"],
                r["actual_capital_after"],
                r["ratio_core_after"],
                r["ratio_comprehensive_after"],
                r.get("minimum_capital_after"),
                r.get("ratio_core_after_on_base_mc"),
                r.get("ratio_comprehensive_after_on_base_mc"),
                _("pass") if r["passed"] else _("fail"),
            ),
            (MONEY, MONEY, MONEY, MONEY, PERCENT, PERCENT, MONEY, PERCENT, PERCENT, TEXT),
        )
        for r in summary.get("stress", [])
    ]
    recomputed = all(r.get("minimum_capital_recomputed") for r in summary.get("stress", []))
    if recomputed:
        note = _(
            "Stress run %(run)s. Capital after stress = capital − (liability change + asset loss on the holdings "
            "given). The minimum capital is recomputed after each stress (the C-ROSS capital shocks projected on the "
            "stressed basis; the other modules as given) and the ratios after stress are on it; base minimum "
            "capital %(mc)s."
        ) % {"run": stress_job.pk, "mc": format_value((summary.get("solvency") or {}).get("minimum_capital"), MONEY)}
    else:
        note = _(
            "Stress run %(run)s. Capital after stress = capital − (liability change + asset loss on the holdings "
            "given); this run predates the recomputation of the minimum capital after stress: its ratios are on "
            "the base minimum capital."
        ) % {"run": stress_job.pk}
    return Section("stress", _("Stress tests against capital (CNY)"), headers, rows, note)


def build(job: Job, stress_job: Job | None = None) -> Report:
    """The report of a succeeded solvency run (ValueError otherwise)."""
    if job.kind != SOLVENCY_KIND or job.status != Job.Status.SUCCEEDED or not job.result_summary:
        raise ValueError(f"job {job.pk} is not a finished solvency run")
    if "solvency" not in job.result_summary:  # a Solvency II run: its reporting has another template
        raise ValueError(f"job {job.pk} is a Solvency II run: the quarterly report follows the C-ROSS template")
    summary = job.result_summary
    s = summary["solvency"]
    valuation_date = dt.date.fromisoformat(summary["valuation_date"])
    quarter = quarter_of(valuation_date)
    value = _("Value")

    def verdict(ok: bool) -> str:
        return _("pass") if ok else _("fail")

    position = Section(
        "position",
        _("Solvency position"),
        (_("Item"), value),
        [
            _one("core_capital", _("Core capital"), s["core_capital"]),
            _one("actual_capital", _("Actual capital"), s["actual_capital"]),
            _one("minimum_capital", _("Minimum capital"), s["minimum_capital"]),
            _one("ratio_core", _("Core solvency ratio"), s["ratio_core"], PERCENT),
            _one("core_minimum", _("Core ratio required"), s["core_minimum"], PERCENT),
            _one("ratio_comprehensive", _("Comprehensive solvency ratio"), s["ratio_comprehensive"], PERCENT),
            _one("comprehensive_minimum", _("Comprehensive ratio required"), s["comprehensive_minimum"], PERCENT),
            _one("irr", _("Integrated risk rating (class)"), f"{s['irr_rating']} ({s['irr_category']})", TEXT),
            _one("passed", _("Pass test"), verdict(s["passed"]), TEXT),
            *[_one(f"failure_{i}", _("Reason"), text, TEXT) for i, text in enumerate(s["failures"])],
        ],
    )
    ordered = in_order(s["modules"], CROSS_MODULES)  # jsonb keeps no key order
    modules = [_one(f"module_{name}", module_label(name), amount) for name, amount in ordered]
    minimum = Section(
        "minimum_capital",
        _("Minimum capital by module (CNY)"),
        (_("Item"), value),
        [
            *modules,
            _one(
                "interest_rate_risk",
                _("of which: interest-rate risk of the liabilities (in market risk)"),
                s["interest_rate_risk"],
            ),
            _one("modules_sum", _("Sum of the modules"), s["modules_sum"]),
            _one("diversification", _("Diversification effect"), -s["diversification"]),
            _one("aggregated", _("After diversification √(v·M·vᵀ)"), s["aggregated"]),
            _one("loss_absorbency", _("Loss absorbency"), -s["loss_absorbency"]),
            _one("size_factor", _("Size factor"), s["size_factor"], PERCENT),
            _one(
                "quantifiable_minimum_capital", _("Quantifiable minimum capital MC*"), s["quantifiable_minimum_capital"]
            ),
            _one("sarmra_score", _("SARMRA score"), s["sarmra_score"], TEXT),
            _one("control_risk_q", _("Control-risk factor Q(S)"), s["control_risk_q"], FACTOR),
            _one("control_risk_capital", _("Control-risk capital Q(S)·MC*"), s["control_risk_capital"]),
            _one("add_ons", _("Add-ons"), s["add_ons"]),
            _one("minimum_capital", _("Minimum capital"), s["minimum_capital"]),
        ],
        _("Shock table %(table)s.") % {"table": s["shock_table"]},
    )
    capital = summary.get("capital") or {}
    life_rows = [_one(f"sub_{name}", name, amount) for name, amount in (capital.get("sub_risks") or {}).items()]
    if capital:
        life_rows += [
            _one("loss_occurrence", _("Loss occurrence (correlated)"), capital["loss_occurrence"]),
            _one("lapse", _("Lapse") + f" ({capital['lapse_driver']})", capital["lapse"]),
            _one("life_diversification", _("Diversification"), -capital["diversification"]),
            _one("life_insurance_risk", _("Life insurance risk"), capital["life_insurance_risk"]),
        ]
    life = Section("life", _("Life insurance risk, Rule 5 (CNY)"), (_("Item"), value), life_rows)
    skipped = ", ".join(f"{reason}: {n}" for reason, n in (summary.get("skipped") or {}).items()) or _("none")
    record = Section(
        "record",
        _("Run record"),
        (_("Item"), value),
        [
            _one("run", _("Solvency run"), str(job.pk), TEXT),
            _one("regime", _("Regime"), "C-ROSS", TEXT),
            _one("capital_source", _("Capital figures"), capital_source(job.parameters), TEXT),
            _one("valuation_date", _("Valuation date"), summary["valuation_date"], TEXT),
            _one("basis", _("Basis"), summary["basis"], TEXT),
            *_assumption_rows(job.parameters.get("assumption_set")),
            _one("policies", _("Policies in force"), summary["policies"], COUNT),
            _one("valued", _("Valued by the engine"), summary["valued"], COUNT),
            _one("skipped", _("Not valued, by reason"), skipped, TEXT),
            _one("requested_by", _("Requested by"), job.requested_by.get_username(), TEXT),
            _one("finished_at", _("Finished"), timezone.localtime(job.finished_at).strftime("%Y-%m-%d %H:%M"), TEXT),
            _one("input_hash", _("Input hash (SHA-256)"), job.input_hash, TEXT),
            _one("code_version", _("Code version"), job.code_version, TEXT),
            _one("engine_version", _("Engine version"), summary.get("engine_version", ""), TEXT),
        ],
    )
    sections = [position, minimum, life]
    stress_job = stress_job if stress_job is not None else latest_stress_for(job)
    if stress_job is not None:
        sections.append(stress_section(stress_job))
    sections.append(record)
    title = _("C-ROSS quarterly solvency report, %(quarter)s") % {"quarter": quarter}
    subtitle = _("Valuation date %(date)s · solvency run %(run)s · basis %(basis)s") % {
        "date": summary["valuation_date"],
        "run": job.pk,
        "basis": summary["basis"],
    }
    if not job.parameters.get("capital_position"):  # flagged where a reader looks first
        subtitle += " · " + _("WHAT-IF capital figures (no approved capital position)")
    return Report(title=title, subtitle=subtitle, run_id=job.pk, quarter=quarter, sections=sections)
