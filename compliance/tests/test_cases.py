"""AML alerts, cases and reports over a real (small) book: the batch stored idempotently,
cases with their clocks, dispositions with a second reviewer and the MLRO, suspicious
transaction reports under maker-checker, large-value reports with C13, audit entries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from compliance import jobs, services
from compliance.models import Alert, AlertRule, Case, CaseEvent, LargeValueReport, SuspiciousTransactionReport
from customers.tests import builders
from insurer.access.services import grant_system
from insurer.clocks.models import Clock
from insurer.ledger.models import AuditEvent

pytestmark = pytest.mark.django_db


def _at(*args):
    return timezone.make_aware(dt.datetime(*args))


def _user(username, *roles):
    user = get_user_model().objects.create_user(username=username, password="x-pass-12345")
    for role in roles:
        grant_system(user=user, role=role, reason="test")
    return user


def _early_surrender(third_party_payee=False, owner_change=False):
    """L03 (+45): a 100,000 single premium surrendered after 5 months for 70,000 (review); paid
    to an unrelated person L05 (+35) makes it a hold; with the owner changed to that person three
    weeks before, L09 (+40) a freeze."""
    holder = builders.person(name="王强", birth_date=dt.date(1980, 3, 3), sex="M", annual_income=Decimal("400000"))
    policy = builders.policy(holder=holder, issue_date=dt.date(2025, 1, 10), payment_frequency="single",
                             annual_premium=Decimal("100000"), premium_term_years=1)  # fmt: skip
    payee = builders.person(name="钱七") if third_party_payee else holder
    builders.transaction(on=policy, amount="100000", when=_at(2025, 1, 10, 10), account_ref="ACC-1")
    if owner_change:
        builders.transaction(on=policy, kind="owner_change", amount="0", method="none", when=_at(2025, 5, 20, 9),
                             payer=None, payee=payee)  # fmt: skip
    builders.transaction(on=policy, kind="surrender", amount="70000", when=_at(2025, 6, 12, 15), payer=None,
                         payee=payee, account_ref="ACC-2" if third_party_payee else "ACC-1")  # fmt: skip
    return policy


def _batch():
    jobs._CACHE.clear()
    return jobs.run_batch(actor=None, source="service")


def test_the_batch_stores_alerts_once_and_opens_one_case_with_its_review_clock():
    policy = _early_surrender()
    first = _batch()
    assert first["alerts_found"] == 1 and first["alerts_new"] == 1 and first["cases_opened"] == 1
    alert = Alert.objects.get()
    assert alert.policy == policy and alert.customer == policy.policyholder and "L03" in alert.rule_list
    assert alert.tier == "review" and alert.score == Decimal("45")
    surrender = policy.transactions.get(kind="surrender")
    assert alert.txn_refs == [surrender.txn_ref]  # the transactions the rules fired on
    assert [r["rule_id"] for r in alert.explanation["rules"]] == ["L03"]
    assert set(AlertRule.objects.values_list("rule_id", flat=True)) == {"L03"}
    case = Case.objects.get()
    assert case.status == "open" and case.alert_count == 1 and case.max_tier == "review"
    clock = Clock.objects.get(pk=case.review_clock_id)
    assert clock.rule.code == "AML-R" and clock.status == "running" and clock.object_id == str(case.pk)
    assert case.due_at == clock.due_at and clock.due_at > timezone.now()
    assert AuditEvent.objects.filter(action="aml_alerts_persist").count() == 1

    second = _batch()  # the same history again: nothing new, no duplicate
    assert second["alerts_new"] == 0 and second["alerts_unchanged"] == 1 and second["cases_opened"] == 0
    assert Alert.objects.count() == 1 and Case.objects.count() == 1
    assert CaseEvent.objects.filter(kind="alert_added").count() == 1


def test_the_job_in_parts_stores_the_same_alerts_as_one_run():
    _early_surrender()
    _early_surrender(third_party_payee=True)
    from insurer.jobs.services import job_run_inline

    jobs._CACHE.clear()
    summary = job_run_inline(jobs.KIND, {"parts": 3})
    assert summary["alerts_found"] == 2 and summary["alerts_new"] == 2 and summary["cases_opened"] == 2
    assert len(summary["runs"]) == 3
    again = job_run_inline(jobs.KIND, {"parts": 1})
    assert again["alerts_new"] == 0 and again["alerts_unchanged"] == 2 and Alert.objects.count() == 2


def test_an_analyst_closes_a_review_case_and_its_clock_stops_oversight_cannot():
    _early_surrender()
    _batch()
    case = Case.objects.get()
    analyst, auditor = _user("ana", "aml_analyst"), _user("aud", "internal_auditor")
    with pytest.raises(PermissionDenied):
        services.case_assign(actor=auditor, case=case)
    services.case_assign(actor=analyst, case=case)
    services.case_note(actor=analyst, case=case, text="Customer explained the surrender: house purchase.")
    with pytest.raises(ValidationError):
        services.case_dispose(actor=analyst, case=case, disposition="not_suspicious", reason="")
    case = services.case_dispose(actor=analyst, case=case, disposition="not_suspicious", reason="documented")
    assert case.status == "closed" and case.disposition == "not_suspicious" and case.decided_by == analyst
    assert Clock.objects.get(pk=case.review_clock_id).status == "stopped"
    assert set(Alert.objects.values_list("status", "disposition")) == {("closed", "not_suspicious")}
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds == ["opened", "alert_added", "assigned", "note", "disposed"]
    actions = set(AuditEvent.objects.filter(object_type="compliance.case").values_list("action", flat=True))
    assert {"aml_case_assign", "aml_case_note", "aml_case_dispose"} <= actions


def test_a_hold_case_needs_a_second_reviewer():
    _early_surrender(third_party_payee=True)
    _batch()
    case = Case.objects.get()
    assert case.max_tier == "hold"
    first, second = _user("ana1", "aml_analyst"), _user("ana2", "aml_analyst")
    case = services.case_dispose(actor=first, case=case, disposition="not_suspicious", reason="payee is the nephew")
    assert case.status == "open" and case.proposed_by == first
    with pytest.raises(PermissionDenied, match="second reviewer"):
        services.case_dispose(actor=first, case=case, disposition="not_suspicious", reason="again")
    case = services.case_dispose(actor=second, case=case, disposition="not_suspicious", reason="agreed")
    assert case.status == "closed" and case.decided_by == second


def test_a_freeze_case_goes_to_the_mlro_at_once():
    _early_surrender(third_party_payee=True, owner_change=True)
    _batch()
    case = Case.objects.get()
    assert case.max_tier == "freeze" and case.status == "escalated"
    analyst = _user("ana", "aml_analyst")
    with pytest.raises(PermissionDenied, match="only the MLRO"):
        services.case_dispose(actor=analyst, case=case, disposition="not_suspicious", reason="fine")


def test_suspicious_case_report_drafted_by_analyst_approved_by_another_mlro_with_clocks():
    _early_surrender()
    _batch()
    case = Case.objects.get()
    analyst, mlro, mlro2 = _user("ana", "aml_analyst"), _user("mlro1", "mlro"), _user("mlro2", "mlro")
    with pytest.raises(PermissionDenied, match="MLRO's decision"):
        services.case_dispose(actor=analyst, case=case, disposition="suspicious", reason="loss accepted")
    services.case_escalate(actor=analyst, case=case, reason="unexplained loss on early surrender")
    case = services.case_dispose(actor=mlro, case=case, disposition="suspicious", reason="confirmed")
    assert Clock.objects.get(pk=case.review_clock_id).status == "stopped"
    c14 = Clock.objects.get(pk=case.report_clock_id)
    assert c14.rule.code == "C14" and c14.status == "running" and case.due_at == c14.due_at

    report = services.str_draft(actor=analyst, case=case, activity_type="early surrender with loss",
                                grounds="30% loss accepted five months after a 100,000 single premium")  # fmt: skip
    assert report.amount_total == Decimal("70000.00") and len(report.txn_refs) == 1  # the alerts' transactions
    services.str_submit(actor=analyst, report=report)
    with pytest.raises(PermissionDenied):
        services.str_approve(actor=analyst, report=report)  # an analyst is no checker
    report = services.str_approve(actor=mlro, report=report, comment="file it")
    assert report.status == "recorded" and report.reference == f"STR-{timezone.localdate():%Y}-{report.pk:06d}"
    assert report.approved_by == mlro
    assert Clock.objects.get(pk=c14.pk).status == "stopped"
    actions = list(AuditEvent.objects.filter(object_type="compliance.suspicioustransactionreport")
                   .order_by("pk").values_list("action", flat=True))  # fmt: skip
    assert actions == ["aml_str_draft", "aml_str_submit", "aml_str_approve"]
    assert mlro2.pk  # a second MLRO exists for the maker-checker test below


def test_the_mlro_who_drafted_a_report_cannot_approve_it():
    _early_surrender()
    _batch()
    case = Case.objects.get()
    mlro, mlro2 = _user("mlro1", "mlro"), _user("mlro2", "mlro")
    case = services.case_dispose(actor=mlro, case=case, disposition="suspicious", reason="confirmed")
    report = services.str_draft(actor=mlro, case=case, activity_type="x", grounds="y")
    services.str_submit(actor=mlro, report=report)
    with pytest.raises(PermissionDenied, match="maker-checker"):
        services.str_approve(actor=mlro, report=report)
    with pytest.raises(ValidationError):
        services.str_return(actor=mlro2, report=report, comment="")
    report = services.str_return(actor=mlro2, report=report, comment="name the account")
    assert report.status == "draft" and report.revision == 2
    services.str_draft(actor=mlro, case=case, activity_type="x", grounds="y; account ACC-1")
    services.str_submit(actor=mlro, report=report)
    assert services.str_approve(actor=mlro2, report=report).status == "recorded"
    assert SuspiciousTransactionReport.objects.get().approved_by == mlro2


def test_large_value_reports_are_generated_once_with_their_c13_clock():
    holder = builders.person()
    policy = builders.policy(holder=holder)
    cash = builders.transaction(on=policy, amount="60000", method="cash", when=_at(2026, 9, 24, 10))
    builders.transaction(on=policy, amount="49000", method="cash", when=_at(2026, 9, 25, 10))  # below 50,000
    analyst = _user("ana", "aml_analyst")
    counts = services.lvtr_generate(actor=analyst, since=dt.date(2026, 9, 1), until=dt.date(2026, 9, 30))
    assert counts["reportable"] == 1 and counts["created"] == 1
    report = LargeValueReport.objects.get()
    assert report.transaction == cash and report.category == "cash" and report.threshold == Decimal("50000")
    clock = Clock.objects.get(pk=report.clock_id)
    assert clock.rule.code == "C13" and clock.started_at == cash.timestamp
    # 5 PRC working days after Thu 2026-09-24: Fri 25 is Mid-Autumn, Mon 28, Tue 29, Wed 30, Oct 1-7 off,
    # Thu Oct 8, Fri Oct 9.
    assert report.due_at == clock.due_at
    assert clock.due_at.astimezone(dt.timezone(dt.timedelta(hours=8))).date() == dt.date(2026, 10, 9)
    again = services.lvtr_generate(actor=analyst, since=dt.date(2026, 9, 1), until=dt.date(2026, 9, 30))
    assert again["created"] == 0 and again["already"] == 1
    services.lvtr_mark_reported(actor=analyst, report=report, reference="PBOC-2026-0001")
    report.refresh_from_db()
    assert report.status == "reported" and Clock.objects.get(pk=clock.pk).stopped_at is not None
    with pytest.raises(PermissionDenied):
        services.lvtr_generate(actor=_user("aud", "internal_auditor"), since=dt.date(2026, 9, 1))


def test_aml_monitor_save_is_idempotent_and_lvtr_needs_an_actor():
    import io

    from django.core.management import CommandError, call_command

    _early_surrender()
    out = io.StringIO()
    call_command("aml_monitor", "--save", stdout=out)
    assert "1 new, 0 updated, 0 unchanged; 1 cases opened" in out.getvalue()
    out = io.StringIO()
    call_command("aml_monitor", "--save", stdout=out)
    assert "0 new, 0 updated, 1 unchanged; 0 cases opened" in out.getvalue()
    assert Alert.objects.count() == 1 and AuditEvent.objects.filter(action="aml_alerts_persist").count() == 2
    assert AuditEvent.objects.filter(action="aml_alerts_persist").first().actor_name.startswith("system:")
    with pytest.raises(CommandError, match="--actor"):
        call_command("aml_monitor", "--lvtr-since", "2025-01-01", stdout=io.StringIO())
    _user("ana", "aml_analyst")
    out = io.StringIO()
    call_command("aml_monitor", "--lvtr-since", "2025-01-01", "--actor", "ana", stdout=out)
    # Domestic transfers by a natural person are reported from 500,000: neither 100,000 nor 70,000 is.
    assert "large-value reports 2025-01-01.." in out.getvalue() and "0 reportable, 0 new" in out.getvalue()


def test_an_episode_that_grows_after_its_case_was_decided_is_re_raised_not_duplicated():
    policy = _early_surrender(third_party_payee=True)
    _batch()
    case = Case.objects.get()
    first, second = _user("ana1", "aml_analyst"), _user("ana2", "aml_analyst")
    services.case_dispose(actor=first, case=case, disposition="not_suspicious", reason="nephew")
    services.case_dispose(actor=second, case=case, disposition="not_suspicious", reason="agreed")
    payee = policy.transactions.get(kind="surrender").payee
    builders.transaction(on=policy, kind="refund", amount="1000", when=_at(2025, 6, 20, 10), payer=None, payee=payee)
    counts = _batch()
    assert counts["alerts_new"] == 0 and counts["alerts_updated"] == 1 and counts["alerts_reraised"] == 1
    alert = Alert.objects.get()  # the same alert id, grown
    assert len(alert.txn_refs) == 2 and alert.status == "open" and alert.disposition == ""
    new_case = Case.objects.exclude(pk=case.pk).get()
    assert alert.case == new_case and new_case.status == "open" and new_case.alert_count == 1
    assert case.events.filter(kind="alert_moved").exists() and new_case.events.filter(kind="alert_updated").exists()
    decided = case.events.get(kind="disposed").detail["alerts"]
    assert [a[0] for a in decided] == [alert.alert_id]  # the closed case still says what it decided
