"""Grouped model points against seriatim ones: identical policies grouped lose nothing; age
and duration bands stay within the tolerances stated in docs/actuarial.md."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from customers.tests import builders
from insurer.jobs import services
from risk.engine.bases import load_basis
from risk.engine.grouping import group_model_points
from risk.engine.modelpoints import model_points_from_frame
from risk.engine.projection import project
from risk.tests.test_jobs import VALUATION_DATE, _book

# Stated tolerances of "banded" grouping (5-year age bands, policy-year duration bands), relative
# to the seriatim figure; the BEL, a small difference of large flows, against PV premiums.
BANDED_TOLERANCE = {"pv_premiums": 0.005, "pv_claims": 0.02, "pv_expenses": 0.005, "bel_vs_premiums": 0.05}


def synthetic_book(n: int = 4000, seed: int = 7) -> pd.DataFrame:
    """A term book: ages 20-59, terms 10-30, any duration in force, level premiums by age."""
    rng = np.random.default_rng(seed)
    age = rng.integers(20, 60, n)
    term = rng.choice([10, 15, 20, 30], n)
    sum_assured = rng.choice([100_000, 200_000, 300_000, 500_000, 1_000_000], n).astype(float)
    return pd.DataFrame({
        "point_id": np.arange(1, n + 1), "product_code": rng.choice(["TL01", "TL02"], n), "age_at_entry": age,
        "sex": rng.choice(["M", "F"], n), "policy_term": term, "policy_count": 1.0, "sum_assured": sum_assured,
        "duration_mth": [int(rng.integers(1, 12 * t)) for t in term],
        "premium_pp": np.round(sum_assured / 1000 * (0.5 + 0.05 * (age - 20)) / 12, 2),
    })  # fmt: skip


def totals(frame: pd.DataFrame):
    points = model_points_from_frame(frame.drop(columns=["product_code"]))
    return project(points, load_basis("cross_default")).totals().loc["base"]


def test_identical_grouping_is_exact_and_banded_stays_within_the_stated_tolerance():
    book = synthetic_book()
    book = pd.concat([book, book.iloc[:500].assign(point_id=lambda f: f["point_id"] + 10_000)])  # duplicates
    seriatim = totals(book)
    identical = group_model_points(book, age_band=1, duration_band_months=1)
    assert len(identical) <= len(book) - 500 and identical["policy_count"].sum() == len(book)
    exact = totals(identical)
    for column in ("pv_premiums", "pv_claims", "pv_expenses", "pv_commissions", "bel"):
        assert exact[column] == pytest.approx(seriatim[column], rel=1e-9), column
    banded = group_model_points(book, age_band=5, duration_band_months=12)
    assert len(banded) < len(book) / 2  # the point of grouping
    approx = totals(banded)
    for column in ("pv_premiums", "pv_claims", "pv_expenses"):
        assert abs(approx[column] / seriatim[column] - 1) < BANDED_TOLERANCE[column], column
    assert abs(approx["bel"] - seriatim["bel"]) < BANDED_TOLERANCE["bel_vs_premiums"] * seriatim["pv_premiums"]


def test_grouping_keeps_totals_of_count_sum_assured_and_premium_and_never_mixes_products_or_terms():
    book = synthetic_book(800, seed=3)
    grouped = group_model_points(book, age_band=5, duration_band_months=12)
    assert grouped["policy_count"].sum() == len(book)
    weighted = grouped["policy_count"] * grouped["sum_assured"]
    assert weighted.sum() == pytest.approx(book["sum_assured"].sum(), rel=1e-12)
    assert (grouped["policy_count"] * grouped["premium_pp"]).sum() == pytest.approx(book["premium_pp"].sum(), rel=1e-12)
    per_key = book.groupby(["product_code", "policy_term"])["policy_count"].sum()
    assert grouped.groupby(["product_code", "policy_term"])["policy_count"].sum().equals(per_key)
    with pytest.raises(ValueError, match="premium_pp"):
        group_model_points(book.assign(premium_pp=np.nan))


@pytest.mark.django_db
def test_the_book_valuation_job_groups_identical_policies_without_changing_the_figures():
    _book()
    term = builders.product(kind="term", product_code="TL9")
    insured = builders.person(birth_date=dt.date(1980, 5, 5), sex="F")
    for _ in range(4):  # four identical policies: one grouped point
        builders.policy(product=term, insured=insured, issue_date=dt.date(2021, 7, 1), sum_assured=Decimal(300_000),
                        annual_premium=Decimal(960), policy_term_years=20, premium_term_years=20)  # fmt: skip
    parameters = {"basis": "cross_default", "scenarios": "base", "valuation_date": VALUATION_DATE}
    seriatim = services.job_run_inline("book_valuation", parameters)
    grouped = services.job_run_inline("book_valuation", {**parameters, "grouping": "identical"})
    assert seriatim["valued"] == grouped["valued"] == 13
    assert (seriatim["model_points"], grouped["model_points"]) == (13, 10)
    for column, value in seriatim["totals"]["base"].items():
        assert grouped["totals"]["base"][column] == pytest.approx(value, rel=1e-9), column
    assert grouped["by_product"]["TL9"]["pv_premiums"] == pytest.approx(seriatim["by_product"]["TL9"]["pv_premiums"])


@pytest.mark.django_db
def test_only_kinds_whose_chunks_group_offer_the_choice():
    from risk.jobs import ValuationForm

    class Other(ValuationForm):  # e.g. a kind with its own chunk computation
        pass

    class Grouping(ValuationForm):
        supports_grouping = True

    assert "grouping" in ValuationForm().fields and "grouping" in Grouping().fields
    assert "grouping" not in Other().fields
