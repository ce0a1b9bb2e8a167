"""Solvency and stress runs of the book as jobs: the figures are the engine's on the valuation
job's Rule 5 result and the capital given; chunking changes nothing; the stress results come
off capital as documented; bad capital inputs are refused by field; only runners run."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from customers.tests import builders
from insurer.jobs import services
from insurer.jobs.models import Job
from risk.engine.shocks import load_shock_table
from risk.engine.solvency import control_risk_factor, cross_solvency
from risk.jobs_solvency import STRESS_SCENARIOS

pytestmark = pytest.mark.django_db
DATE = "2026-06-30"
CAPITAL = {"core_capital": "60000", "actual_capital": "90000", "irr_rating": "BBB", "sarmra_score": "82",
           "market_capital": "5000", "credit_capital": "3000", "non_life_capital": "1000"}  # fmt: skip


def _book():
    term = builders.product(kind="term")
    for n in range(6):
        insured = builders.person(birth_date=dt.date(1968 + 4 * n, 1 + n, 10), sex="MF"[n % 2])
        builders.policy(product=term, insured=insured, issue_date=dt.date(2019 + n % 5, 3, 20),
                        sum_assured=Decimal(200_000 * (n + 1)), annual_premium=Decimal(700 + 110 * n),
                        policy_term_years=10 + n, premium_term_years=10 + n)  # fmt: skip
    builders.policy(product=builders.product(kind="critical_illness", product_code="CI9"))  # counted, not valued


def _params(**extra):
    return {"basis": "cross_default", "valuation_date": DATE, **CAPITAL, **extra}


def test_the_solvency_run_is_the_engine_on_the_valuations_rule5_capital_and_the_capital_given():
    _book()
    summary = services.job_run_inline("solvency_run", _params())
    cross = services.job_run_inline("book_valuation", {"basis": "cross_default", "scenarios": "cross",
                                                       "valuation_date": DATE})  # fmt: skip
    life, interest = cross["capital"]["life_insurance_risk"], cross["capital"]["interest_rate_risk"]
    assert life > 0 and interest > 0 and summary["valued"] == 6 and summary["policies"] == 7
    expected = cross_solvency(
        {"life": life, "non_life": 1000.0, "market": 5000.0 + interest, "credit": 3000.0},
        table=load_shock_table("cross", dt.date(2026, 6, 30)), core_capital=60000.0, actual_capital=90000.0,
        irr_rating="BBB", sarmra_score=82.0,
    )  # fmt: skip
    s = summary["solvency"]
    assert s["modules"] == pytest.approx(expected.modules, rel=1e-12)
    assert s["minimum_capital"] == pytest.approx(expected.minimum_capital, rel=1e-12)
    # By hand: the diversification effect is the sum of the modules less the aggregate.
    assert s["diversification"] == pytest.approx(sum(s["modules"].values()) - s["aggregated"], rel=1e-12)
    assert 0 < s["diversification"] < sum(s["modules"].values())
    # Q(82) = 0.4 − 0.005·82 = −0.01 (70 < S ≤ 90); MC = MC* (1 + Q) without add-ons.
    assert (
        s["control_risk_q"]
        == pytest.approx(-0.01)
        == control_risk_factor(82, load_shock_table("cross", dt.date.today()))
    )
    assert s["minimum_capital"] == pytest.approx(s["quantifiable_minimum_capital"] * 0.99, rel=1e-12)
    assert s["ratio_core"] == pytest.approx(60000.0 / s["minimum_capital"], rel=1e-12)
    assert s["ratio_comprehensive"] == pytest.approx(90000.0 / s["minimum_capital"], rel=1e-12)
    assert (s["core_minimum"], s["comprehensive_minimum"]) == (0.5, 1.0)
    assert s["passed"] == (s["ratio_core"] >= 0.5 and s["ratio_comprehensive"] >= 1.0)
    assert summary["engine_version"] and s["shock_table"] == "cross-2022Q1" and s["irr_category"] == "B"


def test_the_solvency_figures_do_not_depend_on_the_chunking():
    _book()
    one, all_at_once = (services.job_run_inline("solvency_run", _params(chunk_size=size)) for size in (1, 1000))
    for key in ("minimum_capital", "ratio_core", "ratio_comprehensive", "diversification", "control_risk_capital"):
        assert one["solvency"][key] == pytest.approx(all_at_once["solvency"][key], rel=1e-12), key


def test_a_failing_position_names_the_ratio_below_its_minimum():
    _book()
    s = services.job_run_inline("solvency_run", _params(core_capital="10", actual_capital="20"))["solvency"]
    assert not s["passed"] and s["ratio_core"] < 0.5
    assert any("core solvency ratio" in f for f in s["failures"])
    assert any("comprehensive solvency ratio" in f for f in s["failures"])


def test_stress_results_come_off_capital_as_documented():
    _book()
    holdings = {"equity_holdings": "20000", "fixed_income_holdings": "50000", "maturing_fixed_income": "8000"}
    summary = services.job_run_inline("stress_run", _params(**holdings))
    alone = services.job_run_inline("solvency_run", _params())
    assert summary["solvency"]["minimum_capital"] == pytest.approx(alone["solvency"]["minimum_capital"], rel=1e-12)
    stressed = services.job_run_inline("book_valuation", {"basis": "cross_default", "scenarios": "stress",
                                                          "valuation_date": DATE})  # fmt: skip
    base_bel = stressed["totals"]["base"]["bel"]
    rows = {r["scenario"]: r for r in summary["stress"]}
    assert tuple(rows) == STRESS_SCENARIOS
    asset_loss = {"stress2_rate_up_50bp": 20000 * 0.20 + 50000 * 0.10, "sensitivity_rate_down_50bp": 20000 * 0.30,
                  "cash_flow_test": 8000 * 0.10}  # fmt: skip
    mc = summary["solvency"]["minimum_capital"]
    for name, row in rows.items():
        change = stressed["totals"][name]["bel"] - base_bel
        assert row["bel_change"] == pytest.approx(change, rel=1e-9, abs=1e-6), name
        assert row["asset_loss"] == pytest.approx(asset_loss.get(name, 0.0)), name
        assert row["core_capital_after"] == pytest.approx(60000 - change - row["asset_loss"], rel=1e-12), name
        assert row["actual_capital_after"] == pytest.approx(90000 - change - row["asset_loss"], rel=1e-12), name
        # On the minimum capital recomputed after the stress; the base one's ratios kept beside them.
        assert row["minimum_capital_recomputed"] and row["minimum_capital_base"] == mc, name
        assert row["ratio_core_after"] == pytest.approx(row["core_capital_after"] / row["minimum_capital_after"],
                                                        rel=1e-12), name  # fmt: skip
        assert row["ratio_core_after_on_base_mc"] == pytest.approx(row["core_capital_after"] / mc, rel=1e-12), name
        assert row["passed"] == (row["ratio_core_after"] >= 0.5 and row["ratio_comprehensive_after"] >= 1.0)
    # Scenario 3 (rates down, × 130%) raises the liability of protection business.
    assert rows["stress3_rate_down"]["bel_change"] > 0


def test_a_run_requested_is_a_chunked_job_with_progress_hash_version_and_requester(actuary):
    _book()
    job = services.job_request(actor=actuary, kind="solvency_run", parameters=_params(chunk_size=3))
    assert job.input_hash and job.code_version.startswith("1.1") and job.requested_by == actuary
    services.job_start(job.pk)
    job.refresh_from_db()
    assert job.chunks_total == 3  # 7 policies in force, 3 a chunk
    services.job_chunk_run(job.pk, 0, worker="w1")
    job.refresh_from_db()
    assert (job.chunks_done, job.percent) == (1, 33)
    for index in (1, 2):
        services.job_chunk_run(job.pk, index, worker="w1")
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    inline = services.job_run_inline("solvency_run", _params(chunk_size=3))
    assert job.result_summary["solvency"]["ratio_core"] == pytest.approx(inline["solvency"]["ratio_core"], rel=1e-12)
    # The capital given is part of the question: another figure is another input hash.
    other = services.job_request(actor=actuary, kind="solvency_run", parameters=_params(core_capital="60001"))
    assert other.input_hash != job.input_hash


def test_bad_capital_inputs_are_refused_by_field(actuary):
    bad = _params(actual_capital="100", core_capital="200", sarmra_score="120", irr_rating="Z")
    with pytest.raises(ValidationError) as refused:
        services.job_request(actor=actuary, kind="solvency_run", parameters=bad)
    assert {"sarmra_score", "irr_rating"} <= set(refused.value.message_dict)
    with pytest.raises(ValidationError) as refused:
        services.job_request(actor=actuary, kind="solvency_run", parameters=_params(actual_capital="100"))
    assert "actual_capital" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.job_request(actor=actuary, kind="stress_run", parameters={"basis": "cross_default"})
    assert {"core_capital", "actual_capital", "valuation_date"} <= set(refused.value.message_dict)
    assert not Job.objects.exists()


def test_no_business_and_no_other_capital_fails_with_a_message():
    with pytest.raises(ValueError, match="minimum capital is zero"):
        services.job_run_inline("solvency_run", {"basis": "cross_default", "valuation_date": DATE,
                                                 "core_capital": "1", "actual_capital": "1", "irr_rating": "A",
                                                 "sarmra_score": "80"})  # fmt: skip


def test_only_runners_run_and_oversight_never(actuary, cro, internal_auditor, board_member, claims_handler):
    for runner in (actuary, cro):
        assert services.job_request(actor=runner, kind="stress_run", parameters=_params()).kind == "stress_run"
    for refused in (internal_auditor, board_member, claims_handler):
        with pytest.raises(PermissionDenied):
            services.job_request(actor=refused, kind="solvency_run", parameters=_params())
