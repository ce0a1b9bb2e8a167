"""`manage.py aml_monitor` over the book: the frames the engine reads, and the alert export."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from compliance.book import book_frames
from customers.tests import builders

pytestmark = pytest.mark.django_db


def _at(*args):
    return timezone.make_aware(dt.datetime(*args))


def _early_surrender_with_loss():
    """L03: a 100,000 single premium surrendered after 5 months for 70,000 (a 30% loss)."""
    holder = builders.person(name="王强", birth_date=dt.date(1980, 3, 3), sex="M", annual_income=Decimal("400000"))
    policy = builders.policy(holder=holder, issue_date=dt.date(2025, 1, 10), payment_frequency="single",
                             annual_premium=Decimal("100000"), premium_term_years=1)  # fmt: skip
    builders.transaction(on=policy, amount="100000", when=_at(2025, 1, 10, 10), account_ref="ACC-1")
    builders.transaction(on=policy, kind="surrender", amount="70000", when=_at(2025, 6, 12, 15), payer=None,
                         payee=holder, account_ref="ACC-1")  # fmt: skip
    return policy


def test_the_book_becomes_the_engines_frames_without_personal_numbers():
    policy = _early_surrender_with_loss()
    frames = book_frames()
    txns = frames["transactions"]
    assert list(txns["policy_ref"]) == [policy.policy_ref, policy.policy_ref]
    assert list(txns["amount"]) == [100000.0, 70000.0] and str(txns["timestamp"].dt.tz) == "UTC"
    assert txns.loc[1, "payer_ref"] == "" and txns.loc[1, "payee_ref"] == policy.policyholder.customer_ref
    customers = frames["customers"]
    assert "phone" not in customers.columns and "id_number" not in customers.columns
    assert customers.loc[0, "phone_hash"] == policy.policyholder.phone_digest  # the blind index, not the number
    assert len(customers.loc[0, "address_hash"]) in (0, 64)


def test_aml_monitor_flags_the_early_surrender_and_exports_the_documented_columns(tmp_path):
    policy = _early_surrender_with_loss()
    export = tmp_path / "alerts.csv"
    out = io.StringIO()
    call_command("aml_monitor", "--export", str(export), stdout=out)
    assert "2 transactions, 1 policies, 1 customers" in out.getvalue()
    with export.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
    assert reader.fieldnames == ["alert_id", "rule_id", "customer_ref", "policy_ref", "txn_refs", "score", "tier",
                                 "created_at"]  # fmt: skip
    l03 = [r for r in rows if "L03" in r["rule_id"].split(";")]
    assert len(l03) == 1 and l03[0]["policy_ref"] == policy.policy_ref
    assert l03[0]["customer_ref"] == policy.policyholder.customer_ref and l03[0]["tier"] in ("review", "hold", "freeze")
    assert "L03" in out.getvalue()
