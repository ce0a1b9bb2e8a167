"""Screens of the regulatory clocks: list, detail with timeline, breach register, rule
catalogue; POST commands that call the services (the forms render only for those allowed,
and the services refuse everyone else with 403 whatever the page showed)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from insurer.access import get_for_user, require
from insurer.access.grants import holds_read_only_role
from insurer.clocks import selectors, services
from insurer.clocks.forms import ClockFilter, ExplanationForm, ReasonForm, StartForm
from insurer.clocks.models import Clock, ClockBreach
from insurer.clocks.services import CHANGE, PRC, SIGNOFF, ClockError
from insurer.pagination import CappedPaginator

PAGE_SIZE = 25
DUE_SOON = dt.timedelta(days=2)


def _page(request, queryset):
    paginator = CappedPaginator(queryset, PAGE_SIZE)
    page_obj = paginator.get_page(request.GET.get("page"))
    return page_obj, list(paginator.get_elided_page_range(page_obj.number, on_each_side=2, on_ends=1))


def _filtered(request):
    form = ClockFilter(request.GET or None)
    rows = selectors.clocks_for(request.user)
    if form.is_bound:
        if not form.is_valid():
            return form, rows.none()
        data = form.cleaned_data
        if data["rule"]:
            rows = rows.filter(rule__code=data["rule"])
        if data["status"] == "open":
            rows = rows.filter(status__in=[Clock.Status.RUNNING, Clock.Status.PAUSED])
        elif data["status"]:
            rows = rows.filter(status=data["status"])
        if data["due_before"]:
            rows = rows.filter(due_at__lt=dt.datetime.combine(data["due_before"], dt.time.min, tzinfo=PRC))
        if data["object_id"]:
            rows = rows.filter(object_id=data["object_id"])
    return form, rows.order_by("due_at", "pk")


@login_required
@require_GET
def clock_list(request):
    require(request.user, "clocks.view_clock")
    form, rows = _filtered(request)
    page_obj, page_range = _page(request, rows)
    now = timezone.now()
    for clock in page_obj.object_list:
        clock.soon = clock.due_soon(now, DUE_SOON)
        clock.overdue = clock.status == Clock.Status.RUNNING and clock.due_at < now
    can_change = request.user.has_perm(CHANGE) and _writer(request.user)
    context = {
        "filter": form,
        "page_obj": page_obj,
        "page_range": page_range,
        "can_change": can_change,
        "start_form": StartForm() if can_change else None,
    }
    partial = request.htmx and not request.htmx.history_restore_request and request.htmx.target == "table-region"
    response = render(request, "clocks/partials/table.html" if partial else "clocks/list.html", context)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


def _writer(user) -> bool:
    """Holds a write permission and no read-only (oversight) role: the service would not refuse."""
    return not holds_read_only_role(user)


def _clock(request, pk: int) -> Clock:
    return get_for_user(selectors.clock_for_detail(request.user, pk), request.user, pk=pk)


def _timeline(clock: Clock) -> list[dict]:
    events = [{"at": clock.started_at, "kind": "start", "text": _("Started"), "who": clock.started_by}]
    for pause in clock.pauses.all():
        events.append(
            {
                "at": pause.paused_from,
                "kind": "pause",
                "text": _("Paused: %(reason)s") % {"reason": pause.reason},
                "who": pause.paused_by,
            }
        )
        if pause.paused_to:
            events.append({"at": pause.paused_to, "kind": "resume", "text": _("Resumed"), "who": pause.resumed_by})
    steps = clock.rule.escalation
    for escalation in clock.escalations.all():
        roles = ", ".join(steps[escalation.step].get("notify", [])) if escalation.step < len(steps) else ""
        events.append(
            {
                "at": escalation.fired_at,
                "kind": "escalation",
                "text": _("Escalation step %(n)s (%(roles)s): %(who)s notified")
                % {"n": escalation.step + 1, "roles": roles, "who": ", ".join(escalation.notified) or "—"},
                "who": None,
            }
        )
    breach = getattr(clock, "breach", None)
    if breach is not None:
        events.append({"at": breach.breached_at, "kind": "breach", "text": _("Deadline breached"), "who": None})
    if clock.status == Clock.Status.CLOSED:
        events.append({"at": clock.due_at, "kind": "closed", "text": _("Window closed"), "who": None})
    if clock.stopped_at:
        events.append(
            {
                "at": clock.stopped_at,
                "kind": "stop",
                "text": _("Stopped: %(reason)s") % {"reason": clock.stop_reason or "—"},
                "who": clock.stopped_by,
            }
        )
    return sorted(events, key=lambda e: e["at"])


@login_required
@require_GET
def clock_detail(request, pk: int):
    clock = _clock(request, pk)
    can_change = request.user.has_perm(CHANGE) and _writer(request.user)
    context = {
        "clock": clock,
        "rule": clock.rule,
        "timeline": _timeline(clock),
        "can_change": can_change,
        "can_pause": can_change and clock.rule.pause_allowed and clock.status == Clock.Status.RUNNING,
        "can_resume": can_change and clock.status == Clock.Status.PAUSED,
        "can_stop": can_change and clock.stopped_at is None and clock.status != Clock.Status.CLOSED,
        "pause_form": ReasonForm(),
        "stop_form": ReasonForm(),
        "now": timezone.now(),
    }
    return render(request, "clocks/detail.html", context)


def _command(request, pk: int, action):
    clock = _clock(request, pk)
    try:
        action(clock)
    except ClockError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("clocks:detail", pk=clock.pk)


@login_required
@require_POST
def clock_start(request):
    require(request.user, CHANGE, _("Your role may not start regulatory clocks."))
    form = StartForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The clock was not started: fill in the rule and the object."))
        return redirect("clocks:list")
    try:
        clock = services.clock_start(actor=request.user, **form.cleaned_data)
    except ClockError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("clocks:list")
    messages.success(request, _("Clock started."))
    return redirect("clocks:detail", pk=clock.pk)


@login_required
@require_POST
def clock_pause(request, pk: int):
    reason = request.POST.get("reason", "")
    return _command(request, pk, lambda c: services.clock_pause(actor=request.user, clock=c, reason=reason))


@login_required
@require_POST
def clock_resume(request, pk: int):
    reason = request.POST.get("reason", "")
    return _command(request, pk, lambda c: services.clock_resume(actor=request.user, clock=c, reason=reason))


@login_required
@require_POST
def clock_stop(request, pk: int):
    reason = request.POST.get("reason", "")
    return _command(request, pk, lambda c: services.clock_stop(actor=request.user, clock=c, reason=reason))


@login_required
@require_GET
def breach_list(request):
    require(request.user, "clocks.view_clockbreach")
    rows = selectors.breaches_for(request.user)
    state = request.GET.get("state", "")
    if state == "open":
        rows = rows.filter(explained_at__isnull=True)
    elif state == "explained":
        rows = rows.filter(explained_at__isnull=False, signed_off_at__isnull=True)
    elif state == "signed_off":
        rows = rows.filter(signed_off_at__isnull=False)
    page_obj, page_range = _page(request, rows.order_by("-breached_at", "-pk"))
    writer = _writer(request.user)
    context = {
        "page_obj": page_obj,
        "page_range": page_range,
        "state": state,
        "can_explain": writer and request.user.has_perm(CHANGE),
        "can_sign_off": writer and request.user.has_perm(SIGNOFF),
        "explain_form": ExplanationForm(),
    }
    return render(request, "clocks/breaches.html", context)


def _breach(request, pk: int) -> ClockBreach:
    return get_for_user(selectors.breaches_for(request.user), request.user, pk=pk)


@login_required
@require_POST
def breach_explain(request, pk: int):
    breach = _breach(request, pk)
    try:
        services.breach_explain(actor=request.user, breach=breach, explanation=request.POST.get("explanation", ""))
        messages.success(request, _("Explanation recorded; another approver signs it off."))
    except ClockError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("clocks:breaches")


@login_required
@require_POST
def breach_sign_off(request, pk: int):
    breach = _breach(request, pk)
    try:
        services.breach_sign_off(actor=request.user, breach=breach)
        messages.success(request, _("Breach explanation signed off."))
    except ClockError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("clocks:breaches")


@login_required
@require_GET
def rule_list(request):
    require(request.user, "clocks.view_clockrule")
    rules = selectors.rules_for(request.user).order_by("position", "code", "-version")
    return render(request, "clocks/rules.html", {"rules": rules})
