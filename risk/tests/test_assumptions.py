"""Assumption sets: versions drafted, submitted and approved by someone else before any run
may use them; every bad field named; every write audited; two versions compared field by
field; the shipped bases are approved version 1 and reproduce the engine's own."""

from __future__ import annotations

import io

import numpy as np
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command

from insurer.jobs import services as job_services
from insurer.ledger.models import AuditEvent
from risk import assumptions
from risk.engine import basis_schema
from risk.engine.bases import basis_file, load_basis
from risk.models import SYSTEM_APPROVAL, AssumptionSet

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("without_shipped_proposal")]
BASICLIFE_POINTS = str(basis_file("basiclife", "model_points.csv"))


def shipped(name="cross_default") -> AssumptionSet:
    return AssumptionSet.objects.get(name=name, version=1)


def changed(parent: AssumptionSet, **fields) -> dict:
    return {**parent.parameters, **fields}


def approved_v2(actuary, chief_actuary, **fields) -> AssumptionSet:
    draft = assumptions.assumption_set_draft(actor=actuary, parent=shipped(), parameters=changed(shipped(), **fields),
                                             note="company lapse study 2026")  # fmt: skip
    assumptions.assumption_set_submit(actor=actuary, assumption_set=draft)
    return assumptions.assumption_set_approve(actor=chief_actuary, assumption_set=draft)


