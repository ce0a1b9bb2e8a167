"""Valuation of the book of business as a job (insurer.jobs): chunks of policies projected on
any worker, reduced into present values by scenario and by product, the base cash flows, and
(for the C-ROSS scenario set) the Rule 5 life-insurance and interest-rate risk capital.

The basis is an approved assumption set (risk.assumptions): the form resolves ``basis``
(NAME or NAME:VERSION) to one, refusing an unknown or unapproved set naming it, and the job's
parameters record the set's id, version and content hash (``assumption_set``); every chunk
values on exactly that set, after checking its hash.

Model points are built seriatim from the book (one point per policy; grouping rules in
docs/actuarial.md): in-force term, whole-life, endowment and annuity policies at the
valuation date, insured's age at issue and sex, term, months in force, the premium (annual
premium / 12 a month over the premium term, or the single premium at issue) and the benefits
by kind (``_benefits``; docs/actuarial.md "Product kinds valued"). Critical illness, medical,
universal life and investment-linked policies are counted as not valued, with the reason,
rather than valued wrongly. Every figure is a sum over policies, so the summary does not depend on the chunking (up to
floating-point rounding of the order of 1e-12 relative).
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from insurer.jobs import registry

# The engine (numpy, pandas, numba) is imported inside the functions that run a chunk: this
# module is imported when the app starts, by every web, worker and command process.


def _basis_choices() -> list[tuple[str, str]]:
    """The approved assumption sets, newest version of each name first."""
    from risk.models import AssumptionSet

    approved = AssumptionSet.objects.filter(status=AssumptionSet.Status.APPROVED).order_by("name", "-version")
    return [(s.label, f"{s.name} v{s.version}") for s in approved]


VALUED_KINDS = ("term", "whole_life", "endowment", "annuity")
# Kinds the engine cannot value yet, with the reason shown on the results page.
NOT_VALUED_KINDS = {
    "critical_illness": "critical illness: the basis gives no critical_illness_incidence (diagnosis rates)",
    "medical": "medical: needs a claims model (frequency and size), not a life table",
    "universal_life": "universal life: needs account values and crediting rates",
    "investment_linked": "investment-linked: needs unit fund values",
}
SKIP_REASON_LABELS = {
    NOT_VALUED_KINDS["critical_illness"]: _(
        "critical illness: the basis gives no critical_illness_incidence (diagnosis rates)"
    ),
    NOT_VALUED_KINDS["medical"]: _("medical: needs a claims model (frequency and size), not a life table"),
    NOT_VALUED_KINDS["universal_life"]: _("universal life: needs account values and crediting rates"),
    NOT_VALUED_KINDS["investment_linked"]: _("investment-linked: needs unit fund values"),
    "past its term": _("past its term"),
}
ANNUITY_FROM_AGE = 60  # annuities in the book pay from this age at the earliest (docs/actuarial.md)
# Scenarios whose shock is applied by policy in Rule 5: only where it raises the liability.
BY_POLICY_SHOCKS = ("mortality", "longevity", "catastrophe")
# Grouping of the book's model points (risk/engine/grouping.py): name -> (age band in years,
# duration band in months); "identical" loses nothing, "banded" trades accuracy for speed.
GROUPINGS = {"identical": (1, 1), "banded": (5, 12)}
GROUPING_CHOICES = [
    ("seriatim", _("Seriatim (one per policy)")),
    ("identical", _("Grouped: identical policies only (exact)")),
    ("banded", _("Grouped: 5-year age bands, policy-year duration bands (approximate)")),
]
ENGINE_VERSION = "1.1"  # 1.1: every valued product kind (decision 0015), Rule 5 by policy


class ValuationForm(forms.Form):
    basis = forms.CharField(
        label=_("Basis"), widget=forms.Select, initial="cross_default",
        help_text=_("An approved assumption set (name, or name:version; the name alone means its latest approved "
                    "version)."),
    )  # fmt: skip
    scenarios = forms.ChoiceField(
        label=_("Scenarios"),
        choices=[("base", _("Base only")), ("cross", _("C-ROSS standard set (16)")), ("stress", _("Stress tests"))],
        initial="base",
    )
    valuation_date = forms.DateField(label=_("Valuation date"), initial=timezone.localdate)
    chunk_size = forms.IntegerField(
        label=_("Policies per chunk"), min_value=1, max_value=200_000, initial=20_000, required=False,
        help_text=_("Smaller chunks spread the work over more workers; the result does not change."),
    )  # fmt: skip
    grouping = forms.ChoiceField(
        label=_("Model points"), required=False, initial="seriatim", choices=GROUPING_CHOICES,
        help_text=_("Seriatim: one point per policy. Grouped: policies alike in product, sex, term, age band and "
                    "duration band become one weighted point (docs/actuarial.md)."),
    )  # fmt: skip

    def clean_grouping(self):
        return self.cleaned_data.get("grouping") or "seriatim"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A kind built on this form offers grouping only if it says its chunks apply it (by
        # setting supports_grouping = True on its form): never a choice that is silently ignored.
        if not type(self).__dict__.get("supports_grouping", type(self) is ValuationForm):
            del self.fields["grouping"]
        choices = _basis_choices()
        self.fields["basis"].widget.choices = choices
        latest = next((value for value, _label in choices if value.startswith("cross_default:")), None)
        if latest:
            self.fields["basis"].initial = latest

    def clean_basis(self):
        from risk import assumptions

        try:
            self.assumption_set = assumptions.approved_set(self.cleaned_data["basis"])
        except assumptions.UnapprovedBasis as exc:
            raise forms.ValidationError(str(exc)) from None
        return self.assumption_set.label

    def clean(self):
        data = super().clean()
        if getattr(self, "assumption_set", None) is not None and "basis" in data:
            data["assumption_set"] = self.assumption_set.run_reference()  # recorded with the run, in its input hash
        return data

    def clean_chunk_size(self):
        return self.cleaned_data.get("chunk_size") or 20_000


def _in_force(valuation_date: dt.date):
    from customers.models import Policy

    return Policy.objects.filter(status="in_force", issue_date__lte=valuation_date)


def split(parameters: dict) -> list[dict]:
    valuation_date, size = dt.date.fromisoformat(parameters["valuation_date"]), parameters["chunk_size"]
    ids = list(_in_force(valuation_date).order_by("id").values_list("id", flat=True))
    return [{"first_id": ids[i], "last_id": ids[min(i + size, len(ids)) - 1]} for i in range(0, len(ids), size)]


def _months_between(start: dt.date, end: dt.date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month - (1 if end.day < start.day else 0)


def _benefits(p: dict, age: int, term: int, basis) -> dict:
    """The benefit columns of one policy by product kind (docs/actuarial.md, "Product kinds
    valued"); the sum assured column is the death benefit (critical illness: on diagnosis or
    death)."""
    kind, sa = p["product__kind"], p["sum_assured"]
    single = p["payment_frequency"] == "single"
    premium_term = 0 if single else min(p["premium_term_years"], term)  # a term cut at the table's end
    out = {"death": sa, "maturity": 0, "annuity_pp": 0, "annuity_start": 0, "annuity_frequency": 12,
           "premium_term": premium_term, "decrement": "death"}  # fmt: skip
    if kind == "critical_illness":
        out["decrement"] = "critical_illness"
    elif kind in ("endowment", "whole_life"):
        out["maturity"] = sa  # whole life: the sum assured to those alive at the end of the term
    elif kind == "annuity":
        # The book holds no annuity amount: the sum assured is read as the total of the yearly
        # payments, made from the later of the end of the premiums and age 60 to the term's end.
        start = min(max(premium_term, ANNUITY_FROM_AGE - age), term - 1)
        out.update(death=0, annuity_pp=sa / (term - start), annuity_start=start, annuity_frequency=1)
        if basis is not None and p["insured__sex"] in basis.annuity_mortality:
            out["decrement"] = "annuitant"  # else the basis's death tables (docs/actuarial.md: a limit)
    return out


def _not_valued(p: dict, basis) -> str | None:
    kind = p["product__kind"]
    if kind == "critical_illness" and basis is not None and basis.critical_illness_incidence is not None:
        return None  # valued on the basis's incidence
    if kind not in VALUED_KINDS:
        return NOT_VALUED_KINDS.get(kind, f"product kind {kind}")
    return None


def model_point_frame(policies: list[dict], valuation_date: dt.date, basis=None):
    """Seriatim model points (interchange.md model_points.csv columns with the benefit columns,
    plus product_code and product_kind) and the count of policies not valued, by reason.

    ``basis`` (the run's): whole-life and critical-illness terms (to age 105 in the book) are
    cut at the end of its tables; annuities use its annuity tables and critical illness is
    valued only if it gives them (without a basis: neither, and terms as booked)."""
    table_end = table_end_ages(basis) if basis is not None else None
    rows, skipped = [], {}
    for p in policies:
        birth = p["insured__birth_date"]
        age = _months_between(birth, p["issue_date"]) // 12
        term = p["policy_term_years"]
        if p["product__kind"] in ("whole_life", "critical_illness") and table_end and p["insured__sex"] in table_end:
            term = max(1, min(term, table_end[p["insured__sex"]] - age))
        duration = _months_between(p["issue_date"], valuation_date)
        reason = _not_valued(p, basis) or ("past its term" if duration >= 12 * term else None)
        if reason:
            skipped[reason] = skipped.get(reason, 0) + 1
            continue
        b = _benefits(p, age, term, basis)
        premium = p["annual_premium"] if b["premium_term"] == 0 else p["annual_premium"] / 12
        rows.append({
            "point_id": str(p["id"]), "product_code": p["product__product_code"], "product_kind": p["product__kind"],
            "age_at_entry": str(age), "sex": p["insured__sex"], "policy_term": str(term), "policy_count": "1",
            "sum_assured": str(b["death"]), "duration_mth": str(duration), "premium_pp": str(premium),
            "premium_term": str(b["premium_term"]), "maturity_benefit": str(b["maturity"]),
            "annuity_pp": str(b["annuity_pp"]), "annuity_start": str(b["annuity_start"]),
            "annuity_frequency": str(b["annuity_frequency"]), "decrement": b["decrement"],
        })  # fmt: skip
    import pandas as pd

    return pd.DataFrame(rows), skipped


FIELDS = (
    "id", "product__kind", "product__product_code", "payment_frequency", "premium_term_years", "policy_term_years",
    "issue_date", "sum_assured", "annual_premium", "insured__birth_date", "insured__sex",
)  # fmt: skip


PV_BY_PRODUCT = ("pv_premiums", "pv_claims", "pv_maturities", "pv_annuities", "pv_net_cf", "bel")


def table_end_ages(basis) -> dict[str, int]:
    """Per sex, the first age past the basis's mortality table (where whole life ends)."""
    return {sex: basis.table_for_sex(sex).max_age + 1 for sex in basis.mortality}


def run_chunk(parameters: dict, spec: dict) -> dict:
    from risk import assumptions, runs
    from risk.engine.modelpoints import model_points_from_frame
    from risk.engine.projection import project

    valuation_date = dt.date.fromisoformat(parameters["valuation_date"])
    policies = list(_in_force(valuation_date).filter(id__gte=spec["first_id"], id__lte=spec["last_id"]).values(*FIELDS))
    basis = assumptions.basis_for_run(parameters.get("assumption_set"))
    frame, skipped = model_point_frame(policies, valuation_date, basis)
    out = {"policies": len(policies), "valued": len(frame), "skipped": skipped, "totals": {}, "by_product": {},
           "by_kind": {}, "product_kinds": {}, "adverse_by_policy": {}, "cashflows": {}}  # fmt: skip
    if frame.empty:
        return out
    if parameters.get("grouping", "seriatim") in GROUPINGS:
        from risk.engine.grouping import group_model_points

        age_band, duration_band = GROUPINGS[parameters["grouping"]]
        frame = group_model_points(frame, age_band=age_band, duration_band_months=duration_band)
    out["model_points"] = len(frame)
    scenario_set, _shocked = runs.scenario_set_for(
        parameters["scenarios"], basis.pricing_spot_curve, valuation_date, user=parameters.get("user_scenarios")
    )
    points = model_points_from_frame(frame.drop(columns=["product_code", "product_kind"]))
    result = project(points, basis, scenario_set, cashflows=True)
    out["totals"] = {name: row.to_dict() for name, row in result.totals().iterrows()}
    base = result.points(0)
    base["product_code"], base["product_kind"] = frame["product_code"].to_numpy(), frame["product_kind"].to_numpy()
    out["by_product"] = base.groupby("product_code")[list(PV_BY_PRODUCT)].sum().to_dict("index")
    out["by_kind"] = base.groupby("product_kind")[list(PV_BY_PRODUCT)].sum().to_dict("index")
    out["product_kinds"] = dict(zip(frame["product_code"], frame["product_kind"], strict=True))
    out["adverse_by_policy"] = adverse_by_policy(result)
    out["cashflows"] = {name: values.tolist() for name, values in result.cashflow_frame(0).items()}
    return out


def adverse_by_policy(result) -> dict[str, float]:
    """For each by-policy shock (Rule 5: mortality applies to the policies whose liability it
    raises - death cover -, longevity to those it raises - annuities -), the sum over model
    points of max(BEL shocked - BEL base, 0); so a book of term and annuities does not net an
    annuity's gain from higher mortality against the death cover's loss."""
    import numpy as np

    names = list(result.scenario_names)
    out = {}
    for name in names:
        # "S|mortality" (the stress run's shocks on stressed basis S) is measured from "S|base".
        prefix, _sep, shock = name.rpartition("|")
        base = f"{prefix}|base" if prefix else "base"
        if shock in BY_POLICY_SHOCKS and base in names:
            out[name] = float(np.maximum(result.bel[names.index(name)] - result.bel[names.index(base)], 0.0).sum())
    return out


def _add(into: dict, values: dict) -> None:
    for key, value in values.items():
        into[key] = into.get(key, 0) + value


def _add_series(into: dict, series: dict) -> None:
    for name, values in series.items():
        current = into.get(name, [])
        longer, shorter = (values, current) if len(values) >= len(current) else (current, values)
        into[name] = [a + (shorter[i] if i < len(shorter) else 0.0) for i, a in enumerate(longer)]


def reduce(parameters: dict, results: list[dict]) -> dict:
    summary: dict = {
        "basis": parameters["basis"], "scenarios": parameters["scenarios"],
        "valuation_date": parameters["valuation_date"], "engine_version": ENGINE_VERSION,
        "assumption_set": parameters.get("assumption_set"),
        "policies": 0, "valued": 0, "skipped": {}, "totals": {}, "by_product": {}, "by_kind": {},
        "product_kinds": {}, "adverse_by_policy": {}, "cashflows": {},
    }  # fmt: skip
    for r in results:
        summary["policies"] += r["policies"]
        summary["valued"] += r["valued"]
        summary["model_points"] = summary.get("model_points", 0) + r.get("model_points", 0)
        _add(summary["skipped"], r["skipped"])
        for scenario, values in r["totals"].items():
            _add(summary["totals"].setdefault(scenario, {}), values)
        for product, values in r["by_product"].items():
            _add(summary["by_product"].setdefault(product, {}), values)
        for kind, values in r.get("by_kind", {}).items():
            _add(summary["by_kind"].setdefault(kind, {}), values)
        summary["product_kinds"].update(r.get("product_kinds", {}))
        _add(summary["adverse_by_policy"], r.get("adverse_by_policy", {}))
        _add_series(summary["cashflows"], r["cashflows"])
    if parameters["scenarios"] == "cross" and summary["totals"]:
        from risk.engine.shocks import load_shock_table
        from risk.engine.solvency import cross_interest_rate_risk, cross_life_insurance_risk

        table = load_shock_table("cross", dt.date.fromisoformat(parameters["valuation_date"]))
        life = cross_life_insurance_risk(rule5_bel(summary), table)
        summary["capital"] = {
            "life_insurance_risk": life.total, "sub_risks": life.sub_risks, "loss_occurrence": life.loss_occurrence,
            "expense": life.expense, "lapse": life.lapse, "lapse_driver": life.lapse_driver,
            "diversification": life.diversification,
            "interest_rate_risk": cross_interest_rate_risk(rule5_bel(summary)),
            "shock_table": table.version,
        }  # fmt: skip
    return summary


def rule5_bel(summary: dict) -> dict:
    """BEL by scenario for the Rule 5 capital: the book's totals, except that a by-policy shock
    (mortality, longevity, catastrophe) is base + the sum of its per-point increases
    (adverse_by_policy), when the chunks reported them."""
    import numpy as np

    totals, adverse = summary["totals"], summary.get("adverse_by_policy") or {}
    bel = {name: np.array([values["bel"]]) for name, values in totals.items()}
    if "base" in totals:
        for name, increase in adverse.items():
            if name in bel:
                bel[name] = np.array([totals["base"]["bel"] + increase])
    return bel


def fingerprint(parameters: dict) -> dict:
    valuation_date = dt.date.fromisoformat(parameters["valuation_date"])
    figures = _in_force(valuation_date).aggregate(n=Count("id"), max_id=Max("id"), changed=Max("updated_at"))
    return {"policies": figures, "basis": parameters["basis"], "assumption_set": parameters.get("assumption_set"),
            "engine_version": ENGINE_VERSION}  # fmt: skip


def register() -> None:
    registry.register(
        registry.JobKind(
            name="book_valuation",
            version=ENGINE_VERSION,
            verbose_name=_("Valuation of the book"),
            description=_(
                "Monthly projection of every in-force term, whole-life, endowment and annuity policy on a basis, "
                "under the base curve, the C-ROSS "
                "standard scenarios or the stress tests: present values by scenario and product, base cash flows, "
                "and Rule 5 life-insurance risk capital."
            ),
            permission="risk.run_valuation",
            form=ValuationForm,
            split=split,
            run_chunk=run_chunk,
            reduce=reduce,
            input_fingerprint=fingerprint,
        )
    )
