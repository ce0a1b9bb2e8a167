"""Mortality, longevity and catastrophe apply by policy (only where they raise the liability)
in the Solvency II run and in the minimum capital after stress, as in the C-ROSS run: adding
an annuity in payment to a term book leaves the mortality charge unchanged (the annuity's gain
is not netted against the term policies' loss) and creates a longevity charge."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from customers.tests import builders
from insurer.jobs import services
from risk.tests.test_solvency2_jobs import DATE, SII, _book
from risk.tests.test_stress_minimum_capital import CAPITAL

pytestmark = pytest.mark.django_db


def _annuity():
    product = builders.product(kind="annuity", product_code="ANN1", max_age=70)
    insured = builders.person(birth_date=dt.date(1956, 1, 5), sex="F")
    builders.policy(product=product, insured=insured, issue_date=dt.date(2016, 1, 10), sum_assured=Decimal(600_000),
                    annual_premium=Decimal(50_000), policy_term_years=30, premium_term_years=10)  # fmt: skip


def _runs() -> tuple[dict, dict]:
    sii = services.job_run_inline("solvency_run", {"basis": "cross_default", "valuation_date": DATE, **SII})
    stress = services.job_run_inline("stress_run", {"basis": "cross_default", "valuation_date": DATE, **CAPITAL})
    return sii, stress


def test_an_annuity_does_not_offset_the_term_books_mortality_charge():
    _book()
    term_sii, term_stress = _runs()
    _annuity()
    mixed_sii, mixed_stress = _runs()
    assert mixed_sii["valued"] == term_sii["valued"] + 1
    term_life, mixed_life = term_sii["solvency2"]["life"]["sub_modules"], mixed_sii["solvency2"]["life"]["sub_modules"]
    # Netted over the book, the annuity's gain from heavier mortality would cut the charge.
    totals = mixed_sii["totals"]
    assert totals["mortality"]["bel"] - totals["base"]["bel"] < term_life["mortality"]
    assert mixed_life["mortality"] == pytest.approx(term_life["mortality"], rel=1e-9)
    assert mixed_life["catastrophe"] == pytest.approx(term_life["catastrophe"], rel=1e-9)
    assert term_life["longevity"] == 0.0 and mixed_life["longevity"] > 0
    for name in ("stress1_new_business_high", "stress3_rate_down", "cash_flow_test"):
        term_row = next(r for r in term_stress["stress"] if r["scenario"] == name)
        mixed_row = next(r for r in mixed_stress["stress"] if r["scenario"] == name)
        term_after, mixed_after = term_row["life_sub_risks_after"], mixed_row["life_sub_risks_after"]
        assert mixed_after["mortality"] == pytest.approx(term_after["mortality"], rel=1e-9), name
        assert term_after["longevity"] == 0.0 and mixed_after["longevity"] > 0, name
    # The base C-ROSS run charges by policy too (risk.jobs): the same mortality as the term book.
    assert mixed_stress["capital"]["sub_risks"]["mortality"] == pytest.approx(
        term_stress["capital"]["sub_risks"]["mortality"], rel=1e-9
    )
