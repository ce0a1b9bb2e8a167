"""The solvency dashboard and a stress run in a real browser: the charts draw (ECharts under
the strict CSP), no script error, and the figures on the page are the run's."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from insurer.jobs.models import Job
from risk.jobs_solvency import solvency_position
from risk.tests.matrix import SOLVENCY_PARAMETERS, solvency_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _history(requester) -> None:
    for day, core in (("2025-12-31", "1300000"), ("2026-03-31", "1000000")):
        parameters = {**SOLVENCY_PARAMETERS, "valuation_date": day, "core_capital": core, "actual_capital": "1500000"}
        capital = {"life_insurance_risk": 400000.0, "interest_rate_risk": 50000.0}
        summary = {"basis": "cross_default", "valuation_date": day, "policies": 1, "valued": 1, "skipped": {},
                   "solvency": solvency_position(parameters, capital)}  # fmt: skip
        Job.objects.create(kind="solvency_run", parameters=parameters, input_hash="3" * 64, code_version="t",
                           requested_by=requester, status="succeeded", chunks_total=1, chunks_done=1,
                           result_summary=summary, finished_at=timezone.now())  # fmt: skip


def test_the_dashboard_and_a_stress_run_draw_their_charts(probe, actuary):
    requester = get_user_model().objects.create_user(username="browser-solvency-requester")
    _history(requester)
    runs = solvency_world(requester)
    page = probe.page
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(actuary.username)
    page.get_by_label("Password").fill("persona-pass-123")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")

    page.goto("/risk/solvency/")
    for chart in ("chart-ratios", "chart-capital"):
        page.locator(f'[data-chart="{chart}"] canvas').first.wait_for()
    position = runs["solvency_run"].result_summary["solvency"]
    assert page.get_by_test_id("ratio-core").inner_text() == f"{position['ratio_core'] * 100:.2f}%"
    assert page.get_by_test_id("run-solvency").is_visible()
    probe.screenshot("solvency-dashboard")

    page.goto(f"/risk/stress/{runs['stress_run'].pk}/")
    page.locator('[data-chart="chart-stress"] canvas').first.wait_for()
    assert page.locator('[data-scenario="stress3_rate_down"]').is_visible()
    probe.screenshot("stress-run")
    assert probe.csp_violations() == [] and probe.page_errors == []
