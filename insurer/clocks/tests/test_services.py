"""Clock services: due dates on the PRC calendar, pauses, escalations, breaches, the
breach register's sign-off, permissions and audit events."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from insurer.clocks import services
from insurer.clocks.models import Clock, ClockBreach, ClockEscalation, ClockRule
from insurer.clocks.services import ClockError
from insurer.clocks.tests.conftest import shanghai
from insurer.ledger.models import AuditEvent
from insurer.notifications.models import Notification

pytestmark = pytest.mark.django_db

EOD = (23, 59, 59, 999999)


def start(actor, code, when, object_id="CLM-1", **kw):
    return services.clock_start(
        actor=actor,
        rule_code=code,
        object_type="claims.claim",
        object_id=object_id,
        object_repr=f"Claim {object_id}",
        started_at=when,
        **kw,
    )


def test_rules_c1_to_c15_are_loaded_with_sources():
    codes = list(ClockRule.objects.order_by("position").values_list("code", flat=True))
    # The platform's rules, in order; domain apps may load their own internal rules after them
    # (compliance's AML-R, for instance).
    assert codes[:16] == [*(f"C{i}" for i in range(1, 16)), "A1"]  # A1: internal, approval steps
    assert ClockRule.objects.filter(limit_per_clock=True).get().code == "A1"
    c1 = ClockRule.objects.get(code="C1")
    assert (c1.duration_value, c1.duration_unit, c1.pause_allowed) == (30, "natural_days", True)
    assert [s["at"] for s in c1.escalation] == [20, 25]
    assert "art. 23" in c1.source
    assert ClockRule.objects.get(code="C13").duration_unit == "working_days"
    assert set(ClockRule.objects.filter(verify=True).values_list("code", flat=True)) >= {"C7", "C11", "C12", "C14"}


@pytest.mark.parametrize(
    ("code", "started", "due"),
    [
        # C1: 30 natural days, holidays not skipped.
        ("C1", (2024, 9, 26, 10, 0), (2024, 10, 26, *EOD)),
        ("C1", (2025, 1, 20, 9, 0), (2025, 2, 19, *EOD)),
        # C3: 10 days from Thu 2024-09-26 ends on Sun 2024-10-06, inside National Day (the stricter date).
        ("C3", (2024, 9, 26, 16, 0), (2024, 10, 6, *EOD)),
        ("C3", (2026, 2, 12, 8, 0), (2026, 2, 22, *EOD)),
        # C13: 5 working days skip the holiday week and count make-up weekend days.
        ("C13", (2024, 9, 26, 15, 0), (2024, 10, 9, *EOD)),  # Sun 29 Sep counts
        ("C13", (2025, 1, 24, 11, 0), (2025, 2, 7, *EOD)),  # Sun 26 Jan counts; Jan 28–Feb 4 off
        ("C13", (2025, 9, 26, 11, 0), (2025, 10, 10, *EOD)),  # Sun 28 Sep counts; Oct 1–8 off
        ("C13", (2026, 2, 13, 11, 0), (2026, 2, 27, *EOD)),  # Sat 14 Feb counts; Feb 15–23 off
        ("C13", (2024, 2, 8, 23, 30), (2024, 2, 21, *EOD)),  # late evening is still day 0; Sun 18 Feb counts
    ],
)
def test_due_dates_on_the_prc_calendar(staff, code, started, due):
    clock = start(staff("aml_analyst"), code, shanghai(*started))
    assert clock.due_at == shanghai(*due)
    assert clock.calendar_note == ""
    assert clock.status == Clock.Status.RUNNING


def test_a_clock_uses_shanghai_days_whatever_the_start_time_zone(staff):
    # 2024-09-26 17:00 UTC is already Friday the 27th in Shanghai.
    started = dt.datetime(2024, 9, 26, 17, 0, tzinfo=dt.UTC)
    clock = start(staff("aml_analyst"), "C13", started)
    assert clock.due_at == shanghai(2024, 10, 10, *EOD)


def test_outside_the_official_calendar_the_clock_says_so(staff, at):
    actor = staff("aml_analyst")
    at(2031, 3, 6, 12, 0)
    clock = start(actor, "C13", shanghai(2031, 3, 6, 9, 0))  # Thu → Fri, Mon, Tue, Wed, Thu
    assert clock.due_at == shanghai(2031, 3, 13, *EOD)
    assert clock.calendar_note.startswith("2031 is outside the official holiday calendar")
    assert "2031" in clock.calendar_warning and "Monday to Friday" in clock.calendar_warning


def test_a_new_rule_version_applies_to_new_clocks_only(staff):
    actor = staff("claims_handler")
    old = start(actor, "C1", shanghai(2024, 5, 1, 9, 0))
    v1 = ClockRule.objects.get(code="C1", version=1)
    fields = {f.name: getattr(v1, f.name) for f in ClockRule._meta.fields if f.name not in ("id", "version")}
    ClockRule.objects.create(
        **{
            **fields,
            "version": 2,
            "effective_from": dt.date(2024, 6, 1),
            "duration_value": 20,
            "escalation": [{"at": 15, "notify": ["claims_supervisor"]}],
        }
    )
    new = start(actor, "C1", shanghai(2024, 6, 3, 9, 0), object_id="CLM-2")
    assert (old.rule.version, new.rule.version) == (1, 2)
    assert new.due_at == shanghai(2024, 6, 23, *EOD)
    old.refresh_from_db()
    assert old.rule.version == 1 and old.due_at == shanghai(2024, 5, 31, *EOD)


def test_pause_extends_a_natural_day_clock_by_the_paused_time(staff, at):
    handler = staff("claims_handler")
    at(2024, 9, 26, 10, 0)
    clock = start(handler, "C1", shanghai(2024, 9, 26, 10, 0))
    at(2024, 10, 1, 9, 0)
    clock = services.clock_pause(actor=handler, clock=clock, reason="Waiting for the hospital discharge summary")
    assert clock.status == Clock.Status.PAUSED
    at(2024, 10, 3, 21, 0)  # paused 2 days 12 hours
    clock = services.clock_resume(actor=handler, clock=clock, reason="The customer answered")
    assert clock.status == Clock.Status.RUNNING
    assert clock.base_due_at == shanghai(2024, 10, 26, *EOD)
    assert clock.due_at == shanghai(2024, 10, 28, *EOD) + dt.timedelta(hours=12)
    # Escalation steps move with the pause too (day 20 = end of 2024-10-16, plus 2½ days).
    assert clock.next_escalation_at == shanghai(2024, 10, 16, *EOD) + dt.timedelta(days=2, hours=12)


def test_pause_extends_a_working_day_clock_by_the_paused_working_days(staff, at):
    c13 = ClockRule.objects.get(code="C13")
    fields = {f.name: getattr(c13, f.name) for f in ClockRule._meta.fields if f.name not in ("id", "code")}
    ClockRule.objects.create(**{**fields, "code": "T1", "pause_allowed": True})
    handler = staff("aml_analyst")
    at(2024, 9, 26, 10, 0)
    clock = start(handler, "T1", shanghai(2024, 9, 26, 10, 0))
    assert clock.due_at == shanghai(2024, 10, 9, *EOD)
    at(2024, 9, 27, 10, 0)
    services.clock_pause(actor=handler, clock=clock, reason="Customer to confirm the counterparty")
    at(2024, 9, 30, 10, 0)  # Sun 29 (make-up) and Mon 30 began while paused: 2 working days
    clock = services.clock_resume(actor=handler, clock=clock, reason="The customer answered")
    assert clock.due_at == shanghai(2024, 10, 11, *EOD)
    # A second pause within one day moves nothing.
    at(2024, 10, 8, 9, 0)
    services.clock_pause(actor=handler, clock=clock, reason="Short wait")
    at(2024, 10, 8, 17, 0)
    clock = services.clock_resume(actor=handler, clock=clock, reason="The customer answered")
    assert clock.due_at == shanghai(2024, 10, 11, *EOD)
    assert [p.reason for p in clock.pauses.all()] == ["Customer to confirm the counterparty", "Short wait"]


def test_pause_is_refused_without_reason_when_not_allowed_or_not_running(staff, at):
    handler = staff("claims_handler")
    at(2024, 9, 26, 10, 0)
    c1 = start(handler, "C1", shanghai(2024, 9, 26, 9, 0))
    with pytest.raises(ClockError, match="needs a reason"):
        services.clock_pause(actor=handler, clock=c1, reason="  ")
    c3 = start(handler, "C3", shanghai(2024, 9, 26, 9, 0), object_id="CLM-3")
    with pytest.raises(ClockError, match="does not allow pauses"):
        services.clock_pause(actor=handler, clock=c3, reason="waiting")
    services.clock_pause(actor=handler, clock=c1, reason="waiting")
    with pytest.raises(ClockError, match="Only a running clock"):
        services.clock_pause(actor=handler, clock=c1, reason="again")
    services.clock_stop(actor=handler, clock=c3, reason="paid")
    with pytest.raises(ClockError, match="Only a paused clock"):
        services.clock_resume(actor=handler, clock=c3, reason="answered")


def test_escalations_fire_once_at_their_offsets(staff, at, roles):
    handler, supervisor, compliance = staff("claims_handler"), staff("claims_supervisor"), staff("compliance_officer")
    at(2024, 9, 1, 8, 0)
    clock = start(handler, "C1", shanghai(2024, 9, 1, 8, 0))
    assert clock.next_escalation_at == shanghai(2024, 9, 21, *EOD)  # day 20 has run
    assert services.clocks_tick(now=shanghai(2024, 9, 21, 23, 0)).escalations == 0
    assert services.clocks_tick(now=shanghai(2024, 9, 22, 0, 5)).escalations == 1
    assert services.clocks_tick(now=shanghai(2024, 9, 22, 0, 10)).escalations == 0  # idempotent
    assert list(clock.escalations.values_list("step", flat=True)) == [0]
    assert Notification.objects.filter(kind="clock_escalating", recipient=supervisor).count() == 1
    assert Notification.objects.filter(kind="clock_escalating", recipient=handler).count() == 1  # the owner
    assert not Notification.objects.filter(recipient=compliance).exists()
    clock.refresh_from_db()
    assert clock.next_escalation_at == shanghai(2024, 9, 26, *EOD)
    assert services.clocks_tick(now=shanghai(2024, 9, 27, 0, 1)).escalations == 1
    assert services.clocks_tick(now=shanghai(2024, 9, 27, 0, 6)).escalations == 0
    assert Notification.objects.filter(kind="clock_escalating", recipient=compliance).count() == 1
    assert ClockEscalation.objects.filter(clock=clock).count() == 2
    clock.refresh_from_db()
    assert clock.next_escalation_at is None and clock.status == Clock.Status.RUNNING


def test_a_paused_clock_neither_escalates_nor_breaches(staff, at):
    handler = staff("claims_handler")
    at(2024, 9, 1, 8, 0)
    clock = start(handler, "C1", shanghai(2024, 9, 1, 8, 0))
    services.clock_pause(actor=handler, clock=clock, reason="waiting for documents")
    result = services.clocks_tick(now=shanghai(2024, 12, 1, 0, 0))
    assert (result.escalations, result.breaches) == (0, 0)


def test_breach_recorded_once_and_notified(staff, at):
    handler, supervisor = staff("claims_handler"), staff("claims_supervisor")
    at(2024, 9, 26, 16, 0)
    clock = start(handler, "C3", shanghai(2024, 9, 26, 16, 0))
    assert services.clocks_tick(now=shanghai(2024, 10, 6, 23, 59)).breaches == 0
    assert services.clocks_tick(now=shanghai(2024, 10, 7, 0, 0)).breaches == 1
    assert services.clocks_tick(now=shanghai(2024, 10, 7, 0, 5)).breaches == 0
    clock.refresh_from_db()
    assert clock.status == Clock.Status.BREACHED
    assert ClockBreach.objects.filter(clock=clock).count() == 1
    assert clock.breach.breached_at == shanghai(2024, 10, 6, *EOD)
    assert Notification.objects.filter(kind="clock_breached", recipient=supervisor).count() == 1
    assert Notification.objects.filter(kind="clock_breached", recipient=handler).count() == 1
    # Met late: stopping keeps the breach on record.
    at(2024, 10, 8, 10, 0)
    clock = services.clock_stop(actor=handler, clock=clock, reason="paid late")
    assert clock.status == Clock.Status.BREACHED and clock.stopped_at == shanghai(2024, 10, 8, 10, 0)


def test_a_window_closes_without_a_breach(staff, at):
    handler = staff("claims_handler")
    at(2024, 9, 1, 8, 0)
    clock = start(handler, "C6", shanghai(2024, 9, 1, 8, 0))
    assert services.clocks_tick(now=shanghai(2024, 10, 2, 0, 0)).closed == 1
    clock.refresh_from_db()
    assert clock.status == Clock.Status.CLOSED
    assert not ClockBreach.objects.exists()


def test_a_clock_stopped_in_time_never_breaches(staff, at):
    handler = staff("aml_analyst")
    at(2024, 9, 26, 16, 0)
    clock = start(handler, "C13", shanghai(2024, 9, 26, 16, 0))
    at(2024, 9, 30, 11, 0)
    services.clock_stop(actor=handler, clock=clock, reason="reported to CAMLMAC")
    assert services.clocks_tick(now=shanghai(2024, 11, 1, 0, 0)).breaches == 0
    clock.refresh_from_db()
    assert clock.status == Clock.Status.STOPPED and clock.stop_reason == "reported to CAMLMAC"


def _breached(staff_user, at):
    at(2024, 9, 26, 16, 0)
    clock = start(staff_user, "C3", shanghai(2024, 9, 26, 16, 0))
    services.clocks_tick(now=shanghai(2024, 10, 7, 1, 0))
    return ClockBreach.objects.get(clock=clock)


def test_breach_explained_then_signed_off_by_someone_else(staff, at):
    handler, supervisor = staff("claims_handler"), staff("claims_supervisor")
    breach = _breached(handler, at)
    with pytest.raises(ClockError, match="no explanation"):
        services.breach_sign_off(actor=supervisor, breach=breach)
    at(2024, 10, 8, 9, 0)
    breach = services.breach_explain(actor=handler, breach=breach, explanation="Bank details arrived on 6 Oct.")
    with pytest.raises(PermissionDenied):  # the handler's role may not sign off
        services.breach_sign_off(actor=handler, breach=breach)
    breach = services.breach_sign_off(actor=supervisor, breach=breach)
    assert breach.signed_off_by == supervisor and breach.signed_off_at == shanghai(2024, 10, 8, 9, 0)
    with pytest.raises(ClockError, match="already signed off"):
        services.breach_explain(actor=handler, breach=breach, explanation="new text")


def test_self_sign_off_is_refused_with_a_clear_message(staff, at):
    supervisor, other = staff("claims_supervisor"), staff("compliance_officer")
    breach = _breached(supervisor, at)
    services.breach_explain(actor=supervisor, breach=breach, explanation="Holiday staffing.")
    with pytest.raises(ClockError, match=r"You wrote this explanation; another approver must sign it off\."):
        services.breach_sign_off(actor=supervisor, breach=breach)
    assert services.breach_sign_off(actor=other, breach=breach).signed_off_by == other


@pytest.mark.parametrize("code", ["internal_auditor", "external_examiner", "actuary"])
def test_roles_without_the_write_permission_are_refused_every_command(staff, at, code):
    handler, supervisor, reader = staff("claims_handler"), staff("claims_supervisor"), staff(code)
    breach = _breached(handler, at)
    services.breach_explain(actor=handler, breach=breach, explanation="late")
    clock = start(handler, "C1", shanghai(2024, 9, 26, 9, 0), object_id="CLM-9")
    commands = [
        lambda: start(reader, "C1", shanghai(2024, 9, 26, 9, 0), object_id="CLM-10"),
        lambda: services.clock_pause(actor=reader, clock=clock, reason="x"),
        lambda: services.clock_resume(actor=reader, clock=clock, reason="x"),
        lambda: services.clock_stop(actor=reader, clock=clock, reason="x"),
        lambda: services.breach_explain(actor=reader, breach=breach, explanation="x"),
        lambda: services.breach_sign_off(actor=reader, breach=breach),
    ]
    for command in commands:
        with pytest.raises(PermissionDenied):
            command()
    assert supervisor  # the sign-off stays open for a real approver
    assert ClockBreach.objects.get(pk=breach.pk).signed_off_at is None


def test_every_change_writes_an_audit_event(staff, at):
    handler, supervisor = staff("claims_handler"), staff("claims_supervisor")
    at(2024, 9, 1, 8, 0)
    clock = start(handler, "C1", shanghai(2024, 9, 1, 8, 0))
    services.clock_pause(actor=handler, clock=clock, reason="waiting for documents")
    at(2024, 9, 2, 8, 0)
    services.clock_resume(actor=handler, clock=clock, reason="The customer answered")
    services.clocks_tick(now=shanghai(2024, 9, 25, 0, 0))
    services.clocks_tick(now=shanghai(2024, 10, 5, 0, 0))
    breach = ClockBreach.objects.get(clock=clock)
    services.breach_explain(actor=handler, breach=breach, explanation="Specialist report late.")
    services.breach_sign_off(actor=supervisor, breach=breach)
    services.clock_stop(actor=handler, clock=clock, reason="decided")
    clock_events = AuditEvent.objects.filter(object_type="clocks.clock", object_id=str(clock.pk)).order_by("id")
    assert list(clock_events.values_list("action", flat=True)) == [
        "clock_start",
        "clock_pause",
        "clock_resume",
        "clock_escalate",
        "clock_breach",
        "clock_stop",
    ]
    pause = clock_events.get(action="clock_pause")
    assert pause.reason == "waiting for documents"
    assert pause.changes["before"]["status"] == "running" and pause.changes["after"]["status"] == "paused"
    assert pause.actor_name == handler.username
    assert clock_events.get(action="clock_breach").actor_id is None  # the system
    breach_events = AuditEvent.objects.filter(object_type="clocks.clockbreach", object_id=str(breach.pk))
    assert list(breach_events.order_by("id").values_list("action", flat=True)) == [
        "breach_explain",
        "breach_sign_off",
    ]
    signed = breach_events.get(action="breach_sign_off")
    assert signed.changes["before"]["signed_off_by"] is None
    assert signed.changes["after"]["signed_off_by"] == supervisor.username


def test_a_clock_on_a_customer_policy_by_reference(staff):
    clock = services.clock_start(
        actor=staff("service_agent"),
        rule_code="C8",
        object_type="customers.policy",
        object_id="POL-000123",
        object_repr="Policy POL-000123",
        started_at=shanghai(2025, 9, 26, 10, 0),
    )
    assert clock.due_at == shanghai(2025, 10, 11, *EOD)
    from insurer.clocks import selectors

    assert list(selectors.clocks_on(clock.owner, "customers.policy", "POL-000123")) == [clock]


def test_the_clocks_app_imports_no_domain_app():
    import ast
    from pathlib import Path

    root = Path(services.__file__).parent
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any(n.split(".")[0] == "customers" for n in names), f"{path} imports a domain app"


def test_start_refuses_a_bad_object_and_an_unknown_rule(staff):
    actor = staff("claims_handler")
    with pytest.raises(ClockError):
        services.clock_start(actor=actor, rule_code="C1", object_type="claim", object_id="1")
    with pytest.raises(ClockError, match="No version of rule C99"):
        services.clock_start(actor=actor, rule_code="C99", object_type="claims.claim", object_id="1")


def test_department_clock_notifies_that_departments_holders_and_scopes_visibility(staff, at, django_user_model):
    from insurer.access.models import Department
    from insurer.access.services import grant_system
    from insurer.clocks import selectors

    north = Department.objects.create(code="claims-north", name="Claims North", body="management")
    south = Department.objects.create(code="claims-south", name="Claims South", body="management")
    company_wide, handler = staff("claims_supervisor", "sup-company"), staff("claims_handler")
    scoped = {}
    for dept in (north, south):
        user = django_user_model.objects.create_user(username=f"sup-{dept.code}", password="x")
        grant_system(user=user, role="claims_supervisor", reason="t", department=dept, valid_from=dt.date(2000, 1, 1))
        scoped[dept.code] = user
    at(2024, 9, 1, 8, 0)
    clock = start(handler, "C1", shanghai(2024, 9, 1, 8, 0), department=north)
    services.clocks_tick(now=shanghai(2024, 9, 22, 1, 0))
    told = set(Notification.objects.filter(kind="clock_escalating").values_list("recipient__username", flat=True))
    assert told == {company_wide.username, scoped["claims-north"].username, handler.username}
    assert list(selectors.clocks_for(scoped["claims-north"])) == [clock]
    assert list(selectors.clocks_for(scoped["claims-south"])) == []
    assert list(selectors.clocks_for(company_wide)) == [clock]


def test_only_a_rule_that_leaves_the_limit_to_its_starter_takes_one(staff, at):
    handler = staff("claims_handler")
    at(2024, 9, 26, 10, 0)
    with pytest.raises(ClockError, match="fixes its own time limit"):
        services.clock_start_for(
            triggered_by=handler, rule_code="C3", object_type="claims.claim", object_id="9", time_limit=3
        )
    clock = services.clock_start_for(
        triggered_by=handler, rule_code="A1", object_type="approvals.approvalstep", object_id="9", time_limit=2
    )
    # 2 working days from Thu 26 Sep 2024: Fri 27, Sun 29 (make-up working day).
    assert clock.limit == 2 and clock.due_at == shanghai(2024, 9, 29, *EOD)


def test_a_person_stopping_or_resuming_a_clock_must_say_why(staff, at):
    handler = staff("claims_handler")
    at(2024, 9, 26, 10, 0)
    clock = start(handler, "C1", shanghai(2024, 9, 26, 10, 0))
    services.clock_pause(actor=handler, clock=clock, reason="waiting for the discharge summary")
    for blank in ("", "   ", None):
        with pytest.raises(ClockError, match="A resume needs a reason") as refused:
            services.clock_resume(actor=handler, clock=clock, reason=blank)
        assert "reason" in refused.value.message_dict
    assert Clock.objects.get(pk=clock.pk).status == Clock.Status.PAUSED  # nothing half written
    at(2024, 9, 27, 10, 0)
    services.clock_resume(actor=handler, clock=clock, reason="  Summary received from the hospital ")
    with pytest.raises(ClockError, match="A stop needs a reason"):
        services.clock_stop(actor=handler, clock=clock, reason=" ")
    assert Clock.objects.get(pk=clock.pk).stopped_at is None
    services.clock_stop(actor=handler, clock=clock, reason="Claim decided and paid")
    events = AuditEvent.objects.filter(object_type="clocks.clock", object_id=str(clock.pk))
    assert events.get(action="clock_resume").reason == "Summary received from the hospital"
    stop = events.get(action="clock_stop")
    assert stop.reason == "Claim decided and paid" and stop.actor_name == "claims_handler-staff"
    assert Clock.objects.get(pk=clock.pk).stop_reason == "Claim decided and paid"


def test_a_system_stop_keeps_the_reason_it_is_given(staff, at):
    handler = staff("claims_handler")
    at(2024, 9, 26, 10, 0)
    clock = start(handler, "C1", shanghai(2024, 9, 26, 10, 0))
    services.clock_stop_for(triggered_by=handler, clock=clock, reason="Approval step decided")
    stop = AuditEvent.objects.get(object_type="clocks.clock", object_id=str(clock.pk), action="clock_stop")
    assert stop.reason == "Approval step decided"
