"""Writes on AML alerts, cases and reports. Keyword-only, atomic, permission-checked
(insurer.access.require: oversight roles are refused every write), separation of duties
where the rules ask for it, audited in the same transaction (insurer.audit).

The rules (docs/aml.md, "Cases and reports"):
- the batch's alerts are stored idempotently (the engine's alert_id is unique): a re-run
  over the same history adds nothing; an episode that grew is updated in place;
- one case per customer is not closed; new alerts join it; a case opens with the analyst's
  5-working-day review clock (rule AML-R); a freeze-tier or confirmed-sanctions alert
  escalates its case to the MLRO at once;
- an analyst closes a case "not suspicious"; a hold-tier case needs a second reviewer (the
  proposer cannot confirm their own proposal); an escalated case, and any "suspicious"
  decision, is the MLRO's (decide_case). "Suspicious" stops the review clock and starts C14;
- a suspicious transaction report is drafted by an analyst and approved by an MLRO who is
  not its drafter (also a database constraint); approval records it with a reference and
  stops C14;
- large-value reports are generated from the PBoC thresholds, one per transaction (never
  twice), each with its C13 clock started at the transaction's time; filed one at a time or
  several at once under one filing reference (each stops its clock and has its audit event);
- an analyst snoozes an open alert until a day, with a reason (hold and freeze tiers: the
  MLRO): it leaves the queue until that day ends, or until a later run finds its episode grown.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from compliance.models import (
    Alert,
    AlertRule,
    AlertSnooze,
    Case,
    CaseEvent,
    Disposition,
    LargeValueReport,
    MonitoringRun,
    RuleSnooze,
    SuspiciousTransactionReport,
)
from insurer import audit
from insurer.access import require, restrict
from insurer.access.grants import holders, holds_read_only_role
from insurer.clocks.models import Clock
from insurer.clocks.services import ClockTarget, clock_start_for, clock_start_many, clock_start_many_for, clock_stop_for
from insurer.notifications.services import notify

WORK = "compliance.work_case"
DECIDE = "compliance.decide_case"
RUN = "compliance.run_monitoring"
REPORT_LV = "compliance.report_largevaluereport"
REVIEW_RULE, STR_RULE, LVTR_RULE = "AML-R", "C14", "C13"
BATCH = 2_000  # rows per IN (...) lookup: SQLite's variable limit, and PostgreSQL's plans
# House limits: a snooze is a short deferral with an expiry (regulation-aml.md: "snoozes ... with a
# reason and an expiry"), not a disposition; a bulk filing is what one filing batch holds.
SNOOZE_MAX_DAYS = 90
LVTR_BULK_MAX = 500


def _user(actor):
    """The actor as a User for foreign keys (a command's SystemActor is recorded by name only)."""
    return actor if getattr(actor, "pk", None) is not None else None


def _chunks(values: list, size: int = BATCH):
    for i in range(0, len(values), size):
        yield values[i : i + size]


def _event(case: Case, kind: str, actor, text: str = "", detail: dict | None = None, at=None) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case, kind=kind, actor=_user(actor), at=at or timezone.now(), text=text, detail=detail or {}
    )


def _snapshot(case: Case) -> dict:
    return {
        "status": case.status,
        "disposition": case.disposition,
        "assigned_to": case.assigned_to.get_username() if case.assigned_to_id else None,
        "max_tier": case.max_tier,
        "proposed_disposition": case.proposed_disposition,
    }


def _record(actor, action: str, case: Case, before: dict | None, reason: str = "", detail=None) -> None:
    audit.record_change(
        actor=actor,
        action=action,
        obj_type="compliance.case",
        obj_id=str(case.pk),
        object_repr=f"{case.reference} {case.customer.customer_ref}"[:200],
        before=before,
        after=_snapshot(case),
        reason=reason,
        detail=detail,
    )


def _case_url(case: Case) -> str:
    return reverse("compliance:case", args=[case.pk])


def _locked(case: Case) -> Case:
    return Case.objects.select_for_update(of=("self",)).select_related("customer", "assigned_to").get(pk=case.pk)


def _stop(clock_id, actor, reason: str) -> None:
    if clock_id is None:
        return
    clock = Clock.objects.get(pk=clock_id)
    if clock.stopped_at is None and clock.status != Clock.Status.CLOSED:
        clock_stop_for(triggered_by=_user(actor), clock=clock, reason=reason)


# --- persisting the batch ------------------------------------------------------------------


def _ids_by_ref(model, field: str, refs) -> dict[str, int]:
    found: dict[str, int] = {}
    for part in _chunks(sorted(set(refs))):
        found.update(model.objects.filter(**{f"{field}__in": part}).values_list(field, "id"))
    return found


def _aware(value) -> dt.datetime:
    moment = value.to_pydatetime() if hasattr(value, "to_pydatetime") else value
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, dt.timezone(dt.timedelta(hours=8)))
    return moment


