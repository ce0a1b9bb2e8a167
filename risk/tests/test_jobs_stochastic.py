"""The stochastic valuation job: the book's term policies under seeded Hull-White paths, the
same figures whatever the chunking (every chunk draws the same paths), the engine's figures on
the same points, and bad parameters named."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from customers.models import Policy
from insurer.jobs import services
from risk import jobs
from risk.engine.bases import load_basis
from risk.engine.esg import HullWhite
from risk.engine.modelpoints import model_points_from_frame
from risk.engine.stochastic import stochastic_valuation
from risk.tests.test_jobs import VALUATION_DATE, _book

pytestmark = pytest.mark.django_db
PARAMETERS = {"basis": "cross_default", "valuation_date": VALUATION_DATE, "paths": 64, "seed": 7,
              "mean_reversion": 0.1, "volatility": 0.012}  # fmt: skip


def _run(**extra):
    return services.job_run_inline("stochastic_valuation", {**PARAMETERS, **extra})


def test_the_job_values_the_book_as_the_engine_does_on_the_same_points_whatever_the_chunking():
    _book()
    whole, one_by_one = _run(chunk_size=1000), _run(chunk_size=1)
    assert whole["valued"] == one_by_one["valued"] == 9
    assert whole["skipped"] == {jobs.NOT_VALUED_KINDS["critical_illness"]: 1}
    assert np.allclose(whole["bel_by_path"], one_by_one["bel_by_path"], rtol=1e-12)
    assert len(whole["bel_by_path"]) == 64 and np.std(whole["bel_by_path"]) > 0

    rows = list(Policy.objects.filter(status="in_force", issue_date__lte=VALUATION_DATE).order_by("id")
                .values(*jobs.FIELDS))  # fmt: skip
    frame, _ = jobs.model_point_frame(rows, dt.date.fromisoformat(VALUATION_DATE), load_basis("cross_default"))
    longest = max(p["policy_term_years"] for p in rows)
    direct = stochastic_valuation(model_points_from_frame(frame.drop(columns=["product_code"])),
                                  load_basis("cross_default"), HullWhite(0.1, 0.012), 64, 7,
                                  months=12 * longest + 1)  # fmt: skip
    assert whole["mean_bel"] == pytest.approx(direct.mean_bel, rel=1e-12)
    assert whole["standard_error"] == pytest.approx(direct.standard_error, rel=1e-9)
    assert sum(whole["by_product"].values()) == pytest.approx(direct.mean_bel, rel=1e-9)
    assert whole["martingale"]["passed"] is True
    assert whole["percentiles"]["p0.5"] < whole["percentiles"]["p50"] < whole["percentiles"]["p99.5"]


def test_dynamic_lapse_changes_the_distribution():
    _book()
    plain, dynamic = _run(), _run(lapse_sensitivity=15.0)
    assert dynamic["lapse_sensitivity"] == 15.0
    assert not np.allclose(plain["bel_by_path"], dynamic["bel_by_path"])


def test_only_valuation_roles_run_it_and_bad_parameters_are_named(actuary, claims_handler, internal_auditor):
    job = services.job_request(actor=actuary, kind="stochastic_valuation", parameters=PARAMETERS)
    assert job.kind == "stochastic_valuation" and job.input_hash
    for refused in (claims_handler, internal_auditor):
        with pytest.raises(PermissionDenied):
            services.job_request(actor=refused, kind="stochastic_valuation", parameters=PARAMETERS)
    with pytest.raises(ValidationError) as refused:
        services.job_request(actor=actuary, kind="stochastic_valuation",
                             parameters={**PARAMETERS, "paths": 63, "volatility": -1, "basis": "nope"})  # fmt: skip
    assert {"paths", "volatility", "basis"} <= set(refused.value.message_dict)
