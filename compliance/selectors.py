"""Reads of AML alerts, cases and reports: every queryset passes insurer.access.restrict
(no permission → nothing), with the joins the screens and the API need (no N+1)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, prefetch_related_objects
from django.db.models.functions import TruncMonth
from django.utils import timezone

from compliance.engine.monitoring import CSV_COLUMNS
from compliance.models import (
    Alert,
    AlertRule,
    Case,
    CaseEvent,
    LargeValueReport,
    MonitoringRun,
    RuleSnooze,
    SuspiciousTransactionReport,
)
from insurer.access import restrict

PRC = ZoneInfo("Asia/Shanghai")
STR_LAYOUT_VERSION = "1.0"


SNOOZE_FILTERS = ("hide", "only", "all")  # the queue hides alerts snoozed to today or later


def alerts_for(user, *, rule: str = "", tier: str = "", status: str = "", customer_ref: str = "", snoozed: str = "all"):
    rows = restrict(Alert.objects.all(), user).select_related("customer", "policy", "case")
    if snoozed in ("hide", "only"):
        in_force = Q(snoozed_until__gte=timezone.localdate())
        rows = rows.exclude(in_force) if snoozed == "hide" else rows.filter(in_force)
    if rule:
        rows = rows.filter(pk__in=AlertRule.objects.filter(rule_id=rule).values("alert_id"))
    if tier:
        rows = rows.filter(tier=tier)
    if status:
        rows = rows.filter(status=status)
    if customer_ref:
        rows = rows.filter(customer__customer_ref=customer_ref)
    return rows.order_by("-created_at", "-pk")


def cases_for(user, *, status: str = "", tier: str = "", mine_of=None, open_only: bool = False):
    rows = restrict(Case.objects.all(), user).select_related("customer", "assigned_to")
    if status:
        rows = rows.filter(status=status)
    elif open_only:
        rows = rows.exclude(status=Case.Status.CLOSED)
    if tier:
        rows = rows.filter(max_tier=tier)
    if mine_of is not None:
        rows = rows.filter(assigned_to=mine_of)
    return rows


def case_events(case: Case):
    return CaseEvent.objects.filter(case=case).select_related("actor").order_by("at", "pk")


def strs_for(user, *, status: str = ""):
    rows = restrict(SuspiciousTransactionReport.objects.all(), user).select_related(
        "case__customer", "drafted_by", "approved_by", "case__report_clock"
    )
    return rows.filter(status=status) if status else rows


def lvtrs_for(user, *, status: str = "", category: str = ""):
    rows = restrict(LargeValueReport.objects.all(), user).select_related("transaction", "customer", "clock")
    if status:
        rows = rows.filter(status=status)
    if category:
        rows = rows.filter(category=category)
    return rows.order_by("due_at", "pk")


def runs_for(user):
    return restrict(MonitoringRun.objects.all(), user).select_related("requested_by")


# --- exports ---------------------------------------------------------------------------------


def _local_iso(moment: dt.datetime) -> str:
    return moment.astimezone(PRC).isoformat()


def alert_csv_row(alert: Alert) -> list[str]:
    """The engine's CSV layout (compliance.engine.monitoring.alerts_to_csv): alert_id,
    rule_id (rules joined by ';'), customer_ref, policy_ref, txn_refs (';'), score, tier,
    created_at (ISO 8601, Asia/Shanghai)."""
    return [
        alert.alert_id,
        alert.rule_codes,
        alert.customer.customer_ref,
        alert.policy.policy_ref,
        ";".join(alert.txn_refs),
        f"{float(alert.score):g}",
        alert.tier,
        _local_iso(alert.created_at),
    ]


def alerts_csv(alerts) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(CSV_COLUMNS)
    for alert in alerts.iterator(chunk_size=2000):
        writer.writerow(alert_csv_row(alert))
    return buf.getvalue()


def _sub(parent, tag: str, text=None, **attrs) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: str(v) for k, v in attrs.items() if v not in (None, "")})
    if text not in (None, ""):
        element.text = str(text)
    return element


def str_xml(reports, *, institution: str = "") -> bytes:
    """Suspicious transaction reports in the layout documented in docs/aml.md ("STR export
    layout"), version STR_LAYOUT_VERSION: <STRBatch> with one <Report> per report."""
    from customers.models import PolicyTransaction

    reports = list(reports)
    prefetch_related_objects(reports, "case__alerts")
    refs = {r for report in reports for r in report.txn_refs}
    txns = {
        t.txn_ref: t
        for t in PolicyTransaction.objects.filter(txn_ref__in=refs).select_related("policy", "payer", "payee")
    }
    root = ET.Element("STRBatch", {"layout": STR_LAYOUT_VERSION, "generated": _local_iso(timezone.now())})
    if institution:
        _sub(root, "ReportingInstitution", institution)
    for report in reports:
        case, customer = report.case, report.case.customer
        node = _sub(root, "Report", reference=report.reference or "", status=report.status, revision=report.revision)
        _sub(node, "Case", case.reference, confirmedAt=_local_iso(case.closed_at) if case.closed_at else "")
        subject = _sub(node, "Subject", customerRef=customer.customer_ref, kind=customer.kind)
        _sub(subject, "Name", customer.name)
        _sub(subject, "IdType", customer.id_type)
        _sub(subject, "IdNumberMasked", customer.id_number_masked)
        _sub(subject, "Nationality", customer.nationality)
        _sub(subject, "Occupation", customer.occupation)
        _sub(node, "SuspectedActivity", report.activity_type)
        _sub(node, "Grounds", report.grounds)
        _sub(node, "ActionTaken", report.action_taken)
        _sub(node, "TotalAmount", f"{report.amount_total:.2f}", currency=report.currency)
        listed = _sub(node, "Transactions", count=len(report.txn_refs))
        for ref in report.txn_refs:
            t = txns.get(ref)
            if t is None:
                continue
            _sub(
                listed, "Transaction", ref=t.txn_ref, policyRef=t.policy.policy_ref, kind=t.kind,
                time=_local_iso(t.timestamp), amount=f"{t.amount:.2f}", currency=t.currency, method=t.method,
                payerRef=t.payer.customer_ref if t.payer_id else "",
                payeeRef=t.payee.customer_ref if t.payee_id else "",
                accountRef=t.account_ref, counterpartyCountry=t.counterparty_country,
            )  # fmt: skip
        rules = _sub(node, "Alerts")
        for alert in case.alerts.all():
            _sub(rules, "Alert", id=alert.alert_id, rules=alert.rule_codes, score=f"{float(alert.score):g}",
                 tier=alert.tier, created=_local_iso(alert.created_at))  # fmt: skip
        approval = _sub(node, "Approval")
        _sub(approval, "DraftedBy", report.drafted_by.get_username(), at=_local_iso(report.drafted_at))
        if report.approved_by_id:
            _sub(approval, "ApprovedBy", report.approved_by.get_username(), at=_local_iso(report.approved_at))
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


# --- dashboard -------------------------------------------------------------------------------


def dashboard(user) -> dict:
    """Alerts by rule and by tier per month, clock status of open cases and reports, and the
    alert rate per agent and per channel (alerts per 1,000 policies)."""
    from customers.models import Policy

    alerts = restrict(Alert.objects.all(), user)
    by_tier = list(
        alerts.annotate(month=TruncMonth("created_at", tzinfo=PRC))
        .values("month", "tier")
        .annotate(n=Count("id"))
        .order_by("month", "tier")
    )
    by_rule = list(
        AlertRule.objects.filter(alert__in=alerts)
        .annotate(month=TruncMonth("alert__created_at", tzinfo=PRC))
        .values("month", "rule_id")
        .annotate(n=Count("id"))
        .order_by("month", "rule_id")
    )
    rule_totals = dict(
        AlertRule.objects.filter(alert__in=alerts).values_list("rule_id").annotate(n=Count("id")).order_by("rule_id")
    )
    now = timezone.now()
    cases = restrict(Case.objects.exclude(status=Case.Status.CLOSED), user)
    clocks = {
        "cases_open": cases.count(),
        "cases_overdue": cases.filter(due_at__lt=now).count(),
        "cases_escalated": cases.filter(status=Case.Status.ESCALATED).count(),
        "str_pending": restrict(Case.objects.all(), user)
        .filter(disposition="suspicious", report_clock__stopped_at__isnull=True)
        .count(),
        "str_overdue": restrict(Case.objects.all(), user)
        .filter(disposition="suspicious", report_clock__stopped_at__isnull=True, due_at__lt=now)
        .count(),
        "lvtr_pending": restrict(LargeValueReport.objects.filter(status="pending"), user).count(),
        "lvtr_overdue": restrict(LargeValueReport.objects.filter(status="pending", due_at__lt=now), user).count(),
    }
    per_channel = dict(alerts.values_list("policy__channel").annotate(n=Count("id")).order_by())
    policies_channel = dict(Policy.objects.values_list("channel").annotate(n=Count("id")).order_by())
    channel_rate = [
        {"channel": c, "alerts": per_channel.get(c, 0), "policies": n, "rate": 1000 * per_channel.get(c, 0) / n}
        for c, n in sorted(policies_channel.items())
        if n
    ]
    per_agent = list(
        alerts.exclude(policy__agent_code="")
        .values("policy__agent_code")
        .annotate(n=Count("id"))
        .order_by("-n", "policy__agent_code")[:20]
    )
    agents = [a["policy__agent_code"] for a in per_agent]
    policies_agent = dict(
        Policy.objects.filter(agent_code__in=agents).values_list("agent_code").annotate(n=Count("id")).order_by()
    )
    agent_rate = [
        {
            "agent": a["policy__agent_code"],
            "alerts": a["n"],
            "policies": policies_agent.get(a["policy__agent_code"], 0),
            "rate": 1000 * a["n"] / max(policies_agent.get(a["policy__agent_code"], 0), 1),
        }
        for a in per_agent
    ]
    return {
        "by_tier": by_tier,
        "by_rule": by_rule,
        "rule_totals": rule_totals,
        "clocks": clocks,
        "channel_rate": channel_rate,
        "agent_rate": agent_rate,
        "total": alerts.count(),
        "open_alerts": alerts.filter(status="open").count(),
        "last_run": runs_for(user).filter(status="done").first(),
    }


def overdue_filter(now=None) -> Q:
    return Q(due_at__lt=now or timezone.now())


def rule_snoozes_frame(as_of=None):
    """The rule snoozes in force at ``as_of`` (default now) as the engine's snoozes frame
    (customer_ref, rule_id, reason, expires_at), for compliance.engine.monitoring.apply_snoozes
    and mute_rules. Internal (the batch and scoring, not a user's read); L13 and blank rules
    are left out whatever is stored: a sanctions hit is never snoozed."""
    import pandas as pd

    as_of = as_of or timezone.now()
    rows = (
        RuleSnooze.objects.filter(ended_at__isnull=True, expires_at__gt=as_of)
        .exclude(rule_id__in=("", "L13"))
        .order_by("pk")
        .values_list("customer_ref", "rule_id", "reason", "expires_at")
    )
    return pd.DataFrame(list(rows), columns=["customer_ref", "rule_id", "reason", "expires_at"])


def rule_snoozes_of(customer_ref: str, as_of=None) -> list[tuple[str, str]]:
    """(rule_id, reason) of the customer's rule snoozes in force (real-time scoring's read of
    what rule_snoozes_frame gives the batch)."""
    rows = RuleSnooze.objects.filter(
        customer_ref=customer_ref, ended_at__isnull=True, expires_at__gt=as_of or timezone.now()
    ).exclude(rule_id__in=("", "L13"))
    return list(rows.order_by("pk").values_list("rule_id", "reason"))


def rule_snoozes_for(user, *, customer_ref: str = "", in_force: bool = True):
    """Rule snoozes the user may see (compliance.view_alert), newest first."""
    if not user.has_perm("compliance.view_alert"):
        return RuleSnooze.objects.none()
    rows = RuleSnooze.objects.select_related("snoozed_by", "ended_by")
    if customer_ref:
        rows = rows.filter(customer_ref=customer_ref)
    if in_force:
        rows = rows.filter(ended_at__isnull=True, expires_at__gt=timezone.now())
    return rows
