"""Valuation of the book as a job: seriatim model points, what is not valued and why, the
same figures whatever the chunking, and who may run it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from customers.tests import builders
from insurer.jobs import services
from risk import jobs
from risk.engine.bases import load_basis
from risk.engine.modelpoints import model_points_from_frame
from risk.engine.projection import project

pytestmark = pytest.mark.django_db
VALUATION_DATE = "2026-06-30"


def _book():
    term = builders.product(kind="term")
    whole = builders.product(kind="whole_life", product_code="WL1")
    for n in range(7):
        insured = builders.person(birth_date=dt.date(1970 + 3 * n, 1 + n, 10), sex="MF"[n % 2])
        builders.policy(product=term, insured=insured, issue_date=dt.date(2020 + n % 5, 3, 20),
                        sum_assured=Decimal(100_000 * (n + 1)), annual_premium=Decimal(600 + 90 * n),
                        policy_term_years=10 + n, premium_term_years=10 + n)  # fmt: skip
    builders.policy(product=term, payment_frequency="single", premium_term_years=1)  # single premium, at issue
    builders.policy(product=whole)  # whole life (to the book's term of 20 years, then the sum assured)
    builders.policy(product=builders.product(kind="critical_illness", product_code="CI1"))  # not valued: no incidence
    builders.policy(product=term, status="lapsed", status_date=dt.date(2025, 1, 1))  # not in force
    builders.policy(product=term, issue_date=dt.date(2027, 1, 1))  # issued after the valuation date


def _run(**extra):
    return services.job_run_inline(
        "book_valuation", {"basis": "cross_default", "scenarios": "base", "valuation_date": VALUATION_DATE, **extra}
    )


def test_every_in_force_policy_of_a_valued_kind_is_one_model_point_and_the_rest_are_counted_with_their_reason():
    _book()
    summary = _run()
    assert summary["policies"] == 10 and summary["valued"] == 9
    assert summary["skipped"] == {jobs.NOT_VALUED_KINDS["critical_illness"]: 1}
    # The job's figures are the engine's on the same seriatim points.
    from customers.models import Policy

    rows = list(
        Policy.objects.filter(status="in_force", issue_date__lte=VALUATION_DATE).order_by("id").values(*jobs.FIELDS)
    )
    basis = load_basis("cross_default")
    frame, _ = jobs.model_point_frame(rows, dt.date.fromisoformat(VALUATION_DATE), basis)
    assert frame["age_at_entry"].tolist()[:2] == ["50", "48"]  # born Jan 1970, issued Mar 2020; Feb 1973 → Mar 2021
    assert frame["duration_mth"].tolist()[0] == "75"  # 2020-03-20 → 2026-06-30: 6 years and 3 months
    direct = project(model_points_from_frame(frame.drop(columns=["product_code"])), basis)
    assert summary["totals"]["base"]["pv_net_cf"] == pytest.approx(direct.totals().loc["base", "pv_net_cf"], rel=1e-12)
    assert sum(p["pv_premiums"] for p in summary["by_product"].values()) == pytest.approx(
        summary["totals"]["base"]["pv_premiums"], rel=1e-12
    )
    assert len(summary["cashflows"]["premiums"]) > 12 * 10


def test_the_summary_does_not_depend_on_the_chunking():
    _book()
    one, few, all_at_once = (_run(chunk_size=size) for size in (1, 3, 1000))
    for scenario_totals in (one["totals"]["base"], few["totals"]["base"]):
        for key, value in all_at_once["totals"]["base"].items():
            assert scenario_totals[key] == pytest.approx(value, rel=1e-12, abs=1e-6), key
    assert one["valued"] == few["valued"] == all_at_once["valued"] == 9
    assert one["cashflows"]["claims"] == pytest.approx(all_at_once["cashflows"]["claims"], rel=1e-12)


def test_the_cross_scenarios_give_rule5_capital_for_term_business():
    _book()
    summary = _run(scenarios="cross")
    assert len(summary["totals"]) == 16
    capital = summary["capital"]
    assert capital["sub_risks"]["mortality"] > 0 and capital["sub_risks"]["longevity"] == 0  # death cover
    assert capital["shock_table"] == "cross-2022Q1"
    assert 0 < capital["life_insurance_risk"] <= sum(capital["sub_risks"].values())


def test_actuaries_run_valuations_and_other_roles_are_refused(actuary, claims_handler, internal_auditor):
    parameters = {"basis": "cross_default", "scenarios": "base", "valuation_date": VALUATION_DATE}
    job = services.job_request(actor=actuary, kind="book_valuation", parameters=parameters)
    assert job.kind == "book_valuation" and job.input_hash and job.code_version.startswith(jobs.ENGINE_VERSION)
    for refused in (claims_handler, internal_auditor):
        with pytest.raises(PermissionDenied):
            services.job_request(actor=refused, kind="book_valuation", parameters=parameters)


def test_bad_parameters_name_the_field(actuary):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        services.job_request(actor=actuary, kind="book_valuation", parameters={"basis": "nope", "scenarios": "x"})
    assert {"basis", "scenarios", "valuation_date"} <= set(refused.value.message_dict)
