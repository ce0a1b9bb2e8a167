"""The live monitoring batch acts on its hold and freeze tiers: each new alert at those tiers
places a hold or freeze on its policy as the system user ``aml-monitor``, in bulk, with its
audit event and one summary notification to the MLRO; the payout guard then refuses payouts
on that policy. Running the batch again places nothing twice; a backtest places nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from compliance import jobs
from compliance.holds import services
from compliance.holds.models import Restriction
from compliance.models import Alert
from customers.services import book_import
from customers.tests import builders
from insurer.errors import RowErrors
from insurer.jobs.services import job_run_inline
from insurer.ledger.models import AuditEvent
from insurer.notifications.models import Notification

pytestmark = pytest.mark.django_db
HEADER = (
    "txn_ref,policy_ref,kind,timestamp,amount,currency,method,payer_ref,payee_ref,account_ref,counterparty_country\n"
)


def _at(*args):
    return timezone.make_aware(dt.datetime(*args))


def _early_surrender(*, third_party_payee=False, owner_change=False):
    """As compliance/tests/test_cases.py: L03 (+45) review; paid to an unrelated person, L05
    (+35) a hold (80); with the owner changed to that person first, L09 (+40) a freeze (120)."""
    holder = builders.person(birth_date=dt.date(1980, 3, 3), annual_income=Decimal("400000"))
    policy = builders.policy(holder=holder, issue_date=dt.date(2025, 1, 10), payment_frequency="single",
                             annual_premium=Decimal("100000"), premium_term_years=1)  # fmt: skip
    payee = builders.person() if third_party_payee else holder
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


def _mlro(username="mlro-1"):
    from insurer.access.services import grant_system

    user = get_user_model().objects.create_user(username=username, password="persona-pass-123")
    grant_system(user=user, role="mlro", reason="test")
    return user


def test_a_freeze_tier_alert_freezes_its_policy_and_the_payout_is_refused():
    mlro = _mlro()
    frozen = _early_surrender(third_party_payee=True, owner_change=True)
    held = _early_surrender(third_party_payee=True)
    quiet = _early_surrender()
    counts = _batch()
    assert (counts["freezes_placed"], counts["holds_placed"]) == (1, 1)
    by_policy = {r.policy_id: r for r in Restriction.objects.all()}
    assert set(by_policy) == {frozen.pk, held.pk}  # the review-tier alert places nothing
    freeze, hold = by_policy[frozen.pk], by_policy[held.pk]
    assert (freeze.kind, hold.kind) == ("freeze", "hold")
    alert = Alert.objects.get(policy=frozen, tier="freeze")
    assert freeze.source == "alert" and freeze.source_ref == alert.alert_id
    assert alert.alert_id in freeze.reason and "L09" in freeze.reason
    assert freeze.placed_by.username == services.MONITOR_USERNAME
    assert not freeze.placed_by.has_usable_password()
    events = AuditEvent.objects.filter(action="restriction_place").order_by("pk")
    assert sorted(e.object_id for e in events) == sorted([str(freeze.pk), str(hold.pk)])
    assert all(e.actor_name == services.MONITOR_USERNAME for e in events)
    # One summary notification to the MLRO for the run, not one per alert.
    notes = Notification.objects.filter(recipient=mlro, title__contains="placed by the monitoring run")
    assert [n.title for n in notes] == [f"1 holds and 1 freezes placed by the monitoring run #{counts['run']}"]
    # The payout guard refuses a surrender on the frozen policy through the import service.
    text = HEADER + f"S9,{frozen.policy_ref},surrender,2026-03-01T10:00:00+08:00,500.00,CNY,transfer,,,,\n"
    importer = get_user_model().objects.create_user(username="importer", is_superuser=True)
    with pytest.raises(RowErrors) as caught:
        book_import(actor=importer, kind="transactions", source="s.csv", rows_or_file=text.encode())
    message = str(caught.value.errors[0])
    assert f"S9: a surrender on policy {frozen.policy_ref} is refused: account frozen" in message
    assert f"restriction #{freeze.pk}" in message
    # Nothing was placed on the quiet policy, and a payout on it imports.
    ok = HEADER + f"S10,{quiet.policy_ref},claim_payout,2026-03-01T10:00:00+08:00,500.00,CNY,transfer,,,,\n"
    assert book_import(actor=importer, kind="transactions", source="ok.csv", rows_or_file=ok.encode()).created == 1


def test_running_the_batch_again_places_nothing_twice_and_a_lift_stays_lifted():
    mlro = _mlro()
    policy = _early_surrender(third_party_payee=True, owner_change=True)
    _batch()
    again = _batch()
    assert (again["freezes_placed"], again["holds_placed"]) == (0, 0)
    freeze = Restriction.objects.get()
    # The system placed it, so a person lifts it (a freeze: the MLRO).
    services.restriction_lift(actor=mlro, restriction=freeze, reason="reviewed: owner change documented")
    third = _batch()
    assert (third["freezes_placed"], third["holds_placed"]) == (0, 0)
    assert Restriction.objects.filter(policy=policy, lifted_at__isnull=True).count() == 0
    assert Notification.objects.filter(recipient=mlro, title__contains="placed by the monitoring run").count() == 1


def test_an_existing_stronger_restriction_covers_the_policy():
    mlro = _mlro()
    policy = _early_surrender(third_party_payee=True)  # a hold-tier alert
    services.restriction_place(actor=mlro, kind="freeze", customer=policy.policyholder, reason="court order 17",
                               source="court_order")  # fmt: skip
    counts = _batch()
    assert (counts["freezes_placed"], counts["holds_placed"]) == (0, 0)
    assert Restriction.objects.count() == 1


def test_the_system_placer_cannot_lift_and_an_analyst_lifts_its_hold():
    from insurer.access.services import grant_system

    _early_surrender(third_party_payee=True)
    _batch()
    hold = Restriction.objects.get()
    assert hold.kind == "hold"
    with pytest.raises(PermissionDenied):
        services.restriction_lift(actor=hold.placed_by, restriction=hold, reason="self")
    analyst = get_user_model().objects.create_user(username="ana", password="persona-pass-123")
    grant_system(user=analyst, role="aml_analyst", reason="test")
    assert services.restriction_lift(actor=analyst, restriction=hold, reason="documented").lifted_by == analyst


def test_a_backtest_places_nothing():
    _early_surrender(third_party_payee=True, owner_change=True)
    summary = job_run_inline("aml_backtest", {"version": "rules-v1"})
    assert summary  # the backtest ran over the book
    assert Restriction.objects.count() == 0 and Alert.objects.count() == 0


def test_the_queries_do_not_grow_with_the_number_of_alerts():
    from compliance.models import MonitoringRun

    _mlro()
    services.monitor_actor()  # created once: its role grant is not what is measured

    def place(n):
        policies = [builders.policy() for _ in range(n)]
        run = MonitoringRun.objects.create(source="service", rules_version="t", started_at=timezone.now())
        alerts = [{"alert_id": f"A-{p.pk}", "policy_id": p.pk, "tier": "freeze" if i % 2 else "hold",
                   "score": Decimal("95"), "rule_codes": "L13"} for i, p in enumerate(policies)]  # fmt: skip
        with CaptureQueriesContext(connection) as queries:
            placed = services.restrictions_place_from_run(run=run, alerts=alerts)
        assert placed["holds"] + placed["freezes"] == n
        return len(queries.captured_queries)

    assert place(2) == place(40)
    assert Restriction.objects.count() == 42
    assert AuditEvent.objects.filter(action="restriction_place").count() == 42
