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
from customers.models import Policy
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
        title=lambda: _("%(kind)s placed on %(target)s") % {"kind": restriction.get_kind_display(),
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
        title=lambda: _("%(kind)s on %(target)s lifted") % {"kind": restriction.get_kind_display(),
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


# --- the monitoring batch's restrictions ---------------------------------------------------

MONITOR_USERNAME = "aml-monitor"
MONITOR_ROLE = "aml_analyst"  # runs the batch, requests its job, starts C13 clocks; cannot freeze by hand
_STRONGER = {Restriction.Kind.HOLD: (Restriction.Kind.HOLD, Restriction.Kind.FREEZE),
             Restriction.Kind.FREEZE: (Restriction.Kind.FREEZE,)}  # fmt: skip


def monitor_actor():
    """The system user the live monitoring batch acts as: it places the batch's holds and
    freezes (``Restriction.placed_by``) and requests the scheduled jobs. A real row, so the
    rule "whoever placed it never lifts it" leaves every lift to a person. Created on first
    use, idempotently, with no usable password (nobody signs in as it) and the AML analyst
    role (run the batch, request its job, start C13 clocks)."""
    from django.contrib.auth import get_user_model

    from insurer.access.grants import role_codes
    from insurer.access.services import grant_system

    user, created = get_user_model().objects.get_or_create(
        username=MONITOR_USERNAME, defaults={"first_name": "AML monitoring", "last_name": "(system)"}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    if MONITOR_ROLE not in role_codes(user):
        grant_system(user=user, role=MONITOR_ROLE, reason="system actor of the scheduled AML monitoring")
    return user


def _covered(policy_ids: list[int]) -> dict[int, set[str]]:
    """Kinds of active restriction already covering each policy: on the policy itself or on
    its policyholder (what the payout guard refuses on). One query per 2,000 policies."""
    from django.db.models import Q

    covered: dict[int, set[str]] = {}
    for start in range(0, len(policy_ids), 2000):
        part = policy_ids[start : start + 2000]
        rows = Restriction.objects.filter(lifted_at__isnull=True).filter(
            Q(policy_id__in=part) | Q(customer__policies_held__id__in=part)
        )
        for kind, policy_id, held_id in rows.values_list("kind", "policy_id", "customer__policies_held__id"):
            for pid in (policy_id, held_id):
                if pid in part:
                    covered.setdefault(pid, set()).add(kind)
    return covered


def restrictions_place_from_run(*, run, alerts: list[dict]) -> dict:
    """Place the hold or freeze each hold- or freeze-tier alert of a live monitoring run calls
    for, on the alert's policy, in bulk. ``alerts``: dicts with alert_id, policy_id, tier,
    score, rule_codes (the run's new alerts, and those whose tier rose).

    The placer is ``monitor_actor()`` and must hold ``compliance_holds.score_transaction``
    (as real-time scoring: the catalogue's tier decides, so a freeze needs no MLRO here).
    Per policy the strongest alert counts; nothing is placed where an active restriction of
    that kind, or a stronger one, already covers the policy (itself or its policyholder), so
    running the batch again places nothing twice. Each restriction has its audit event; the
    MLRO gets one notification for the run. Returns {"holds": n, "freezes": m, "ids": [...]}."""
    rank = {Restriction.Kind.HOLD: 1, Restriction.Kind.FREEZE: 2}
    strongest: dict[int, dict] = {}
    for a in alerts:
        if a["tier"] not in rank:
            continue
        best = strongest.get(a["policy_id"])
        if best is None or (rank[a["tier"]], a["score"]) > (rank[best["tier"]], best["score"]):
            strongest[a["policy_id"]] = a
    if not strongest:
        return {"holds": 0, "freezes": 0, "ids": []}
    placer = monitor_actor()
    require(placer, "compliance_holds.score_transaction", _("Your role may not score transactions."))
    for _attempt in range(2):  # a concurrent placement on one of these policies: read again once
        covered = _covered(sorted(strongest))
        todo = [a for pid, a in sorted(strongest.items())
                if not covered.get(pid, set()) & set(_STRONGER[a["tier"]])]  # fmt: skip
        now = timezone.now()
        rows = [
            Restriction(
                kind=a["tier"], policy_id=a["policy_id"], source=Restriction.Source.ALERT, source_ref=a["alert_id"],
                reason=_("Monitoring run #%(run)s, alert %(alert)s (score %(score)s, %(tier)s): %(rules)s")
                % {"run": run.pk, "alert": a["alert_id"], "score": f"{float(a['score']):g}", "tier": a["tier"],
                   "rules": a["rule_codes"]},
                placed_by=placer, placed_at=now,
            )
            for a in todo
        ]  # fmt: skip
        try:
            with transaction.atomic():
                Restriction.objects.bulk_create(rows, batch_size=500)
            break
        except IntegrityError:
            continue
    else:
        raise ValidationError(_("Restrictions on these policies were placed a moment ago by someone else."))
    if rows and rows[0].pk is None:  # a database without RETURNING
        ids = dict(
            Restriction.objects.filter(lifted_at__isnull=True, placed_by=placer, placed_at=now,
                                       source_ref__in=[r.source_ref for r in rows])
            .values_list("source_ref", "pk")
        )  # fmt: skip
        for r in rows:
            r.pk = ids[r.source_ref]
    refs = dict(Policy.objects.filter(pk__in=[r.policy_id for r in rows]).values_list("pk", "policy_ref"))
    audit.record_changes([
        {"actor": placer, "action": "restriction_place", "obj_type": OBJ, "obj_id": str(r.pk),
         "object_repr": f"#{r.pk} {r.kind} {refs[r.policy_id]}", "reason": r.reason,
         "after": {"kind": r.kind, "policy": refs[r.policy_id], "customer": None, "source": r.source,
                   "source_ref": r.source_ref, "reason": r.reason, "placed_by": placer.get_username(),
                   "lifted_by": None, "lift_reason": ""},
         "detail": {"automatic": True, "monitoring_run": run.pk}}
        for r in rows
    ])  # fmt: skip
    holds = sum(r.kind == Restriction.Kind.HOLD for r in rows)
    freezes = len(rows) - holds
    if rows:
        notify(
            recipients=list(holders("mlro")),
            kind="other",
            # Rendered in each MLRO's own language (a callable: notify renders it per language).
            title=lambda: (
                _("%(holds)s holds and %(freezes)s freezes placed by the monitoring run #%(run)s")
                % {"holds": holds, "freezes": freezes, "run": run.pk}
            ),
            body=", ".join(f"{refs[r.policy_id]} ({r.kind}, {r.source_ref})" for r in rows[:50]),
            url=reverse("compliance_holds:list"),
        )
    return {"holds": holds, "freezes": freezes, "ids": [r.pk for r in rows]}
