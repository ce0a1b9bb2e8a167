"""Capital positions: entered by a maker, approved by someone else, audited; a solvency or stress
run references an approved one by id and takes exactly its figures (the same ratios as a
what-if run given the same figures by hand), refuses one that is not approved or is for
another date; a run without one is flagged what-if on its page and in its report."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from insurer.jobs import services
from insurer.jobs.models import Job
from insurer.ledger.models import AuditEvent
from risk import capital
from risk.models import CapitalPosition
from risk.reports import build
from risk.tests.test_solvency2_jobs import _book

pytestmark = pytest.mark.django_db
DATE = "2026-06-30"
FIGURES = {"core_capital": "60000", "actual_capital": "90000", "irr_rating": "BBB", "sarmra_score": "82",
           "market_capital": "5000", "credit_capital": "3000", "non_life_capital": "1000", "own_funds": "150000",
           "scr_market": "20000", "scr_default": "5000", "equity_holdings": "20000"}  # fmt: skip


def _enter(actor, **extra) -> CapitalPosition:
    data = {"valuation_date": DATE, "source": "Balance sheet 2026 Q2, SARMRA letter 2026-04", **FIGURES, **extra}
    return capital.capital_position_enter(actor=actor, data=data)


def test_entered_by_a_maker_approved_by_another_audited(finance_accountant, chief_actuary, cro):
    first = _enter(finance_accountant)
    assert (first.status, first.version, first.maker) == ("submitted", 1, finance_accountant)
    assert first.figures["core_capital"] == "60000" and first.figures["irr_rating"] == "BBB"
    with pytest.raises(ValidationError, match="not approved"):
        capital.approved_position(first.pk)
    with pytest.raises(ValidationError) as refused:
        capital.capital_position_decide(actor=cro, position=first, approve=False, comment=" ")
    assert "comment" in refused.value.message_dict
    approved = capital.capital_position_decide(actor=cro, position=first, approve=True, comment="agrees with GL")
    assert approved.status == "approved" and approved.checker == cro
    assert capital.approved_position(first.pk) == approved
    with pytest.raises(ValidationError, match="only a submitted one"):
        capital.capital_position_decide(actor=chief_actuary, position=first, approve=False, comment="late")
    second = _enter(finance_accountant, core_capital="61000")
    assert second.version == 2  # a correction is a new version of the same date
    actions = list(AuditEvent.objects.filter(object_type="risk.capitalposition").values_list("action", flat=True))
    assert sorted(actions) == ["capital_position_approve", "capital_position_enter", "capital_position_enter"]


def test_maker_checker_and_roles(actuary, chief_actuary, board_member, internal_auditor, claims_handler):
    mine = _enter(chief_actuary)
    with pytest.raises(PermissionDenied, match="Maker-checker"):
        capital.capital_position_decide(actor=chief_actuary, position=mine, approve=True)
    with pytest.raises(PermissionDenied):
        capital.capital_position_decide(actor=actuary, position=mine, approve=True)  # actuaries enter, not approve
    for refused in (board_member, internal_auditor, claims_handler):
        with pytest.raises(PermissionDenied):
            _enter(refused)
    assert CapitalPosition.objects.count() == 1


def test_bad_figures_are_refused_by_field_and_nothing_written(actuary):
    with pytest.raises(ValidationError) as refused:
        _enter(actuary, actual_capital="100", sarmra_score="120", irr_rating="Z")
    assert {"actual_capital", "sarmra_score", "irr_rating"} <= set(refused.value.message_dict)
    with pytest.raises(ValidationError, match="C-ROSS position"):
        capital.capital_position_enter(actor=actuary, data={"valuation_date": DATE, "source": "x",
                                                            "core_capital": "1"})  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        _enter(actuary, source="", surplus="1")
    assert {"source", "surplus"} <= set(refused.value.message_dict)
    assert (
        not CapitalPosition.objects.exists()
        and not AuditEvent.objects.filter(object_type="risk.capitalposition").exists()
    )


def test_a_run_on_an_approved_position_takes_its_figures(finance_accountant, cro, actuary):
    _book()
    position = capital.capital_position_decide(actor=cro, position=_enter(finance_accountant), approve=True)
    job = services.job_request(actor=actuary, kind="solvency_run", parameters={
        "basis": "cross_default", "valuation_date": DATE, "capital_position": position.pk})  # fmt: skip
    p = job.parameters
    assert p["capital_position"] == position.run_reference() and p["what_if"] is False
    assert (Decimal(p["core_capital"]), p["irr_rating"], Decimal(p["market_capital"])) == (60000, "BBB", 5000)
    on_position = services.job_run_inline("solvency_run", {"basis": "cross_default", "valuation_date": DATE,
                                                           "capital_position": position.pk})  # fmt: skip
    by_hand = {k: FIGURES[k] for k in capital.CROSS_FIGURES if k in FIGURES}
    what_if = services.job_run_inline("solvency_run", {"basis": "cross_default", "valuation_date": DATE, **by_hand})
    assert on_position["solvency"]["ratio_core"] == what_if["solvency"]["ratio_core"]
    assert on_position["solvency"]["minimum_capital"] == what_if["solvency"]["minimum_capital"]
    sii = services.job_request(actor=actuary, kind="solvency_run", parameters={
        "basis": "cross_default", "valuation_date": DATE, "regime": "solvency2",
        "capital_position": position.pk})  # fmt: skip
    assert Decimal(sii.parameters["own_funds"]) == 150000 and Decimal(sii.parameters["scr_default"]) == 5000
    stress = services.job_request(actor=actuary, kind="stress_run", parameters={
        "basis": "cross_default", "valuation_date": DATE, "capital_position": position.pk})  # fmt: skip
    assert Decimal(stress.parameters["equity_holdings"]) == 20000 and "own_funds" not in stress.parameters


def test_a_run_refuses_an_unapproved_position_another_date_or_figures_beside_it(finance_accountant, cro, actuary):
    submitted = _enter(finance_accountant)
    base = {"basis": "cross_default", "valuation_date": DATE}
    with pytest.raises(ValidationError) as refused:
        services.job_request(actor=actuary, kind="solvency_run", parameters={**base, "capital_position": submitted.pk})
    assert "not approved" in refused.value.message_dict["capital_position"][0]
    approved = capital.capital_position_decide(actor=cro, position=submitted, approve=True)
    with pytest.raises(ValidationError) as refused:
        services.job_request(actor=actuary, kind="solvency_run", parameters={
            **base, "valuation_date": "2026-03-31", "capital_position": approved.pk})  # fmt: skip
    assert "is for 2026-06-30" in refused.value.message_dict["capital_position"][0]
    with pytest.raises(ValidationError) as refused:
        services.job_request(actor=actuary, kind="solvency_run", parameters={
            **base, "capital_position": approved.pk, "core_capital": "1"})  # fmt: skip
    assert "Leave the capital figures empty" in refused.value.message_dict["core_capital"][0]
    with pytest.raises(ValidationError) as refused:
        services.job_request(actor=actuary, kind="solvency_run", parameters={**base, "capital_position": 999999})
    assert "no capital position 999999" in refused.value.message_dict["capital_position"][0]
    assert not Job.objects.exists()


def test_the_page_and_the_report_flag_what_if_and_name_the_position(client, finance_accountant, cro, risk_officer):
    _book()
    position = capital.capital_position_decide(actor=cro, position=_enter(finance_accountant), approve=True)
    jobs = {}
    for key, extra in (("position", {"capital_position": position.pk}),
                       ("what_if", {k: FIGURES[k] for k in capital.CROSS_FIGURES if k in FIGURES})):  # fmt: skip
        parameters = {"basis": "cross_default", "valuation_date": DATE, **extra}
        job = services.job_request(actor=cro, kind="solvency_run", parameters=parameters)
        services.job_start(job.pk)
        services.job_chunk_run(job.pk, 0, worker="w1")
        job.refresh_from_db()
        assert job.status == "succeeded"
        jobs[key] = job
    client.force_login(risk_officer)
    on_position = client.get(f"/risk/solvency/{jobs['position'].pk}/").content.decode()
    what_if = client.get(f"/risk/solvency/{jobs['what_if'].pk}/").content.decode()
    assert f"approved capital position {position.pk} (2026-06-30 v1)" in on_position
    assert 'data-testid="what-if"' not in on_position.split('data-testid="capital-source"')[1].split("</p>")[0]
    assert 'data-testid="what-if"' in what_if
    listing = client.get("/risk/solvency/").content.decode()
    assert listing.count('data-testid="what-if"') == 1
    assert (
        build(jobs["position"])
        .figure("record", "capital_source")
        .startswith(f"approved capital position {position.pk}")
    )
    report = build(jobs["what_if"])
    assert report.figure("record", "capital_source").startswith("WHAT-IF") and "WHAT-IF" in report.subtitle


def test_the_capital_screens_enter_and_decide(client, finance_accountant, cro):
    client.force_login(finance_accountant)
    bad = client.post("/risk/capital/", {"valuation_date": DATE, "source": "GL", "core_capital": "10",
                                         "actual_capital": "5", "irr_rating": "A", "sarmra_score": "80"})  # fmt: skip
    assert bad.status_code == 200 and "Actual capital includes the core capital" in bad.content.decode()
    response = client.post("/risk/capital/", {"valuation_date": DATE, "source": "GL", **FIGURES})
    position = CapitalPosition.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/risk/capital/{position.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="decide"' not in page  # the maker does not decide
    assert 'data-key="core_capital"' in page
    client.force_login(cro)
    assert 'data-testid="decide"' in client.get(f"/risk/capital/{position.pk}/").content.decode()
    client.post(f"/risk/capital/{position.pk}/approve/", {"comment": "ok"})
    position.refresh_from_db()
    assert position.status == "approved" and position.checker == cro
    assert f'href="/risk/capital/{position.pk}/"' in client.get("/risk/capital/").content.decode()


def test_the_run_form_offers_the_approved_positions_only(client, finance_accountant, cro, actuary):
    approved = capital.capital_position_decide(actor=cro, position=_enter(finance_accountant), approve=True)
    submitted = _enter(finance_accountant)
    client.force_login(actuary)
    html = client.get("/jobs/run/solvency_run/").content.decode()
    assert f'<option value="{approved.pk}">#{approved.pk}: 2026-06-30 v1</option>' in html
    assert f'value="{submitted.pk}"' not in html and "None: a what-if run on the figures below" in html
