"""Writes on approvals. Every command is keyword-only, atomic, permission-checked
(insurer.access.require: oversight roles are refused every write, 403) and audited with
before/after in the same transaction.

The refusal rules (each with a message naming it; docs/approvals.md):
- maker-checker: the maker never decides any step of their request, nor does anyone acting
  on the maker's behalf;
- one person, one level: whoever decided (or was represented at) one step of a request
  decides no other step of it, directly or through a delegation;
- authority: the approver holds the step's role (company-wide or in the request's
  department) or acts under a delegation in force from a holder;
- an expired (or not yet valid, or revoked) delegation gives nothing;
- incompatible duties: an approver holding a role in the rule's must-not-hold list, or a
  role that conflicts with the deciding role (insurer.access.sod), is refused;
- only the current step of a pending request can be decided.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from insurer import audit
from insurer.access import require
from insurer.access.grants import holders, permission_scopes
from insurer.access.sod import conflicts
from insurer.approvals import routing
from insurer.approvals.authority import _codes, _name, _role_name, check_authority
from insurer.approvals.models import (
    ApprovalRequest,
    ApprovalStep,
    AuthorisationMatrix,
    BusinessType,
    Decision,
    Delegation,
    MatrixRule,
)
from insurer.approvals.registry import DECIDE, DELEGATE, PROPOSE, SUBMIT
from insurer.clocks.models import Clock
from insurer.clocks.services import clock_start_for, clock_stop_for
from insurer.notifications.services import notify
from insurer.roles import BY_CODE

PRC = ZoneInfo("Asia/Shanghai")
MAX_DELEGATION_DAYS = 92
MATRIX_OBJECT = "approvals.authorisationmatrix"


# --- time limits -------------------------------------------------------------------------


STEP_CLOCK_RULE = "A1"  # insurer/clocks/data/rules.json: the time limit of an approval step


def _make_current(step: ApprovalStep, now: dt.datetime, *, triggered_by) -> None:
    """The step becomes current and its time limit starts as a clock (PRC working days, the
    end of the last day in Asia/Shanghai): the clock escalates and breaches like any other,
    telling the maker, the deciding role in the request's department and compliance."""
    request = step.request
    clock = clock_start_for(
        triggered_by=triggered_by,
        rule_code=STEP_CLOCK_RULE,
        object_type="approvals.approvalstep",
        object_id=str(step.pk),
        object_repr=f"{request.title} — {step.label} (step {step.order})"[:200],
        time_limit=step.days,
        owner=request.maker,
        department=request.department,
        extra_notify=[step.role],
    )
    step.status = ApprovalStep.Status.CURRENT
    step.started_at = now
    step.clock = clock
    step.due_at, step.calendar_note = clock.due_at, clock.calendar_note
    step.save(update_fields=["status", "started_at", "due_at", "calendar_note", "clock"])


def _stop_clock(step: ApprovalStep, *, triggered_by, reason: str) -> None:
    if step.clock_id is not None:
        clock = Clock.objects.get(pk=step.clock_id)
        if clock.stopped_at is None and clock.status != Clock.Status.CLOSED:
            clock_stop_for(triggered_by=triggered_by, clock=clock, reason=reason)


# --- notifications -----------------------------------------------------------------------


def _url(request: ApprovalRequest) -> str:
    return reverse("approvals:detail", args=[request.pk])


def _notify_assigned(request: ApprovalRequest, step: ApprovalStep) -> None:
    """The holders of the step's role (company-wide or in the request's department) and
    their delegates in force, except the maker."""
    from django.contrib.auth import get_user_model

    today = timezone.localdate()
    role_holders = holders(step.role, department_id=request.department_id)
    delegates = Delegation.objects.filter(
        role=step.role, delegator__in=role_holders, valid_from__lte=today, valid_to__gte=today, revoked_at__isnull=True
    ).values("delegate_id")
    recipients = get_user_model().objects.filter(Q(pk__in=role_holders.values("pk")) | Q(pk__in=delegates))
    recipients = recipients.filter(is_active=True).exclude(pk=request.maker_id)
    notify(
        recipients=list(recipients),
        kind="approval_assigned",
        # Callables: rendered in each recipient's language (insurer.notifications.services.notify).
        title=lambda: (
            _("To approve: %(title)s (%(amount)s %(currency)s), step %(n)s, due %(due)s")
            % {
                "title": request.title,
                "amount": request.amount,
                "currency": request.currency,
                "n": step.order,
                "due": timezone.localtime(step.due_at, PRC).strftime("%Y-%m-%d"),
            }
        ),
        body=lambda: (
            _("%(kind)s submitted by %(maker)s.") % {"kind": request.get_kind_display(), "maker": _name(request.maker)}
        ),
        url=_url(request),
    )


