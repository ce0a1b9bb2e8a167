"""The solvency job on the Solvency II basis: a three-policy book whose best-estimate liabilities
are computed here by hand (a scalar month-by-month loop on the cross_default figures typed out,
the regulation's shocks typed out), the life SCR with CorrLife, the interest-rate SCR, the BSCR
with Annex IV, SCR and ratio; and the job's figures equal ``manage.py solvency --regime
solvency2`` on the same points."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import numpy as np
import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from customers.tests import builders
from insurer.jobs import services
from insurer.jobs.models import Job
from risk.engine.tables import load_table

pytestmark = pytest.mark.django_db
DATE = "2026-06-30"
SII = {"regime": "solvency2", "own_funds": "150000", "scr_market": "20000", "scr_default": "5000",
       "scr_health": "1000", "scr_operational": "3000", "scr_adjustment": "2000"}  # fmt: skip

# (sex, birth, issue, term years, sum assured, annual premium) -> age at entry, months in force on DATE
POLICIES = [
    ("M", dt.date(1976, 3, 10), dt.date(2021, 3, 20), 10, 500_000, 1200),  # 45 at entry, 63 months
    ("F", dt.date(1990, 8, 1), dt.date(2024, 1, 15), 15, 300_000, 660),  # 33, 29 months
    ("M", dt.date(1966, 11, 5), dt.date(2019, 7, 1), 20, 200_000, 2400),  # 52, 83 months
]
POINTS = [(45, "M", 10, 63, 500_000, 100.0), (33, "F", 15, 29, 300_000, 55.0), (52, "M", 20, 83, 200_000, 200.0)]

# cross_default (risk/engine/bases/cross_default), typed out
LAPSE = [0.15, 0.10, 0.08, 0.06, 0.05, 0.04]
COMMISSION = [0.6, 0.1, 0.05, 0.0]
MAINTENANCE, INFLATION, RATE = 80.0, 0.02, 0.025
# Delegated Regulation 2015/35 Art. 166-167, maturities 1..20
S_UP = [0.70, 0.70, 0.64, 0.59, 0.55, 0.52, 0.49, 0.47, 0.44, 0.42, 0.39, 0.37, 0.35, 0.34, 0.33, 0.31, 0.30,
        0.29, 0.27, 0.26]  # fmt: skip
S_DOWN = [-0.75, -0.65, -0.56, -0.50, -0.46, -0.42, -0.39, -0.36, -0.33, -0.31, -0.30, -0.29, -0.28, -0.28, -0.27,
          -0.28, -0.28, -0.28, -0.29, -0.29]  # fmt: skip
CORR_LIFE = np.array([  # mortality, longevity, disability, lapse, expense, revision, catastrophe (Art. 136)
    [1.00, -0.25, 0.25, 0.00, 0.25, 0.00, 0.25], [-0.25, 1.00, 0.00, 0.25, 0.25, 0.25, 0.00],
    [0.25, 0.00, 1.00, 0.00, 0.50, 0.00, 0.25], [0.00, 0.25, 0.00, 1.00, 0.50, 0.00, 0.25],
    [0.25, 0.25, 0.50, 0.50, 1.00, 0.50, 0.25], [0.00, 0.25, 0.00, 0.00, 0.50, 1.00, 0.00],
    [0.25, 0.00, 0.25, 0.25, 0.25, 0.00, 1.00]])  # fmt: skip
CORR_BSCR = np.array([  # market, default, life, health, non-life (Directive Annex IV)
    [1, 0.25, 0.25, 0.25, 0.25], [0.25, 1, 0.25, 0.25, 0.5], [0.25, 0.25, 1, 0.25, 0],
    [0.25, 0.25, 0.25, 1, 0], [0.25, 0.5, 0, 0, 1]])  # fmt: skip


def _book():
    term = builders.product(kind="term")
    for sex, birth, issue, years, sa, premium in POLICIES:
        insured = builders.person(birth_date=birth, sex=sex)
        builders.policy(product=term, insured=insured, issue_date=issue, sum_assured=Decimal(sa),
                        annual_premium=Decimal(premium), policy_term_years=years, premium_term_years=years)  # fmt: skip


def hand_bel(point, *, curve=None, q_mult=1.0, q_add_year1=0.0, lapse_mult=1.0, lapse_floor_year1=0.0,
             expense_mult=1.0, inflation_add=0.0, lapse_mult_year1=1.0) -> float:  # fmt: skip
    """BEL = PV(claims + maintenance + commission − premiums) of one in-force policy, month by
    month: maturity, then deaths, then lapses of the survivors; a month discounted at its start
    with the spot rate of its projection year. ``q_mult`` may be a function of the projection
    year; ``lapse_mult_year1`` multiplies the lapse rate in the first projection year only."""
    age, sex, term, duration, sa, premium = point
    table = load_table("CL1" if sex == "M" else "CL2")
    curve = curve or [RATE] * 20
    mult = q_mult if callable(q_mult) else (lambda y: q_mult)
    pif, bel = 1.0, 0.0
    for t in range(term * 12 - duration):
        d, y = (duration + t) // 12, t // 12
        qa = min(max(float(table.annual_q(age + d, d)) * mult(y) + (q_add_year1 if y == 0 else 0.0), 0.0), 1.0)
        first = lapse_mult_year1 if y == 0 else 1.0
        la = min(max(LAPSE[min(d, 5)] * lapse_mult * first, lapse_floor_year1 if y == 0 else 0.0), 1.0)
        q, lapse = 1 - (1 - qa) ** (1 / 12), 1 - (1 - la) ** (1 / 12)
        v = (1 + curve[y]) ** (-t / 12)
        maintenance = MAINTENANCE * expense_mult / 12 * (1 + INFLATION + inflation_add) ** (t / 12)
        bel += pif * v * (q * sa + maintenance + COMMISSION[min(d, 3)] * premium - premium)
        pif *= (1 - q) * (1 - lapse)
    return bel


def hand_scr() -> dict:
    up = [max(RATE * (1 + s), RATE + 0.01) for s in S_UP]
    down = [RATE * (1 + s) for s in S_DOWN]
    shocks = {"base": {}, "mortality": {"q_mult": 1.15}, "longevity": {"q_mult": 0.80},
              "lapse_up": {"lapse_mult": 1.5}, "lapse_down": {"lapse_mult": 0.5},
              "mass_lapse": {"lapse_floor_year1": 0.40}, "expense": {"expense_mult": 1.1, "inflation_add": 0.01},
              "catastrophe": {"q_add_year1": 0.0015}, "rate_up": {"curve": up},
              "rate_down": {"curve": down}}  # fmt: skip
    bel = {name: sum(hand_bel(p, **kw) for p in POINTS) for name, kw in shocks.items()}
    cap = {name: max(bel[name] - bel["base"], 0.0) for name in bel}
    lapse = max(cap["lapse_up"], cap["lapse_down"], cap["mass_lapse"])
    v = np.array([cap["mortality"], cap["longevity"], 0.0, lapse, cap["expense"], 0.0, cap["catastrophe"]])
    life = float(np.sqrt(v @ CORR_LIFE @ v))
    interest = max(cap["rate_up"], cap["rate_down"])
    m = np.array([20000 + interest, 5000, life, 1000, 0])
    bscr = float(np.sqrt(m @ CORR_BSCR @ m))
    scr = bscr + 3000 - 2000
    return {"bel": bel, "cap": cap, "lapse": lapse, "life": life, "interest": interest, "bscr": bscr, "scr": scr,
            "life_sum": float(v.sum()), "modules_sum": float(m.sum())}  # fmt: skip


def test_the_solvency2_job_equals_the_hand_computed_scr_of_a_three_policy_book():
    _book()
    summary = services.job_run_inline("solvency_run", {"basis": "cross_default", "valuation_date": DATE, **SII})
    hand = hand_scr()
    assert summary["regime"] == "solvency2" and summary["valued"] == 3 and "solvency" not in summary
    assert summary["totals"]["base"]["bel"] == pytest.approx(hand["bel"]["base"], rel=1e-10)
    for name in ("mortality", "longevity", "lapse_up", "lapse_down", "mass_lapse", "expense", "catastrophe",
                 "rate_up", "rate_down"):  # fmt: skip
        assert summary["totals"][name]["bel"] == pytest.approx(hand["bel"][name], rel=1e-10), name
    s = summary["solvency2"]
    life = s["life"]
    # Term business: mortality, catastrophe and lapse (mass: losing profitable policies) bite, longevity does not.
    assert (
        life["sub_modules"]["mortality"] == pytest.approx(hand["cap"]["mortality"], rel=1e-9)
        and hand["cap"]["mortality"] > 0
    )
    assert (
        life["sub_modules"]["catastrophe"] == pytest.approx(hand["cap"]["catastrophe"], rel=1e-9)
        and hand["cap"]["catastrophe"] > 0
    )
    assert life["sub_modules"]["longevity"] == hand["cap"]["longevity"] == 0.0
    assert (
        life["sub_modules"]["expense"] == pytest.approx(hand["cap"]["expense"], rel=1e-9) and hand["cap"]["expense"] > 0
    )
    assert life["sub_modules"]["lapse"] == pytest.approx(hand["lapse"], rel=1e-9)
    assert life["total"] == pytest.approx(hand["life"], rel=1e-9)
    assert (
        life["diversification"] == pytest.approx(hand["life_sum"] - hand["life"], rel=1e-9)
        and hand["life_sum"] - hand["life"] > 0
    )
    assert s["interest_rate_risk"] == pytest.approx(hand["interest"], rel=1e-9) and hand["interest"] > 0
    assert s["modules"]["market"] == pytest.approx(20000 + hand["interest"], rel=1e-12)
    assert s["bscr"] == pytest.approx(hand["bscr"], rel=1e-9)
    assert s["diversification"] == pytest.approx(hand["modules_sum"] - hand["bscr"], rel=1e-9)
    assert s["scr"] == pytest.approx(hand["scr"], rel=1e-9)
    assert s["ratio"] == pytest.approx(150000 / hand["scr"], rel=1e-9)
    assert s["passed"] == (s["ratio"] >= 1.0) and s["ratio_minimum"] == 1.0
    assert s["mcr"] is None and "no MCR formula" in s["mcr_note"]
    assert s["shock_table"] == "solvency2-2015-35"


def test_the_solvency2_job_equals_the_command_on_the_same_points(tmp_path):
    _book()
    summary = services.job_run_inline("solvency_run", {"basis": "cross_default", "valuation_date": DATE, **SII})
    path = tmp_path / "points.csv"
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["point_id", "age_at_entry", "sex", "policy_term", "policy_count", "sum_assured",
                         "duration_mth", "premium_pp"])  # fmt: skip
        for i, (age, sex, term, duration, sa, premium) in enumerate(POINTS, start=1):
            writer.writerow([i, age, sex, term, 1, sa, duration, premium])
    out = io.StringIO()
    call_command("solvency", "--model-points", str(path), "--basis", "cross_default", "--regime", "solvency2",
                 "--date", DATE, stdout=out)  # fmt: skip
    printed = {line.split()[0]: line.split()[1] for line in out.getvalue().splitlines() if line.startswith("  ")}
    life = summary["solvency2"]["life"]
    for name, capital in life["sub_modules"].items():
        assert printed[name] == f"{capital:,.2f}", name
    assert f"{life['total']:,.2f}" in out.getvalue().split("SCR life")[1].splitlines()[0]
    interest = summary["solvency2"]["interest_rate_risk"]
    assert f"SCR interest rate (liabilities): {interest:,.2f}" in out.getvalue()


def test_solvency2_needs_own_funds_and_cross_still_needs_its_capital(actuary):
    base = {"basis": "cross_default", "valuation_date": DATE}
    with pytest.raises(ValidationError) as refused:
        services.job_request(actor=actuary, kind="solvency_run", parameters={**base, "regime": "solvency2"})
    assert set(refused.value.message_dict) == {"own_funds"}
    with pytest.raises(ValidationError) as refused:
        services.job_request(actor=actuary, kind="solvency_run", parameters={**base, "regime": "basel"})
    assert "regime" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.job_request(actor=actuary, kind="solvency_run", parameters=base)
    assert {"core_capital", "actual_capital"} <= set(refused.value.message_dict)
    assert not Job.objects.exists()
    job = services.job_request(actor=actuary, kind="solvency_run", parameters={**base, **SII})
    assert job.parameters["regime"] == "solvency2" and Decimal(job.parameters["own_funds"]) == 150000


def test_a_solvency2_run_with_no_business_and_no_other_scr_fails_with_a_message():
    with pytest.raises(ValueError, match="SCR is zero or less"):
        services.job_run_inline("solvency_run", {"basis": "cross_default", "valuation_date": DATE,
                                                 "regime": "solvency2", "own_funds": "1"})  # fmt: skip
