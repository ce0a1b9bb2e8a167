"""The invariants live in the database: a bulk path or a raw insert cannot store a broken row."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from customers.models import BeneficialOwner, Customer
from customers.tests import builders

pytestmark = pytest.mark.django_db


def refused(make) -> bool:
    try:
        with transaction.atomic():
            make()
    except IntegrityError:
        return True
    return False


def test_a_person_needs_a_birth_date_and_a_sex():
    customer = builders.person()
    assert refused(lambda: Customer.objects.filter(pk=customer.pk).update(birth_date=None))
    assert refused(lambda: Customer.objects.filter(pk=customer.pk).update(sex=""))


def test_an_organisation_cannot_use_a_resident_id_or_have_a_sex():
    org = builders.organisation()
    assert refused(lambda: Customer.objects.filter(pk=org.pk).update(id_type="resident_id"))
    assert refused(lambda: Customer.objects.filter(pk=org.pk).update(sex="M"))


def test_one_customer_per_identity_document():
    first = builders.person()
    second = builders.person()
    assert refused(lambda: Customer.objects.filter(pk=second.pk).update(id_number_digest=first.id_number_digest))


def test_income_cannot_be_negative():
    assert refused(lambda: builders.person(annual_income=Decimal("-1")))


def test_policy_terms_premiums_and_dates_are_consistent():
    assert refused(lambda: builders.policy(premium_term_years=25, policy_term_years=20))
    assert refused(lambda: builders.policy(payment_frequency="single", premium_term_years=5))
    assert refused(lambda: builders.policy(sum_assured=Decimal("0")))
    assert refused(lambda: builders.policy(annual_premium=Decimal("-5")))
    assert refused(lambda: builders.policy(status="lapsed", status_date=dt.date(2020, 1, 1)))  # before issue
    assert refused(lambda: builders.policy(status="dormant"))


def test_product_age_range():
    assert refused(lambda: builders.product(min_age=70, max_age=60))
    assert refused(lambda: builders.product(max_age=120))


def test_transactions_have_no_negative_amounts_and_changes_carry_no_money():
    policy = builders.policy()
    assert refused(lambda: builders.transaction(on=policy, amount="-1"))
    assert refused(lambda: builders.transaction(on=policy, kind="beneficiary_change", amount="10", method="none"))
    assert builders.transaction(on=policy, kind="beneficiary_change", amount="0", method="none").pk


def test_beneficial_owner_share_range_and_no_self_ownership():
    org, owner = builders.organisation(), builders.person()
    assert refused(lambda: BeneficialOwner.objects.create(organisation=org, owner=owner, share_pct=Decimal("120")))
    assert refused(lambda: BeneficialOwner.objects.create(organisation=org, owner=org, share_pct=Decimal("10")))
    BeneficialOwner.objects.create(organisation=org, owner=owner, share_pct=Decimal("60"), control=True)
    assert refused(lambda: BeneficialOwner.objects.create(organisation=org, owner=owner, share_pct=Decimal("5")))