def _notify_maker(request: ApprovalRequest, decision: Decision) -> None:
    notify(
        recipients=[request.maker],
        kind="approval_decided",
        title=lambda: (
            _("%(title)s: %(decision)s at step %(n)s by %(who)s")
            % {
                "title": request.title,
                "decision": decision.get_decision_display(),
                "n": decision.step.order,
                "who": _name(decision.decided_by),
            }
        ),
        body=decision.comment,
        url=_url(request),
    )


# --- audit -------------------------------------------------------------------------------


def _snapshot(request: ApprovalRequest) -> dict:
    current = request.steps.filter(status=ApprovalStep.Status.CURRENT).first() if request.pk else None
    return {
        "status": request.status,
        "kind": request.kind,
        "amount": str(request.amount),
        "title": request.title,
        "revision": request.revision,
        "matrix_version": request.matrix.version,
        "current_step": current.order if current else None,
    }


def _record(actor, action: str, request: ApprovalRequest, before: dict | None, reason: str = "", detail=None):
    audit.record_change(
        actor=actor,
        action=action,
        obj_type="approvals.approvalrequest",
        obj_id=str(request.pk),
        object_repr=str(request)[:200],
        before=before,
        after=_snapshot(request),
        reason=reason,
        detail=detail,
    )


# --- commands ----------------------------------------------------------------------------


def _amount(value) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({"amount": _("The amount is not a number.")}) from exc
    if not amount.is_finite() or amount < 0:
        raise ValidationError({"amount": _("The amount must be zero or more.")})
    return amount.quantize(Decimal("0.01"))


def active_matrix() -> AuthorisationMatrix:
    matrix = AuthorisationMatrix.objects.filter(status=AuthorisationMatrix.Status.ACTIVE).first()
    if matrix is None:
        raise ValidationError(_("No authorisation matrix is active; nothing can be routed."))
    return matrix


def _route(matrix: AuthorisationMatrix, kind: str, amount: Decimal) -> MatrixRule:
    for rule in matrix.rules.filter(business_type=kind).order_by("min_amount"):
        if rule.as_rule().covers(amount):
            return rule
    raise ValidationError(
        _("Authorisation matrix v%(v)s has no route for %(kind)s of %(amount)s CNY.")
        % {"v": matrix.version, "kind": kind, "amount": amount}
    )


def _create(
    *,
    actor,
    kind,
    amount,
    object_type,
    object_id,
    object_repr,
    department,
    title,
    description,
    is_exception,
    exception_reason,
    currency,
) -> ApprovalRequest:
    if kind not in BusinessType.values:
        raise ValidationError({"kind": _("Unknown business type %(kind)s.") % {"kind": kind}})
    amount = _amount(amount)
    if currency != "CNY":
        raise ValidationError({"currency": _("The authorisation matrix is in CNY: convert the amount first.")})
    if object_type.count(".") != 1 or not str(object_id).strip():
        raise ValidationError({"object_type": _("Name the object as “app.model” and give its id.")})
    if not title.strip():
        raise ValidationError({"title": _("A title is required.")})
    if is_exception and not exception_reason.strip():
        raise ValidationError({"exception_reason": _("Say why this request is an exception.")})
    matrix = active_matrix()
    rule = _route(matrix, kind, amount)
    now = timezone.now()
    request = ApprovalRequest.objects.create(
        object_type=object_type,
        object_id=str(object_id),
        object_repr=object_repr[:200],
        kind=kind,
        amount=amount,
        currency=currency,
        department=department,
        title=title.strip(),
        description=description,
        maker=actor,
        created_at=now,
        matrix=matrix,
        rule=rule,
        is_exception=is_exception,
        exception_reason=exception_reason.strip() if is_exception else "",
    )
    levels = routing.route([rule.as_rule()], kind, amount, is_exception=is_exception)
    steps = ApprovalStep.objects.bulk_create(
        ApprovalStep(
            request=request,
            order=order,
            kind=level.kind,
            level=level.number,
            role=level.role,
            body=level.body,
            days=level.days,
        )
        for order, level in enumerate(levels, start=1)
    )
    first = ApprovalStep.objects.get(request=request, order=1) if steps[0].pk is None else steps[0]
    _make_current(first, now, triggered_by=actor)
    _record(
        actor,
        "approval_submit",
        request,
        None,
        reason=request.exception_reason,
        detail={
            "object": f"{object_type}:{object_id}",
            "route": [f"{s.order}:{s.role}" for s in steps],
            "is_exception": is_exception,
            "department": department.code if department else None,
        },
    )
    _notify_assigned(request, first)
    return request


