"""Job screens and API: who sees what, who may request and cancel, live progress markup."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from insurer.jobs import registry, services
from insurer.jobs.models import Job
from insurer.jobs.tests import kinds

pytestmark = pytest.mark.django_db
PARAMS = {"n": 100, "chunks": 4}


@pytest.fixture(autouse=True)
def test_kind():
    kinds.register()
    yield
    registry._KINDS.pop(kinds.NAME, None)


@pytest.fixture
def job(actuary):
    job = services.job_request(actor=actuary, kind=kinds.NAME, parameters=PARAMS)
    services.job_start(job.pk)
    services.job_chunk_run(job.pk, 0, worker="w1@host")
    return job


def test_the_list_shows_jobs_newest_first_with_filters(client, actuary, job):
    other = services.job_request(actor=actuary, kind=kinds.NAME, parameters={"n": 5, "chunks": 1})
    client.force_login(actuary)
    page = client.get("/jobs/").content.decode()
    assert page.index(f'href="/jobs/{other.pk}/"') < page.index(f'href="/jobs/{job.pk}/"')
    assert 'data-testid="run-test_sum_of_squares"' in page
    filtered = client.get("/jobs/", {"status": "running", "mine": "on"}).content.decode()
    assert f'href="/jobs/{job.pk}/"' in filtered and f'href="/jobs/{other.pk}/"' not in filtered


def test_detail_and_live_region_show_progress_inputs_and_chunks(client, actuary, job):
    client.force_login(actuary)
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert 'aria-valuenow="25"' in page and 'data-pct="25"' in page
    assert 'hx-trigger="every 1s"' in page and job.input_hash in page and job.code_version in page
    assert "w1@host" in page and 'data-testid="job-cancel"' in page
    for i in (1, 2, 3):
        services.job_chunk_run(job.pk, i, worker="w1@host")
    live = client.get(f"/jobs/{job.pk}/live/", HTTP_HX_REQUEST="true").content.decode()
    assert 'aria-valuenow="100"' in live and 'data-status="succeeded"' in live
    assert "every 1s" not in live and "job-cancel" not in live  # polling stops once finished
    assert 'data-testid="job-summary"' in live and "328350" in live


def test_run_form_requests_a_job_and_shows_errors(client, actuary):
    client.force_login(actuary)
    assert client.get(f"/jobs/run/{kinds.NAME}/").status_code == 200
    response = client.post(f"/jobs/run/{kinds.NAME}/", {"n": "100", "chunks": "4"})
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    bad = client.post(f"/jobs/run/{kinds.NAME}/", {"n": "-3", "chunks": "4"})
    assert bad.status_code == 200 and "invalid-feedback" in bad.content.decode() and Job.objects.count() == 1
    assert client.get("/jobs/run/no_such_kind/").status_code == 404


@pytest.mark.parametrize("role", ["internal_auditor", "external_examiner"])
def test_oversight_reads_jobs_but_every_write_is_refused(client, role, persona_factory, job):
    user = persona_factory(role)
    client.force_login(user)
    assert client.get("/jobs/").status_code == 200
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "job-cancel" not in page and "run-test_sum_of_squares" not in client.get("/jobs/").content.decode()
    assert client.get(f"/jobs/run/{kinds.NAME}/").status_code == 403
    assert client.post(f"/jobs/run/{kinds.NAME}/", PARAMS).status_code == 403
    assert client.post(f"/jobs/{job.pk}/cancel/").status_code == 403
    api = APIClient()
    api.force_authenticate(user)
    assert api.get("/api/v1/jobs/").status_code == 200
    assert api.post("/api/v1/jobs/", {"kind": kinds.NAME, "parameters": PARAMS}, format="json").status_code == 403
    assert api.post(f"/api/v1/jobs/{job.pk}/cancel/").status_code == 403
    job.refresh_from_db()
    assert job.status == "running" and Job.objects.count() == 1


def test_without_a_jobs_role_the_pages_are_closed(client, nobody, job):
    client.force_login(nobody)
    assert client.get("/jobs/").status_code == 403
    assert client.get(f"/jobs/{job.pk}/").status_code == 404
    assert client.post(f"/jobs/{job.pk}/cancel/").status_code == 404


def test_the_requester_cancels_from_the_page(client, actuary, job):
    client.force_login(actuary)
    response = client.post(f"/jobs/{job.pk}/cancel/", {"reason": "wrong parameters"})
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == "cancelled"
    again = client.post(f"/jobs/{job.pk}/cancel/", follow=True).content.decode()
    assert "Only a queued or running job can be cancelled" in again


def test_api_request_list_detail_and_cancel(actuary, job):
    api = APIClient()
    api.force_authenticate(actuary)
    created = api.post("/api/v1/jobs/", {"kind": kinds.NAME, "parameters": {"n": 10, "chunks": 2}}, format="json")
    assert created.status_code == 201 and created.json()["status"] == "queued"
    listed = api.get("/api/v1/jobs/", {"status": "running"}).json()["results"]
    assert [row["id"] for row in listed] == [job.pk]
    detail = api.get(f"/api/v1/jobs/{job.pk}/").json()
    assert (detail["percent"], detail["chunks_done"], detail["chunks_total"]) == (25, 1, 4)
    assert [c["status"] for c in detail["chunks"]] == ["done", "pending", "pending", "pending"]
    bad = api.post("/api/v1/jobs/", {"kind": kinds.NAME, "parameters": {"n": -1, "chunks": 2}}, format="json")
    assert bad.status_code == 400 and "n" in bad.json()["errors"]
    assert api.post(f"/api/v1/jobs/{job.pk}/cancel/", {"reason": "x"}, format="json").json()["status"] == "cancelled"
    assert api.post(f"/api/v1/jobs/{job.pk}/cancel/").status_code == 400
    kinds_listed = api.get("/api/v1/job-kinds/").json()
    assert kinds.NAME in [k["name"] for k in kinds_listed]


def test_api_list_needs_the_view_permission(nobody, job):
    api = APIClient()
    api.force_authenticate(nobody)
    assert api.get("/api/v1/jobs/").status_code == 403
    assert api.get(f"/api/v1/jobs/{job.pk}/").status_code == 404
