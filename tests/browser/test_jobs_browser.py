"""A job requested in the browser runs on a real worker process, and its progress bar
(htmx polling every second) moves to done."""

from __future__ import annotations

import time

import pytest

from insurer.jobs import registry
from insurer.jobs.tests import kinds
from tests.integration.conftest import celery_workers  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]
WORKER_ENV = {"INSURER_JOBS_EXTRA_KINDS": "insurer.jobs.tests.kinds", "INSURER_JOBS_HEARTBEAT_SECONDS": "1"}


@pytest.fixture
def test_kind():
    kinds.register()
    yield
    registry._KINDS.pop(kinds.NAME, None)


def test_a_job_runs_from_the_run_form_and_its_progress_bar_moves_to_done(probe, actuary, test_kind, celery_workers):  # noqa: F811
    celery_workers("jobs-browser@test", env=WORKER_ENV)
    page = probe.page
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(actuary.username)
    page.get_by_label("Password").fill("persona-pass-123")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")

    page.goto("/jobs/")
    page.get_by_test_id(f"run-{kinds.NAME}").click()
    page.get_by_label("N", exact=True).fill("8000")
    page.get_by_label("Chunks", exact=True).fill("8")
    page.get_by_label("Sleep ms", exact=True).fill("500")
    page.get_by_role("button", name="Run").click()
    page.wait_for_url("**/jobs/*/")

    bar = page.get_by_test_id("job-progress")
    seen: list[int] = []
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        seen.append(int(bar.get_attribute("aria-valuenow")))
        if page.get_by_test_id("job-status").get_attribute("data-status") == "succeeded":
            break
        time.sleep(0.25)
    assert seen[-1] == 100, seen
    assert any(0 < value < 100 for value in seen), f"the bar never showed progress in between: {seen}"
    assert seen == sorted(seen)
    assert page.get_by_test_id("job-summary").is_visible()
    assert page.get_by_test_id("job-live").get_attribute("data-active") == "false"
    assert probe.csp_violations() == [] and probe.page_errors == []
    probe.screenshot("job-done")
