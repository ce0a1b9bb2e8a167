"""User-defined stress scenarios on the stress job (form, API, chunks, reduce, page).

A user scenario typed to equal a regulator's stress gives that stress's row to the cent
(liability change, asset loss, the minimum capital recomputed after it, both ratios), and one
equal to the C-ROSS Rule 5 mortality shock (×1.15) the liability of the run's own "mortality"
scenario. A bad definition is refused naming the scenario and the field, nothing queued."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from insurer.jobs import services
from insurer.jobs.models import Job
from risk.tests.test_solvency2_jobs import _book
from risk.tests.test_stress_minimum_capital import CAPITAL, DATE

pytestmark = pytest.mark.django_db

# Attachment 4 scenario 1 (mortality +10 per cent, lapse +20 per cent, expenses +10 per cent,
# new business 130 per cent) and scenario 2 (curve +50 bp, equities -20 per cent, defaults 10 per
# cent of fixed income), typed out from the regulator's text; Rule 5 mortality +15 per cent.
BOARD = """scenarios:
  - {name: as_stress1_high, source: Attachment 4 scenario 1 typed out, mortality_mult: 1.1, lapse_mult: 1.2,
     expense_mult: 1.1, new_business_mult: 1.3}
  - {name: as_stress2, source: Attachment 4 scenario 2 typed out, spot_shift: 0.005, equity_change: -0.2,
     fixed_income_default_loss: 0.1}
  - {name: mortality_15, source: as Rule 5 mortality, mortality_mult: 1.15}