def _update_values(model, fields: list[str], objects) -> None:
    """Write ``fields`` of many rows: on PostgreSQL one UPDATE … FROM (VALUES …) per 1,000 rows
    (Django's bulk_update builds a CASE per column that PostgreSQL plans slowly: 100 s for 4,000
    cases here); elsewhere one UPDATE per row (SQLite is in-process)."""
    objects = list(objects)
    if not objects:
        return
    table = model._meta.db_table
    columns = [model._meta.get_field(f) for f in fields]
    if connection.vendor != "postgresql":
        sql = f"UPDATE {table} SET {', '.join(f'{c.column} = %s' for c in columns)} WHERE id = %s"  # noqa: S608
        with connection.cursor() as cursor:
            cursor.executemany(
                sql,
                [[c.get_db_prep_save(getattr(o, c.attname), connection) for c in columns] + [o.pk] for o in objects],
            )
        return
    types = ["bigint", *(c.db_type(connection) for c in columns)]
    names = ", ".join(["id", *(c.column for c in columns)])
    sets = ", ".join(f"{c.column} = v.{c.column}" for c in columns)
    for part in _chunks(objects, 1000):
        row = "(" + ", ".join(f"%s::{t}" for t in types) + ")"
        sql = (f"UPDATE {table} AS t SET {sets} FROM (VALUES {', '.join([row] * len(part))}) AS v({names}) "  # noqa: S608
               "WHERE t.id = v.id")  # fmt: skip
        params = [
            p for o in part for p in [o.pk, *(c.get_db_prep_save(getattr(o, c.attname), connection) for c in columns)]
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def _open_cases(customers: list[tuple[int, str]], now, actor, *, run: MonitoringRun) -> dict[int, Case]:
    """Open one case per (customer id, ref), each with its review clock (rule AML-R, through
    the platform's clock service: audited, escalating, breaching like any clock). The rows
    themselves are written in bulk."""
    if not customers:
        return {}
    cases = Case.objects.bulk_create([Case(customer_id=cid, opened_at=now) for cid, _ref in customers], batch_size=1000)
    if cases and cases[0].pk is None:  # a backend that returns no ids
        ids = dict(Case.objects.filter(customer_id__in=[c for c, _r in customers]).exclude(status="closed")
                   .values_list("customer_id", "id"))  # fmt: skip
        for case in cases:
            case.pk = ids[case.customer_id]
    refs = dict(customers)
    # One bulk start: the due date is worked out once (every case opens today) and the clocks
    # and their audit events are inserted in bulk (one at a time, 4,121 clocks took most of
    # the 391 s a first run on the medium book spent storing).
    clocks = clock_start_many_for(
        triggered_by=_user(actor),
        rule_code=REVIEW_RULE,
        objects=[
            ClockTarget("compliance.case", str(case.pk), f"{case.reference} {refs[case.customer_id]}", now)
            for case in cases
        ],
    )
    for case, clock in zip(cases, clocks, strict=True):
        case.review_clock, case.due_at = clock, clock.due_at
    _update_values(Case, ["review_clock", "due_at"], cases)
    CaseEvent.objects.bulk_create(
        [CaseEvent(case=c, kind=CaseEvent.Kind.OPENED, actor=_user(actor), at=now, detail={"run": run.pk})
         for c in cases],
        batch_size=1000,
    )  # fmt: skip
    return {c.customer_id: c for c in cases}


def _refresh_cases(case_ids, actor, now) -> int:
    """Recompute each case's highest tier and score and its alert count (one query, one bulk
    update); a case holding a freeze-tier alert (or a confirmed sanctions hit) is escalated to
    the MLRO. Returns the number escalated."""
    escalated, changed = 0, []
    for part in _chunks(list(case_ids)):
        figures = (
            Alert.objects.filter(case_id__in=part)
            .values("case_id")
            .annotate(n=Count("id"), score=Max("score"), freeze=Count("id", filter=Q(tier="freeze")),
                      hold=Count("id", filter=Q(tier="hold")))
        )  # fmt: skip
        cases = Case.objects.select_related("customer").in_bulk(part)
        for row in figures:
            tier = "freeze" if row["freeze"] else "hold" if row["hold"] else "review"
            case = cases[row["case_id"]]
            case.alert_count, case.max_score, case.max_tier = row["n"], row["score"], tier
            if tier == "freeze" and case.status in (Case.Status.OPEN, Case.Status.UNDER_REVIEW):
                before = _snapshot(case)
                case.status, case.escalated_at = Case.Status.ESCALATED, now
                case.save(update_fields=["alert_count", "max_score", "max_tier", "status", "escalated_at"])
                why = _("Freeze tier: escalated to the MLRO automatically.")
                _event(case, CaseEvent.Kind.ESCALATED, actor, why, at=now)
                _record(actor, "aml_case_escalate", case, before, reason="freeze tier")
                _notify_mlro(case)
                escalated += 1
            else:
                changed.append(case)
    _update_values(Case, ["alert_count", "max_score", "max_tier"], changed)
    return escalated


def _notify_mlro(case: Case) -> None:
    notify(
        recipients=list(holders("mlro")),
        kind="aml_case_escalated",
        # Callables: rendered in each recipient's language (insurer.notifications.services.notify).
        title=lambda: (
            _("AML case %(case)s escalated to the MLRO (%(tier)s)")
            % {"case": case.reference, "tier": case.get_max_tier_display()}
        ),
        url=_case_url(case),
    )


@transaction.atomic
def alerts_persist(*, actor, alerts, run: MonitoringRun) -> dict:
    """Store the engine's alerts frame (compliance.engine.monitoring.monitor) idempotently and
    group them into cases. ``actor``: who ran the batch (a user, a SystemActor, or None for a
    job on a worker). Returns the counts (also saved on ``run``)."""
    if actor is not None:
        require(actor, RUN, _("Your role may not run the AML monitoring batch."))
    now = timezone.now()
    records = alerts.to_dict("records") if len(alerts) else []
    customers = _ids_by_ref(_customer_model(), "customer_ref", [a["customer_ref"] for a in records])
    policies = _ids_by_ref(_policy_model(), "policy_ref", [a["policy_ref"] for a in records])
    missing = sorted({a["customer_ref"] for a in records} - set(customers)) + sorted(
        {a["policy_ref"] for a in records} - set(policies)
    )
    if missing:
        raise ValidationError(_("Alerts name refs the book does not hold: %(refs)s") % {"refs": ", ".join(missing[:5])})
    existing = {}
    for part in _chunks([a["alert_id"] for a in records]):
        # Only what the comparison needs: reading 14,000 explanations back took most of a re-run.
        found = Alert.objects.filter(alert_id__in=part).select_related("case")
        for alert in found.only("alert_id", "txn_refs", "score", "tier", "customer_id", "snoozed_until",
                                "case__status"):  # fmt: skip
            existing[alert.alert_id] = alert
    new, changed, unchanged = [], [], 0
    for a in records:
        score = Decimal(str(round(float(a["score"]), 2)))
        refs = [str(r) for r in a["txn_refs"]]
        old = existing.get(a["alert_id"])
        if old is None:
            new.append((a, score, refs))
        elif old.txn_refs != refs or old.score != score or old.tier != a["tier"]:
            changed.append((old, a, score, refs))
        else:
            unchanged += 1
    # Cases: one open case per customer; alerts join it, or a new one is opened.
    touched_customers = {customers[a["customer_ref"]] for a, *_ in new} | {
        customers[a["customer_ref"]] for _old, a, *_ in changed
    }
    open_cases = {}
    for part in _chunks(sorted(touched_customers)):
        for case in Case.objects.filter(customer_id__in=part).exclude(status=Case.Status.CLOSED):
            open_cases[case.customer_id] = case
    ref_of = {v: k for k, v in customers.items()}
    needed = {customers[a["customer_ref"]] for a, *_ in new} | {
        old.customer_id for old, *_ in changed if old.case is not None and not old.case.is_open
    }
    fresh = _open_cases([(c, ref_of[c]) for c in sorted(needed - set(open_cases))], now, actor, run=run)
    open_cases.update(fresh)
    opened = len(fresh)

    def case_for(customer_id: int) -> Case:
        return open_cases[customer_id]

    rows, events = [], []
    for a, score, refs in new:
        case = case_for(customers[a["customer_ref"]])
        rows.append(
            Alert(
                alert_id=a["alert_id"], rules_version=a["explanation"].get("catalogue", run.rules_version),
                rule_codes=";".join(a["rule_ids"]), customer_id=customers[a["customer_ref"]],
                policy_id=policies[a["policy_ref"]], txn_refs=refs, score=score, tier=a["tier"],
                explanation=a["explanation"], created_at=_aware(a["created_at"]), raised_at=now, updated_at=now,
                first_run=run, last_run=run, case=case,
            )
        )  # fmt: skip
    Alert.objects.bulk_create(rows, batch_size=500)
    if connection_lacks_returning(rows):
        by_id = _ids_by_ref(Alert, "alert_id", [r.alert_id for r in rows])
        for r in rows:
            r.pk = by_id[r.alert_id]
    AlertRule.objects.bulk_create(
        [
            AlertRule(alert_id=r.pk, rule_id=rule["rule_id"], weight=Decimal(str(rule["weight"])))
            for r in rows
            for rule in r.explanation.get("rules", [])
        ],
        batch_size=1000,
    )
    for r in rows:
        events.append(
            CaseEvent(
                case_id=r.case_id,
                kind=CaseEvent.Kind.ALERT_ADDED,
                at=now,
                actor=_user(actor),
                text=f"{r.alert_id} {r.rule_codes} ({r.tier}, {r.score:g})",
                detail={"alert": r.alert_id, "run": run.pk},
            )
        )
    moved, woken = 0, []
    raised = []  # changed alerts whose tier rose: they call for a restriction as a new one does
    for old, a, score, refs in changed:
        before = {"txn_refs": old.txn_refs, "score": str(old.score), "tier": old.tier}
        if TIER_RANK.get(a["tier"], 0) > TIER_RANK.get(old.tier, 0):
            raised.append(old)
        if old.snoozed_until is not None:  # new activity in the episode: back to the queue
            old.snoozed_until = None
            woken.append(old.pk)
        old.txn_refs, old.score, old.tier, old.explanation = refs, score, a["tier"], a["explanation"]
        old.rule_codes, old.updated_at, old.last_run = ";".join(a["rule_ids"]), now, run
        detail = {"alert": old.alert_id, "run": run.pk, "before": before}
        if old.case is not None and not old.case.is_open:
            # The episode grew after its case was decided: it is re-raised into the customer's
            # open case; the closed case keeps a record of it.
            target = case_for(old.customer_id)
            moved_text = f"{old.alert_id} → {target.reference}"
            events.append(
                CaseEvent(case_id=old.case_id, kind="alert_moved", at=now, actor=_user(actor), text=moved_text,
                          detail=detail)
            )  # fmt: skip
            old.case, old.status, old.disposition = target, Alert.Status.OPEN, ""
            moved += 1
        old.save()
        AlertRule.objects.filter(alert=old).delete()
        AlertRule.objects.bulk_create(
            [
                AlertRule(alert=old, rule_id=r["rule_id"], weight=Decimal(str(r["weight"])))
                for r in a["explanation"]["rules"]
            ]
        )
        updated_text = f"{old.alert_id} {old.rule_codes} ({old.tier}, {old.score:g})"
        events.append(
            CaseEvent(case_id=old.case_id, kind="alert_updated", at=now, actor=_user(actor), text=updated_text,
                      detail=detail)
        )  # fmt: skip
    CaseEvent.objects.bulk_create(events, batch_size=1000)
    for part in _chunks(woken):
        AlertSnooze.objects.filter(alert_id__in=part, ended_at__isnull=True).update(
            ended_at=now, end_reason="the episode grew in a later monitoring run"
        )
    escalated = _refresh_cases(sorted({c.pk for c in open_cases.values()}), actor, now)
    placed = _restrict(run, rows, raised)
    counts = {
        "alerts_found": len(records),
        "alerts_new": len(new),
        "alerts_updated": len(changed),
        "alerts_unchanged": unchanged,
        "cases_opened": opened,
        "cases_escalated": escalated,
        "alerts_reraised": moved,
        "snoozes_ended": len(woken),
        "holds_placed": placed["holds"],
        "freezes_placed": placed["freezes"],
    }
    for key in ("alerts_found", "alerts_new", "alerts_updated", "alerts_unchanged", "cases_opened"):
        setattr(run, key, counts[key])
    run.summary = {**run.summary, **counts}
    run.save()
    audit.record_change(actor=actor, action="aml_alerts_persist", obj_type="compliance.monitoringrun",
                        obj_id=str(run.pk), object_repr=str(run), detail=counts)  # fmt: skip
    return counts


TIER_RANK = {"review": 1, "hold": 2, "freeze": 3}


def _restrict(run: MonitoringRun, new_rows: list[Alert], raised: list[Alert]) -> dict:
    """The batch acts on its hold and freeze tiers (docs/aml.md, "What the batch does with
    hold and freeze tiers"): each new alert at those tiers, and each whose tier rose, places a
    hold or freeze on its policy (compliance.holds), in bulk, as the system user. Alerts found
    unchanged place nothing, so a restriction a person lifted is not put back by the next run.
    Backtests and shadow runs (compliance.rules) never reach here: they store no alerts."""
    from compliance.holds.services import restrictions_place_from_run

    acting = [
        {"alert_id": r.alert_id, "policy_id": r.policy_id, "tier": r.tier, "score": r.score,
         "rule_codes": r.rule_codes}
        for r in [*new_rows, *raised]
        if r.tier in ("hold", "freeze")
    ]  # fmt: skip
    return restrictions_place_from_run(run=run, alerts=acting)


def connection_lacks_returning(rows) -> bool:
    return bool(rows) and rows[0].pk is None


def _customer_model():
    from customers.models import Customer

    return Customer


def _policy_model():
    from customers.models import Policy

    return Policy


def run_start(*, actor, source: str, rules_version: str, job_id=None, part: int = 0, parts: int = 1) -> MonitoringRun:
    return MonitoringRun.objects.create(
        source=source, job_id=job_id, part=part, parts=parts, rules_version=rules_version,
        started_at=timezone.now(), requested_by=_user(actor),
    )  # fmt: skip


def run_finish(run: MonitoringRun, *, transactions: int, status: str = MonitoringRun.Status.DONE, **summary) -> None:
    run.transactions, run.status, run.finished_at = transactions, status, timezone.now()
    run.summary = {**run.summary, **summary}
    run.save(update_fields=["transactions", "status", "finished_at", "summary"])


# --- working a case ----------------------------------------------------------------------


def _require_work(actor, message: str) -> None:
    require(actor, WORK, message)


def _require_open(case: Case) -> None:
    if not case.is_open:
        raise ValidationError(_("Case %(case)s is closed.") % {"case": case.reference})


@transaction.atomic
def case_assign(*, actor, case: Case, assignee=None) -> Case:
    """Assign the case to an analyst (``assignee``, default the actor); an open case goes
    under review."""
    _require_work(actor, _("Your role may not work AML cases."))
    case = _locked(case)
    _require_open(case)
    assignee = assignee or actor
    if not (assignee.is_active and assignee.has_perm(WORK)) or holds_read_only_role(assignee):
        raise ValidationError({"assignee": _("%(user)s may not work AML cases.") % {"user": assignee.get_username()}})
    before = _snapshot(case)
    case.assigned_to = assignee
    if case.status == Case.Status.OPEN:
        case.status = Case.Status.UNDER_REVIEW
    case.save(update_fields=["assigned_to", "status"])
    _event(case, CaseEvent.Kind.ASSIGNED, actor, assignee.get_username())
    _record(actor, "aml_case_assign", case, before)
    if assignee.pk != getattr(actor, "pk", None):
        notify(recipients=[assignee], kind="aml_case_assigned", url=_case_url(case),
               title=lambda: _("AML case %(case)s assigned to you") % {"case": case.reference})  # fmt: skip
    return case


@transaction.atomic
def case_note(*, actor, case: Case, text: str) -> CaseEvent:
    _require_work(actor, _("Your role may not write on AML cases."))
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("A note needs some text.")})
    case = _locked(case)
    event = _event(case, CaseEvent.Kind.NOTE, actor, text)
    _record(actor, "aml_case_note", case, None, detail={"event": event.pk})
    return event


