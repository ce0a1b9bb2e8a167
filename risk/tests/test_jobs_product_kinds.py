"""The book valuation job on every valued product kind: the model points built from each
kind's policies (hand-derived), present values by kind, what stays not valued and why, and
Rule 5's mortality and longevity shocks applied by policy."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest

from customers.models import Policy
from customers.tests import builders
from insurer.jobs import services
from risk import jobs, runs
from risk.engine.bases import load_basis
from risk.engine.modelpoints import model_points_from_frame
from risk.engine.projection import project

pytestmark = pytest.mark.django_db
VALUATION_DATE = "2026-06-30"


def _book():
    """One policy of each kind; the insured is 50 at issue (born 1974-01-10, issued 2024-03-20)."""
    insured = builders.person(birth_date=dt.date(1974, 1, 10), sex="M")
    common = {"insured": insured, "issue_date": dt.date(2024, 3, 20), "sum_assured": Decimal(100_000)}
    kinds = {kind: builders.product(kind=kind, product_code=code) for kind, code in
             [("term", "TL1"), ("whole_life", "WL1"), ("endowment", "EN1"), ("annuity", "AN1"),
              ("critical_illness", "CI1"), ("medical", "MD1"), ("universal_life", "UL1")]}  # fmt: skip
    builders.policy(product=kinds["term"], **common, annual_premium=Decimal(900), policy_term_years=20,
                    premium_term_years=20)  # fmt: skip
    builders.policy(
        product=kinds["whole_life"],
        **common,
        annual_premium=Decimal(3_000),
        policy_term_years=55,
        premium_term_years=10,
    )  # fmt: skip  (the book's "to age 105")
    builders.policy(product=kinds["endowment"], **common, annual_premium=Decimal(10_500), policy_term_years=10,
                    premium_term_years=10)  # fmt: skip
    builders.policy(product=kinds["annuity"], **common, annual_premium=Decimal(108_000), policy_term_years=35,
                    premium_term_years=1, payment_frequency="single")  # fmt: skip
    for kind in ("critical_illness", "medical", "universal_life"):
        builders.policy(product=kinds[kind], **common, annual_premium=Decimal(2_000))


def _frame():
    rows = list(Policy.objects.order_by("id").values(*jobs.FIELDS))
    basis = load_basis("cross_default")
    return jobs.model_point_frame(rows, dt.date.fromisoformat(VALUATION_DATE), basis)


def test_each_kind_gets_its_benefits_by_the_documented_rules():
    _book()
    frame, skipped = _frame()
    by_kind = frame.set_index("product_kind")
    assert set(by_kind.index) == {"term", "whole_life", "endowment", "annuity"}
    assert skipped == {jobs.NOT_VALUED_KINDS[k]: 1 for k in ("critical_illness", "medical", "universal_life")}
    term, whole, endow, annuity = (by_kind.loc[k] for k in ("term", "whole_life", "endowment", "annuity"))
    assert (term["age_at_entry"], term["duration_mth"], term["premium_term"]) == ("50", "27", "20")
    assert float(term["premium_pp"]) == 75.0 and float(term["maturity_benefit"]) == 0
    # Whole life: cut at the end of CL1 (106 - 50 = 56 > the book's 55, so the book's term stays);
    # ten years' premiums; the sum assured on death or at the end of the term.
    assert (whole["policy_term"], whole["premium_term"]) == ("55", "10")
    assert float(whole["maturity_benefit"]) == float(whole["sum_assured"]) == 100_000
    assert float(endow["maturity_benefit"]) == float(endow["sum_assured"]) == 100_000
    # Annuity: single premium (premium_term 0, the premium paid once); paid yearly from age 60
    # (start 10 years after issue) to the term's end at 85: 25 payments of 100,000 / 25.
    assert (annuity["premium_term"], annuity["annuity_start"], annuity["annuity_frequency"]) == ("0", "10", "1")
    assert float(annuity["premium_pp"]) == 108_000 and float(annuity["sum_assured"]) == 0
    assert float(annuity["annuity_pp"]) == pytest.approx(4_000.0)


def test_the_job_values_every_kind_as_the_engine_does_and_shows_them_by_kind():
    _book()
    summary = services.job_run_inline(
        "book_valuation", {"basis": "cross_default", "scenarios": "base", "valuation_date": VALUATION_DATE}
    )
    assert summary["policies"] == 7 and summary["valued"] == 4
    frame, _ = _frame()
    direct = project(model_points_from_frame(frame), load_basis("cross_default")).points(0)
    direct["kind"] = frame["product_kind"].to_numpy()
    for kind, values in summary["by_kind"].items():
        assert values["bel"] == pytest.approx(direct.loc[direct["kind"] == kind, "bel"].sum(), rel=1e-12), kind
    assert summary["product_kinds"] == {"TL1": "term", "WL1": "whole_life", "EN1": "endowment", "AN1": "annuity"}
    annuity = summary["by_kind"]["annuity"]
    assert annuity["pv_annuities"] > 0 and annuity["pv_claims"] == 0 and annuity["pv_premiums"] == 0  # paid at issue
    assert summary["by_kind"]["endowment"]["pv_maturities"] > 0
    assert summary["totals"]["base"]["bel"] == pytest.approx(sum(v["bel"] for v in summary["by_kind"].values()))


def test_rule5_applies_mortality_and_longevity_by_policy():
    """A term policy and an annuity: the mortality shock is charged on the term policy's rise
    only and the longevity shock on the annuity's rise only; netting them book-wide would
    hide one."""
    _book()
    summary = services.job_run_inline(
        "book_valuation", {"basis": "cross_default", "scenarios": "cross", "valuation_date": VALUATION_DATE}
    )
    basis = load_basis("cross_default")
    frame, _ = _frame()
    scenarios, _shocked = runs.scenario_set_for("cross", basis.pricing_spot_curve, dt.date(2026, 6, 30))
    result = project(model_points_from_frame(frame), basis, scenarios, cashflows=False)
    names = list(result.scenario_names)
    base = result.bel[names.index("base")]
    rises = {name: result.bel[names.index(name)] - base for name in ("mortality", "longevity")}
    kinds = frame["product_kind"].to_numpy()
    assert rises["mortality"][kinds == "term"][0] > 0 > rises["mortality"][kinds == "annuity"][0]
    assert rises["longevity"][kinds == "annuity"][0] > 0 > rises["longevity"][kinds == "term"][0]
    sub = summary["capital"]["sub_risks"]
    for name, rise in rises.items():
        assert sub[name] == pytest.approx(np.maximum(rise, 0).sum(), rel=1e-9), name
        assert sub[name] > max(rise.sum(), 0) + 1.0  # more than the netted figure


def test_a_basis_with_annuity_tables_and_incidence_values_annuitants_on_them_and_critical_illness(
    actuary, chief_actuary, without_shipped_proposal
):
    """Version 2 of cross_default adds annuity_mortality (CL5/CL6) and critical_illness_incidence
    2.5 (approved, maker-checker): the annuity is valued on CL5, critical illness is valued
    (claims on diagnosis or death at 2.5 q), the rest as before."""
    from risk import assumptions
    from risk.models import AssumptionSet

    _book()
    shipped = AssumptionSet.objects.get(name="cross_default", version=1)
    parameters = {**shipped.parameters, "annuity_mortality": {"M": "CL5", "F": "CL6"},
                  "critical_illness_incidence": 2.5}  # fmt: skip
    draft = assumptions.assumption_set_draft(actor=actuary, parent=shipped, parameters=parameters,
                                             note="annuitant tables and CI incidence")  # fmt: skip
    assumptions.assumption_set_submit(actor=actuary, assumption_set=draft)
    v2 = assumptions.assumption_set_approve(actor=chief_actuary, assumption_set=draft)
    run = {"scenarios": "base", "valuation_date": VALUATION_DATE}
    before = services.job_run_inline("book_valuation", {"basis": "cross_default:1", **run})
    after = services.job_run_inline("book_valuation", {"basis": "cross_default:2", **run})
    assert after["valued"] == before["valued"] + 1 == 5  # critical illness now valued
    assert after["skipped"] == {jobs.NOT_VALUED_KINDS[k]: 1 for k in ("medical", "universal_life")}
    assert after["by_kind"]["critical_illness"]["pv_claims"] > 0
    assert after["by_kind"]["annuity"]["pv_annuities"] > before["by_kind"]["annuity"]["pv_annuities"]  # lighter CL5
    assert after["by_kind"]["term"] == pytest.approx(before["by_kind"]["term"], rel=1e-12)
    basis = assumptions.engine_basis(v2)
    frame, _ = _frame_on(basis)
    assert dict(zip(frame["product_kind"], frame["decrement"], strict=True))["annuity"] == "annuitant"
    direct = project(model_points_from_frame(frame), basis).points(0)
    direct["kind"] = frame["product_kind"].to_numpy()
    for kind, values in after["by_kind"].items():
        assert values["bel"] == pytest.approx(direct.loc[direct["kind"] == kind, "bel"].sum(), rel=1e-12), kind


def _frame_on(basis):
    rows = list(Policy.objects.order_by("id").values(*jobs.FIELDS))
    return jobs.model_point_frame(rows, dt.date.fromisoformat(VALUATION_DATE), basis)