@transaction.atomic
def approval_submit(
    *,
    actor,
    kind: str,
    amount,
    object_type: str,
    object_id,
    department=None,
    title: str,
    object_repr: str = "",
    description: str = "",
    is_exception: bool = False,
    exception_reason: str = "",
    currency: str = "CNY",
) -> ApprovalRequest:
    """Submit a request for approval: routed by the active matrix version, the first step
    becomes current with its due time, its deciders are notified."""
    require(actor, SUBMIT, _("Your role may not submit approval requests."))
    if kind == BusinessType.MATRIX_CHANGE:
        raise ValidationError({"kind": _("A matrix change is submitted by proposing a new matrix version.")})
    scopes = permission_scopes(actor, SUBMIT)
    if scopes is not None and (department is None or department.pk not in scopes):
        raise PermissionDenied(_("Your grant lets you submit requests only for your own department(s)."))
    return _create(
        actor=actor,
        kind=kind,
        amount=amount,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr,
        department=department,
        title=title,
        description=description,
        is_exception=is_exception,
        exception_reason=exception_reason,
        currency=currency,
    )


def _locked(request: ApprovalRequest) -> ApprovalRequest:
    return ApprovalRequest.objects.select_for_update().select_related("matrix", "rule", "maker").get(pk=request.pk)


@transaction.atomic
def approval_decide(
    *,
    actor,
    request: ApprovalRequest,
    decision: str,
    comment: str = "",
    on_behalf_of=None,
    step: ApprovalStep | None = None,
) -> Decision:
    """Approve, reject or return the current step. ``step`` (optional) is the step the
    decider saw: if it is no longer current the decision is refused."""
    require(actor, DECIDE, _("Your role may not decide approvals."))
    if decision not in Decision.Verdict.values:
        raise ValidationError({"decision": _("Decide approve, reject or return.")})
    request = _locked(request)
    current = ApprovalStep.objects.select_for_update().filter(request=request, status="current").first()
    if step is not None and (current is None or step.pk != current.pk):
        step = ApprovalStep.objects.get(pk=step.pk)
        raise ValidationError(
            _("Refused: step %(n)s is not the current step of this request (it is %(status)s).")
            % {"n": step.order, "status": step.get_status_display()}
        )
    authority = check_authority(actor, request, current, on_behalf_of)
    comment = (comment or "").strip()
    if decision != Decision.Verdict.APPROVE and not comment:
        raise ValidationError({"comment": _("A comment is required to reject or return a request.")})
    before = _snapshot(request)
    now = timezone.now()
    made = Decision.objects.create(
        request=request,
        step=current,
        revision=request.revision,
        decided_by=actor,
        decision=decision,
        on_behalf_of=authority.principal if authority.delegation else None,
        delegation=authority.delegation,
        comment=comment,
        decided_at=now,
    )
    _stop_clock(current, triggered_by=actor, reason=f"step {current.order}: {decision}")
    following = None
    if decision == Decision.Verdict.APPROVE:
        current.status = ApprovalStep.Status.APPROVED
        current.save(update_fields=["status"])
        following = request.steps.filter(status=ApprovalStep.Status.WAITING).order_by("order").first()
        if following is not None:
            _make_current(following, now, triggered_by=actor)
        else:
            request.status, request.closed_at = ApprovalRequest.Status.APPROVED, now
    elif decision == Decision.Verdict.REJECT:
        current.status = ApprovalStep.Status.REJECTED
        current.save(update_fields=["status"])
        request.steps.filter(status=ApprovalStep.Status.WAITING).update(status=ApprovalStep.Status.SKIPPED)
        request.status, request.closed_at = ApprovalRequest.Status.REJECTED, now
    else:
        current.status = ApprovalStep.Status.RETURNED
        current.save(update_fields=["status"])
        request.status = ApprovalRequest.Status.RETURNED
    request.save(update_fields=["status", "closed_at", "updated_at"])
    _record(
        actor,
        f"approval_{decision}",
        request,
        before,
        reason=comment,
        detail={
            "step": current.order,
            "role": current.role,
            "decision_id": made.pk,
            "on_behalf_of": _name(made.on_behalf_of) if made.on_behalf_of else None,
            "delegation": made.delegation_id,
        },
    )
    if request.kind == BusinessType.MATRIX_CHANGE and request.object_type == MATRIX_OBJECT:
        if request.status == ApprovalRequest.Status.APPROVED:
            _matrix_activate(request, actor)
        elif request.status == ApprovalRequest.Status.REJECTED:
            _matrix_close(request, actor)
    _notify_maker(request, made)
    if following is not None:
        _notify_assigned(request, following)
    return made