@transaction.atomic
def case_escalate(*, actor, case: Case, reason: str) -> Case:
    _require_work(actor, _("Your role may not escalate AML cases."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the case goes to the MLRO.")})
    case = _locked(case)
    _require_open(case)
    if case.status == Case.Status.ESCALATED:
        raise ValidationError(_("Case %(case)s is already with the MLRO.") % {"case": case.reference})
    before = _snapshot(case)
    case.status, case.escalated_at = Case.Status.ESCALATED, timezone.now()
    case.save(update_fields=["status", "escalated_at"])
    _event(case, CaseEvent.Kind.ESCALATED, actor, reason)
    _record(actor, "aml_case_escalate", case, before, reason=reason)
    _notify_mlro(case)
    return case


@transaction.atomic
def case_dispose(*, actor, case: Case, disposition: str, reason: str) -> Case:
    """Decide the case. Returns it closed, or (a hold-tier case decided "not suspicious" by a
    first reviewer) still open with the proposal waiting for a second reviewer."""
    _require_work(actor, _("Your role may not decide AML cases."))
    if disposition not in Disposition.values:
        raise ValidationError({"disposition": _("Choose not suspicious or suspicious.")})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("A decision needs its reason.")})
    case = _locked(case)
    _require_open(case)
    if case.status == Case.Status.ESCALATED:
        require(
            actor,
            DECIDE,
            _("Refused: case %(case)s is escalated; only the MLRO decides it.") % {"case": case.reference},
        )
    if disposition == Disposition.SUSPICIOUS:
        require(actor, DECIDE, _("Refused: confirming a case suspicious is the MLRO's decision; escalate the case."))
    before = _snapshot(case)
    now = timezone.now()
    needs_second = case.max_tier == "hold" and disposition == Disposition.NOT_SUSPICIOUS and not actor.has_perm(DECIDE)
    if needs_second:
        if case.proposed_by_id is None or case.proposed_disposition != disposition:
            case.proposed_disposition, case.proposed_by = disposition, actor
            case.save(update_fields=["proposed_disposition", "proposed_by"])
            _event(case, CaseEvent.Kind.PROPOSED, actor, reason, {"disposition": disposition})
            _record(actor, "aml_case_propose", case, before, reason=reason)
            return case
        if case.proposed_by_id == actor.pk:
            raise PermissionDenied(
                _(
                    "Refused (second reviewer): you proposed this disposition; "
                    "another analyst or the MLRO must confirm it."
                )
            )
    case.status, case.disposition, case.closed_at = Case.Status.CLOSED, disposition, now
    case.decided_by, case.decision_reason = _user(actor), reason
    _stop(case.review_clock_id, actor, f"case decided: {disposition}")
    fields = ["status", "disposition", "closed_at", "decided_by", "decision_reason", "report_clock", "due_at"]
    case.due_at = None
    if disposition == Disposition.SUSPICIOUS:
        clock = clock_start_for(triggered_by=_user(actor), rule_code=STR_RULE, object_type="compliance.case",
                                object_id=str(case.pk), object_repr=f"{case.reference} {case.customer.customer_ref}",
                                extra_notify=["aml_analyst"])  # fmt: skip
        case.report_clock, case.due_at = clock, clock.due_at
    case.save(update_fields=fields)
    decided = list(case.alerts.values_list("alert_id", "score", "tier"))
    case.alerts.update(status=Alert.Status.CLOSED, disposition=disposition)
    detail = {"disposition": disposition, "alerts": [[a, str(s), t] for a, s, t in decided]}
    if case.proposed_by_id:
        detail["proposed_by"] = case.proposed_by.get_username()
    _event(case, CaseEvent.Kind.DISPOSED, actor, reason, detail)
    _record(actor, "aml_case_dispose", case, before, reason=reason, detail={"disposition": disposition})
    return case


