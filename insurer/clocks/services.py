"""Writes on regulatory clocks. Every command checks its permission
(insurer.access.require) and appends an audit event in the same transaction.

Due times (docs/clocks.md):
- natural days / years: the end (23:59:59.999999, Asia/Shanghai) of the n-th calendar day
  (year) after the start day; hours: the start plus n hours;
- working days: the end of the n-th PRC working day after the start day (make-up working
  days count, holidays do not; Monday–Friday outside the official calendar, with a note);
- a pause extends the due time by the paused time (natural days, hours, years) or by the
  working days that began while the clock was paused (working days).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from insurer import audit
from insurer.access import require
from insurer.access.grants import holders
from insurer.clocks import calendar
from insurer.clocks.models import Clock, ClockBreach, ClockEscalation, ClockPause, ClockRule
from insurer.notifications.services import notify
from insurer.roles import BY_CODE

PRC = ZoneInfo("Asia/Shanghai")
END_OF_DAY = dt.time(23, 59, 59, 999999)
CHANGE = "clocks.change_clock"
SIGNOFF = "clocks.signoff_breach"


class ClockError(ValidationError):
    """A refused command (400 in the API, a message on the page)."""


# --- due-time arithmetic ---------------------------------------------------------------


def _end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, END_OF_DAY, tzinfo=PRC)


def _local_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(PRC).date()


@dataclass(frozen=True)
class Due:
    at: dt.datetime
    years_outside: tuple[int, ...] = ()


def deadline(rule: ClockRule, started_at: dt.datetime, offset: int, pauses=()) -> Due:
    """When ``offset`` units of ``rule`` have run from ``started_at``, given the closed
    ``pauses`` ((from, to) pairs)."""
    unit = rule.duration_unit
    start_day = _local_date(started_at)
    if unit == ClockRule.Unit.WORKING_DAYS:
        paused_days, years = 0, set()
        for paused_from, paused_to in pauses:
            count = calendar.working_days_between(_local_date(paused_from), _local_date(paused_to))
            paused_days += count.days
            years.update(calendar.years_outside(_local_date(paused_from).year, _local_date(paused_to).year))
        day = calendar.add_working_days(start_day, offset + paused_days).day
        years.update(calendar.years_outside(*range(start_day.year, day.year + 1)))
        return Due(_end_of(day), tuple(sorted(years)))
    if unit == ClockRule.Unit.HOURS:
        base = started_at + dt.timedelta(hours=offset)
    elif unit == ClockRule.Unit.YEARS:
        base = _end_of(calendar.add_years(start_day, offset).day)
    else:
        base = _end_of(calendar.add_natural_days(start_day, offset).day)
    paused = sum(((to - frm) for frm, to in pauses), dt.timedelta())
    return Due(base + paused)


def _closed_pauses(clock: Clock) -> list[tuple[dt.datetime, dt.datetime]]:
    return [(p.paused_from, p.paused_to) for p in clock.pauses.all() if p.paused_to is not None]


def _fired_steps(clock: Clock) -> set[int]:
    return set(clock.escalations.values_list("step", flat=True)) if clock.pk else set()


def _reschedule(clock: Clock) -> None:
    """Recompute due_at and next_escalation_at from the start and the closed pauses."""
    pauses = _closed_pauses(clock) if clock.pk else []
    due = deadline(clock.rule, clock.started_at, clock.limit, pauses)
    clock.due_at = due.at
    clock.base_due_at = deadline(clock.rule, clock.started_at, clock.limit).at
    clock.calendar_years_outside = list(due.years_outside)
    clock.calendar_note = calendar.fallback_note(*due.years_outside)
    fired = _fired_steps(clock)
    pending = [i for i in range(len(clock.rule.escalation)) if i not in fired]
    clock.next_escalation_at = (
        deadline(clock.rule, clock.started_at, clock.rule.escalation[pending[0]]["at"], pauses).at if pending else None
    )


def _snapshot(clock: Clock) -> dict:
    return {
        "status": clock.status,
        "due_at": clock.due_at.isoformat() if clock.due_at else None,
        "owner": clock.owner.get_username() if clock.owner else None,
    }


def _record(actor, action: str, clock: Clock, before: dict | None, reason: str = "", detail=None) -> None:
    audit.record_change(
        actor=actor,
        action=action,
        obj_type="clocks.clock",
        obj_id=str(clock.pk),
        object_repr=str(clock)[:200],
        before=before,
        after=_snapshot(clock),
        reason=reason,
        detail=detail,
    )


def _recipients(role_codes, clock: Clock) -> list:
    """The clock's owner and today's holders of the roles (company-wide, or in the clock's
    department)."""
    codes = [*role_codes, *(c for c in clock.extra_notify if c not in role_codes)]
    users = {u.pk: u for code in codes if code in BY_CODE for u in holders(code, department_id=clock.department_id)}
    if clock.owner is not None:
        users[clock.owner.pk] = clock.owner
    return list(users.values())


def _url(clock: Clock) -> str:
    return reverse("clocks:detail", args=[clock.pk])


# --- commands --------------------------------------------------------------------------


def rule_in_force(code: str, on: dt.date) -> ClockRule:
    rule = ClockRule.objects.filter(code=code, effective_from__lte=on).order_by("-effective_from", "-version").first()
    if rule is None:
        raise ClockError(_("No version of rule %(code)s is in force on %(day)s.") % {"code": code, "day": on})
    return rule


@transaction.atomic
def clock_start(
    *,
    actor,
    rule_code: str,
    object_type: str,
    object_id: str,
    object_repr: str = "",
    started_at: dt.datetime | None = None,
    owner=None,
    department=None,
) -> Clock:
    """Start the clock of ``rule_code`` (the version in force on the start day) on an object."""
    require(actor, CHANGE, _("Your role may not start regulatory clocks."))
    return _start(
        actor=actor,
        rule_code=rule_code,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr,
        started_at=started_at,
        owner=owner or actor,
        department=department,
    )


@transaction.atomic
def clock_start_for(
    *,
    triggered_by,
    rule_code: str,
    object_type: str,
    object_id: str,
    object_repr: str = "",
    time_limit: int | None = None,
    owner=None,
    department=None,
    extra_notify: list[str] | None = None,
) -> Clock:
    """A platform service starts a clock as part of a command it has already authorised
    (an approval step becoming current starts that step's time limit). ``triggered_by`` is
    the user whose command it was (recorded, not checked here); ``time_limit`` only for rules
    whose limit is set per clock."""
    return _start(
        actor=triggered_by,
        rule_code=rule_code,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr,
        started_at=None,
        owner=owner,
        department=department,
        time_limit=time_limit,
        extra_notify=extra_notify or [],
    )


def _start(*, actor, rule_code, object_type, object_id, object_repr, started_at, owner, department,
           time_limit=None, extra_notify=()) -> Clock:  # fmt: skip
    if object_type.count(".") != 1 or not object_id:
        raise ClockError(_("Name the object as “app.model” and give its id."))
    started_at = started_at or timezone.now()
    if timezone.is_naive(started_at):
        raise ClockError(_("The start time needs a time zone."))
    if started_at > timezone.now() + dt.timedelta(minutes=5):
        raise ClockError(_("A clock cannot start in the future."))
    rule = rule_in_force(rule_code, _local_date(started_at))
    if time_limit is not None and not rule.limit_per_clock:
        raise ClockError(_("Rule %(code)s fixes its own time limit.") % {"code": rule.code})
    if time_limit is not None and time_limit < 1:
        raise ClockError(_("A time limit must be at least 1."))
    clock = Clock(
        rule=rule,
        object_type=object_type,
        object_id=str(object_id),
        object_repr=object_repr[:200],
        started_at=started_at,
        time_limit=time_limit,
        extra_notify=list(extra_notify),
        owner=owner,
        department=department,
        started_by=actor,
    )
    _reschedule(clock)
    clock.save()
    _record(
        actor,
        "clock_start",
        clock,
        None,
        detail={
            "rule": rule.code,
            "version": rule.version,
            "object": f"{object_type}:{object_id}",
            "started_at": started_at.isoformat(),
            "time_limit": clock.limit,
            "calendar_note": clock.calendar_note,
        },
    )
    return clock


@dataclass(frozen=True)
class ClockTarget:
    """One object a bulk start puts a clock on (``started_at`` None: now)."""

    object_type: str
    object_id: str
    object_repr: str = ""
    started_at: dt.datetime | None = None


@transaction.atomic
def clock_start_many(*, actor, rule_code: str, objects, owner=None, department=None) -> list[Clock]:
    """clock_start for many objects at once (the same checks, rows and audit events)."""
    require(actor, CHANGE, _("Your role may not start regulatory clocks."))
    return _start_many(actor, rule_code, list(objects), owner=owner or actor, department=department)


@transaction.atomic
def clock_start_many_for(*, triggered_by, rule_code: str, objects, owner=None, department=None,
                         extra_notify: list[str] | None = None) -> list[Clock]:  # fmt: skip
    """clock_start_for for many objects at once: a platform or domain service that has
    authorised its command (a monitoring run opening thousands of cases) starts their clocks
    in one go."""
    return _start_many(triggered_by, rule_code, list(objects), owner=owner, department=department,
                       extra_notify=extra_notify or [])  # fmt: skip


def _start_many(actor, rule_code, targets: list[ClockTarget], *, owner, department, extra_notify=()) -> list[Clock]:
    """The rule version and the due times are worked out once per start day (once per start
    time for hour-based rules), the clocks inserted in bulk, and one audit event per clock
    written in bulk: what _start does for one clock, without a query per clock for each."""
    if not targets:
        return []
    now = timezone.now()
    # Every version of the rule, newest first: the one in force on a day is the first that
    # started by then (rule_in_force's choice, without a query per start day).
    versions = list(ClockRule.objects.filter(code=rule_code).order_by("-effective_from", "-version"))
    rules: dict[dt.date, ClockRule] = {}
    schedules: dict[tuple, Clock] = {}
    clocks = []
    for target in targets:
        if target.object_type.count(".") != 1 or not target.object_id:
            raise ClockError(_("Name the object as “app.model” and give its id."))
        started_at = target.started_at or now
        if timezone.is_naive(started_at):
            raise ClockError(_("The start time needs a time zone."))
        if started_at > now + dt.timedelta(minutes=5):
            raise ClockError(_("A clock cannot start in the future."))
        day = _local_date(started_at)
        if day not in rules:
            rules[day] = next((v for v in versions if v.effective_from <= day), None)
            if rules[day] is None:
                message = _("No version of rule %(code)s is in force on %(day)s.")
                raise ClockError(message % {"code": rule_code, "day": day})
        rule = rules[day]
        # Due times of a new clock depend on the start day only, except in hours.
        key = (rule.pk, started_at if rule.duration_unit == ClockRule.Unit.HOURS else day)
        if key not in schedules:
            schedules[key] = Clock(rule=rule, started_at=started_at)
            _reschedule(schedules[key])
        due = schedules[key]
        clocks.append(
            Clock(
                rule=rule, object_type=target.object_type, object_id=str(target.object_id),
                object_repr=target.object_repr[:200], started_at=started_at, extra_notify=list(extra_notify),
                owner=owner, department=department, started_by=actor if getattr(actor, "pk", None) else None,
                base_due_at=due.base_due_at, due_at=due.due_at, next_escalation_at=due.next_escalation_at,
                calendar_note=due.calendar_note, calendar_years_outside=list(due.calendar_years_outside),
            )
        )  # fmt: skip
    if connection.features.can_return_rows_from_bulk_insert:
        Clock.objects.bulk_create(clocks, batch_size=1000)
    else:  # a backend that cannot return the new ids: one INSERT each
        for clock in clocks:
            clock.save()
    audit.record_changes(
        [
            {
                "actor": actor, "action": "clock_start", "obj_type": "clocks.clock", "obj_id": str(clock.pk),
                "object_repr": str(clock)[:200], "after": _snapshot(clock),
                "detail": {"rule": clock.rule.code, "version": clock.rule.version,
                           "object": f"{clock.object_type}:{clock.object_id}",
                           "started_at": clock.started_at.isoformat(), "time_limit": clock.limit,
                           "calendar_note": clock.calendar_note},
            }
            for clock in clocks
        ]
    )  # fmt: skip
    return clocks


def _locked(clock: Clock) -> Clock:
    return Clock.objects.select_for_update(of=("self",)).select_related("rule", "owner").get(pk=clock.pk)


@transaction.atomic
def clock_pause(*, actor, clock: Clock, reason: str) -> Clock:
    require(actor, CHANGE, _("Your role may not pause regulatory clocks."))
    clock = _locked(clock)
    reason = (reason or "").strip()
    if not reason:
        raise ClockError(_("A pause needs a reason."))
    if not clock.rule.pause_allowed:
        raise ClockError(_("Rule %(code)s does not allow pauses.") % {"code": clock.rule.code})
    if clock.status != Clock.Status.RUNNING:
        raise ClockError(
            _("Only a running clock can be paused (this one is %(status)s).") % {"status": clock.get_status_display()}
        )
    before = _snapshot(clock)
    ClockPause.objects.create(clock=clock, reason=reason, paused_by=actor, paused_from=timezone.now())
    clock.status = Clock.Status.PAUSED
    clock.save(update_fields=["status"])
    _record(actor, "clock_pause", clock, before, reason=reason)
    return clock


@transaction.atomic
def clock_resume(*, actor, clock: Clock, reason: str) -> Clock:
    """A person resumes a paused clock and says why (the customer answered, …): the
    regulator reads the reason in the ledger beside the time the clock lost."""
    require(actor, CHANGE, _("Your role may not resume regulatory clocks."))
    reason = _required_reason(reason, _("A resume needs a reason."))
    clock = _locked(clock)
    if clock.status != Clock.Status.PAUSED:
        raise ClockError(_("Only a paused clock can be resumed."))
    before = _snapshot(clock)
    pause = clock.pauses.get(paused_to__isnull=True)
    pause.paused_to = timezone.now()
    pause.resumed_by = actor
    pause.save(update_fields=["paused_to", "resumed_by"])
    clock.status = Clock.Status.RUNNING
    _reschedule(clock)
    clock.save()
    _record(
        actor,
        "clock_resume",
        clock,
        before,
        reason=reason,
        detail={"paused_from": pause.paused_from.isoformat(), "paused_to": pause.paused_to.isoformat()},
    )
    return clock


@transaction.atomic
def clock_stop(*, actor, clock: Clock, reason: str) -> Clock:
    """The obligation is met (or the window is no longer needed). A breached clock keeps
    its status and breach; stopping it records when the obligation was met late. A person
    stopping a regulator's clock says why (a system stop, clock_stop_for, gives its own)."""
    require(actor, CHANGE, _("Your role may not stop regulatory clocks."))
    return _stop(actor, clock, _required_reason(reason, _("A stop needs a reason.")))


def _required_reason(reason: str | None, message: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ClockError({"reason": message})
    return reason


@transaction.atomic
def clock_stop_for(*, triggered_by, clock: Clock, reason: str) -> Clock:
    """A platform service ends a clock it started, as part of a command it has authorised
    (the step was decided, the request withdrawn). Recorded under ``triggered_by``."""
    return _stop(triggered_by, clock, reason)


def _stop(actor, clock: Clock, reason: str) -> Clock:
    clock = _locked(clock)
    if clock.stopped_at is not None or clock.status == Clock.Status.CLOSED:
        raise ClockError(_("This clock has already ended."))
    before = _snapshot(clock)
    now = timezone.now()
    if clock.status == Clock.Status.PAUSED:
        clock.pauses.filter(paused_to__isnull=True).update(paused_to=now, resumed_by=actor)
    if clock.status != Clock.Status.BREACHED:
        clock.status = Clock.Status.STOPPED
    clock.stopped_at, clock.stopped_by, clock.stop_reason = now, actor, reason.strip()
    clock.next_escalation_at = None
    clock.save()
    _record(actor, "clock_stop", clock, before, reason=clock.stop_reason)
    return clock


@dataclass
class TickResult:
    escalations: int = 0
    breaches: int = 0
    closed: int = 0


def clocks_tick(*, now: dt.datetime | None = None) -> TickResult:
    """System job (beat, every 5 minutes): fire the escalation steps that are due, then
    breach (or close, for windows) the clocks past their due time. Each clock is handled in
    its own transaction under a row lock; running it twice changes nothing."""
    now = now or timezone.now()
    result = TickResult()
    candidates = Clock.objects.filter(Q(due_at__lt=now) | Q(next_escalation_at__lte=now), status=Clock.Status.RUNNING)
    for pk in list(candidates.order_by("due_at", "pk").values_list("pk", flat=True)):
        with transaction.atomic():
            clock = (
                Clock.objects.select_for_update(of=("self",))
                .select_related("rule", "owner")
                .filter(pk=pk, status=Clock.Status.RUNNING)
                .first()
            )
            if clock is None:
                continue
            if clock.due_at < now:
                if clock.rule.on_due == ClockRule.OnDue.CLOSE:
                    _close(clock, now)
                    result.closed += 1
                elif _breach(clock, now):
                    result.breaches += 1
            else:
                result.escalations += _escalate(clock, now)
    return result


def _escalate(clock: Clock, now: dt.datetime) -> int:
    fired = _fired_steps(clock)
    pauses = _closed_pauses(clock)
    count = 0
    for index, step in enumerate(clock.rule.escalation):
        if index in fired:
            continue
        at = deadline(clock.rule, clock.started_at, step["at"], pauses).at
        if at > now:
            break
        recipients = _recipients(step.get("notify", []), clock)
        try:
            with transaction.atomic():
                ClockEscalation.objects.create(
                    clock=clock,
                    step=index,
                    due_at=at,
                    fired_at=now,
                    notified=sorted({u.get_username() for u in recipients}),
                )
        except IntegrityError:  # another tick fired it first
            continue
        remaining = clock.due_at - now
        notify(
            recipients=recipients,
            kind="clock_escalating",
            # Callables: rendered in each recipient's language (insurer.notifications.services.notify).
            title=lambda: (
                _("%(code)s due %(due)s: %(object)s")
                % {
                    "code": clock.rule.code,
                    "due": timezone.localtime(clock.due_at, PRC).strftime("%Y-%m-%d %H:%M"),
                    "object": clock.object_repr or clock.object_id,
                }
            ),
            body=lambda days=remaining.days: (
                _("%(title)s. Time left: %(days)s day(s).") % {"title": clock.rule.title, "days": days}
            ),
            url=_url(clock),
        )
        notified = sorted({u.get_username() for u in recipients})
        _record(None, "clock_escalate", clock, None, detail={"step": index, "at": step["at"], "notified": notified})
        count += 1
    _reschedule(clock)
    clock.save(update_fields=["next_escalation_at"])
    return count


def _breach(clock: Clock, now: dt.datetime) -> bool:
    before = _snapshot(clock)
    breach, created = ClockBreach.objects.get_or_create(clock=clock, defaults={"breached_at": clock.due_at})
    clock.status = Clock.Status.BREACHED
    clock.next_escalation_at = None
    clock.save(update_fields=["status", "next_escalation_at"])
    if not created:
        return False
    recipients = _recipients(clock.rule.breach_notify, clock)
    notify(
        recipients=recipients,
        kind="clock_breached",
        title=lambda: (
            _("%(code)s deadline breached: %(object)s")
            % {"code": clock.rule.code, "object": clock.object_repr or clock.object_id}
        ),
        body=lambda: (
            _("%(title)s was due %(due)s. Explain the breach in the register.")
            % {"title": clock.rule.title, "due": timezone.localtime(clock.due_at, PRC).strftime("%Y-%m-%d %H:%M")}
        ),
        url=reverse("clocks:breaches"),
    )
    _record(None, "clock_breach", clock, before, detail={"breach": breach.pk, "detected_at": now.isoformat()})
    return True


def _close(clock: Clock, now: dt.datetime) -> None:
    before = _snapshot(clock)
    clock.status = Clock.Status.CLOSED
    clock.next_escalation_at = None
    clock.save(update_fields=["status", "next_escalation_at"])
    _record(None, "clock_close", clock, before, detail={"closed_at": now.isoformat()})


def _breach_snapshot(breach: ClockBreach) -> dict:
    return {
        "explanation": breach.explanation,
        "explained_by": breach.explained_by.get_username() if breach.explained_by else None,
        "signed_off_by": breach.signed_off_by.get_username() if breach.signed_off_by else None,
    }


def _record_breach(actor, action: str, breach: ClockBreach, before: dict) -> None:
    audit.record_change(
        actor=actor,
        action=action,
        obj_type="clocks.clockbreach",
        obj_id=str(breach.pk),
        object_repr=f"{breach.clock}"[:200],
        before=before,
        after=_breach_snapshot(breach),
    )


@transaction.atomic
def breach_explain(*, actor, breach: ClockBreach, explanation: str) -> ClockBreach:
    require(actor, CHANGE, _("Your role may not explain breaches."))
    breach = ClockBreach.objects.select_for_update(of=("self",)).select_related("clock__rule").get(pk=breach.pk)
    explanation = (explanation or "").strip()
    if not explanation:
        raise ClockError(_("Write the explanation."))
    if breach.signed_off_at:
        raise ClockError(_("This breach is already signed off; its explanation is final."))
    before = _breach_snapshot(breach)
    breach.explanation, breach.explained_by, breach.explained_at = explanation, actor, timezone.now()
    breach.save(update_fields=["explanation", "explained_by", "explained_at"])
    _record_breach(actor, "breach_explain", breach, before)
    return breach


@transaction.atomic
def breach_sign_off(*, actor, breach: ClockBreach) -> ClockBreach:
    require(actor, SIGNOFF, _("Your role may not sign off breach explanations."))
    breach = ClockBreach.objects.select_for_update(of=("self",)).select_related("clock__rule").get(pk=breach.pk)
    if breach.signed_off_at:
        raise ClockError(_("This breach is already signed off."))
    if not breach.explained_at:
        raise ClockError(_("There is no explanation to sign off yet."))
    if breach.explained_by_id == actor.pk:
        raise ClockError(_("You wrote this explanation; another approver must sign it off."))
    before = _breach_snapshot(breach)
    breach.signed_off_by, breach.signed_off_at = actor, timezone.now()
    breach.save(update_fields=["signed_off_by", "signed_off_at"])
    _record_breach(actor, "breach_sign_off", breach, before)
    return breach
