"""Placing and lifting restrictions: who may, separation of duties, audit and notices."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from compliance.holds import services
from compliance.holds.models import Restriction
from insurer.ledger.models import AuditEvent
from insurer.notifications.models import Notification


def place(actor, policy, kind="hold", **extra):
    return services.restriction_place(actor=actor, kind=kind, policy=policy, reason="alert AML-1 under review",
                                      **extra)  # fmt: skip


def test_an_analyst_places_a_hold_audited_and_the_mlro_is_told(aml_analyst, mlro, held_policy):
    restriction = place(aml_analyst, held_policy, source="alert", source_ref="AML-0123456789abcdef")
    assert restriction.active and restriction.placed_by == aml_analyst
    event = AuditEvent.objects.get(action="restriction_place", object_id=str(restriction.pk))
    assert event.actor_name == aml_analyst.username
    assert event.changes["after"]["policy"] == held_policy.policy_ref
    assert event.changes["after"]["source_ref"] == "AML-0123456789abcdef"
    notice = Notification.objects.get(recipient=mlro)
    assert held_policy.policy_ref in notice.title
    assert notice.url == f"/compliance/holds/{restriction.pk}/"
    assert not Notification.objects.filter(recipient=aml_analyst).exists()  # not told of their own act


def test_only_the_mlro_freezes(aml_analyst, mlro, held_policy):
    with pytest.raises(PermissionDenied, match="Only the MLRO may freeze"):
        place(aml_analyst, held_policy, kind="freeze")
    assert place(mlro, held_policy, kind="freeze").kind == "freeze"


@pytest.mark.parametrize("code", ["internal_auditor", "external_examiner", "compliance_officer", "payment_officer",
                                  "integrator", "claims_handler"])  # fmt: skip
def test_other_roles_may_not_place_a_hold(persona_factory, code, held_policy):
    with pytest.raises(PermissionDenied):
        place(persona_factory(code), held_policy)
    assert not Restriction.objects.exists()


def test_the_placer_may_not_lift_a_second_reviewer_does(aml_analyst, second_analyst, held_policy):
    restriction = place(aml_analyst, held_policy)
    with pytest.raises(PermissionDenied, match="second reviewer"):
        services.restriction_lift(actor=aml_analyst, restriction=restriction, reason="cleared")
    lifted = services.restriction_lift(actor=second_analyst, restriction=restriction, reason="false positive")
    assert (lifted.lifted_by, lifted.lift_reason, lifted.active) == (second_analyst, "false positive", False)
    event = AuditEvent.objects.get(action="restriction_lift", object_id=str(restriction.pk))
    assert event.changes["before"]["lifted_by"] is None
    assert event.changes["after"]["lifted_by"] == second_analyst.username
    assert Notification.objects.filter(recipient=aml_analyst, title__contains="lifted").exists()


def test_only_the_mlro_lifts_a_freeze_and_never_their_own(mlro, second_mlro, aml_analyst, held_policy):
    restriction = place(mlro, held_policy, kind="freeze")
    with pytest.raises(PermissionDenied, match="Only the MLRO"):
        services.restriction_lift(actor=aml_analyst, restriction=restriction, reason="cleared")
    with pytest.raises(PermissionDenied, match="second reviewer"):
        services.restriction_lift(actor=mlro, restriction=restriction, reason="cleared")
    assert not services.restriction_lift(actor=second_mlro, restriction=restriction, reason="order lifted").active


def test_a_read_only_role_may_not_lift(aml_analyst, internal_auditor, held_policy):
    restriction = place(aml_analyst, held_policy)
    with pytest.raises(PermissionDenied):
        services.restriction_lift(actor=internal_auditor, restriction=restriction, reason="x")


def test_one_active_restriction_of_a_kind_per_target_and_a_reason_always(aml_analyst, second_analyst, held_policy):
    first = place(aml_analyst, held_policy)
    with pytest.raises(ValidationError, match="already has an active payout hold"):
        place(second_analyst, held_policy)
    with pytest.raises(ValidationError, match="reason"):
        services.restriction_place(actor=aml_analyst, kind="hold", customer=held_policy.policyholder, reason=" ")
    with pytest.raises(ValidationError, match="already lifted"):
        services.restriction_lift(actor=second_analyst, restriction=first, reason="ok")
        services.restriction_lift(actor=second_analyst, restriction=first, reason="again")
    assert place(second_analyst, held_policy).active  # a new hold once the first is lifted


def test_score_places_the_tier_once_and_needs_the_scoring_permission(integrator, mlro, nobody, held_policy):
    alert = {"alert_id": "AML-feedfacefeedface", "rule_ids": ["L03", "L05"], "score": 70.0}
    with pytest.raises(PermissionDenied):
        services.restriction_place_from_score(actor=nobody, policy=held_policy, tier="hold", alert=alert)
    placed = services.restriction_place_from_score(actor=integrator, policy=held_policy, tier="hold", alert=alert)
    assert (placed.kind, placed.source, placed.source_ref) == ("hold", "alert", "AML-feedfacefeedface")
    assert "L03, L05" in placed.reason
    again = services.restriction_place_from_score(actor=integrator, policy=held_policy, tier="hold", alert=alert)
    assert again == placed
    assert (
        services.restriction_place_from_score(actor=integrator, policy=held_policy, tier="review", alert=alert) is None
    )
    assert Notification.objects.filter(recipient=mlro).count() == 1