# --- suspicious transaction reports ---------------------------------------------------------


def _report_record(actor, action: str, report: SuspiciousTransactionReport, before: dict | None, reason: str = ""):
    audit.record_change(
        actor=actor, action=action, obj_type="compliance.suspicioustransactionreport", obj_id=str(report.pk),
        object_repr=str(report), before=before, reason=reason,
        after={"status": report.status, "reference": report.reference, "revision": report.revision},
    )  # fmt: skip


def _transactions_of(case: Case, txn_refs: list[str] | None):
    from customers.models import PolicyTransaction

    if txn_refs is None:
        txn_refs = list(dict.fromkeys(r for refs in case.alerts.values_list("txn_refs", flat=True) for r in refs))
    txn_refs = [str(r).strip() for r in txn_refs if str(r).strip()]
    if not txn_refs:
        raise ValidationError({"txn_refs": _("Name at least one transaction to report.")})
    found = {t.txn_ref: t for t in PolicyTransaction.objects.filter(txn_ref__in=txn_refs)}
    unknown = [r for r in txn_refs if r not in found]
    if unknown:
        raise ValidationError({"txn_refs": _("Unknown transactions: %(refs)s") % {"refs": ", ".join(unknown[:5])}})
    return txn_refs, sum((found[r].amount for r in txn_refs), Decimal("0"))


