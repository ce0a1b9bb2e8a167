"""The valuation screens: a finished run's results, and who may read them."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from insurer.jobs import services
from insurer.jobs.models import Job
from risk.tests.test_jobs import _book

pytestmark = pytest.mark.django_db


def _finished_valuation(actuary, scenarios="cross") -> Job:
    parameters = {"basis": "cross_default", "scenarios": scenarios, "valuation_date": "2026-06-30"}
    job = services.job_request(actor=actuary, kind="book_valuation", parameters=parameters)
    summary = services.job_run_inline("book_valuation", parameters)
    Job.objects.filter(pk=job.pk).update(status="succeeded", chunks_total=1, chunks_done=1, result_summary=summary,
                                         started_at=timezone.now(), finished_at=timezone.now())  # fmt: skip
    return Job.objects.get(pk=job.pk)


def test_results_show_pvs_by_scenario_and_product_the_cash_flow_chart_and_capital(actuary):
    _book()
    job = _finished_valuation(actuary)
    client = Client()
    client.force_login(actuary)
    page = client.get(f"/risk/valuations/{job.pk}/").content.decode()
    assert 'data-testid="pv-by-scenario"' in page and "stress3_rate_down" in page and "mass_lapse" in page
    assert 'data-testid="pv-by-product"' in page and 'id="chart-cashflows"' in page
    assert 'data-testid="life-risk"' in page and "cross-2022Q1" in page
    # Every valued kind by kind and by product; what is not valued, with its reason.
    assert 'data-testid="pv-by-kind"' in page and "Whole life" in page and "Term life" in page
    assert "pv_maturities" in page and "pv_annuities" in page
    assert "critical illness: the basis gives no critical_illness_incidence (diagnosis rates): 1" in page
    assert 'data-testid="assumption-set"' in page and "approved assumption set v1" in page  # the set the run used
    listing = client.get("/risk/valuations/").content.decode()
    assert f'href="/risk/valuations/{job.pk}/"' in listing and 'data-testid="run-valuation"' in listing


def test_oversight_reads_results_without_the_run_button_and_others_are_refused(actuary, internal_auditor,
                                                                              claims_handler):  # fmt: skip
    _book()
    job = _finished_valuation(actuary, scenarios="base")
    auditor = Client()
    auditor.force_login(internal_auditor)
    assert auditor.get(f"/risk/valuations/{job.pk}/").status_code == 200
    assert 'data-testid="run-valuation"' not in auditor.get("/risk/valuations/").content.decode()
    handler = Client()
    handler.force_login(claims_handler)
    assert handler.get("/risk/valuations/").status_code == 403
    assert handler.get(f"/risk/valuations/{job.pk}/").status_code == 404  # no such object for them
    # Another kind of job is not a valuation, even for its readers.
    other = Job.objects.create(kind="book_premium_reconciliation", parameters={}, input_hash="0" * 64,
                               code_version="x", requested_by=job.requested_by)  # fmt: skip
    assert auditor.get(f"/risk/valuations/{other.pk}/").status_code == 404
