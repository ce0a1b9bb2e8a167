"""AML screens: the alert queue, cases, suspicious transaction reports, large-value reports
and the dashboard. Thin: reads come from compliance.selectors (restricted), writes go
through compliance.services (permission, separation of duties, audit); a refused rule is a
message on the page (a state error) or 403 (a permission or maker-checker refusal)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from compliance import selectors, services
from compliance.jobs import KIND as MONITORING_KIND
from compliance.models import Alert, Case, Disposition, LargeValueReport, SuspiciousTransactionReport, Tier
from customers.views.tables import paginate
from insurer import audit
from insurer.access import get_for_user, require
from insurer.access.grants import holds_read_only_role

RULES = [f"L{n:02d}" for n in range(1, 14)]


def _writer(user, perm: str) -> bool:
    return user.has_perm(perm) and not holds_read_only_role(user)


def _messages(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return " ".join(f"{m}" for msgs in exc.message_dict.values() for m in msgs)
    return " ".join(exc.messages)


def _command(request, target: str, args, action):
    try:
        action()
    except ValidationError as exc:
        messages.error(request, _messages(exc))
    return redirect(target, *args)


# --- alerts ------------------------------------------------------------------------------------


def _alert_filters(request) -> dict:
    rule = request.GET.get("rule", "")
    tier = request.GET.get("tier", "")
    status = request.GET.get("status", "")
    snoozed = request.GET.get("snoozed", "")
    return {
        "rule": rule if rule in RULES else "",
        "tier": tier if tier in Tier.values else "",
        "status": status if status in Alert.Status.values else "",
        "customer_ref": request.GET.get("customer", "").strip()[:40],
        "snoozed": snoozed if snoozed in selectors.SNOOZE_FILTERS else "hide",
    }


@login_required
@require_GET
def alert_list(request):
    require(request.user, "compliance.view_alert", _("Your role may not read AML alerts."))
    filters = _alert_filters(request)
    rows = selectors.alerts_for(request.user, **filters)
    page_obj, page_range = paginate(request, rows)
    context = {
        "page_obj": page_obj,
        "page_range": page_range,
        "filters": filters,
        "rules": RULES,
        "tiers": Tier.choices,
        "statuses": Alert.Status.choices,
        "now": timezone.now(),
        "can_export": request.user.has_perm("compliance.export_alert"),
        "can_run": request.user.has_perm("compliance.run_monitoring") and request.user.has_perm("jobs.request_job"),
        "job_kind": MONITORING_KIND,
        "can_snooze": _writer(request.user, services.WORK),
        "today": timezone.localdate(),
        "snooze_default": timezone.localdate() + dt.timedelta(days=30),
        "snooze_max": timezone.localdate() + dt.timedelta(days=services.SNOOZE_MAX_DAYS),
        "rule_snoozes": selectors.rule_snoozes_for(request.user)[:100],
    }
    return render(request, "compliance/alerts.html", context)


def _alert(request, alert_id: str) -> Alert:
    return get_for_user(selectors.alerts_for(request.user), request.user, alert_id=alert_id)


def _back_to_queue(request):
    """Back to the queue page the form was posted from (its filters and page), else the queue."""
    target = request.POST.get("next", "")
    return redirect(target) if target.startswith("/compliance/alerts/") else redirect("compliance:alerts")


@login_required
@require_POST
def alert_snooze(request, alert_id: str):
    alert = _alert(request, alert_id)
    try:
        until = _date(request.POST.get("until", ""), "until")
        services.alert_snooze(actor=request.user, alert=alert, until=until, reason=request.POST.get("reason", ""))
        messages.success(request, _("Alert %(alert)s snoozed until %(day)s.") % {"alert": alert_id, "day": until})
    except ValidationError as exc:
        messages.error(request, _messages(exc))
    return _back_to_queue(request)


@login_required
@require_POST
def alert_rule_snooze(request, alert_id: str):
    """The alert queue's "snooze this rule for this customer"."""
    alert = _alert(request, alert_id)
    try:
        until = _date(request.POST.get("until", ""), "until")
        snooze = services.rule_snooze(actor=request.user, alert=alert, rule_id=request.POST.get("rule_id", ""),
                                      until=until, reason=request.POST.get("reason", ""))  # fmt: skip
        messages.success(request, _("Rule %(rule)s snoozed for customer %(customer)s until %(day)s.")
                         % {"rule": snooze.rule_id, "customer": snooze.customer_ref, "day": until})  # fmt: skip
    except ValidationError as exc:
        messages.error(request, _messages(exc))
    return _back_to_queue(request)