@transaction.atomic
def str_draft(*, actor, case: Case, activity_type: str, grounds: str, action_taken: str = "",
              txn_refs: list[str] | None = None) -> SuspiciousTransactionReport:  # fmt: skip
    """Draft (or revise a draft of) the report of a case confirmed suspicious."""
    _require_work(actor, _("Your role may not draft suspicious transaction reports."))
    case = _locked(case)
    if case.disposition != Disposition.SUSPICIOUS:
        raise ValidationError(_("Only a case confirmed suspicious is reported (case %(case)s is not).")
                              % {"case": case.reference})  # fmt: skip
    activity_type, grounds = (activity_type or "").strip(), (grounds or "").strip()
    errors = {}
    if not activity_type:
        errors["activity_type"] = _("Name the suspected activity.")
    if not grounds:
        errors["grounds"] = _("Give the grounds for suspicion.")
    if errors:
        raise ValidationError(errors)
    refs, total = _transactions_of(case, txn_refs)
    report = SuspiciousTransactionReport.objects.select_for_update().filter(case=case).first()
    now = timezone.now()
    if report is None:
        report = SuspiciousTransactionReport(case=case, drafted_by=actor, drafted_at=now)
        before = None
    else:
        if report.status != SuspiciousTransactionReport.Status.DRAFT:
            raise ValidationError(_("The report is %(status)s; only a draft can be edited.")
                                  % {"status": report.get_status_display()})  # fmt: skip
        before = {"status": report.status, "revision": report.revision}
        report.drafted_by, report.drafted_at = actor, now
    report.activity_type, report.grounds, report.action_taken = activity_type, grounds, (action_taken or "").strip()
    report.txn_refs, report.amount_total = refs, total
    report.save()
    _event(case, CaseEvent.Kind.STR_DRAFTED, actor, activity_type, {"report": report.pk, "transactions": len(refs)})
    _report_record(actor, "aml_str_draft", report, before)
    return report


@transaction.atomic
def str_submit(*, actor, report: SuspiciousTransactionReport) -> SuspiciousTransactionReport:
    _require_work(actor, _("Your role may not submit suspicious transaction reports."))
    report = SuspiciousTransactionReport.objects.select_for_update().select_related("case__customer").get(pk=report.pk)
    if report.status != SuspiciousTransactionReport.Status.DRAFT:
        raise ValidationError(_("Only a draft is submitted (this report is %(status)s).")
                              % {"status": report.get_status_display()})  # fmt: skip
    before = {"status": report.status}
    report.status, report.submitted_at = SuspiciousTransactionReport.Status.SUBMITTED, timezone.now()
    report.save(update_fields=["status", "submitted_at"])
    _event(report.case, CaseEvent.Kind.STR_SUBMITTED, actor, detail={"report": report.pk})
    _report_record(actor, "aml_str_submit", report, before)
    notify(recipients=[u for u in holders("mlro") if u.pk != report.drafted_by_id], kind="aml_str_submitted",
           title=lambda: _("Suspicious transaction report on %(case)s to approve") % {"case": report.case.reference},
           url=reverse("compliance:str", args=[report.pk]))  # fmt: skip
    return report


def _checker(actor, report: SuspiciousTransactionReport) -> None:
    require(actor, DECIDE, _("Only the MLRO approves or returns suspicious transaction reports."))
    if report.drafted_by_id == getattr(actor, "pk", None):
        raise PermissionDenied(
            _("Refused (maker-checker): you drafted this report; another MLRO must approve or return it.")
        )


@transaction.atomic
def str_approve(*, actor, report: SuspiciousTransactionReport, comment: str = "") -> SuspiciousTransactionReport:
    """The MLRO approves: the report is recorded with its reference and C14 stops."""
    report = SuspiciousTransactionReport.objects.select_for_update().select_related("case__customer").get(pk=report.pk)
    _checker(actor, report)
    if report.status != SuspiciousTransactionReport.Status.SUBMITTED:
        raise ValidationError(_("Only a submitted report is approved (this one is %(status)s).")
                              % {"status": report.get_status_display()})  # fmt: skip
    before = {"status": report.status}
    now = timezone.now()
    report.status, report.approved_by, report.approved_at = SuspiciousTransactionReport.Status.RECORDED, actor, now
    report.reference = f"STR-{timezone.localdate(now):%Y}-{report.pk:06d}"
    report.save(update_fields=["status", "approved_by", "approved_at", "reference"])
    case = report.case
    _stop(case.report_clock_id, actor, f"report {report.reference} recorded")
    Case.objects.filter(pk=case.pk).update(due_at=None)
    _event(case, CaseEvent.Kind.STR_APPROVED, actor, (comment or "").strip(), {"reference": report.reference})
    _report_record(actor, "aml_str_approve", report, before, reason=comment)
    return report


