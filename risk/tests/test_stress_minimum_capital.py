"""The stress run recomputes the minimum capital after each regulator's stress: the C-ROSS
capital shocks projected on the stressed basis. Checked by hand on a three-policy book (a
monthly loop, stress 1's factors times each Rule 5 shock typed out), and, for the curve
stresses, against the plain 16-scenario set built on the stressed curve."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from insurer.jobs import services
from risk.engine.bases import load_basis
from risk.engine.modelpoints import model_points_from_frame
from risk.engine.projection import project
from risk.engine.shocks import cross_standard_scenarios, cross_stress_tests, full_curve, load_shock_table
from risk.engine.solvency import cross_interest_rate_risk, cross_life_insurance_risk, cross_solvency
from risk.tests.test_solvency2_jobs import POINTS, RATE, _book, hand_bel

pytestmark = pytest.mark.django_db
DATE = "2026-06-30"
CAPITAL = {"core_capital": "60000", "actual_capital": "90000", "irr_rating": "BBB", "sarmra_score": "82",
           "market_capital": "5000", "credit_capital": "3000", "non_life_capital": "1000"}  # fmt: skip
TABLE = load_shock_table("cross", dt.date(2026, 6, 30))


def _run() -> dict:
    _book()
    summary = services.job_run_inline("stress_run", {"basis": "cross_default", "valuation_date": DATE, **CAPITAL})
    return summary | {"rows": {r["scenario"]: r for r in summary["stress"]}}


def _minimum_capital(bel: dict) -> tuple[float, float, float]:
    """(life, interest, minimum capital) from PVs by C-ROSS scenario name and the capital given."""
    pv = {k: np.array([v]) for k, v in bel.items()}
    life, interest = cross_life_insurance_risk(pv, TABLE).total, cross_interest_rate_risk(pv)
    position = cross_solvency({"life": life, "non_life": 1000.0, "market": 5000.0 + interest, "credit": 3000.0},
                              table=TABLE, core_capital=60000.0, actual_capital=90000.0, irr_rating="BBB",
                              sarmra_score=82.0)  # fmt: skip
    return life, interest, position.minimum_capital


def _longevity(y: int) -> float:  # C-ROSS Rule 5: 0.97^t to 10, ×0.98 a year to 20, ×0.99 to 30 (t = y + 1)
    t = y + 1
    return 0.97 ** min(t, 10) * 0.98 ** min(max(t - 10, 0), 10) * 0.99 ** min(max(t - 20, 0), 10)


def test_stress_1_minimum_capital_by_hand_on_three_policies():
    run = _run()
    row = run["rows"]["stress1_new_business_high"]
    curves = cross_standard_scenarios(TABLE, np.array([RATE])).scenarios
    up, down = (list(curves.spot_rates[curves.names.index(n)][:20]) for n in ("rate_up", "rate_down"))
    # Stress 1: mortality ×1.1, lapse ×1.2, expenses ×1.1 (new business ×1.3: none in force here);
    # each Rule 5 shock on top of it.
    s = {"q": 1.1, "lapse": 1.2, "expense": 1.1}
    shocks = {
        "base": {}, "mortality": {"q_mult": s["q"] * 1.15}, "catastrophe": {"q_add_year1": 0.0018},
        "longevity": {"q_mult": lambda y: s["q"] * _longevity(y)}, "expense": {"expense_mult": s["expense"] * 1.1},
        "lapse_type1_up": {"lapse_mult": s["lapse"] * 1.3}, "lapse_type1_down": {"lapse_mult": s["lapse"] * 0.7},
        "lapse_type2_up": {"lapse_mult": s["lapse"] * 1.4}, "lapse_type2_down": {"lapse_mult": s["lapse"] * 0.6},
        "mass_lapse": {"lapse_mult_year1": 2.5, "lapse_floor_year1": 0.25},
        "rate_up": {"curve": up}, "rate_down": {"curve": down},
    }  # fmt: skip
    stressed = {}
    for name, kw in shocks.items():
        kw = {"q_mult": s["q"], "lapse_mult": s["lapse"], "expense_mult": s["expense"], **kw}
        stressed[name] = sum(hand_bel(p, **kw) for p in POINTS)
    for name in ("morbidity", "medical", "other_loss"):
        stressed[name] = stressed["base"]  # no effect on term business
    life, interest, mc_after = _minimum_capital(stressed)
    assert row["minimum_capital_recomputed"] and life > 0
    assert row["life_insurance_risk_after"] == pytest.approx(life, rel=1e-9)
    assert row["interest_rate_risk_after"] == pytest.approx(interest, rel=1e-9)
    assert row["minimum_capital_after"] == pytest.approx(mc_after, rel=1e-9)
    # The ratios after stress are on the stressed minimum capital; those on the base one are kept.
    unstressed = sum(hand_bel(p) for p in POINTS)
    loss = stressed["base"] - unstressed
    assert row["bel_change"] == pytest.approx(loss, rel=1e-9)
    assert row["ratio_core_after"] == pytest.approx((60000 - loss) / mc_after, rel=1e-9)
    assert row["ratio_comprehensive_after"] == pytest.approx((90000 - loss) / mc_after, rel=1e-9)
    base_mc = run["solvency"]["minimum_capital"]
    assert row["minimum_capital_base"] == base_mc and row["ratio_core_after_on_base_mc"] == pytest.approx(
        (60000 - loss) / base_mc, rel=1e-12
    )
    assert row["minimum_capital_change"] == pytest.approx(mc_after - base_mc, rel=1e-12)
    # Heavier mortality on protection business raises the capital it needs.
    assert mc_after > base_mc


def test_curve_stresses_equal_the_standard_set_on_the_stressed_curve():
    run = _run()
    frame = {"point_id": [1, 2, 3], "age_at_entry": [p[0] for p in POINTS], "sex": [p[1] for p in POINTS],
             "policy_term": [p[2] for p in POINTS], "policy_count": [1.0] * 3,
             "sum_assured": [float(p[4]) for p in POINTS], "duration_mth": [p[3] for p in POINTS],
             "premium_pp": [p[5] for p in POINTS]}  # fmt: skip
    import pandas as pd

    points = model_points_from_frame(pd.DataFrame(frame))
    basis = load_basis("cross_default")
    stressed = cross_stress_tests(TABLE, basis.pricing_spot_curve).scenarios
    for name in ("stress2_rate_up_50bp", "stress3_rate_down", "sensitivity_rate_down_50bp"):
        curve = stressed.spot_rates[stressed.names.index(name)]
        result = project(points, basis, cross_standard_scenarios(TABLE, curve).scenarios)
        bel = {n: float(result.bel[i].sum()) for i, n in enumerate(result.scenario_names)}
        life, interest, mc_after = _minimum_capital(bel)
        row = run["rows"][name]
        assert row["life_insurance_risk_after"] == pytest.approx(life, rel=1e-10), name
        assert row["interest_rate_risk_after"] == pytest.approx(interest, rel=1e-10), name
        assert row["minimum_capital_after"] == pytest.approx(mc_after, rel=1e-10), name
    # +50 bp: r·(1 + stress) grows with r, so the curve is the stressed one, not the base shifted.
    assert not np.allclose(
        cross_standard_scenarios(TABLE, full_curve(basis.pricing_spot_curve) + 0.005).scenarios.spot_rates[13],
        cross_standard_scenarios(TABLE, basis.pricing_spot_curve).scenarios.spot_rates[13] + 0.005,
    )


def test_the_stress_page_and_the_report_show_base_and_stressed_minimum_capital(client, risk_officer):
    from django.utils import timezone

    from insurer.jobs.models import Job
    from risk.reports import build

    run = _run()
    summary = {k: v for k, v in run.items() if k != "rows"}
    parameters = {"basis": "cross_default", "valuation_date": DATE, **CAPITAL}
    common = {"input_hash": "4" * 64, "code_version": "t", "requested_by": risk_officer, "status": "succeeded",
              "chunks_total": 1, "chunks_done": 1, "finished_at": timezone.now()}  # fmt: skip
    stress = Job.objects.create(kind="stress_run", parameters=parameters, result_summary=summary, **common)
    solvency = Job.objects.create(kind="solvency_run", parameters=parameters, result_summary=summary, **common)
    client.force_login(risk_officer)
    html = client.get(f"/risk/stress/{stress.pk}/").content.decode()
    row = run["rows"]["stress1_new_business_high"]
    section = html.split('data-scenario="stress1_new_business_high"')[1].split("</tr>")[0]
    assert f'data-testid="mc-base">{row["minimum_capital_base"]:,.2f}<' in section
    assert f'data-testid="mc-after">{row["minimum_capital_after"]:,.2f}<' in section
    assert f"{row['ratio_core_after'] * 100:.2f}%" in section
    assert f"{row['ratio_core_after_on_base_mc'] * 100:.2f}%" in section
    assert "The minimum capital is recomputed after each stress" in html
    report = build(solvency, stress)
    values = next(r for r in report.section("stress").rows if r.key == "stress1_new_business_high").values
    assert values[6] == row["minimum_capital_after"] and values[7] == row["ratio_core_after_on_base_mc"]
    assert "recomputed after each stress" in report.section("stress").note