def run_command(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_the_shipped_bases_are_approved_version_1_by_the_system_and_equal_the_engines_files():
    for name in ("basiclife", "cross_default"):
        s = shipped(name)
        assert s.status == "approved" and s.system_note == SYSTEM_APPROVAL and s.maker is None and s.checker is None
        assert s.approved_by_label == "system: shipped reference basis"
        assert s.content_hash == basis_schema.content_hash(s.parameters)
        from_db, from_files = assumptions.engine_basis(s), load_basis(name)
        assert np.array_equal(from_db.lapse_by_policy_year, from_files.lapse_by_policy_year)
        assert np.array_equal(from_db.pricing_spot_curve, from_files.pricing_spot_curve)
        assert (from_db.mortality, from_db.premium_loading, from_db.acquisition_expense) == (
            from_files.mortality, from_files.premium_loading, from_files.acquisition_expense)  # fmt: skip


def test_the_basiclife_set_from_the_database_still_gives_lifelibs_published_total():
    text = run_command("valuation", "--model-points", BASICLIFE_POINTS, "--basis", "basiclife:1")
    assert f"basis basiclife v1 (sha256 {shipped('basiclife').content_hash[:12]})" in text
    assert "14,489,630.53" in text  # lifelib BasicTerm_M: Σ pv_net_cf = 14,489,630.5346


def test_maker_drafts_submits_and_another_approves_each_step_audited(actuary, chief_actuary):
    parent = shipped()
    draft = assumptions.assumption_set_draft(
        actor=actuary, parent=parent, parameters=changed(parent, lapse_by_policy_year=[0.12, 0.09, 0.07, 0.05]),
        note="company lapse study 2026",
    )  # fmt: skip
    assert (draft.version, draft.status, draft.parent, draft.maker) == (2, "draft", parent, actuary)
    assert draft.content_hash != parent.content_hash
    with pytest.raises(PermissionDenied, match="Only the maker of cross_default v2 may submit it"):
        assumptions.assumption_set_submit(actor=chief_actuary, assumption_set=draft)
    assumptions.assumption_set_submit(actor=actuary, assumption_set=draft)
    with pytest.raises(ValidationError, match="only a draft"):
        assumptions.assumption_set_edit(actor=actuary, assumption_set=draft, parameters=parent.parameters, note="x")
    approved = assumptions.assumption_set_approve(actor=chief_actuary, assumption_set=draft, comment="agreed")
    assert (approved.status, approved.checker) == ("approved", chief_actuary)
    assert approved.approved_by_label == chief_actuary.get_username()
    actions = list(AuditEvent.objects.filter(object_type="risk.assumptionset", object_id=str(draft.pk))
                   .order_by("pk").values_list("action", flat=True))  # fmt: skip
    assert actions == ["assumption_set_draft", "assumption_set_submit", "assumption_set_approve"]
    drafted = AuditEvent.objects.get(object_id=str(draft.pk), action="assumption_set_draft")
    assert "lapse_by_policy_year[policy year 1]: 0.1 → 0.09" in drafted.changes["changes"]
    # Runs naming the basis alone now use v2.
    assert assumptions.approved_set("cross_default") == approved


def test_nobody_approves_their_own_version_and_the_database_refuses_it_too(chief_actuary):
    draft = assumptions.assumption_set_draft(
        actor=chief_actuary, parent=shipped(), parameters=changed(shipped(), premium_loading=0.4), note="loading"
    )
    assumptions.assumption_set_submit(actor=chief_actuary, assumption_set=draft)
    with pytest.raises(PermissionDenied, match="Maker-checker: you drafted cross_default v2"):
        assumptions.assumption_set_approve(actor=chief_actuary, assumption_set=draft)
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        AssumptionSet.objects.filter(pk=draft.pk).update(status="approved", checker=chief_actuary)


def test_who_may_draft_and_who_may_approve(actuary, cro, risk_officer, internal_auditor, chief_actuary):
    for refused in (cro, risk_officer, internal_auditor):  # the CRO checks, does not draft; oversight never writes
        with pytest.raises(PermissionDenied):
            assumptions.assumption_set_draft(actor=refused, parent=shipped(),
                                             parameters=changed(shipped(), premium_loading=0.4), note="x")  # fmt: skip
    draft = assumptions.assumption_set_draft(actor=actuary, parent=shipped(),
                                             parameters=changed(shipped(), premium_loading=0.4), note="x")  # fmt: skip
    assumptions.assumption_set_submit(actor=actuary, assumption_set=draft)
    for refused in (actuary, risk_officer, internal_auditor):
        with pytest.raises(PermissionDenied):
            assumptions.assumption_set_approve(actor=refused, assumption_set=draft)
    with pytest.raises(ValidationError, match="Say why"):
        assumptions.assumption_set_reject(actor=cro, assumption_set=draft, comment=" ")
    rejected = assumptions.assumption_set_reject(actor=cro, assumption_set=draft, comment="no study behind it")
    assert rejected.status == "rejected" and rejected.checker == cro
    with pytest.raises(ValidationError, match="only a submitted version"):
        assumptions.assumption_set_approve(actor=chief_actuary, assumption_set=rejected)


def test_bad_parameters_are_refused_naming_every_field(actuary):
    bad = changed(shipped(), lapse_by_policy_year=[0.1, 1.4], mortality={"M": "CL9", "F": "CL2"},
                  premium_loading=-0.1, lapse=[0.1])  # fmt: skip
    del bad["inflation_rate"]
    with pytest.raises(ValidationError) as refused:
        assumptions.assumption_set_draft(actor=actuary, parent=shipped(), parameters=bad, note="typo")
    messages = refused.value.message_dict["parameters"]
    assert "lapse_by_policy_year[policy year 1]: 1.4 is above 1" in messages
    assert any(m.startswith("mortality.M: unknown mortality table 'CL9'") for m in messages)
    assert "premium_loading: -0.1 must be at least 0" in messages
    assert "inflation_rate: is required" in messages
    assert any(m.startswith("lapse: is not a basis field") for m in messages)
    assert AssumptionSet.objects.filter(name="cross_default").count() == 1  # nothing written
    with pytest.raises(ValidationError, match="the same as cross_default v1"):
        assumptions.assumption_set_draft(actor=actuary, parent=shipped(), parameters=shipped().parameters, note="x")


def test_the_diff_names_each_changed_field_vector_element_and_table_row(actuary):
    parent = shipped()
    own_table = {"min_age": 18, "qx": [[0.001, 0.0012], [0.0011, 0.0013], [0.0012, 0.0014]], "source": "study 2026"}
    v2 = assumptions.assumption_set_draft(
        actor=actuary, parent=parent, note="own male table",
        parameters=changed(parent, tables={"XM": own_table}, mortality={"M": "XM", "F": "CL2"}, inflation_rate=0.025),
    )  # fmt: skip
    own_table_v3 = {**own_table, "qx": [[0.001, 0.0012], [0.0011, 0.0015], [0.0012, 0.0014], [0.0013, 0.0016]]}
    v3 = assumptions.assumption_set_draft(
        actor=actuary, parent=v2, note="table corrected",
        parameters=changed(v2, tables={"XM": own_table_v3}, lapse_by_policy_year=[0.15, 0.1, 0.08]),
    )  # fmt: skip
    first = {(c.field, c.old, c.new) for c in assumptions.diff(parent, v2)}
    assert first == {("mortality.M", "CL1", "XM"), ("inflation_rate", 0.02, 0.025),
                     ("tables.XM", None, "ages 18-20, 2 columns")}  # fmt: skip
    second = [(c.field, c.old, c.new, c.kind) for c in assumptions.diff(v2, v3)]
    assert ("tables.XM.qx[age 19]", [0.0011, 0.0013], [0.0011, 0.0015], "changed") in second
    assert ("tables.XM.qx[age 21]", None, [0.0013, 0.0016], "added") in second
    assert ("lapse_by_policy_year[policy year 3]", 0.06, None, "removed") in second
    # The basis's own table is what the engine uses for men.
    basis = assumptions.engine_basis(v3)
    assert basis.table_for_sex("M").annual_q(19, 1) == 0.0015


def test_runs_refuse_a_draft_an_unknown_version_and_a_retired_set_naming_it(actuary, chief_actuary, cro):
    draft = assumptions.assumption_set_draft(actor=actuary, parent=shipped(),
                                             parameters=changed(shipped(), premium_loading=0.4), note="x")  # fmt: skip
    cases = {
        "cross_default:2": "basis cross_default v2 is draft, not approved",
        "cross_default:7": "basis cross_default has no version 7 (versions: v2, v1)",
        "nope": "unknown basis 'nope'; approved: basiclife, cross_default",
        "cross_default:x": "the version must be a whole number",
    }
    for spec, message in cases.items():
        with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
            run_command("valuation", "--model-points", BASICLIFE_POINTS, "--basis", spec)
        with pytest.raises(ValidationError) as refused:
            parameters = {"basis": spec, "scenarios": "base", "valuation_date": "2026-06-30"}
            job_services.job_request(actor=actuary, kind="book_valuation", parameters=parameters)
        assert message in refused.value.message_dict["basis"][0]
    assumptions.assumption_set_submit(actor=actuary, assumption_set=draft)
    with pytest.raises(CommandError, match="cross_default v2 is submitted for approval, not approved"):
        run_command("valuation", "--model-points", BASICLIFE_POINTS, "--basis", "cross_default:2")
    assumptions.assumption_set_approve(actor=chief_actuary, assumption_set=draft)
    assumptions.assumption_set_retire(actor=cro, assumption_set=shipped("basiclife"), reason="superseded")
    with pytest.raises(CommandError, match=r"basis basiclife has no approved version \(v1 retired\)"):
        run_command("valuation", "--model-points", BASICLIFE_POINTS, "--basis", "basiclife")


def test_a_job_records_the_set_it_used_and_refuses_a_set_changed_behind_its_back(actuary, chief_actuary):
    v2 = approved_v2(actuary, chief_actuary, premium_loading=0.4)
    job = job_services.job_request(actor=actuary, kind="book_valuation",
                                   parameters={"basis": "cross_default", "scenarios": "base",
                                               "valuation_date": "2026-06-30"})  # fmt: skip
    assert job.parameters["basis"] == "cross_default:2"
    assert job.parameters["assumption_set"] == {"id": v2.pk, "name": "cross_default", "version": 2,
                                                "content_hash": v2.content_hash}  # fmt: skip
    pinned = job_services.job_request(actor=actuary, kind="book_valuation",
                                      parameters={"basis": "cross_default:1", "scenarios": "base",
                                                  "valuation_date": "2026-06-30"})  # fmt: skip
    assert pinned.parameters["assumption_set"]["version"] == 1 and pinned.input_hash != job.input_hash
    # A row edited under the services' feet no longer matches its hash: the chunk refuses it.
    AssumptionSet.objects.filter(pk=v2.pk).update(parameters=changed(v2, premium_loading=0.9))
    with pytest.raises(assumptions.UnapprovedBasis, match="no longer match the approved content hash"):
        assumptions.basis_for_run(job.parameters["assumption_set"])
    with pytest.raises(assumptions.UnapprovedBasis, match="names no approved assumption set"):
        assumptions.basis_for_run(None)


def test_a_basis_own_table_is_checked_row_by_row():
    parameters = {**shipped().parameters, "mortality": {"M": "XM", "F": "CL2"}, "tables": {"XM": {
        "min_age": 18, "qx": [[0.001, 0.002], [0.001, 1.5], [0.002]], "source": ""}}}  # fmt: skip
    problems = [str(p) for p in basis_schema.problems_in(parameters)]
    assert problems == [
        "tables.XM.source: say where the table comes from",
        "tables.XM.qx[age 19]: column 1 = 1.5 is not a rate 0..1",
        "tables.XM.qx[age 20]: must be a list of 2 rates (select..., ultimate)",
    ]
    with pytest.raises(basis_schema.BasisParametersError, match=r"basis mine refused: tables\.XM\.source"):
        basis_schema.basis_from_parameters("mine", parameters)
    not_rows = {**parameters, "tables": {"XM": {"min_age": 18, "qx": [0.001, 0.002], "source": "x"}}}
    assert [str(p) for p in basis_schema.problems_in(not_rows)] == [
        "tables.XM.qx[age 18]: must be a list of rates (select..., ultimate)"
    ]
