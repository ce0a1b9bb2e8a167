"""Who may decide a step of an approval request: the refusal rules of docs/approvals.md
in one place, used by the decide service and by the detail page (which renders the
decision form only for someone the service would accept)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from insurer.access import require
from insurer.access.grants import roles_held
from insurer.access.sod import conflicts
from insurer.approvals.models import ApprovalRequest, ApprovalStep, Decision, Delegation
from insurer.approvals.registry import DECIDE
from insurer.roles import BY_CODE


def _name(user) -> str:
    return user.get_username() if user is not None else "system"


def _role_name(code: str) -> str:
    return str(BY_CODE[code].name) if code in BY_CODE else code


def _holds(user, role: str, department_id: int | None, on: dt.date) -> bool:
    """``user`` holds ``role`` on ``on`` company-wide, or in the request's department."""
    return any(h.role == role and h.department_id in (None, department_id) for h in roles_held(user, on=_on(on)))


def _on(day: dt.date) -> dt.date | None:
    # roles_held caches today's grants on the user; pass None for today to use that cache.
    return None if day == timezone.localdate() else day


def _codes(user, on: dt.date) -> set[str]:
    return {h.role for h in roles_held(user, on=_on(on))}


@dataclass(frozen=True)
class Authority:
    principal: object  # the person whose role decides (the actor, or the delegator)
    delegation: Delegation | None


def _delegation_for(actor, request: ApprovalRequest, step: ApprovalStep, on_behalf_of, today: dt.date) -> Authority:
    """The delegation under which ``actor`` decides ``step`` (explicitly for
    ``on_behalf_of``, or the first one in force from a holder of the role)."""
    candidates = Delegation.objects.filter(delegate=actor, role=step.role).select_related("delegator")
    if on_behalf_of is not None:
        candidates = candidates.filter(delegator=on_behalf_of)
    candidates = list(candidates.order_by("-valid_to", "-pk"))
    in_force = [d for d in candidates if d.in_force(today)]
    in_force.sort(key=lambda d: d.delegator_id == request.maker_id)  # the maker's own delegation last
    for delegation in in_force:
        if _holds(delegation.delegator, step.role, request.department_id, today):
            return Authority(delegation.delegator, delegation)
    if in_force:
        raise PermissionDenied(
            _("Refused: %(delegator)s no longer holds the role %(role)s here, so their delegation gives nothing.")
            % {"delegator": _name(in_force[0].delegator), "role": _role_name(step.role)}
        )
    if candidates:
        latest = candidates[0]
        if latest.revoked_at is not None:
            state = _("was revoked on %(day)s") % {"day": timezone.localtime(latest.revoked_at).date()}
        else:
            state = _("is valid from %(start)s to %(end)s") % {"start": latest.valid_from, "end": latest.valid_to}
        raise PermissionDenied(
            _(
                "Refused (expired delegation): the delegation from %(delegator)s to %(delegate)s for %(role)s "
                "%(state)s; today is %(today)s."
            )
            % {
                "delegator": _name(latest.delegator),
                "delegate": _name(actor),
                "role": _role_name(step.role),
                "state": state,
                "today": today,
            }
        )
    if on_behalf_of is not None:
        raise PermissionDenied(
            _("Refused: %(delegator)s has given you no delegation for the role %(role)s.")
            % {"delegator": _name(on_behalf_of), "role": _role_name(step.role)}
        )
    raise PermissionDenied(
        _(
            "Refused: you do not hold the role %(role)s that decides this step (company-wide or in the request's "
            "department), and no delegation in force gives it to you."
        )
        % {"role": _role_name(step.role)}
    )


def check_authority(actor, request: ApprovalRequest, step: ApprovalStep | None, on_behalf_of=None) -> Authority:
    """Raise PermissionDenied (or ValidationError for a request or step in the wrong
    state) naming the rule that refuses ``actor`` deciding ``step``; return who decides."""
    require(actor, DECIDE, _("Your role may not decide approvals."))
    if request.status != ApprovalRequest.Status.PENDING:
        raise ValidationError(
            _("Refused: the request is %(status)s; only a pending request can be decided.")
            % {"status": request.get_status_display()}
        )
    if step is None or step.request_id != request.pk or step.status != ApprovalStep.Status.CURRENT:
        raise ValidationError(
            _("Refused: this step is not the current step of the request (it is %(status)s).")
            % {"status": step.get_status_display() if step else _("absent")}
        )
    if actor.pk == request.maker_id:
        raise PermissionDenied(
            _("Refused (maker-checker): you made this request, so you may not decide any of its steps.")
        )
    today = timezone.localdate()
    if on_behalf_of is None and _holds(actor, step.role, request.department_id, today):
        authority = Authority(actor, None)
    else:
        authority = _delegation_for(actor, request, step, on_behalf_of, today)
    principal = authority.principal
    if principal.pk == request.maker_id:
        raise PermissionDenied(
            _("Refused (maker-checker): %(maker)s made this request; nobody decides it on their behalf.")
            % {"maker": _name(principal)}
        )
    people = {actor.pk, principal.pk}
    earlier = (
        Decision.objects.filter(request=request)
        .exclude(step=step)
        .filter(Q(decided_by__in=people) | Q(on_behalf_of__in=people))
        .select_related("step", "decided_by")
        .first()
    )
    if earlier is not None:
        raise PermissionDenied(
            _(
                "Refused (one person, one level): %(who)s already decided step %(n)s (%(label)s) of this "
                "request%(via)s; another person must decide this one."
            )
            % {
                "who": _name(actor)
                if earlier.decided_by_id == actor.pk or earlier.on_behalf_of_id == actor.pk
                else _name(principal),
                "n": earlier.step.order,
                "label": earlier.step.label,
                "via": _(" (through a delegation)") if earlier.on_behalf_of_id or authority.delegation else "",
            }
        )
    forbidden = set(request.rule.forbidden_roles)
    for person in {actor, principal}:
        held = _codes(person, today)
        hit = sorted(held & forbidden)
        if hit:
            raise PermissionDenied(
                _(
                    "Refused (incompatible duty): %(who)s holds the role %(role)s, which an approver of %(type)s must "
                    "not hold."
                )
                % {"who": _name(person), "role": _role_name(hit[0]), "type": request.get_kind_display()}
            )
        found = conflicts(step.role, held - {step.role}, today)
        if found:
            raise PermissionDenied(
                _("Refused (separation of duties): %(who)s holds a role that conflicts with %(role)s: %(conflict)s.")
                % {"who": _name(person), "role": _role_name(step.role), "conflict": found[0]}
            )
    return authority


def may_decide(actor, request: ApprovalRequest, step: ApprovalStep | None) -> tuple[bool, str]:
    """(may ``actor`` decide ``step`` now, the reason if not) — what the detail page uses
    to render the decision form only for those the service would accept."""
    try:
        check_authority(actor, request, step)
    except (PermissionDenied, ValidationError) as exc:
        message = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
        return False, message
    return True, ""