@transaction.atomic
def approval_withdraw(*, actor, request: ApprovalRequest, reason: str = "") -> ApprovalRequest:
    """The maker withdraws a pending or returned request; the steps not decided are skipped."""
    require(actor, SUBMIT, _("Your role may not withdraw approval requests."))
    request = _locked(request)
    if actor.pk != request.maker_id:
        raise PermissionDenied(_("Refused: only the maker of a request may withdraw it."))
    if not request.is_open:
        raise ValidationError(
            _("Only a pending or returned request can be withdrawn (this one is %(s)s).")
            % {"s": request.get_status_display()}
        )
    before = _snapshot(request)
    for step in request.steps.filter(status=ApprovalStep.Status.CURRENT):
        _stop_clock(step, triggered_by=actor, reason="request withdrawn")
    request.steps.filter(status__in=["waiting", "current", "returned"]).update(status=ApprovalStep.Status.SKIPPED)
    request.status, request.closed_at = ApprovalRequest.Status.WITHDRAWN, timezone.now()
    request.save(update_fields=["status", "closed_at", "updated_at"])
    _record(actor, "approval_withdraw", request, before, reason=reason)
    if request.kind == BusinessType.MATRIX_CHANGE and request.object_type == MATRIX_OBJECT:
        _matrix_close(request, actor)
    return request


@transaction.atomic
def approval_resubmit(
    *,
    actor,
    request: ApprovalRequest,
    comment: str = "",
    title: str | None = None,
    description: str | None = None,
    amount=None,
) -> ApprovalRequest:
    """The maker resubmits a request returned for changes; the route restarts at the step
    that returned it (the steps approved before stay approved). A new amount must fall in the
    same range of the matrix version the request was routed by."""
    require(actor, SUBMIT, _("Your role may not resubmit approval requests."))
    request = _locked(request)
    if actor.pk != request.maker_id:
        raise PermissionDenied(_("Refused: only the maker of a request may resubmit it."))
    if request.status != ApprovalRequest.Status.RETURNED:
        raise ValidationError(_("Only a request returned for changes can be resubmitted."))
    before = _snapshot(request)
    if amount is not None:
        amount = _amount(amount)
        if not request.rule.as_rule().covers(amount):
            raise ValidationError(
                {
                    "amount": _(
                        "The new amount falls in another range of the authorisation matrix (%(rule)s); withdraw this "
                        "request and submit a new one."
                    )
                    % {"rule": request.rule}
                }
            )
        request.amount = amount
    if title is not None:
        if not title.strip():
            raise ValidationError({"title": _("A title is required.")})
        request.title = title.strip()
    if description is not None:
        request.description = description
    request.status = ApprovalRequest.Status.PENDING
    request.revision += 1
    request.save()
    step = request.steps.get(status=ApprovalStep.Status.RETURNED)
    _make_current(step, timezone.now(), triggered_by=actor)
    _record(actor, "approval_resubmit", request, before, reason=comment)
    _notify_assigned(request, step)
    return request


# --- delegation --------------------------------------------------------------------------