@login_required
@require_POST
def rule_snooze_end(request, pk: int):
    snooze = get_object_or_404(selectors.rule_snoozes_for(request.user, in_force=False), pk=pk)
    try:
        services.rule_snooze_end(actor=request.user, snooze=snooze, reason=request.POST.get("reason", ""))
        messages.success(request, _("Rule %(rule)s is raised again for customer %(customer)s.")
                         % {"rule": snooze.rule_id, "customer": snooze.customer_ref})  # fmt: skip
    except ValidationError as exc:
        messages.error(request, _messages(exc))
    return _back_to_queue(request)


@login_required
@require_POST
def alert_unsnooze(request, alert_id: str):
    alert = _alert(request, alert_id)
    try:
        services.alert_unsnooze(actor=request.user, alert=alert, reason=request.POST.get("reason", ""))
        messages.success(request, _("Alert %(alert)s is back in the queue.") % {"alert": alert_id})
    except ValidationError as exc:
        messages.error(request, _messages(exc))
    return _back_to_queue(request)


@login_required
@require_GET
def alert_export(request):
    require(request.user, "compliance.export_alert", _("Your role may not export AML alerts."))
    filters = _alert_filters(request)
    rows = selectors.alerts_for(request.user, **filters)
    body = selectors.alerts_csv(rows)
    audit.record_export(actor=request.user, obj_type="compliance.alert", rows=body.count("\n") - 1, filters=filters)
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="aml-alerts.csv"'
    return response


# --- cases ---------------------------------------------------------------------------------------


@login_required
@require_GET
def case_list(request):
    require(request.user, "compliance.view_case", _("Your role may not read AML cases."))
    status = request.GET.get("status", "")
    status = status if status in Case.Status.values else ""
    tier = request.GET.get("tier", "")
    tier = tier if tier in Tier.values else ""
    mine = request.GET.get("mine") == "1"
    rows = selectors.cases_for(
        request.user, status=status, tier=tier, mine_of=request.user if mine else None, open_only=not status
    ).order_by("due_at", "-max_score", "pk")
    page_obj, page_range = paginate(request, rows)
    context = {
        "page_obj": page_obj,
        "page_range": page_range,
        "status": status,
        "tier": tier,
        "mine": mine,
        "statuses": Case.Status.choices,
        "tiers": Tier.choices,
        "now": timezone.now(),
    }
    return render(request, "compliance/cases.html", context)


def _case(request, pk: int) -> Case:
    return get_for_user(selectors.cases_for(request.user), request.user, pk=pk)


def _customer_transactions(case: Case, user):
    from customers.models import Policy
    from customers.selectors import transactions_for

    customer = case.customer
    policy_ids = list(
        Policy.objects.filter(Q(policyholder=customer) | Q(insured=customer)).values_list("pk", flat=True)
    )
    return (
        transactions_for(user)
        .filter(Q(policy_id__in=policy_ids) | Q(payer=customer) | Q(payee=customer))
        .select_related("policy", "payer", "payee")
        .order_by("-timestamp", "-pk")
    )


@login_required
@require_GET
def case_detail(request, pk: int):
    case = _case(request, pk)
    alerts = list(case.alerts.select_related("policy").order_by("-created_at", "-pk"))
    flagged = {ref for a in alerts for ref in a.txn_refs}
    page_obj, page_range = paginate(request, _customer_transactions(case, request.user))
    report = SuspiciousTransactionReport.objects.filter(case=case).first()
    user = request.user
    can_work = _writer(user, services.WORK)
    can_decide = _writer(user, services.DECIDE)
    analysts = []
    if can_work and case.is_open:
        from insurer.access.grants import holders

        analysts = list(
            get_user_model()
            .objects.filter(Q(pk__in=holders("aml_analyst").values("pk")) | Q(pk__in=holders("mlro").values("pk")))
            .order_by("username")[:200]
        )
    context = {
        "case": case,
        "alerts": alerts,
        "flagged": flagged,
        "events": selectors.case_events(case),
        "page_obj": page_obj,
        "page_range": page_range,
        "report": report,
        "can_work": can_work and case.is_open,
        "can_dispose": case.is_open and (can_decide or (can_work and case.status != Case.Status.ESCALATED)),
        "can_decide": can_decide,
        "can_draft": can_work and case.disposition == Disposition.SUSPICIOUS
        and (report is None or report.status == "draft"),
        "dispositions": Disposition.choices if can_decide
        else [(Disposition.NOT_SUSPICIOUS, Disposition.NOT_SUSPICIOUS.label)],
        "analysts": analysts,
        "now": timezone.now(),
        "default_txns": "\n".join(dict.fromkeys(r for a in alerts for r in a.txn_refs)),
    }  # fmt: skip
    return render(request, "compliance/case_detail.html", context)


