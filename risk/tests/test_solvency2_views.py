"""Solvency II runs on the screens and the API: the dashboard charts the SCR ratio over time
against 100% beside the C-ROSS ratios (each chart takes only its regime), shows the SCR by
module with the diversification effect; the run page shows the module tree and says the
quarterly report is C-ROSS's; the API lists by regime and returns the Solvency II result."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from insurer.jobs.models import Job
from risk.tests.matrix import SOLVENCY2_PARAMETERS, SOLVENCY2_TOTALS, solvency2_world, solvency_world

pytestmark = pytest.mark.django_db
API = "/api/v1/risk"
# Annex IV over (market, default, life, health, non-life)
CORR = np.array([[1, 0.25, 0.25, 0.25, 0.25], [0.25, 1, 0.25, 0.25, 0.5], [0.25, 0.25, 1, 0.25, 0],
                 [0.25, 0.25, 0.25, 1, 0], [0.25, 0.5, 0, 0, 1]])  # fmt: skip


def _chart(html: str, element_id: str) -> dict:
    found = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S)
    assert found, element_id
    return json.loads(found.group(1))


@pytest.fixture
def requester():
    return get_user_model().objects.create_user(username="sii-requester")


def _hand_scr(own_funds: float = 5000.0) -> dict:
    """SOLVENCY2_TOTALS by hand: life sub-modules (mortality 600, lapse = mass 300, expense 50,
    catastrophe 400; longevity 0), CorrLife, interest = rate down 250, then BSCR and SCR."""
    v = np.array([600.0, 0.0, 0.0, 300.0, 50.0, 0.0, 400.0])  # mortality..catastrophe, Art. 136 order
    corr_life = np.array([
        [1.00, -0.25, 0.25, 0.00, 0.25, 0.00, 0.25], [-0.25, 1.00, 0.00, 0.25, 0.25, 0.25, 0.00],
        [0.25, 0.00, 1.00, 0.00, 0.50, 0.00, 0.25], [0.00, 0.25, 0.00, 1.00, 0.50, 0.00, 0.25],
        [0.25, 0.25, 0.50, 0.50, 1.00, 0.50, 0.25], [0.00, 0.25, 0.00, 0.00, 0.50, 1.00, 0.00],
        [0.25, 0.00, 0.25, 0.25, 0.25, 0.00, 1.00]])  # fmt: skip
    life = float(np.sqrt(v @ corr_life @ v))
    m = np.array([800.0 + 250.0, 200.0, life, 0.0, 0.0])
    bscr = float(np.sqrt(m @ CORR @ m))
    scr = bscr + 100.0 - 50.0
    return {"life": life, "life_div": 1350.0 - life, "bscr": bscr, "div": float(m.sum()) - bscr, "scr": scr,
            "ratio": own_funds / scr}  # fmt: skip


def test_the_reduce_figures_of_the_fixture_are_the_hand_figures():
    from risk.jobs_solvency import solvency2_position

    s = solvency2_position(SOLVENCY2_PARAMETERS, SOLVENCY2_TOTALS)
    hand = _hand_scr()
    assert s["life"]["sub_modules"]["lapse"] == 300.0 and s["life"]["lapse_driver"] == "mass"
    assert s["life"]["total"] == pytest.approx(hand["life"], rel=1e-12)
    assert s["life"]["diversification"] == pytest.approx(hand["life_div"], rel=1e-12)
    assert s["interest_rate_risk"] == 250.0 and s["modules"]["market"] == 1050.0
    assert s["bscr"] == pytest.approx(hand["bscr"], rel=1e-12)
    assert s["diversification"] == pytest.approx(hand["div"], rel=1e-12)
    assert s["scr"] == pytest.approx(hand["scr"], rel=1e-12) and s["ratio"] == pytest.approx(hand["ratio"], rel=1e-12)


def test_the_dashboard_shows_solvency2_beside_cross_each_chart_its_own_regime(client, board_member, requester):
    cross = solvency_world(requester)["solvency_run"]
    march = solvency2_world(requester, "2026-03-31", "4000.00")["solvency2_run"]
    june = solvency2_world(requester, "2026-06-30", "6000.00")["solvency2_run"]
    client.force_login(board_member)
    html = client.get("/risk/solvency/").content.decode()
    ratios = _chart(html, "chart-ratios")
    assert ratios["categories"] == ["2026-06-30"]  # C-ROSS only: the Solvency II runs are not on it
    assert ratios["series"][0]["data"] == [round(cross.result_summary["solvency"]["ratio_core"] * 100, 2)]
    scr = _chart(html, "chart-scr-ratio")
    assert scr["categories"] == ["2026-03-31", "2026-06-30"]
    assert scr["series"][0]["data"] == [
        round(_hand_scr(4000)["ratio"] * 100, 2),
        round(_hand_scr(6000)["ratio"] * 100, 2),
    ]
    assert scr["series"][1]["data"] == [100.0, 100.0]
    waterfall = _chart(html, "chart-scr")
    steps = waterfall["series"][0]["data"]
    hand = _hand_scr(6000)
    assert steps[:5] == [1050.0, 200.0, round(hand["life"], 2), 0.0, 0.0]
    assert steps[5] == round(-hand["div"], 2) and steps[-2] == -50.0  # diversification, then the adjustment
    assert waterfall["series"][1]["data"][-1] == round(hand["scr"], 2)
    assert f"/risk/solvency/{june.pk}/" in html and march.pk != june.pk
    assert html.count('data-testid="regime">Solvency II<') == 2 and 'data-testid="regime">C-ROSS<' in html


def test_the_run_page_shows_the_module_tree_and_that_the_report_is_cross_only(client, board_member, requester):
    job = solvency2_world(requester)["solvency2_run"]
    client.force_login(board_member)
    html = client.get(f"/risk/solvency/{job.pk}/").content.decode()
    tree = html.split('data-testid="life-tree"')[1].split("</table>")[0]
    assert re.search(r'data-key="mortality".*?>600.00<', tree, re.S)
    assert re.search(r'data-key="mass \*".*?>300.00<', tree, re.S)  # the lapse driver, marked
    assert f">{_hand_scr()['life']:,.2f}<" in tree and 'data-testid="scr-interest">250.00<' in tree
    assert 'data-testid="report-xlsx"' not in html and 'data-testid="regime-note"' in html
    assert "MCR: not computed" in html
    assert client.get(f"/risk/solvency/{job.pk}/report.xlsx").status_code == 404


def test_the_api_lists_by_regime_and_returns_the_solvency2_result(board_member, actuary, requester):
    cross = solvency_world(requester)["solvency_run"]
    sii = solvency2_world(requester)["solvency2_run"]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=board_member)[0].key}")
    listed = api.get(f"{API}/solvency-runs/?regime=solvency2").json()["results"]
    assert [(r["id"], r["regime"]) for r in listed] == [(sii.pk, "solvency2")]
    assert [r["id"] for r in api.get(f"{API}/solvency-runs/?regime=cross").json()["results"]] == [cross.pk]
    assert api.get(f"{API}/solvency-runs/?regime=basel").status_code == 400
    results = api.get(f"{API}/solvency-runs/{sii.pk}/results/").json()
    assert results["solvency2"]["scr"] == pytest.approx(_hand_scr()["scr"], rel=1e-12)
    report = api.get(f"{API}/solvency-runs/{sii.pk}/report/xlsx/")
    assert report.status_code == 404 and "Solvency II" in report.json()["detail"]
    runner = APIClient()
    runner.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=actuary)[0].key}")
    requested = runner.post(f"{API}/solvency-runs/", SOLVENCY2_PARAMETERS, format="json")
    assert requested.status_code == 202
    assert Job.objects.get(pk=requested.json()["job"]).parameters["regime"] == "solvency2"
    refused = runner.post(f"{API}/solvency-runs/", {**SOLVENCY2_PARAMETERS, "own_funds": ""}, format="json")
    assert refused.status_code == 400 and "own_funds" in refused.json()["errors"]


def test_the_cross_report_states_its_regime(requester):
    from risk.reports import build

    job = solvency_world(requester)["solvency_run"]
    job.finished_at = timezone.now()
    assert build(job).figure("record", "regime") == "C-ROSS"