@transaction.atomic
def delegation_create(
    *, actor, delegate, role: str, valid_to: dt.date, reason: str, valid_from: dt.date | None = None
) -> Delegation:
    """The delegator lets ``delegate`` decide the steps of ``role`` in their name until
    ``valid_to``. Effective at once; audited; the delegate is told."""
    require(actor, DELEGATE, _("Your role may not delegate approvals."))
    today = timezone.localdate()
    valid_from = valid_from or today
    if delegate.pk == actor.pk:
        raise PermissionDenied(_("Refused: nobody delegates to themselves."))
    if role not in _codes(actor, today):
        raise ValidationError({"role": _("You may only delegate a role you hold today.")})
    if not reason.strip():
        raise ValidationError({"reason": _("A reason is required.")})
    if valid_from < today:
        raise ValidationError({"valid_from": _("A delegation cannot start in the past.")})
    if valid_to < valid_from or (valid_to - valid_from).days > MAX_DELEGATION_DAYS:
        raise ValidationError(
            {
                "valid_to": _("A delegation ends on or after its start and lasts at most %(n)s days.")
                % {"n": MAX_DELEGATION_DAYS}
            }
        )
    if not delegate.is_active:
        raise ValidationError({"delegate": _("The delegate's account is inactive.")})
    held = _codes(delegate, today)
    if any(BY_CODE[code].read_only for code in held):
        raise ValidationError({"delegate": _("Oversight roles never decide: choose another delegate.")})
    found = conflicts(role, held - {role}, today)
    if found:
        raise ValidationError({"delegate": _("Refused (separation of duties): %(conflict)s.") % {"conflict": found[0]}})
    delegation = Delegation.objects.create(
        delegator=actor, delegate=delegate, role=role, valid_from=valid_from, valid_to=valid_to, reason=reason.strip()
    )
    audit.record_change(
        actor=actor,
        action="delegation_create",
        obj_type="approvals.delegation",
        obj_id=str(delegation.pk),
        object_repr=str(delegation)[:200],
        reason=delegation.reason,
        after={
            "delegator": _name(actor),
            "delegate": _name(delegate),
            "role": role,
            "valid_from": valid_from,
            "valid_to": valid_to,
        },
    )
    notify(
        recipients=[delegate],
        kind="other",
        title=lambda: (
            _("%(who)s delegated %(role)s approvals to you until %(end)s")
            % {"who": _name(actor), "role": _role_name(role), "end": valid_to}
        ),
        body=delegation.reason,
        url=reverse("approvals:delegations"),
    )
    return delegation


@transaction.atomic
def delegation_revoke(*, actor, delegation: Delegation) -> Delegation:
    require(actor, DELEGATE, _("Your role may not change delegations."))
    delegation = Delegation.objects.select_for_update().get(pk=delegation.pk)
    if delegation.delegator_id != actor.pk:
        raise PermissionDenied(_("Refused: only the delegator may revoke a delegation."))
    if delegation.revoked_at is not None:
        raise ValidationError(_("This delegation is already revoked."))
    delegation.revoked_at = timezone.now()
    delegation.save(update_fields=["revoked_at"])
    audit.record_change(
        actor=actor,
        action="delegation_revoke",
        obj_type="approvals.delegation",
        obj_id=str(delegation.pk),
        object_repr=str(delegation)[:200],
        before={"revoked_at": None},
        after={"revoked_at": delegation.revoked_at},
    )
    return delegation


# --- the matrix --------------------------------------------------------------------------


def normalise_levels(levels) -> list[dict]:
    return [
        {"body": lv["body"], "days": int(lv["days"])}
        if lv.get("body")
        else {"role": lv["role"], "days": int(lv["days"])}
        for lv in levels
    ]


