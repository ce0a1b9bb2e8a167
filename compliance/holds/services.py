"""Placing and lifting restrictions. Keyword-only, atomic, permission-checked, audited.

- A hold (payouts held pending review) is placed and lifted by an AML analyst or the MLRO;
  a freeze only by the MLRO. Oversight roles are refused every write (insurer.access.require).
- The person who placed a restriction never lifts it (a second reviewer does: SoD).
- One active restriction of a kind per policy or customer.
- Every placement and lift is an audit event; the MLRO (and, for holds, the analysts) are
  notified of a placement, the placer of a lift.
- Real-time scoring places holds and freezes itself (``restriction_place_from_score``): the
  rule catalogue's tiers decide, the caller's account is recorded as the placer.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from compliance.holds.models import Restriction
from insurer import audit
from insurer.access import require
from insurer.access.grants import holders
from insurer.notifications.services import notify

OBJ = "compliance_holds.restriction"


def _snapshot(r: Restriction) -> dict:
    return {
        "kind": r.kind,
        "policy": r.policy.policy_ref if r.policy_id else None,
        "customer": r.customer.customer_ref if r.customer_id else None,
        "source": r.source,
        "source_ref": r.source_ref,
        "reason": r.reason,
        "placed_by": r.placed_by.get_username(),
        "lifted_by": r.lifted_by.get_username() if r.lifted_by_id else None,
        "lift_reason": r.lift_reason,
    }


def active_on(*, kind: str, policy=None, customer=None) -> Restriction | None:
    target = {"policy": policy} if policy is not None else {"customer": customer}
    return Restriction.objects.filter(kind=kind, lifted_at__isnull=True, **target).first()


def _create(*, actor, kind: str, reason: str, source: str, source_ref: str, policy, customer) -> Restriction:
    if kind not in Restriction.Kind.values:
        raise ValidationError(_("Unknown restriction kind %(kind)s.") % {"kind": kind})
    if source not in Restriction.Source.values:
        raise ValidationError(_("Unknown source %(source)s.") % {"source": source})
    if (policy is None) == (customer is None):
        raise ValidationError(_("A restriction applies to one policy or one customer."))
    if not (reason or "").strip():
        raise ValidationError(_("A reason is required."))
    existing = active_on(kind=kind, policy=policy, customer=customer)
    if existing is not None:
        raise ValidationError(
            _("%(target)s already has an active %(kind)s (restriction #%(id)s).")
            % {"target": existing.target_ref, "kind": existing.get_kind_display().lower(), "id": existing.pk}
        )
    restriction = Restriction(
        kind=kind, policy=policy, customer=customer, reason=reason.strip(), source=source,
        source_ref=source_ref.strip(), placed_by=actor, placed_at=timezone.now(),
    )  # fmt: skip
    restriction.full_clean()
    try:
        with transaction.atomic():
            restriction.save()
    except IntegrityError:  # placed concurrently by someone else
        raise ValidationError(_("That restriction was placed a moment ago by someone else.")) from None
    return restriction


def _notify_placed(restriction: Restriction, actor) -> None:
    roles = ["mlro"] if restriction.kind == Restriction.Kind.FREEZE else ["mlro", "aml_analyst"]
    recipients = [u for role in roles for u in holders(role) if u.pk != actor.pk]
    notify(
        recipients=recipients,
        kind="other",
        title=_("%(kind)s placed on %(target)s") % {"kind": restriction.get_kind_display(),
                                                    "target": restriction.target_ref},
        body=restriction.reason,
        url=reverse("compliance_holds:detail", args=[restriction.pk]),
    )  # fmt: skip


@transaction.atomic
def restriction_place(*, actor, kind: str, reason: str, source: str = Restriction.Source.MANUAL,
                      source_ref: str = "", policy=None, customer=None) -> Restriction:  # fmt: skip
    """Place a hold or a freeze on one policy or one customer.

    Checks ``compliance_holds.place_hold`` / ``place_freeze`` (only the MLRO freezes), a
    reason, one target, no active restriction of that kind on it. Writes the restriction
    and an audit event; notifies the MLRO (and the analysts, for a hold)."""
    permission = "place_freeze" if kind == Restriction.Kind.FREEZE else "place_hold"
    require(
        actor,
        f"compliance_holds.{permission}",
        _("Only the MLRO may freeze an account.") if kind == Restriction.Kind.FREEZE
        else _("Your role may not place a payout hold."),
    )  # fmt: skip
    restriction = _create(actor=actor, kind=kind, reason=reason, source=source, source_ref=source_ref,
                          policy=policy, customer=customer)  # fmt: skip
    audit.record_change(actor=actor, action="restriction_place", obj_type=OBJ, obj_id=str(restriction.pk),
                        object_repr=str(restriction), after=_snapshot(restriction),
                        reason=restriction.reason)  # fmt: skip
    _notify_placed(restriction, actor)
    return restriction


@transaction.atomic
def restriction_lift(*, actor, restriction: Restriction, reason: str) -> Restriction:
    """Lift an active restriction.

    Checks ``compliance_holds.lift_hold`` / ``lift_freeze`` (only the MLRO lifts a freeze),
    that the actor is not the one who placed it (a second reviewer lifts), a reason, and that
    it is still active. Writes the lift and an audit event (before/after); notifies the placer."""
    restriction = (
        Restriction.objects.select_for_update(of=("self",))
        .select_related("policy", "customer", "placed_by")
        .get(pk=restriction.pk)
    )
    freeze = restriction.kind == Restriction.Kind.FREEZE
    require(
        actor,
        "compliance_holds.lift_freeze" if freeze else "compliance_holds.lift_hold",
        _("Only the MLRO may lift an account freeze.") if freeze else _("Your role may not lift a payout hold."),
    )
    if restriction.placed_by_id == getattr(actor, "pk", None):
        raise PermissionDenied(_("You placed this restriction: a second reviewer must lift it."))
    if not restriction.active:
        raise ValidationError(_("Restriction #%(id)s was already lifted.") % {"id": restriction.pk})
    if not (reason or "").strip():
        raise ValidationError(_("A reason for lifting is required."))
    before = _snapshot(restriction)
    restriction.lifted_by, restriction.lifted_at, restriction.lift_reason = actor, timezone.now(), reason.strip()
    restriction.full_clean()
    restriction.save(update_fields=["lifted_by", "lifted_at", "lift_reason"])
    audit.record_change(actor=actor, action="restriction_lift", obj_type=OBJ, obj_id=str(restriction.pk),
                        object_repr=str(restriction), before=before, after=_snapshot(restriction),
                        reason=restriction.lift_reason)  # fmt: skip
    notify(
        recipients=[restriction.placed_by],
        kind="other",
        title=_("%(kind)s on %(target)s lifted") % {"kind": restriction.get_kind_display(),
                                                    "target": restriction.target_ref},
        body=restriction.lift_reason,
        url=reverse("compliance_holds:detail", args=[restriction.pk]),
    )  # fmt: skip
    return restriction


@transaction.atomic
def restriction_place_from_score(*, actor, policy, tier: str, alert: dict) -> Restriction | None:
    """The restriction a real-time score's tier calls for (hold or freeze), placed before the
    payout is executed; None below the hold tier.

    Checks ``compliance_holds.score_transaction`` (the scoring caller). The catalogue's tier
    decides, so a freeze needs no MLRO here; the MLRO is notified and decides on lifting.
    Idempotent: an active restriction of that kind (or a freeze, for a hold) is returned as is."""
    require(actor, "compliance_holds.score_transaction", _("Your role may not score transactions."))
    if tier not in Restriction.Kind.values:
        return None
    for kind in [Restriction.Kind.FREEZE] if tier == Restriction.Kind.FREEZE else Restriction.Kind.values[::-1]:
        existing = active_on(kind=kind, policy=policy)
        if existing is not None:
            return existing
    rules = ", ".join(alert["rule_ids"])
    reason = _("Real-time score %(score)g (%(tier)s) before a payout: %(rules)s") % {
        "score": alert["score"], "tier": tier, "rules": rules,
    }  # fmt: skip
    restriction = _create(actor=actor, kind=tier, reason=reason, source=Restriction.Source.ALERT,
                          source_ref=alert["alert_id"], policy=policy, customer=None)  # fmt: skip
    audit.record_change(actor=actor, action="restriction_place", obj_type=OBJ, obj_id=str(restriction.pk),
                        object_repr=str(restriction), after=_snapshot(restriction), reason=reason,
                        detail={"automatic": True, "score": alert["score"], "rules": alert["rule_ids"]})  # fmt: skip
    _notify_placed(restriction, actor)
    return restriction