@transaction.atomic
def str_return(*, actor, report: SuspiciousTransactionReport, comment: str) -> SuspiciousTransactionReport:
    report = SuspiciousTransactionReport.objects.select_for_update().select_related("case__customer").get(pk=report.pk)
    _checker(actor, report)
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("Say what to change when returning a report.")})
    if report.status != SuspiciousTransactionReport.Status.SUBMITTED:
        raise ValidationError(_("Only a submitted report is returned (this one is %(status)s).")
                              % {"status": report.get_status_display()})  # fmt: skip
    before = {"status": report.status}
    report.status, report.return_comment = SuspiciousTransactionReport.Status.DRAFT, comment
    report.revision += 1
    report.save(update_fields=["status", "return_comment", "revision"])
    _event(report.case, CaseEvent.Kind.STR_RETURNED, actor, comment, {"report": report.pk})
    _report_record(actor, "aml_str_return", report, before, reason=comment)

    def title():  # rendered in the drafter's language
        return _("Report on %(case)s returned: %(comment)s") % {"case": report.case.reference, "comment": comment}

    notify(recipients=[report.drafted_by], kind="aml_str_returned", title=title,
           url=reverse("compliance:str", args=[report.pk]))  # fmt: skip
    return report


# --- large-value transaction reports --------------------------------------------------------


@transaction.atomic
def lvtr_generate(*, actor, since: dt.date, until: dt.date | None = None) -> dict:
    """Large-value reports for the transactions from ``since`` to ``until`` (local days,
    inclusive): one per reportable transaction, never twice, each with its C13 clock
    started at the transaction's time. The actor needs run_monitoring and may start clocks."""
    from compliance.lvtr import reportable

    require(actor, RUN, _("Your role may not generate large-value reports."))
    require(actor, "clocks.change_clock", _("Your role may not start regulatory clocks."))
    until = until or timezone.localdate()
    if since > until:
        raise ValidationError({"since": _("The first day is after the last day.")})
    found = reportable(since, until)
    done = set(
        LargeValueReport.objects.filter(transaction_id__in=[r["transaction_id"] for r in found]).values_list(
            "transaction_id", flat=True
        )
    )
    now = timezone.now()
    todo = [r for r in found if r["transaction_id"] not in done]
    # In bulk: the reports, then their C13 clocks (due dates worked out once per transaction
    # day, one audit event per clock), then the reports' clock and due date. One at a time, 754
    # reports on the medium book took 49 s and 6,796 queries.
    reports = LargeValueReport.objects.bulk_create(
        [
            LargeValueReport(
                transaction_id=r["transaction_id"], customer_id=r["customer_id"], category=r["category"],
                currency=r["currency"], threshold=r["threshold"], amount=r["amount"], day_total=r["day_total"],
                report_day=r["report_day"], source=r["source"][:300], generated_at=now,
            )
            for r in todo
        ],
        batch_size=1000,
    )  # fmt: skip
    if connection_lacks_returning(reports):
        ids = dict(LargeValueReport.objects.filter(transaction_id__in=[r["transaction_id"] for r in todo])
                   .values_list("transaction_id", "id"))  # fmt: skip
        for report in reports:
            report.pk = ids[report.transaction_id]
    clocks = clock_start_many(
        actor=actor,
        rule_code=LVTR_RULE,
        objects=[
            ClockTarget("compliance.largevaluereport", str(report.pk),
                        f"{r['txn_ref']} {r['category']} {r['amount']} {r['currency']}", r["timestamp"])
            for report, r in zip(reports, todo, strict=True)
        ],
    )  # fmt: skip
    for report, clock in zip(reports, clocks, strict=True):
        report.clock, report.due_at = clock, clock.due_at
    _update_values(LargeValueReport, ["clock", "due_at"], reports)
    created = [report.pk for report in reports]
    counts = {"since": since.isoformat(), "until": until.isoformat(), "reportable": len(found),
              "created": len(created), "already": len(found) - len(created)}  # fmt: skip
    audit.record_change(actor=actor, action="aml_lvtr_generate", obj_type="compliance.largevaluereport",
                        obj_id=f"{since}..{until}", detail=counts)  # fmt: skip
    return counts


@transaction.atomic
def lvtr_mark_reported(*, actor, report: LargeValueReport, reference: str) -> LargeValueReport:
    require(actor, REPORT_LV, _("Your role may not record large-value reports as filed."))
    reference = (reference or "").strip()
    if not reference:
        raise ValidationError({"reference": _("Give the filing reference of the report.")})
    report = LargeValueReport.objects.select_for_update().get(pk=report.pk)
    if report.status == LargeValueReport.Status.REPORTED:
        raise ValidationError(_("This report was already filed as %(ref)s.") % {"ref": report.reference})
    if LargeValueReport.objects.filter(reference=reference).exists():
        raise ValidationError({"reference": _("Reference %(ref)s is already used.") % {"ref": reference}})
    report.status, report.reference = LargeValueReport.Status.REPORTED, reference
    report.reported_by, report.reported_at = _user(actor), timezone.now()
    report.save(update_fields=["status", "reference", "reported_by", "reported_at"])
    _stop(report.clock_id, actor, f"filed as {reference}")
    audit.record_change(actor=actor, action="aml_lvtr_report", obj_type="compliance.largevaluereport",
                        obj_id=str(report.pk), object_repr=str(report), before={"status": "pending"},
                        after={"status": report.status, "reference": reference})  # fmt: skip
    return report


