"""/api/v1/risk/: runs listed and read with their results, requested as jobs (202 with the job
id), refused by field or by role as on the screens, and the quarterly report downloaded with a
token."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.contrib.auth import get_user_model
from openpyxl import load_workbook
from pypdf import PdfReader
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from insurer.jobs.models import Job
from insurer.ledger.models import AuditEvent
from risk.reports.document import format_value
from risk.tests.matrix import SOLVENCY_PARAMETERS, solvency_world

pytestmark = pytest.mark.django_db
API = "/api/v1/risk"


@pytest.fixture
def runs():
    return solvency_world(get_user_model().objects.create_user(username="api-requester"))


def _client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def test_runs_are_listed_and_read_with_their_results(runs, board_member):
    client = _client(board_member)
    listing = client.get(f"{API}/solvency-runs/")
    assert listing.status_code == 200
    (item,) = listing.json()["results"]
    job = runs["solvency_run"]
    assert item["id"] == job.pk and item["kind"] == "solvency_run" and item["status"] == "succeeded"
    assert item["input_hash"] == job.input_hash and item["requested_by"] == "api-requester"
    assert item["percent"] == 100 and "results" not in item
    detail = client.get(f"{API}/solvency-runs/{job.pk}/").json()
    assert detail["results"]["solvency"]["minimum_capital"] == job.result_summary["solvency"]["minimum_capital"]
    results = client.get(f"{API}/solvency-runs/{job.pk}/results/").json()
    assert results["solvency"]["ratio_core"] == job.result_summary["solvency"]["ratio_core"]
    stress = client.get(f"{API}/stress-runs/{runs['stress_run'].pk}/results/").json()
    assert [r["scenario"] for r in stress["stress"]][:2] == ["stress1_new_business_high", "stress1_new_business_low"]
    # Each list holds its own kind only; another kind's id is not found.
    assert [r["id"] for r in client.get(f"{API}/stress-runs/").json()["results"]] == [runs["stress_run"].pk]
    assert client.get(f"{API}/stress-runs/{job.pk}/").status_code == 404
    valuations = client.get(f"{API}/valuations/").json()["results"]
    assert valuations == [] and client.get(f"{API}/valuations/{job.pk}/").status_code == 404


def test_results_of_an_unfinished_run_are_a_conflict(runs, actuary):
    Job.objects.filter(pk=runs["solvency_run"].pk).update(status="running")
    response = _client(actuary).get(f"{API}/solvency-runs/{runs['solvency_run'].pk}/results/")
    assert response.status_code == 409 and response.json()["status"] == "running"


def test_a_run_is_requested_as_a_job(actuary, django_capture_on_commit_callbacks):
    client = _client(actuary)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(f"{API}/solvency-runs/", SOLVENCY_PARAMETERS, format="json")
    assert response.status_code == 202
    body = response.json()
    job = Job.objects.get(pk=body["job"])
    assert job.kind == "solvency_run" and job.status == "queued" and job.requested_by == actuary
    assert job.parameters["core_capital"] == "900000.00" and job.parameters["irr_rating"] == "A"
    assert body["job_url"] == f"/api/v1/jobs/{job.pk}/" and response["Location"] == f"{API}/solvency-runs/{job.pk}/"
    # The start of the job is queued when the request commits.
    assert [getattr(c, "args", None) for c in callbacks if getattr(c, "func", None)] == [(job.pk,)]
    stress = client.post(f"{API}/stress-runs/", {**SOLVENCY_PARAMETERS, "equity_holdings": 1000}, format="json")
    assert stress.status_code == 202 and Job.objects.get(pk=stress.json()["job"]).kind == "stress_run"
    valuation = client.post(f"{API}/valuations/", {"basis": "cross_default", "scenarios": "cross",
                                                   "valuation_date": "2026-06-30"}, format="json")  # fmt: skip
    assert valuation.status_code == 202


def test_bad_parameters_and_other_roles_are_refused(actuary, internal_auditor, claims_handler):
    bad = _client(actuary).post(f"{API}/solvency-runs/", {**SOLVENCY_PARAMETERS, "actual_capital": "1"}, format="json")
    assert bad.status_code == 400 and "actual_capital" in bad.json()["errors"]
    unknown = _client(actuary).post(f"{API}/solvency-runs/", {**SOLVENCY_PARAMETERS, "colour": "red"}, format="json")
    assert unknown.status_code == 400 and "colour" in unknown.json()["errors"]
    for refused in (internal_auditor, claims_handler):
        assert _client(refused).post(f"{API}/solvency-runs/", SOLVENCY_PARAMETERS, format="json").status_code == 403
    assert _client(claims_handler).get(f"{API}/solvency-runs/").status_code == 403
    assert APIClient().get(f"{API}/solvency-runs/").status_code in (401, 403)
    assert not Job.objects.exists()


def test_the_report_downloads_with_a_token(runs, external_examiner):
    job = runs["solvency_run"]
    client = _client(external_examiner)
    xlsx = client.get(f"{API}/solvency-runs/{job.pk}/report/xlsx/")
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(xlsx.content)).active
    assert sheet["A1"].value == "C-ROSS quarterly solvency report, 2026 Q2"
    pdf = client.get(f"{API}/solvency-runs/{job.pk}/report/pdf/", HTTP_ACCEPT="application/pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(pdf.content)).pages)
    assert format_value(job.result_summary["solvency"]["ratio_comprehensive"], "percent") in text
    assert AuditEvent.objects.filter(kind="export", object_type="risk.solvency_report").count() == 2
    Job.objects.filter(pk=job.pk).update(status="failed")
    assert client.get(f"{API}/solvency-runs/{job.pk}/report/pdf/").status_code == 404