@login_required
@require_POST
def case_assign(request, pk: int):
    case = _case(request, pk)
    assignee = None
    if request.POST.get("assignee"):
        assignee = get_user_model().objects.filter(pk=request.POST["assignee"]).first()
        if assignee is None:
            messages.error(request, _("No such user."))
            return redirect("compliance:case", case.pk)
    return _command(request, "compliance:case", [case.pk],
                    lambda: services.case_assign(actor=request.user, case=case, assignee=assignee))  # fmt: skip


@login_required
@require_POST
def case_note(request, pk: int):
    case = _case(request, pk)
    text = request.POST.get("text", "")
    return _command(request, "compliance:case", [case.pk],
                    lambda: services.case_note(actor=request.user, case=case, text=text))  # fmt: skip


@login_required
@require_POST
def case_escalate(request, pk: int):
    case = _case(request, pk)
    reason = request.POST.get("reason", "")
    return _command(request, "compliance:case", [case.pk],
                    lambda: services.case_escalate(actor=request.user, case=case, reason=reason))  # fmt: skip


@login_required
@require_POST
def case_dispose(request, pk: int):
    case = _case(request, pk)
    disposition, reason = request.POST.get("disposition", ""), request.POST.get("reason", "")
    return _command(
        request, "compliance:case", [case.pk],
        lambda: services.case_dispose(actor=request.user, case=case, disposition=disposition, reason=reason),
    )  # fmt: skip


@login_required
@require_POST
def str_draft(request, pk: int):
    case = _case(request, pk)
    refs = [r for r in request.POST.get("txn_refs", "").replace(";", "\n").split() if r]
    return _command(
        request, "compliance:case", [case.pk],
        lambda: services.str_draft(actor=request.user, case=case, activity_type=request.POST.get("activity_type", ""),
                                   grounds=request.POST.get("grounds", ""),
                                   action_taken=request.POST.get("action_taken", ""), txn_refs=refs or None),
    )  # fmt: skip


# --- suspicious transaction reports -------------------------------------------------------------


@login_required
@require_GET
def str_list(request):
    require(
        request.user, "compliance.view_suspicioustransactionreport", _("Your role may not read suspicious reports.")
    )
    status = request.GET.get("status", "")
    status = status if status in SuspiciousTransactionReport.Status.values else ""
    page_obj, page_range = paginate(request, selectors.strs_for(request.user, status=status).order_by("-drafted_at"))
    context = {
        "page_obj": page_obj,
        "page_range": page_range,
        "status": status,
        "statuses": SuspiciousTransactionReport.Status.choices,
        "can_export": request.user.has_perm("compliance.export_suspicioustransactionreport"),
        "now": timezone.now(),
    }
    return render(request, "compliance/strs.html", context)


def _str(request, pk: int) -> SuspiciousTransactionReport:
    return get_for_user(selectors.strs_for(request.user), request.user, pk=pk)


@login_required
@require_GET
def str_detail(request, pk: int):
    report = _str(request, pk)
    user = request.user
    context = {
        "report": report,
        "case": report.case,
        "can_submit": _writer(user, services.WORK) and report.status == "draft",
        "can_approve": _writer(user, services.DECIDE) and report.status == "submitted"
        and report.drafted_by_id != user.pk,
        "own_draft": report.drafted_by_id == user.pk,
        "can_export": user.has_perm("compliance.export_suspicioustransactionreport"),
        "transactions": _str_transactions(report),
    }  # fmt: skip
    return render(request, "compliance/str_detail.html", context)


def _str_transactions(report):
    from customers.models import PolicyTransaction

    rows = PolicyTransaction.objects.filter(txn_ref__in=report.txn_refs).select_related("policy")
    return sorted(rows, key=lambda t: (t.timestamp, t.pk))


