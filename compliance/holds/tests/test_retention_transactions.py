"""Book transactions under the retention schedule: deleted only by the retention purge
(record_delete), which checks their retention; every other delete is refused, through the ORM
on every backend and also through raw SQL on PostgreSQL (the database trigger)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models.signals import pre_delete
from django.utils import timezone

from compliance.holds import retention
from customers.models import PolicyTransaction
from customers.tests import builders
from insurer.ledger.models import AuditEvent

pytestmark = pytest.mark.django_db
POSTGRES = connection.vendor == "postgresql"
REFUSED = (retention.UnderRetention, IntegrityError)  # the guard (SQLite) or the trigger (PostgreSQL)
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def recent():
    policy = builders.policy(policy_ref="P7400000001")
    return builders.transaction(on=policy, txn_ref="T7400000001", when=timezone.now() - dt.timedelta(days=30))


@pytest.fixture
def expired():
    """A premium of 2012 on a policy surrendered in 2014: past the 10 years (transaction and
    relationship) in force."""
    holder = builders.person(customer_ref="C7400000002")
    policy = builders.policy(holder=holder, policy_ref="P7400000002", issue_date=dt.date(2010, 1, 1),
                             status="surrendered", status_date=dt.date(2014, 6, 1))  # fmt: skip
    return builders.transaction(on=policy, txn_ref="T7400000002", when=dt.datetime(2012, 3, 1, 10, tzinfo=SHANGHAI))


def _refused(action) -> str:
    with pytest.raises(REFUSED) as caught, transaction.atomic():
        action()
    return str(caught.value)


def test_a_transaction_under_retention_is_refused_on_every_orm_path(recent, compliance_officer):
    assert retention.retention_of(recent).until is None  # its policy is in force
    assert "retention" in _refused(recent.delete)
    assert "retention" in _refused(lambda: PolicyTransaction.objects.filter(pk=recent.pk).delete())
    with pytest.raises(retention.UnderRetention, match="in force"):
        retention.record_delete(actor=compliance_officer, record=recent, reason="tidy up")
    assert PolicyTransaction.objects.filter(pk=recent.pk).exists()


@pytest.mark.skipif(not POSTGRES, reason="the database trigger exists on PostgreSQL")
def test_on_postgresql_raw_sql_is_refused_too_and_django_keeps_its_fast_delete(recent):
    def raw_delete():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM customers_policytransaction WHERE id = %s", [recent.pk])

    assert "deleted only by the retention purge" in _refused(raw_delete)
    # No pre_delete receiver on PostgreSQL: Django deletes transactions with one statement,
    # not one query per row.
    assert not pre_delete.has_listeners(PolicyTransaction)


def test_past_retention_only_the_purge_deletes_it_with_an_audit_entry(expired, compliance_officer):
    assert not retention.retention_of(expired).keeps(timezone.localdate())
    assert "retention purge" in _refused(expired.delete)  # expired, but not through the purge
    pk = expired.pk
    retention.record_delete(actor=compliance_officer, record=expired, reason="retention ended 2024-06-01")
    assert not PolicyTransaction.objects.filter(pk=pk).exists()
    event = AuditEvent.objects.get(action="record_delete")
    assert (event.object_type, event.object_id, event.reason) == (
        "customers.policytransaction", str(pk), "retention ended 2024-06-01",
    )  # fmt: skip


def test_the_purge_permit_ends_with_the_purge(expired, recent, compliance_officer):
    with transaction.atomic():
        retention.record_delete(actor=compliance_officer, record=expired, reason="retention ended")
        # Still in the same transaction: the next delete is not the purge's.
        assert "retention" in _refused(recent.delete)
    assert PolicyTransaction.objects.filter(pk=recent.pk).exists()


def test_a_legal_hold_keeps_an_expired_transaction(expired, mlro, compliance_officer):
    holder = expired.policy.policyholder
    retention.legal_hold_place(actor=mlro, customer=holder, reason="court order", reference="(2026)京01民初7号")
    with pytest.raises(retention.UnderRetention, match="legal hold"):
        retention.record_delete(actor=compliance_officer, record=expired, reason="retention ended")
    assert PolicyTransaction.objects.filter(pk=expired.pk).exists()


def test_roles_without_the_delete_permission_are_refused(expired, aml_analyst):
    with pytest.raises(retention.PermissionDenied):
        retention.record_delete(actor=aml_analyst, record=expired, reason="retention ended")
    assert PolicyTransaction.objects.filter(pk=expired.pk).exists()
