"""Grouping seriatim model points into fewer, weighted ones (the rules in docs/actuarial.md).

Policies are grouped by product, sex, policy term, premium term, annuity start and frequency,
decrement, band of age at entry and band of months in force. A group becomes one model point:

- ``policy_count`` = the policies' count;
- ``sum_assured``, ``premium_pp``, ``maturity_benefit`` and ``annuity_pp`` = the count-weighted
  means (so the group's totals are the policies' totals: every cash flow is linear in them);
- ``age_at_entry`` and ``duration_mth`` = the means weighted by count x sum assured, rounded
  to whole years and months (claims weigh by sum assured);
- ``point_id`` = 1, 2, ... in key order; ``product_code`` (and ``product_kind``) kept.

With bands of one year and one month only identical policies are grouped and the projection
gives the seriatim figures (to rounding, about 1e-12 relative). Wider bands trade accuracy for
speed: risk/tests/test_grouping.py states the tolerance on a realistic book.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

NUMERIC = ("age_at_entry", "policy_term", "policy_count", "sum_assured", "duration_mth", "premium_pp")
# The benefit shape (modelpoints.py) and its value for level-premium term business.
SHAPE_DEFAULTS = {"premium_term": None, "annuity_start": 0, "annuity_frequency": 12}
AMOUNT_DEFAULTS = {"maturity_benefit": 0.0, "annuity_pp": 0.0}


def group_model_points(frame: pd.DataFrame, *, age_band: int = 5, duration_band_months: int = 12) -> pd.DataFrame:
    """Grouped points from a seriatim frame with the model_points.csv columns plus
    ``product_code``; every premium must be given (the book's points carry theirs)."""
    if age_band < 1 or duration_band_months < 1:
        raise ValueError("grouping bands must be at least one year of age and one month of duration")
    data = frame.copy()
    for column in NUMERIC:
        data[column] = pd.to_numeric(data[column], errors="raise").astype(float)
    for column, default in {**SHAPE_DEFAULTS, **AMOUNT_DEFAULTS}.items():
        if column not in data.columns:
            data[column] = data["policy_term"] if default is None else default
        data[column] = pd.to_numeric(data[column], errors="raise").astype(float)
    if "product_kind" not in data.columns:
        data["product_kind"] = ""
    if "decrement" not in data.columns:
        data["decrement"] = "death"
    if data["premium_pp"].isna().any():
        raise ValueError("grouping needs every point's premium_pp (a group cannot price its members)")
    count, sa = data["policy_count"], data["sum_assured"]
    data["_w"] = count * sa
    data["_w"] = np.where(data["_w"] > 0, data["_w"], count)  # a zero sum assured still weighs by count
    data["_sa"] = count * sa
    data["_prem"] = count * data["premium_pp"]
    data["_maturity"] = count * data["maturity_benefit"]
    data["_annuity"] = count * data["annuity_pp"]
    data["_age_w"] = data["_w"] * data["age_at_entry"]
    data["_dur_w"] = data["_w"] * data["duration_mth"]
    data["_age_band"] = (data["age_at_entry"] // age_band).astype(int)
    data["_dur_band"] = np.floor_divide(data["duration_mth"], duration_band_months).astype(int)
    keys = [
        "product_code",
        "product_kind",
        "sex",
        "policy_term",
        *SHAPE_DEFAULTS,
        "decrement",
        "_age_band",
        "_dur_band",
    ]
    summed = ["policy_count", "_w", "_sa", "_prem", "_maturity", "_annuity", "_age_w", "_dur_w"]
    sums = data.groupby(keys, sort=True)[summed].sum()
    groups = sums.reset_index()
    term = groups["policy_term"].to_numpy()
    duration = np.rint(groups["_dur_w"] / groups["_w"]).astype(int)
    count = groups["policy_count"]
    return pd.DataFrame({
        "point_id": np.arange(1, len(groups) + 1),
        "product_code": groups["product_code"].to_numpy(),
        "product_kind": groups["product_kind"].to_numpy(),
        "age_at_entry": np.rint(groups["_age_w"] / groups["_w"]).astype(int),
        "sex": groups["sex"].to_numpy(),
        "policy_term": term.astype(int),
        "policy_count": groups["policy_count"].to_numpy(),
        "sum_assured": (groups["_sa"] / count).to_numpy(),
        "duration_mth": np.minimum(duration, 12 * term.astype(int)),
        "premium_pp": (groups["_prem"] / count).to_numpy(),
        "premium_term": groups["premium_term"].to_numpy().astype(int),
        "maturity_benefit": (groups["_maturity"] / count).to_numpy(),
        "annuity_pp": (groups["_annuity"] / count).to_numpy(),
        "annuity_start": groups["annuity_start"].to_numpy().astype(int),
        "annuity_frequency": groups["annuity_frequency"].to_numpy().astype(int),
        "decrement": groups["decrement"].to_numpy(),
    })  # fmt: skip
