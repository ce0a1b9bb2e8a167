"""Retention with legal hold: nothing under retention can be deleted, on any path."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from compliance.holds import retention, services
from compliance.holds.models import RetentionRule
from customers.models import Customer, Policy
from customers.tests import builders
from insurer.ledger.models import AuditEvent


@pytest.fixture
def ended_long_ago(db):
    """A customer whose only policy was surrendered in 2014 (past the 10 years in force). Its
    transactions are kept elsewhere (an archive): a policy with transactions is PROTECTed anyway."""
    holder = builders.person(customer_ref="C7300000001")
    policy = builders.policy(holder=holder, policy_ref="P7300000001", issue_date=dt.date(2010, 1, 1),
                             status="surrendered", status_date=dt.date(2014, 6, 1))  # fmt: skip
    return holder, policy


def test_the_periods_in_force_are_versioned_data_with_their_source(db):
    rule = RetentionRule.objects.filter(record_class="cdd").order_by("-version").first()
    assert (rule.years, rule.after, str(rule.effective_from)) == (10, "relationship_end", "2025-01-01")
    assert "Anti-Money Laundering Law" in rule.source
    assert RetentionRule.objects.get(record_class="cdd", version=1).years == 5


def test_a_policy_in_force_and_its_customer_are_kept_while_the_relationship_lasts(compliance_officer):
    policy = builders.policy()
    kept = retention.retention_of(policy)
    assert kept.until is None and "in force" in kept.reasons[0]
    with pytest.raises(retention.UnderRetention, match="under retention"), transaction.atomic():
        policy.delete()
    with pytest.raises(retention.UnderRetention), transaction.atomic():
        Policy.objects.filter(pk=policy.pk).delete()  # the queryset path too
    with pytest.raises(retention.UnderRetention):
        retention.record_delete(actor=compliance_officer, record=policy, reason="tidy up")
    assert Policy.objects.filter(pk=policy.pk).exists()


def test_ten_years_after_the_relationship_ended_the_policy_is_kept(ended_long_ago):
    _, policy = ended_long_ago
    policy.status_date = timezone.localdate() - dt.timedelta(days=365 * 3)
    policy.save(update_fields=["status_date"])
    kept = retention.retention_of(policy)
    assert kept.until == retention._plus_years(policy.status_date, 10)
    with pytest.raises(retention.UnderRetention), transaction.atomic():
        policy.delete()


def test_past_retention_the_service_deletes_with_an_audit_entry(ended_long_ago, compliance_officer):
    _holder, policy = ended_long_ago
    assert not retention.retention_of(policy).keeps(timezone.localdate())
    retention.record_delete(actor=compliance_officer, record=policy, reason="retention expired 2024-06-01")
    assert not Policy.objects.filter(pk=policy.pk).exists()
    event = AuditEvent.objects.get(action="record_delete")
    assert (event.object_type, event.reason) == ("customers.policy", "retention expired 2024-06-01")


def test_a_legal_hold_keeps_everything_of_its_customer_until_a_second_person_lifts_it(
    ended_long_ago, mlro, compliance_officer
):
    holder, policy = ended_long_ago
    hold = retention.legal_hold_place(actor=mlro, customer=holder, reason="civil suit", reference="(2026)沪01民初1号")
    assert "legal hold" in retention.retention_of(policy).reasons[0]
    with pytest.raises(retention.UnderRetention, match="legal hold"), transaction.atomic():
        policy.delete()
    with pytest.raises(PermissionDenied, match="second person"):
        retention.legal_hold_lift(actor=mlro, hold=hold, reason="suit settled")
    retention.legal_hold_lift(actor=compliance_officer, hold=hold, reason="suit settled")
    assert not retention.retention_of(policy).keeps(timezone.localdate())
    assert AuditEvent.objects.filter(action__in=["legal_hold_place", "legal_hold_lift"]).count() == 2


def test_an_open_investigation_keeps_the_records(ended_long_ago, aml_analyst):
    holder, policy = ended_long_ago
    services.restriction_place(actor=aml_analyst, kind="hold", policy=policy, reason="case open")
    assert "open investigation" in retention.retention_of(holder).reasons[0]


def test_a_customer_without_policies_is_kept_ten_years_after_onboarding(db):
    prospect = builders.person()
    assert retention.retention_of(prospect).until == retention._plus_years(timezone.localdate(), 10)
    with pytest.raises(retention.UnderRetention), transaction.atomic():
        Customer.objects.filter(pk=prospect.pk).delete()


def test_restrictions_are_never_deleted_and_roles_are_checked(held_policy, aml_analyst, internal_auditor):
    restriction = services.restriction_place(actor=aml_analyst, kind="hold", policy=held_policy, reason="x")
    with pytest.raises(retention.UnderRetention, match="never deleted"), transaction.atomic():
        restriction.delete()
    with pytest.raises(PermissionDenied):
        retention.legal_hold_place(actor=aml_analyst, customer=held_policy.policyholder, reason="x")
    with pytest.raises(PermissionDenied):
        retention.record_delete(actor=internal_auditor, record=held_policy, reason="x")


def test_the_aml_investigation_records_are_never_deleted(db):
    """An alert, its case and the case's timeline from a real batch run, and a suspicious
    transaction report drafted on the case: none can be deleted on any ORM path (queryset or
    instance), and nothing goes."""
    from django.contrib.auth import get_user_model
    from django.db.models import ProtectedError

    from compliance import jobs
    from compliance import services as aml
    from compliance.models import Alert, Case, CaseEvent, SuspiciousTransactionReport
    from insurer.access.services import grant_system

    holder = builders.person(name="王强", birth_date=dt.date(1980, 3, 3), sex="M")
    policy = builders.policy(holder=holder, issue_date=dt.date(2025, 1, 10), payment_frequency="single",
                             annual_premium="100000", premium_term_years=1)  # fmt: skip
    builders.transaction(on=policy, amount="100000", when=timezone.make_aware(dt.datetime(2025, 1, 10, 10)))
    builders.transaction(on=policy, kind="surrender", amount="70000", payer=None, payee=holder,
                         when=timezone.make_aware(dt.datetime(2025, 6, 12, 15)))  # fmt: skip
    jobs._CACHE.clear()
    jobs.run_batch(actor=None, source="service")
    case = Case.objects.get()
    mlro = get_user_model().objects.create_user(username="mlro-ret", password="x-pass-12345")
    grant_system(user=mlro, role="mlro", reason="test")
    aml.case_dispose(actor=mlro, case=case, disposition="suspicious", reason="loss accepted")
    aml.str_draft(actor=mlro, case=case, activity_type="early surrender", grounds="30 per cent loss")
    with pytest.raises(ProtectedError), transaction.atomic():  # its alerts and report protect the case
        case.delete()
    records = [Alert.objects.first(), CaseEvent.objects.first(), SuspiciousTransactionReport.objects.get()]
    for record in records:
        with pytest.raises(retention.UnderRetention, match="never deleted"), transaction.atomic():
            record.delete()
        with pytest.raises(retention.UnderRetention, match="never deleted"), transaction.atomic():
            type(record).objects.filter(pk=record.pk).delete()
    counts = [Alert.objects.count(), Case.objects.count(), SuspiciousTransactionReport.objects.count()]
    assert counts == [1, 1, 1] and CaseEvent.objects.filter(case=case).exists()
