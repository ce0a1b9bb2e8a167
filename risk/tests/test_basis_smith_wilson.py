"""Smith-Wilson as an option of the basis (``curve: {method: smith_wilson, ufr, alpha, ...}``).

The basis's curve is then the Smith-Wilson fit of its pricing spots: it reprices the inputs at
their maturities, its forwards run to the UFR, and the engine values a level term policy at the
fitted discount factors (checked against a month-by-month hand loop discounting with spots read
off ``smith_wilson`` itself). A basis without the field keeps the content hash it had."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from risk.engine.basis_schema import (
    BasisParametersError,
    basis_from_parameters,
    content_hash,
    normalised,
    shipped_parameters,
)
from risk.engine.modelpoints import model_points_from_frame
from risk.engine.projection import project
from risk.engine.scenario_set import ScenarioSet
from risk.engine.smith_wilson import smith_wilson
from risk.tests.test_solvency2_jobs import POINTS, hand_bel

SPOTS = [0.020, 0.022, 0.024, 0.025, 0.026, 0.027, 0.0275, 0.028, 0.0285, 0.029]  # years 1-10
SW = {"method": "smith_wilson", "ufr": 0.042, "alpha": 0.1, "years": 120}


def _parameters(**curve) -> dict:
    return {**shipped_parameters("cross_default"), "pricing_spot_curve": SPOTS, "curve": {**SW, **curve}}


def _bel(basis, point) -> float:
    age, sex, term, duration, sa, premium = point
    frame = pd.DataFrame([{"point_id": 1, "age_at_entry": age, "sex": sex, "policy_term": term, "policy_count": 1,
                           "sum_assured": sa, "duration_mth": duration, "premium_pp": premium}])  # fmt: skip
    result = project(model_points_from_frame(frame), basis, ScenarioSet.base(basis.pricing_spot_curve))
    return float(result.totals().loc["base", "bel"])


def test_the_basis_curve_reprices_the_inputs_and_runs_to_the_ufr():
    curve = basis_from_parameters("sw", _parameters()).pricing_spot_curve
    assert curve.size == 120
    np.testing.assert_allclose(curve[:10], SPOTS, rtol=0, atol=1e-12)  # index y = maturity y + 1
    forward = (1 + curve[119]) ** 120 / (1 + curve[118]) ** 119 - 1
    assert forward == pytest.approx(0.042, abs=1e-5)
    assert forward > (1 + curve[59]) ** 60 / (1 + curve[58]) ** 59 - 1 > (1 + curve[9]) ** 10 / (1 + curve[8]) ** 9 - 1
    # alpha left out: calibrated as EIOPA does (forward intensity within 1 bp of ln(1.042) at 60 years)
    calibrated = basis_from_parameters("sw", {**_parameters(), "curve": {"method": "smith_wilson", "ufr": 0.042}})
    c = calibrated.pricing_spot_curve
    assert c.size == 100
    np.testing.assert_allclose(c[:10], SPOTS, rtol=0, atol=1e-12)
    assert abs(np.log((1 + c[59]) ** 60 / (1 + c[58]) ** 59) - np.log(1.042)) < 2e-4


def test_a_level_term_policy_is_valued_at_the_smith_wilson_discount_factors():
    basis = basis_from_parameters("sw", _parameters(last_liquid_point=8))
    maturities = np.arange(1, 9, dtype=float)
    fitted = smith_wilson(maturities, (1 + np.array(SPOTS[:8])) ** -maturities, alpha=0.1, ultimate_forward_rate=0.042)
    spots = [float(fitted.spot(y + 1)[0]) for y in range(20)]  # the engine's convention: year y, maturity y+1
    assert spots[9] != pytest.approx(SPOTS[9], abs=1e-5)  # beyond the last liquid point: extrapolated
    for point in POINTS:  # level term, 10 to 20 years, cross_default's assumptions otherwise
        assert _bel(basis, point) == pytest.approx(hand_bel(point, curve=spots), rel=1e-10)
    as_given = basis_from_parameters("given", {**shipped_parameters("cross_default"), "pricing_spot_curve": SPOTS})
    assert _bel(as_given, POINTS[2]) != pytest.approx(_bel(basis, POINTS[2]), rel=1e-4)


def test_an_absent_curve_keeps_the_content_hash():
    # Pinned with the schema as it was before the field existed (risk/engine/basis_schema.py at cef0f61).
    assert content_hash(shipped_parameters("basiclife")) == (
        "6ede93de05de70bdc54addd823bafc44dd04e66faf41cf3c9175598a1a5457b9"
    )
    assert content_hash(shipped_parameters("cross_default")) == (
        "4ec574ec53a55a26f20ac6b217427be6d62c4a3794c6e3e01f4dbbeaa87964c0"
    )
    assert "curve" not in normalised(shipped_parameters("cross_default"))
    with_curve = content_hash(_parameters())
    assert with_curve != content_hash({**_parameters(), "curve": {**SW, "ufr": 0.036}})
    assert with_curve == content_hash({**_parameters(), "curve": {**SW, "ufr": 0.042, "alpha": 0.10}})


@pytest.mark.parametrize(
    ("curve", "field", "words"),
    [
        ({"method": "nelson_siegel", "ufr": 0.042}, "curve.method", "smith_wilson"),
        ({"method": "smith_wilson"}, "curve.ufr", "ultimate forward rate"),
        ({"method": "smith_wilson", "ufr": 4.2}, "curve.ufr", "0.042 for 4.2 per cent"),
        ({"method": "smith_wilson", "ufr": 0.042, "alpha": 0}, "curve.alpha", "above 0"),
        ({"method": "smith_wilson", "ufr": 0.042, "last_liquid_point": 11}, "curve.last_liquid_point", "10 years"),
        ({"method": "smith_wilson", "ufr": 0.042, "years": 500}, "curve.years", "from 1 to 200"),
        ({"method": "smith_wilson", "ufr": 0.042, "llp": 5}, "curve.llp", "is not a curve field"),
        ("smith_wilson", "curve", "must be an object"),
    ],
)
def test_a_bad_curve_is_refused_naming_the_field(curve, field, words):
    with pytest.raises(BasisParametersError) as refused:
        basis_from_parameters("sw", {**_parameters(), "curve": curve})
    problems = {p.field: p.message for p in refused.value.problems}
    assert field in problems and words in problems[field]


@pytest.mark.django_db
@pytest.mark.usefixtures("without_shipped_proposal")
def test_a_valuation_run_on_an_approved_smith_wilson_set_discounts_on_the_fit(actuary, chief_actuary):
    from insurer.jobs import services
    from risk import assumptions
    from risk.models import AssumptionSet
    from risk.tests.test_solvency2_jobs import _book

    _book()
    parent = AssumptionSet.objects.get(name="cross_default", version=1)
    parameters = {**parent.parameters, "pricing_spot_curve": SPOTS, "curve": SW}
    draft = assumptions.assumption_set_draft(actor=actuary, parent=parent, parameters=parameters,
                                             note="EIOPA-style extrapolation")  # fmt: skip
    assumptions.assumption_set_submit(actor=actuary, assumption_set=draft)
    approved = assumptions.assumption_set_approve(actor=chief_actuary, assumption_set=draft)
    assert approved.parameters["curve"] == {"method": "smith_wilson", "ufr": 0.042, "alpha": 0.1, "years": 120}
    summary = services.job_run_inline(
        "book_valuation",
        {"basis": f"cross_default:{approved.version}", "scenarios": "base", "valuation_date": "2026-06-30"},
    )
    maturities = np.arange(1, 11, dtype=float)
    fitted = smith_wilson(maturities, (1 + np.array(SPOTS)) ** -maturities, alpha=0.1, ultimate_forward_rate=0.042)
    spots = [float(fitted.spot(y + 1)[0]) for y in range(20)]
    assert summary["totals"]["base"]["bel"] == pytest.approx(sum(hand_bel(p, curve=spots) for p in POINTS), rel=1e-10)
