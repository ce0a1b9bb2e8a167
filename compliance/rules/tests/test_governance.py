"""Rule versions: proposed as validated drafts, shadowed, approved by someone else after a
shadow run; exactly one live; who may do what."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from compliance.engine.parameters import read_document, shipped_catalogues
from compliance.rules import selectors, services
from compliance.rules.models import RuleVersion
from insurer.jobs.models import Job
from insurer.ledger.models import AuditEvent as Event

pytestmark = pytest.mark.django_db
V2_TEXT = shipped_catalogues()["rules-v2"].read_text(encoding="utf-8")


def _shadow_job(candidate: RuleVersion, live: RuleVersion, user) -> Job:
    """A finished shadow run of ``candidate`` against ``live`` (what the aml_shadow job leaves)."""
    return Job.objects.create(
        kind="aml_shadow", parameters={"candidate": candidate.name, "live": live.name}, input_hash="0" * 64,
        code_version="test", requested_by=user, status="succeeded", chunks_total=1, chunks_done=1,
        result_summary={"only_live": 1, "only_candidate": 0, "both": 2, "rules": {}}, finished_at=timezone.now(),
    )  # fmt: skip


def test_the_migration_leaves_rules_v1_live_and_the_l11_calibration_as_the_candidate(shipped_versions):
    v1, v2 = shipped_versions
    assert (v1.status, v2.status) == ("live", "shadow") and v2.based_on == v1
    assert RuleVersion.objects.filter(status="live").count() == 1
    assert selectors.live_parameters().label == "aml-life-insurance@v1"
    assert selectors.version_parameters(v2).rules["L11"]["cash_equivalent_min_amount"] == 50_000
    v3 = RuleVersion.objects.get(name="rules-v3")  # the L02/L05/L06/L13 calibration, a draft on v2
    assert (v3.status, v3.based_on, v3.proposed_by) == ("draft", v2, None)
    assert v3.parameters == read_document(shipped_catalogues()["rules-v3"])
    assert selectors.version_parameters(v3).rules["L06"]["from_issue_weight"] == 15


def test_a_proposal_is_validated_by_the_engine_and_audited(shipped_versions, aml_analyst):
    bad = V2_TEXT.replace("cash_equivalent_switch_min_prior: {value: 3", "cash_equivalent_switch_min_prior: {value: -1")
    with pytest.raises(ValidationError) as refused:
        services.rule_version_propose(actor=aml_analyst, name="rules-v9", parameters_text=bad, note="try")
    assert "rules.L11.params.cash_equivalent_switch_min_prior.value" in str(refused.value)
    assert not RuleVersion.objects.filter(name="rules-v9").exists()
    with pytest.raises(ValidationError, match="Say what changes"):
        services.rule_version_propose(actor=aml_analyst, name="rules-v9", parameters_text=V2_TEXT, note=" ")
    v3 = services.rule_version_propose(actor=aml_analyst, name="rules-v9", parameters_text=V2_TEXT, note="copy")
    assert (v3.status, v3.proposed_by) == ("draft", aml_analyst)
    assert v3.parameters == read_document(shipped_catalogues()["rules-v2"])
    assert Event.objects.filter(action="rule_version.propose", object_id=str(v3.pk)).exists()


def test_the_proposer_never_approves_their_own_version(shipped_versions, compliance_officer, mlro):
    v1, _ = shipped_versions
    mine = services.rule_version_propose(actor=compliance_officer, name="co-v3", parameters_text=V2_TEXT, note="x")
    services.rule_version_shadow(actor=compliance_officer, version=mine)
    _shadow_job(mine, v1, compliance_officer)
    with pytest.raises(PermissionDenied, match="Maker-checker"):
        services.rule_version_approve(actor=compliance_officer, version=mine)
    assert RuleVersion.objects.get(pk=mine.pk).status == "shadow"
    services.rule_version_approve(actor=mlro, version=mine, comment="backtest and shadow reviewed")
    assert RuleVersion.objects.get(pk=mine.pk).approved_by == mlro


def test_approval_needs_the_role_a_shadow_state_and_a_shadow_run(shipped_versions, aml_analyst, internal_auditor,
                                                                 mlro):  # fmt: skip
    v1, v2 = shipped_versions
    with pytest.raises(PermissionDenied):
        services.rule_version_approve(actor=aml_analyst, version=v2)  # analysts propose, they do not approve
    with pytest.raises(PermissionDenied):
        services.rule_version_propose(actor=internal_auditor, name="x", parameters_text=V2_TEXT, note="x")
    with pytest.raises(ValidationError, match="shadow comparison"):
        services.rule_version_approve(actor=mlro, version=v2)
    draft = services.rule_version_propose(actor=aml_analyst, name="draft-v3", parameters_text=V2_TEXT, note="x")
    with pytest.raises(ValidationError, match="Only a version in shadow"):
        services.rule_version_approve(actor=mlro, version=draft)
    assert RuleVersion.objects.get(pk=v1.pk).status == "live"


def test_going_live_retires_the_live_version_so_exactly_one_is_live(shipped_versions, aml_analyst, mlro):
    v1, v2 = shipped_versions
    _shadow_job(v2, v1, aml_analyst)
    services.rule_version_approve(actor=mlro, version=v2, comment="L11 calibration measured")
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert (v1.status, v2.status) == ("retired", "live") and v1.retired_at and v2.approved_at
    assert list(RuleVersion.objects.filter(status="live")) == [v2]
    assert selectors.live_parameters().label == "aml-life-insurance@v2"  # what monitoring now runs
    assert Event.objects.filter(action="rule_version.retire", object_id=str(v1.pk)).exists()
    # A second live row is impossible even outside the service.
    with pytest.raises(IntegrityError), transaction.atomic():
        RuleVersion.objects.filter(pk=v1.pk).update(status="live")
    # The retired version cannot come back by approval.
    with pytest.raises(ValidationError):
        services.rule_version_approve(actor=mlro, version=v1)


def test_screens_show_the_versions_and_approve_through_the_service(client, shipped_versions, aml_analyst, mlro):
    v1, v2 = shipped_versions
    client.force_login(aml_analyst)
    page = client.get("/compliance/rules/")
    assert page.status_code == 200 and b"rules-v1" in page.content and b"rules-v2" in page.content
    detail = client.get(f"/compliance/rules/{v2.pk}/")
    assert b"cash_equivalent_min_amount" in detail.content and b"approve-form" not in detail.content
    _shadow_job(v2, v1, aml_analyst)
    client.force_login(mlro)
    assert b"approve-form" in client.get(f"/compliance/rules/{v2.pk}/").content
    response = client.post(f"/compliance/rules/{v2.pk}/approve/", {"comment": "ok"})
    assert response.status_code == 302
    assert RuleVersion.objects.get(pk=v2.pk).status == "live"
