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


def _listed_policyholder(status: str):
    """A policyholder screened against a sanctions entry (a stored hit with ``status``)."""
    from django.contrib.auth import get_user_model

    from compliance.screening.models import ScreeningHit, Watchlist, WatchlistEntry

    holder = builders.person(name="张建国", birth_date=dt.date(1970, 2, 2), sex="M")
    policy = builders.policy(holder=holder, issue_date=dt.date(2025, 3, 1))
    builders.transaction(on=policy, amount="1500", when=_at(2025, 3, 1, 10), account_ref="ACC-9")
    wl = Watchlist.objects.create(name="Test sanctions", source_kind="own", version=1)
    entry = WatchlistEntry.objects.create(watchlist=wl, entry_id="OWN-0001", name="张建国", birth_date="1970-02-02",
                                          is_sanctioned=True, content_hash="x")  # fmt: skip
    reviewer = None if status == "pending" else get_user_model().objects.create(username="mlro-test")
    ScreeningHit.objects.create(customer=holder, entry=entry, score=Decimal("0.97"), name_score=Decimal("0.97"),
                                method="hanzi", matched_name="张建国", second_factor="birth_date", basis_hash="b",
                                status=status, reason="" if status == "pending" else "checked the ID",
                                reviewed_by=reviewer, last_screened=timezone.now())  # fmt: skip
    return policy


def _export(tmp_path) -> list[dict]:
    export = tmp_path / "alerts.csv"
    call_command("aml_monitor", "--export", str(export), stdout=io.StringIO())
    with export.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_the_batch_reads_the_stored_screening_hits_for_l13(tmp_path):
    """L13 (screening hit) needs the hits: a listed policyholder is flagged by the batch with the
    list entry in the explanation, at the hold tier (weight 60 in every shipped catalogue, hold
    from 60: regulation-aml.md's scoring defaults)."""
    from compliance.jobs import compute_alerts

    policy = _listed_policyholder("pending")
    rows = [r for r in _export(tmp_path) if r["policy_ref"] == policy.policy_ref]
    assert rows and all(r["rule_id"] == "L13" and r["score"] == "60" and r["tier"] == "hold" for r in rows)
    alerts, _, _ = compute_alerts()
    facts = [f for e in alerts["explanation"] for rule in e["rules"] for f in rule.get("facts", [])]
    assert any("OWN-0001" in str(f) and policy.policyholder.customer_ref in str(f) for f in facts), facts


def test_a_false_match_raises_no_l13_and_a_confirmed_sanctions_match_freezes(tmp_path):
    """A hit dismissed as a false match is no list hit; a confirmed sanctions match is the
    freeze tier whatever the score (regulation-aml.md: 'freeze ≥ 90 or a confirmed sanctions hit')."""
    from compliance.screening.models import ScreeningHit

    policy = _listed_policyholder("false_match")
    assert not [r for r in _export(tmp_path) if r["policy_ref"] == policy.policy_ref]
    ScreeningHit.objects.update(status="true_match")
    rows = [r for r in _export(tmp_path) if r["policy_ref"] == policy.policy_ref]
    assert rows and all(r["rule_id"] == "L13" and r["tier"] == "freeze" for r in rows)


def test_a_nominee_holding_makes_the_organisation_opaque_in_the_batch(tmp_path):
    """L12 (opaque ownership) on a nominee: the organisation's only owner holds 100% with
    control, but as a nominee (代持 in the name). The batch reads the owners' names, as the
    profile page does, so the holding is flagged; the same owner without the marker is not."""
    from customers.models import BeneficialOwner

    org = builders.organisation(name="深圳恒达贸易有限公司")
    insured = builders.person(name="赵敏", birth_date=dt.date(1975, 4, 4))
    policy = builders.policy(holder=org, insured=insured, issue_date=dt.date(2025, 2, 1))
    builders.transaction(on=policy, amount="1500", payer=org, when=_at(2025, 2, 1, 10), account_ref="ACC-7")
    owner = builders.person(name="赵敏", birth_date=dt.date(1975, 4, 4))
    BeneficialOwner.objects.create(organisation=org, owner=owner, share_pct=Decimal("100"), control=True)
    assert not [r for r in _export(tmp_path) if "L12" in r["rule_id"].split(";")]
    owner.name = "赵敏(代持)"
    owner.save()
    l12 = [r for r in _export(tmp_path) if "L12" in r["rule_id"].split(";")]
    assert [(r["customer_ref"], r["policy_ref"]) for r in l12] == [(org.customer_ref, policy.policy_ref)]