def _xml_response(request, reports, filename: str) -> HttpResponse:
    body = selectors.str_xml(reports)
    audit.record_export(actor=request.user, obj_type="compliance.suspicioustransactionreport", rows=len(reports),
                        filters={"file": filename})  # fmt: skip
    response = HttpResponse(body, content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def str_export(request, pk: int):
    report = _str(request, pk)
    require(request.user, "compliance.export_suspicioustransactionreport", _("Your role may not export reports."))
    return _xml_response(request, [report], f"{report.reference or f'str-draft-{report.pk}'}.xml")


@login_required
@require_GET
def str_export_all(request):
    require(request.user, "compliance.export_suspicioustransactionreport", _("Your role may not export reports."))
    reports = list(selectors.strs_for(request.user, status="recorded").order_by("approved_at", "pk"))
    return _xml_response(request, reports, f"str-batch-{timezone.localdate():%Y%m%d}.xml")


@login_required
@require_POST
def str_submit(request, pk: int):
    report = _str(request, pk)
    return _command(request, "compliance:str", [report.pk],
                    lambda: services.str_submit(actor=request.user, report=report))  # fmt: skip


@login_required
@require_POST
def str_approve(request, pk: int):
    report = _str(request, pk)
    comment = request.POST.get("comment", "")
    return _command(request, "compliance:str", [report.pk],
                    lambda: services.str_approve(actor=request.user, report=report, comment=comment))  # fmt: skip


@login_required
@require_POST
def str_return(request, pk: int):
    report = _str(request, pk)
    comment = request.POST.get("comment", "")
    return _command(request, "compliance:str", [report.pk],
                    lambda: services.str_return(actor=request.user, report=report, comment=comment))  # fmt: skip


# --- large-value reports --------------------------------------------------------------------------


@login_required
@require_GET
def lvtr_list(request):
    require(request.user, "compliance.view_largevaluereport", _("Your role may not read large-value reports."))
    status = request.GET.get("status", "pending")
    status = status if status in LargeValueReport.Status.values else ""
    category = request.GET.get("category", "")
    category = category if category in LargeValueReport.Category.values else ""
    page_obj, page_range = paginate(request, selectors.lvtrs_for(request.user, status=status, category=category))
    today = timezone.localdate()
    context = {
        "page_obj": page_obj,
        "page_range": page_range,
        "status": status,
        "category": category,
        "statuses": LargeValueReport.Status.choices,
        "categories": LargeValueReport.Category.choices,
        "now": timezone.now(),
        "can_generate": _writer(request.user, services.RUN) and request.user.has_perm("clocks.change_clock"),
        "can_report": _writer(request.user, services.REPORT_LV),
        "default_since": today - dt.timedelta(days=30),
        "today": today,
    }
    return render(request, "compliance/lvtrs.html", context)


def _date(value: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationError({field: _("%(value)r is not a date (YYYY-MM-DD).") % {"value": value}}) from None


@login_required
@require_POST
def lvtr_generate(request):
    require(request.user, services.RUN, _("Your role may not generate large-value reports."))

    def action():
        since = _date(request.POST.get("since", ""), "since")
        until = _date(request.POST["until"], "until") if request.POST.get("until") else None
        counts = services.lvtr_generate(actor=request.user, since=since, until=until)
        messages.success(
            request,
            _("%(created)s new large-value reports (%(reportable)s reportable transactions, %(already)s already "
              "generated).") % counts,
        )  # fmt: skip

    return _command(request, "compliance:lvtrs", [], action)


@login_required
@require_POST
def lvtr_report(request, pk: int):
    report = get_for_user(selectors.lvtrs_for(request.user), request.user, pk=pk)
    reference = request.POST.get("reference", "")

    def action():
        services.lvtr_mark_reported(actor=request.user, report=report, reference=reference)

    return _command(request, "compliance:lvtrs", [], action)


@login_required
@require_POST
def lvtr_report_many(request):
    """The queue's bulk "filed" action: the ticked reports, one filing reference."""
    require(request.user, services.REPORT_LV, _("Your role may not record large-value reports as filed."))

    def action():
        reports = services.lvtr_mark_reported_many(
            actor=request.user, report_ids=request.POST.getlist("ids"), reference=request.POST.get("reference", "")
        )
        messages.success(
            request,
            _("%(n)s reports recorded as filed (%(first)s … %(last)s).")
            % {"n": len(reports), "first": reports[0].reference, "last": reports[-1].reference},
        )

    return _command(request, "compliance:lvtrs", [], action)


# --- dashboard ----------------------------------------------------------------------------------------


def _chart(rows: list[dict], key: str, title: str) -> dict:
    months = sorted({r["month"] for r in rows if r["month"]})
    labels = [f"{m:%Y-%m}" for m in months]
    series = {}
    for r in rows:
        if r["month"]:
            series.setdefault(r[key], {})[f"{r['month']:%Y-%m}"] = r["n"]
    return {
        "kind": "bar",
        "categories": labels,
        "axes": [{"name": title, "format": "count"}],
        "series": [
            {"name": str(name), "type": "bar", "axis": 0, "data": [values.get(m, 0) for m in labels]}
            for name, values in sorted(series.items())
        ],
    }


@login_required
@require_GET
def dashboard(request):
    require(request.user, "compliance.view_alert", _("Your role may not read AML alerts."))
    figures = selectors.dashboard(request.user)
    context = {
        **figures,
        "tier_chart": _chart(figures["by_tier"], "tier", _("Alerts")),
        "rule_chart": _chart(figures["by_rule"], "rule_id", _("Alerts")),
        "can_run": request.user.has_perm("compliance.run_monitoring") and request.user.has_perm("jobs.request_job"),
        "job_kind": MONITORING_KIND,
    }
    return render(request, "compliance/dashboard.html", context)
