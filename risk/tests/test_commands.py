"""The actuaries' command line: valuation, solvency and stress runs from model_points.csv."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import CommandError, call_command

from risk.engine.bases import basis_file

BASICLIFE_POINTS = str(basis_file("basiclife", "model_points.csv"))
# The basis is an approved assumption set, read from the database (the shipped ones are v1).
pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def government_curve(tmp_path):
    path = tmp_path / "gov.csv"
    path.write_text("year,rate\n" + "".join(f"{y},{0.014 + 0.00042 * y:.5f}\n" for y in range(1, 21)))
    return str(path)


def test_valuation_of_lifelibs_basicterm_points_prints_the_published_total(tmp_path):
    output = tmp_path / "points.csv"
    text = run("valuation", "--model-points", BASICLIFE_POINTS, "--basis", "basiclife", "--output", str(output))
    assert "10000 model points, basis basiclife v1 (sha256 " in text
    assert "14,489,630.53" in text  # lifelib BasicTerm_M: Σ pv_net_cf = 14,489,630.5346
    with output.open() as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 10_000 and rows[0]["scenario"] == "base"
    assert sum(float(r["pv_net_cf"]) for r in rows) == pytest.approx(14_489_630.5346, rel=1e-9)


def test_bad_model_points_are_refused_naming_the_point_and_field(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "point_id,age_at_entry,sex,policy_term,policy_count,sum_assured,duration_mth\n"
        "1,40,M,10,100,500000,12\n"
        "2,150,M,10,100,500000,12\n"
        "3,40,M,-5,100,500000,12\n"
    )
    with pytest.raises(CommandError) as refused:
        run("valuation", "--model-points", str(path), "--basis", "basiclife")
    message = str(refused.value)
    assert "nothing was projected" in message
    assert "point 2: age_at_entry" in message and "point 3: policy_term" in message


def test_an_unknown_basis_and_a_curve_with_gaps_are_refused(tmp_path):
    with pytest.raises(CommandError, match="unknown basis 'nope'; approved: basiclife, cross_default"):
        run("valuation", "--model-points", BASICLIFE_POINTS, "--basis", "nope")
    gappy = tmp_path / "gov.csv"
    gappy.write_text("year,rate\n1,0.015\n2,0.016\n5,0.02\n")
    with pytest.raises(CommandError, match=r"gap: no rate for year 3, 4"):
        run("valuation", "--model-points", BASICLIFE_POINTS, "--basis", "basiclife", "--government-curve", str(gappy))


def test_solvency_prints_the_rule5_capital_and_with_capital_the_ratios_and_pass_test(tmp_path, government_curve):
    capital = tmp_path / "capital.yaml"
    capital.write_text(
        "core_capital: 9000000\nactual_capital: 30000000\nirr_rating: A\nsarmra_score: 80\n"
        "modules: {market: 2500000, credit: 900000}\n"
    )
    text = run("solvency", "--model-points", BASICLIFE_POINTS, "--basis", "basiclife",
               "--government-curve", government_curve, "--capital", str(capital))  # fmt: skip
    assert "C-ROSS base curve from gov.csv" in text
    assert "life insurance risk (Rule 5):" in text and "control Q=+0.000" in text  # Q(80) = 0
    assert "core solvency ratio" in text and "IRR A (class A)" in text
    # Term business: more deaths cost money, fewer do not; a 30 M capital passes.
    lines = dict(line.split(None, 1) for line in text.splitlines() if line.startswith("  ") and line.split())
    assert float(lines["longevity"].replace(",", "")) == 0
    assert float(lines["mortality"].replace(",", "")) > 0
    assert text.rstrip().endswith("PASS")


def test_solvency_refuses_a_capital_file_with_an_unknown_field(tmp_path, government_curve):
    capital = tmp_path / "capital.yaml"
    capital.write_text("core_capital: 1\nactual_capital: 1\nirr_rating: A\nsarmra_score: 80\ncore_capitl: 2\n")
    with pytest.raises(CommandError, match="unknown field 'core_capitl'"):
        run("solvency", "--model-points", BASICLIFE_POINTS, "--basis", "basiclife", "--capital", str(capital))


def test_stress_runs_the_regulators_scenarios_against_the_base():
    text = run("stress", "--model-points", BASICLIFE_POINTS, "--basis", "basiclife")
    for name in ("stress1_new_business_high", "stress2_rate_up_50bp", "stress3_rate_down", "cash_flow_test"):
        assert name in text
    assert "asset side, stress2_rate_up_50bp" in text
