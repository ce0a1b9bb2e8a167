"""The solvency dashboard and the stress screens: ratios over time from the finished runs (the
latest of each valuation date) against 50% and 100%, the steps from the modules to the minimum
capital, Q(S), and the stress results; who reads and who may run."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from insurer.jobs.models import Job
from risk.jobs_solvency import solvency_position
from risk.tests.matrix import SOLVENCY_PARAMETERS, solvency_world

pytestmark = pytest.mark.django_db


def _chart(html: str, element_id: str) -> dict:
    found = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S)
    assert found, element_id
    return json.loads(found.group(1))


def _solvency_job(requester, day: str, core: str, status="succeeded", finished=None) -> Job:
    parameters = {**SOLVENCY_PARAMETERS, "valuation_date": day, "core_capital": core}
    capital = {"life_insurance_risk": 400000.0, "interest_rate_risk": 50000.0}
    summary = {"basis": "cross_default", "valuation_date": day, "policies": 1, "valued": 1, "skipped": {},
               "solvency": solvency_position(parameters, capital)}  # fmt: skip
    return Job.objects.create(kind="solvency_run", parameters=parameters, input_hash="2" * 64, code_version="t",
                              requested_by=requester, status=status, chunks_total=1,
                              chunks_done=1 if status == "succeeded" else 0,
                              result_summary=summary if status == "succeeded" else None,
                              finished_at=finished or (timezone.now() if status == "succeeded" else None))  # fmt: skip


@pytest.fixture
def requester():
    return get_user_model().objects.create_user(username="solvency-requester")


def test_the_dashboard_charts_the_latest_run_of_each_date_against_50_and_100(client, board_member, requester):
    later = timezone.now()
    march = _solvency_job(requester, "2026-03-31", "700000", finished=later - timezone.timedelta(hours=2))
    _solvency_job(requester, "2026-06-30", "500000", finished=later - timezone.timedelta(hours=3))
    june = _solvency_job(requester, "2026-06-30", "800000", finished=later)  # the newer June run counts
    _solvency_job(requester, "2026-09-30", "900000", status="running")  # not finished: not on the chart
    client.force_login(board_member)
    response = client.get("/risk/solvency/")
    assert response.status_code == 200
    html = response.content.decode()
    chart = _chart(html, "chart-ratios")
    assert chart["categories"] == ["2026-03-31", "2026-06-30"]
    core, comprehensive, core_min, comp_min = (s["data"] for s in chart["series"])
    expected = [round(j.result_summary["solvency"]["ratio_core"] * 100, 2) for j in (march, june)]
    assert core == expected and core_min == [50.0, 50.0] and comp_min == [100.0, 100.0]
    assert comprehensive[1] == round(june.result_summary["solvency"]["ratio_comprehensive"] * 100, 2)
    # The latest run's steps from the modules to the minimum capital, and Q(S).
    position = june.result_summary["solvency"]
    waterfall = _chart(html, "chart-capital")
    steps, total = waterfall["series"][0]["data"][:-1], waterfall["series"][1]["data"][-1]
    assert steps[:4] == [round(position["modules"][m], 2) for m in ("life", "non_life", "market", "credit")]
    assert steps[4] == round(-position["diversification"], 2) < 0
    assert sum(steps) == pytest.approx(total, abs=0.05)  # the steps add up to the minimum capital
    assert total == round(position["minimum_capital"], 2)
    assert f'data-testid="control-risk-q">{position["control_risk_q"]:.4f}' in html
    assert 'data-testid="run-solvency"' not in html  # the board reads, never runs


def test_runners_see_the_run_form_and_readers_only_read(client, actuary, claims_handler, internal_auditor):
    client.force_login(actuary)
    page = client.get("/risk/solvency/").content.decode()
    assert 'href="/jobs/run/solvency_run/"' in page
    form = client.get("/jobs/run/solvency_run/")
    assert form.status_code == 200 and b'name="core_capital"' in form.content and b'name="sarmra_score"' in form.content
    assert b'name="equity_holdings"' in client.get("/jobs/run/stress_run/").content
    client.force_login(internal_auditor)
    assert client.get("/risk/solvency/").status_code == 200
    assert client.get("/jobs/run/solvency_run/").status_code == 403
    client.force_login(claims_handler)
    assert client.get("/risk/solvency/").status_code == 403
    assert client.get("/risk/stress/").status_code == 403


def test_a_run_page_shows_its_figures_and_report_links(client, cro, requester):
    runs = solvency_world(requester)
    job = runs["solvency_run"]
    client.force_login(cro)
    html = client.get(f"/risk/solvency/{job.pk}/").content.decode()
    position = job.result_summary["solvency"]
    assert f"{position['ratio_core'] * 100:.2f}%" in html
    assert f"/risk/solvency/{job.pk}/report.xlsx" in html and f"/risk/solvency/{job.pk}/report.pdf" in html
    assert job.input_hash in html
    assert f"/risk/stress/{runs['stress_run'].pk}/" in html  # the stress run of the same date and basis
    # A stress run's id is not a solvency run.
    assert client.get(f"/risk/solvency/{runs['stress_run'].pk}/").status_code == 404


def test_the_stress_page_shows_each_scenario_against_capital(client, risk_officer, requester):
    stress = solvency_world(requester)["stress_run"]
    client.force_login(risk_officer)
    html = client.get(f"/risk/stress/{stress.pk}/").content.decode()
    row = next(r for r in stress.result_summary["stress"] if r["scenario"] == "stress3_rate_down")
    assert 'data-scenario="stress3_rate_down"' in html
    assert f"{row['ratio_core_after'] * 100:.2f}%" in html
    chart = _chart(html, "chart-stress")
    assert chart["series"][0]["data"][0] == round(stress.result_summary["solvency"]["ratio_core"] * 100, 2)
    assert chart["series"][2]["data"][0] == 50.0 and chart["series"][3]["data"][0] == 100.0
    listing = client.get("/risk/stress/").content.decode()
    assert f"/risk/stress/{stress.pk}/" in listing and "chart-stress" in listing


def test_the_home_dashboard_shows_the_latest_position_to_readers_only(client, executive, claims_handler, requester):
    empty = client
    empty.force_login(executive)
    assert "No finished solvency run yet." in empty.get("/").content.decode()
    june = _solvency_job(requester, "2026-06-30", "800000")
    html = client.get("/").content.decode()
    position = june.result_summary["solvency"]
    assert f'data-kpi="solvency-core">{position["ratio_core"] * 100:.2f}%' in html
    assert f'data-kpi="solvency-comprehensive">{position["ratio_comprehensive"] * 100:.2f}%' in html
    assert f"/risk/solvency/{june.pk}/" in html
    client.force_login(claims_handler)
    assert 'data-testid="solvency-panel"' not in client.get("/").content.decode()