@transaction.atomic
def lvtr_mark_reported_many(*, actor, report_ids, reference: str) -> list[LargeValueReport]:
    """Record several pending reports as filed in one filing batch: each is recorded as
    ``<reference>-001``, ``-002``, … in the queue's order (due date), stops its C13 clock and has
    its own audit event. All or nothing: an unknown, already filed or out-of-scope report, or a
    reference already used, refuses the whole batch naming it."""
    require(actor, REPORT_LV, _("Your role may not record large-value reports as filed."))
    reference = (reference or "").strip()
    if not reference:
        raise ValidationError({"reference": _("Give the filing reference of the batch.")})
    if len(reference) > 56:  # room for the "-001" suffix in the 60-character reference
        raise ValidationError({"reference": _("A batch reference has at most 56 characters.")})
    try:
        ids = sorted({int(i) for i in report_ids})
    except (TypeError, ValueError):
        raise ValidationError({"ids": _("Report ids are whole numbers.")}) from None
    if not ids:
        raise ValidationError({"ids": _("Select at least one report.")})
    if len(ids) > LVTR_BULK_MAX:
        raise ValidationError({"ids": _("At most %(n)s reports per filing batch.") % {"n": LVTR_BULK_MAX}})
    reports = list(
        restrict(LargeValueReport.objects.all(), actor).select_for_update(of=("self",)).select_related("transaction")
        .filter(pk__in=ids).order_by("due_at", "pk")
    )  # fmt: skip
    missing = sorted(set(ids) - {r.pk for r in reports})
    if missing:
        raise ValidationError({"ids": _("No such report: %(ids)s") % {"ids": ", ".join(map(str, missing[:10]))}})
    filed = [
        f"{r.transaction.txn_ref} ({r.reference})" for r in reports if r.status == LargeValueReport.Status.REPORTED
    ]
    if filed:
        raise ValidationError({"ids": _("Already filed: %(reports)s") % {"reports": ", ".join(filed[:10])}})
    refs = [f"{reference}-{n:03d}" for n in range(1, len(reports) + 1)]
    taken = sorted(LargeValueReport.objects.filter(reference__in=refs).values_list("reference", flat=True))
    if taken:
        raise ValidationError({"reference": _("Reference %(ref)s is already used.") % {"ref": taken[0]}})
    now = timezone.now()
    for report, ref in zip(reports, refs, strict=True):
        report.status, report.reference = LargeValueReport.Status.REPORTED, ref
        report.reported_by, report.reported_at = _user(actor), now
        report.save(update_fields=["status", "reference", "reported_by", "reported_at"])
        _stop(report.clock_id, actor, f"filed as {ref}")
    audit.record_changes([
        {"actor": actor, "action": "aml_lvtr_report", "obj_type": "compliance.largevaluereport",
         "obj_id": str(r.pk), "object_repr": str(r), "before": {"status": "pending"},
         "after": {"status": r.status, "reference": r.reference}, "detail": {"batch": reference}}
        for r in reports
    ])  # fmt: skip
    return reports


# --- alert snoozes ---------------------------------------------------------------------------------


def _snooze_record(actor, action: str, alert: Alert, before, reason: str, detail=None) -> None:
    audit.record_change(actor=actor, action=action, obj_type="compliance.alert", obj_id=alert.alert_id,
                        object_repr=f"{alert.alert_id} {alert.rule_codes}", reason=reason, detail=detail,
                        before={"snoozed_until": before}, after={"snoozed_until": alert.snoozed_until})  # fmt: skip


def _end_snooze(alert: Alert, actor, now, why: str) -> None:
    AlertSnooze.objects.filter(alert=alert, ended_at__isnull=True).update(
        ended_at=now, ended_by=_user(actor), end_reason=why
    )


@transaction.atomic
def alert_snooze(*, actor, alert: Alert, until: dt.date, reason: str) -> Alert:
    """Snooze an open alert until the end of ``until`` (a local day after today, at most
    SNOOZE_MAX_DAYS ahead), with a reason: it leaves the queue (and the API list) until then.
    A review-tier alert is the analyst's to snooze; a hold or freeze tier alert, the MLRO's.
    Snoozing again replaces the snooze in force. Audited, and on the case's timeline."""
    _require_work(actor, _("Your role may not snooze AML alerts."))
    reason = (reason or "").strip()
    today = timezone.localdate()
    errors = {}
    if not reason:
        errors["reason"] = _("A snooze needs its reason.")
    if not isinstance(until, dt.date) or until <= today:
        errors["until"] = _("Snooze until a day after today.")
    elif until > today + dt.timedelta(days=SNOOZE_MAX_DAYS):
        errors["until"] = _("A snooze lasts at most %(days)s days (until %(day)s).") % {
            "days": SNOOZE_MAX_DAYS, "day": (today + dt.timedelta(days=SNOOZE_MAX_DAYS)).isoformat()}  # fmt: skip
    if errors:
        raise ValidationError(errors)
    alert = Alert.objects.select_for_update(of=("self",)).get(pk=alert.pk)
    if alert.status != Alert.Status.OPEN:
        raise ValidationError(
            _("Alert %(alert)s is closed; only an open alert is snoozed.") % {"alert": alert.alert_id}
        )
    if alert.tier != "review":
        tier = alert.get_tier_display()  # the tier's label in the reader's language, not its code
        require(actor, DECIDE, _("Refused: a %(tier)s-tier alert is snoozed only by the MLRO.") % {"tier": tier})
    now, before = timezone.now(), alert.snoozed_until
    _end_snooze(alert, actor, now, "replaced by a new snooze")
    AlertSnooze.objects.create(alert=alert, until=until, reason=reason, snoozed_by=actor, snoozed_at=now)
    alert.snoozed_until = until
    alert.save(update_fields=["snoozed_until"])
    if alert.case_id:
        CaseEvent.objects.create(case_id=alert.case_id, kind=CaseEvent.Kind.ALERT_SNOOZED, actor=_user(actor), at=now,
                                 text=f"{alert.alert_id} → {until.isoformat()}: {reason}",
                                 detail={"alert": alert.alert_id, "until": until.isoformat()})  # fmt: skip
    _snooze_record(actor, "aml_alert_snooze", alert, before, reason)
    return alert