"""
HOLDINGS = {"equity_holdings": "10000", "fixed_income_holdings": "20000", "maturing_fixed_income": "5000"}
SAME = ("bel", "bel_change", "asset_loss", "loss", "core_capital_after", "actual_capital_after",
        "minimum_capital_after", "life_insurance_risk_after", "interest_rate_risk_after", "ratio_core_after",
        "ratio_comprehensive_after", "ratio_core_after_on_base_mc", "passed")  # fmt: skip


def _run(**extra) -> dict:
    parameters = {"basis": "cross_default", "valuation_date": DATE, **CAPITAL, **HOLDINGS, **extra}
    return services.job_run_inline("stress_run", parameters)


def test_user_scenarios_equal_to_the_regulators_give_their_figures():
    _book()
    summary = _run(user_scenarios=BOARD)
    regulator = {r["scenario"]: r for r in summary["stress"]}
    user = {r["scenario"]: r for r in summary["user_stress"]}
    assert list(user) == ["as_stress1_high", "as_stress2", "mortality_15"]
    assert all(r["user_defined"] and r["minimum_capital_recomputed"] for r in user.values())
    assert user["as_stress2"]["source"] == "Attachment 4 scenario 2 typed out"
    for mine, theirs in (("as_stress1_high", "stress1_new_business_high"), ("as_stress2", "stress2_rate_up_50bp")):
        for field in SAME:
            assert user[mine][field] == pytest.approx(regulator[theirs][field], rel=1e-12, abs=1e-9), (mine, field)
    # Scenario 2's asset loss on the holdings given: 20 per cent of 10,000 + 10 per cent of 20,000.
    assert user["as_stress2"]["asset_loss"] == pytest.approx(4000.0, abs=1e-9)
    assert user["as_stress2"]["minimum_capital_after"] != user["as_stress2"]["minimum_capital_base"]
    # Rule 5 mortality through the user path = the run's own C-ROSS "mortality" scenario.
    assert summary["user_stress_totals"]["mortality_15"]["bel"] == pytest.approx(
        summary["totals"]["mortality"]["bel"], rel=1e-12
    )
    assert user["mortality_15"]["bel_change"] > 0  # term business: more deaths, more liability
    # The regulator's rows are as without user scenarios.
    plain = {r["scenario"]: r for r in _run()["stress"]}
    assert plain["stress2_rate_up_50bp"]["ratio_core_after"] == regulator["stress2_rate_up_50bp"]["ratio_core_after"]


def test_the_definition_is_in_the_parameters_and_the_hash_and_absent_changes_nothing(actuary):
    _book()
    base = {"basis": "cross_default", "valuation_date": DATE, **CAPITAL}
    plain = services.job_request(actor=actuary, kind="stress_run", parameters=base)
    blank = services.job_request(actor=actuary, kind="stress_run", parameters={**base, "user_scenarios": "  "})
    board = services.job_request(actor=actuary, kind="stress_run", parameters={**base, "user_scenarios": BOARD})
    assert "user_scenarios" not in plain.parameters and plain.input_hash == blank.input_hash
    assert board.parameters["user_scenarios"] == BOARD.strip()
    assert board.input_hash != plain.input_hash


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("scenarios:\n  - {name: pandemic, mortality_add: 0.002}\n", "scenario 'pandemic': field 'source' is required"),
        ("scenarios:\n  - {name: x, source: s, lapse_mult: -1}\n", "scenario 'x': field 'lapse_mult' must be between"),
        ("scenarios:\n  - {name: x, source: s, spot_shif: 0.01}\n", "scenario 'x': unknown field 'spot_shif'"),
        ("scenarios:\n  - {name: 'a|b', source: s}\n", "scenario 'a|b': field 'name' may not contain"),
        ("scenarios: [\n", "not valid YAML"),
    ],
)
def test_a_bad_definition_is_refused_on_its_field_nothing_queued(actuary, text, message):
    _book()
    parameters = {"basis": "cross_default", "valuation_date": DATE, **CAPITAL, "user_scenarios": text}
    with pytest.raises(ValidationError) as refused:
        services.job_request(actor=actuary, kind="stress_run", parameters=parameters)
    assert message in refused.value.message_dict["user_scenarios"][0]
    assert not Job.objects.filter(kind="stress_run").exists()


def test_the_api_takes_the_definition_as_a_string_field(actuary):
    from rest_framework.test import APIClient

    _book()
    client = APIClient()
    client.force_authenticate(actuary)
    url = reverse("risk-stress-run-list", kwargs={"version": "v1"})
    body = {"basis": "cross_default", "valuation_date": DATE, **CAPITAL, "user_scenarios": "scenarios: [{name: p}]"}
    refused = client.post(url, body, format="json")
    assert refused.status_code == 400
    assert "field 'source' is required" in str(refused.json())
    accepted = client.post(url, {**body, "user_scenarios": BOARD}, format="json")
    assert accepted.status_code == 202
    assert Job.objects.get(pk=accepted.json()["job"]).parameters["user_scenarios"] == BOARD.strip()


def test_the_run_page_lists_them_labelled_user_defined(client, risk_officer):
    from django.utils import timezone

    _book()
    summary = _run(user_scenarios=BOARD)
    parameters = {"basis": "cross_default", "valuation_date": DATE, **CAPITAL, "user_scenarios": BOARD.strip()}
    job = Job.objects.create(kind="stress_run", parameters=parameters, result_summary=summary, input_hash="5" * 64,
                             code_version="t", requested_by=risk_officer, status="succeeded", chunks_total=1,
                             chunks_done=1, finished_at=timezone.now())  # fmt: skip
    client.force_login(risk_officer)
    html = client.get(f"/risk/stress/{job.pk}/").content.decode()
    row = {r["scenario"]: r for r in summary["user_stress"]}["as_stress2"]
    section = html.split('data-scenario="as_stress2"')[1].split("</tr>")[0]
    assert "User-defined" in section and "Attachment 4 scenario 2 typed out" in section
    assert f'data-testid="mc-after">{row["minimum_capital_after"]:,.2f}<' in section
    assert f"{row['ratio_core_after'] * 100:.2f}%" in section
    assert 'data-testid="user-definition"' in html and "mortality_mult: 1.15" in html


def test_the_run_form_has_the_textarea_and_shows_the_error_on_it(actuary, client):
    _book()
    client.force_login(actuary)
    form = client.get("/jobs/run/stress_run/").content.decode()
    assert '<textarea name="user_scenarios"' in form
    data = {"basis": "cross_default", "valuation_date": DATE, **CAPITAL,
            "user_scenarios": "scenarios:\n  - {name: pandemic, mortality_add: 0.002}\n"}  # fmt: skip
    refused = client.post("/jobs/run/stress_run/", data)
    assert refused.status_code == 200
    page = refused.content.decode()
    assert "scenario &#x27;pandemic&#x27;: field &#x27;source&#x27; is required" in page
    assert not Job.objects.filter(kind="stress_run").exists()