@transaction.atomic
def matrix_propose(
    *, actor, rules: list[dict], note: str, department=None
) -> tuple[AuthorisationMatrix, ApprovalRequest]:
    """Propose a whole new matrix version (every row). It is pending approval until its
    ``matrix_change`` request, routed by the active version, is approved; then it becomes
    active and the version it was based on is superseded."""
    require(actor, PROPOSE, _("Your role may not propose authorisation matrix changes."))
    if not note.strip():
        raise ValidationError({"note": _("Say what changes and why.")})
    try:
        parsed = [routing.rule_from(row) for row in rules]
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValidationError({"rules": _("Each row needs business_type, min_amount, max_amount and levels.")}) from exc
    try:
        routing.validate(parsed)
    except routing.RoutingError as exc:
        raise ValidationError({"rules": exc.messages}) from exc
    active = AuthorisationMatrix.objects.select_for_update().get(status=AuthorisationMatrix.Status.ACTIVE)
    parsed = [routing.rule_from({**row.__dict__, "levels": normalise_levels(row.levels)}) for row in parsed]
    changes = routing.diff(active.routing_rules(), parsed)
    if not changes:
        raise ValidationError({"rules": _("The proposal is the same as the active version.")})
    version = (AuthorisationMatrix.objects.aggregate(v=Max("version"))["v"] or 0) + 1
    matrix = AuthorisationMatrix.objects.create(
        version=version, status=AuthorisationMatrix.Status.PENDING, based_on=active, note=note.strip(), created_by=actor
    )
    MatrixRule.objects.bulk_create(
        MatrixRule(
            matrix=matrix,
            business_type=r.business_type,
            min_amount=r.min_amount,
            max_amount=r.max_amount,
            levels=list(r.levels),
            forbidden_roles=list(r.forbidden_roles),
        )
        for r in parsed
    )
    audit.record_change(
        actor=actor,
        action="matrix_propose",
        obj_type=MATRIX_OBJECT,
        obj_id=str(matrix.pk),
        object_repr=f"v{version}",
        reason=matrix.note,
        after={
            "version": version,
            "status": matrix.status,
            "based_on": active.version,
            "changes": [{k: str(v) if v is not None else None for k, v in c.items()} for c in changes],
        },
    )
    request = _create(
        actor=actor,
        kind=BusinessType.MATRIX_CHANGE,
        amount=0,
        object_type=MATRIX_OBJECT,
        object_id=matrix.pk,
        object_repr=_("Authorisation matrix v%(v)s") % {"v": version},
        department=department,
        title=_("Authorisation matrix v%(v)s") % {"v": version},
        description=matrix.note,
        is_exception=False,
        exception_reason="",
        currency="CNY",
    )
    return matrix, request


def _matrix_of(request: ApprovalRequest) -> AuthorisationMatrix:
    return AuthorisationMatrix.objects.select_for_update().get(pk=int(request.object_id))


def _matrix_activate(request: ApprovalRequest, actor) -> None:
    proposed = _matrix_of(request)
    active = AuthorisationMatrix.objects.select_for_update().filter(status=AuthorisationMatrix.Status.ACTIVE).first()
    if proposed.status != AuthorisationMatrix.Status.PENDING:
        raise ValidationError(_("Matrix v%(v)s is not pending approval.") % {"v": proposed.version})
    if active is not None and proposed.based_on_id != active.pk:
        raise ValidationError(
            _(
                "Refused: matrix v%(v)s was proposed as a change of v%(base)s, but v%(active)s has become active "
                "since; withdraw it and propose again from the active version."
            )
            % {
                "v": proposed.version,
                "base": proposed.based_on.version if proposed.based_on else "—",
                "active": active.version,
            }
        )
    now = timezone.now()
    if active is not None:
        active.status, active.superseded_at = AuthorisationMatrix.Status.SUPERSEDED, now
        active.save(update_fields=["status", "superseded_at"])
    proposed.status, proposed.effective_from = AuthorisationMatrix.Status.ACTIVE, timezone.localdate()
    proposed.approved_by, proposed.approved_at = actor, now
    proposed.save(update_fields=["status", "effective_from", "approved_by", "approved_at"])
    audit.record_change(
        actor=actor,
        action="matrix_activate",
        obj_type=MATRIX_OBJECT,
        obj_id=str(proposed.pk),
        object_repr=f"v{proposed.version}",
        before={"status": "pending_approval", "active_version": active.version if active else None},
        after={"status": "active", "active_version": proposed.version, "approval_request": request.pk},
    )


def _matrix_close(request: ApprovalRequest, actor) -> None:
    proposed = _matrix_of(request)
    if proposed.status != AuthorisationMatrix.Status.PENDING:
        return
    proposed.status = AuthorisationMatrix.Status.REJECTED
    proposed.save(update_fields=["status"])
    audit.record_change(
        actor=actor,
        action="matrix_reject",
        obj_type=MATRIX_OBJECT,
        obj_id=str(proposed.pk),
        object_repr=f"v{proposed.version}",
        before={"status": "pending_approval"},
        after={"status": "rejected", "approval_request": request.pk, "request_status": request.status},
    )