@transaction.atomic
def alert_unsnooze(*, actor, alert: Alert, reason: str) -> Alert:
    """End a snooze early (new information): the alert is back in the queue. Audited."""
    _require_work(actor, _("Your role may not snooze AML alerts."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the snooze ends early.")})
    alert = Alert.objects.select_for_update(of=("self",)).get(pk=alert.pk)
    if alert.snoozed_until is None or alert.snoozed_until < timezone.localdate():
        raise ValidationError(_("Alert %(alert)s is not snoozed.") % {"alert": alert.alert_id})
    now, before = timezone.now(), alert.snoozed_until
    _end_snooze(alert, actor, now, reason)
    alert.snoozed_until = None
    alert.save(update_fields=["snoozed_until"])
    if alert.case_id:
        CaseEvent.objects.create(
            case_id=alert.case_id, kind=CaseEvent.Kind.ALERT_UNSNOOZED, actor=_user(actor), at=now,
            text=f"{alert.alert_id}: {reason}", detail={"alert": alert.alert_id},
        )  # fmt: skip
    _snooze_record(actor, "aml_alert_unsnooze", alert, before, reason)
    return alert


# --- rule snoozes (per customer) -------------------------------------------------------------------

SANCTIONS_RULE = "L13"  # a confirmed sanctions hit freezes: never snoozable


def _rule_snooze_record(actor, action: str, snooze: RuleSnooze, reason: str, before=None) -> None:
    ended = snooze.ended_at.isoformat() if snooze.ended_at else None
    detail = {"rule": snooze.rule_id, "customer": snooze.customer_ref, "alert": snooze.from_alert}
    audit.record_change(actor=actor, action=action, obj_type="compliance.rulesnooze", obj_id=str(snooze.pk),
                        object_repr=str(snooze), reason=reason, before=before, detail=detail,
                        after={"expires_at": snooze.expires_at.isoformat(), "ended_at": ended})  # fmt: skip


@transaction.atomic
def rule_snooze(*, actor, alert: Alert, rule_id: str, until: dt.date, reason: str) -> RuleSnooze:
    """Snooze ``rule_id`` for the alert's customer until the end of ``until`` (a local day
    after today, at most SNOOZE_MAX_DAYS ahead), with a reason: until then the batch, the
    backtest and shadow runs and real-time scoring raise nothing of that rule for the
    customer. The rule must have fired in ``alert``; L13 (sanctions) never. From a review-tier
    alert the analyst's, from a hold or freeze tier alert the MLRO's (as a per-alert snooze).
    A snooze in force for the same rule and customer is replaced. Audited."""
    _require_work(actor, _("Your role may not snooze AML alerts."))
    reason, rule_id = (reason or "").strip(), (rule_id or "").strip()
    today = timezone.localdate()
    errors = {}
    if not reason:
        errors["reason"] = _("A snooze needs its reason.")
    if rule_id == SANCTIONS_RULE:
        errors["rule_id"] = _("A sanctions hit (L13) is never snoozed: it freezes and goes to the MLRO.")
    elif rule_id not in alert.rule_codes.split(";"):
        errors["rule_id"] = _("Rule %(rule)s did not fire in alert %(alert)s.") % {
            "rule": rule_id or "—", "alert": alert.alert_id}  # fmt: skip
    if not isinstance(until, dt.date) or until <= today:
        errors["until"] = _("Snooze until a day after today.")
    elif until > today + dt.timedelta(days=SNOOZE_MAX_DAYS):
        errors["until"] = _("A snooze lasts at most %(days)s days (until %(day)s).") % {
            "days": SNOOZE_MAX_DAYS, "day": (today + dt.timedelta(days=SNOOZE_MAX_DAYS)).isoformat()}  # fmt: skip
    if errors:
        raise ValidationError(errors)
    if alert.tier != "review":
        tier = alert.get_tier_display()  # the tier's label in the reader's language, not its code
        require(actor, DECIDE, _("Refused: a %(tier)s-tier alert is snoozed only by the MLRO.") % {"tier": tier})
    customer_ref = alert.customer.customer_ref
    now = timezone.now()
    expires = timezone.make_aware(dt.datetime.combine(until + dt.timedelta(days=1), dt.time()))
    open_ = RuleSnooze.objects.select_for_update().filter(rule_id=rule_id, customer_ref=customer_ref,
                                                         ended_at__isnull=True)  # fmt: skip
    before = None
    for old in open_:
        before = {"expires_at": old.expires_at.isoformat(), "replaced": old.pk}
        old.ended_at, old.ended_by, old.end_reason = now, _user(actor), "replaced by a new snooze"
        old.save(update_fields=["ended_at", "ended_by", "end_reason"])
    snooze = RuleSnooze.objects.create(rule_id=rule_id, customer_ref=customer_ref, reason=reason, expires_at=expires,
                                       from_alert=alert.alert_id, snoozed_by=actor, snoozed_at=now)  # fmt: skip
    if alert.case_id:
        CaseEvent.objects.create(case_id=alert.case_id, kind=CaseEvent.Kind.NOTE, actor=_user(actor), at=now,
                                 text=f"{rule_id} snoozed for {customer_ref} until {until.isoformat()}: {reason}",
                                 detail={"alert": alert.alert_id, "rule_snooze": snooze.pk})  # fmt: skip
    _rule_snooze_record(actor, "aml_rule_snooze", snooze, reason, before)
    return snooze


@transaction.atomic
def rule_snooze_end(*, actor, snooze: RuleSnooze, reason: str) -> RuleSnooze:
    """End a rule snooze early (new information): the next run raises the rule again. Audited."""
    _require_work(actor, _("Your role may not snooze AML alerts."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the snooze ends early.")})
    snooze = RuleSnooze.objects.select_for_update().get(pk=snooze.pk)
    now = timezone.now()
    if snooze.ended_at is not None or snooze.expires_at <= now:
        raise ValidationError(_("That snooze is no longer in force."))
    before = {"expires_at": snooze.expires_at.isoformat(), "ended_at": None}
    snooze.ended_at, snooze.ended_by, snooze.end_reason = now, _user(actor), reason
    snooze.save(update_fields=["ended_at", "ended_by", "end_reason"])
    _rule_snooze_record(actor, "aml_rule_snooze_end", snooze, reason, before)
    return snooze
