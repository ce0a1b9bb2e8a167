"""Rule snoozes per customer (regulation-aml.md "Scoring and tiers": snoozes per customer or value
stop repeat false positives, with a reason and an expiry): the batch (job and command), the
backtest's inputs and real-time scoring all drop the snoozed rule for that customer until the
expiry; a sanctions hit (L13) is never snoozed; the MLRO's from a hold or freeze tier alert;
audited; ended early by a person; on the screen and through the API."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from compliance import jobs, services
from compliance.holds.scoring import score_new_transaction
from compliance.models import Alert, RuleSnooze
from compliance.rules import backtest
from compliance.rules.jobs import book_inputs
from compliance.rules.selectors import live_parameters
from compliance.selectors import rule_snoozes_frame
from compliance.tests.test_cases import _early_surrender, _user
from insurer.ledger.models import AuditEvent

pytestmark = pytest.mark.django_db


def _days(n: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=n)


def _batch():
    jobs._CACHE.clear()
    return jobs.run_batch(actor=None, source="service")


def _found():
    """The alerts the batch finds now (rules, score, tier), through the job's own reader."""
    alerts, _n, _label = jobs.compute_alerts()
    return [(list(a.rule_ids), a.score, a.tier) for a in alerts.itertuples(index=False)]


def _scored(policy, actor):
    """Real-time scoring of the stored surrender (as the scoring API re-scores a stored one)."""
    t = policy.transactions.select_related("payer", "payee").get(kind="surrender")
    txn = {"txn_ref": t.txn_ref, "policy_ref": policy.policy_ref, "kind": t.kind,
           "timestamp": timezone.localtime(t.timestamp), "amount": t.amount, "currency": "CNY", "method": t.method,
           "payer_ref": t.payer.customer_ref if t.payer else "", "payee_ref": t.payee.customer_ref if t.payee else "",
           "account_ref": t.account_ref, "counterparty_country": t.counterparty_country}  # fmt: skip
    return score_new_transaction(actor=actor, txn=txn).alert


def test_a_snoozed_rule_raises_nothing_for_the_customer_in_the_batch_until_it_ends():
    _early_surrender()  # one review-tier L03 alert (45)
    _batch()
    alert = Alert.objects.get()
    assert _found() == [(["L03"], 45.0, "review")]
    analyst = _user("ana", "aml_analyst")
    snooze = services.rule_snooze(actor=analyst, alert=alert, rule_id="L03", until=_days(30), reason="known pattern")
    # The job's cache key follows the snoozes: no clearing needed for the batch to see it.
    assert _found() == []
    out = io.StringIO()
    call_command("aml_monitor", stdout=out)
    assert "\n0 alerts" in out.getvalue()
    # The backtest and shadow run read the same snoozes, so their figures match the live run's.
    assert backtest.run_version(book_inputs(), live_parameters()).empty
    # Audited with the reason, the rule, the customer and the alert it came from.
    event = AuditEvent.objects.get(action="aml_rule_snooze")
    assert event.reason == "known pattern" and event.object_id == str(snooze.pk)
    assert event.changes["rule"] == "L03" and event.changes["customer"] == alert.customer.customer_ref
    assert snooze.expires_at == timezone.make_aware(dt.datetime.combine(_days(31), dt.time()))
    # Ended early by a person: the rule is raised again.
    services.rule_snooze_end(actor=analyst, snooze=snooze, reason="new information from the branch")
    assert _found() == [(["L03"], 45.0, "review")]
    assert AuditEvent.objects.filter(action="aml_rule_snooze_end").count() == 1
    with pytest.raises(ValidationError, match="no longer in force"):
        services.rule_snooze_end(actor=analyst, snooze=snooze, reason="again")


def test_an_expired_rule_snooze_no_longer_mutes():
    _early_surrender()
    _batch()
    snooze = services.rule_snooze(actor=_user("ana", "aml_analyst"), alert=Alert.objects.get(), rule_id="L03",
                                  until=_days(1), reason="x")  # fmt: skip
    assert _found() == []
    RuleSnooze.objects.filter(pk=snooze.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert _found() == [(["L03"], 45.0, "review")]
    assert rule_snoozes_frame().empty


def test_real_time_scoring_honours_the_snooze_as_the_batch_does():
    policy = _early_surrender(third_party_payee=True)  # L03 (45) + L05 (35) = 80: hold
    _batch()
    alert = Alert.objects.get()
    assert alert.tier == "hold"
    mlro = _user("boss", "mlro")
    with pytest.raises(PermissionDenied, match="only by the MLRO"):
        services.rule_snooze(actor=_user("ana", "aml_analyst"), alert=alert, rule_id="L05", until=_days(7), reason="x")
    snooze = services.rule_snooze(actor=mlro, alert=alert, rule_id="L05", until=_days(7), reason="payee is the spouse")
    scored = _scored(policy, mlro)
    assert (scored["rule_ids"], scored["score"], scored["tier"]) == (["L03"], 45.0, "review")
    assert scored["explanation"]["snoozed"] == [{"rule_id": "L05", "reasons": ["payee is the spouse"]}]
    assert _found() == [(["L03"], 45.0, "review")]  # the batch: the same
    services.rule_snooze_end(actor=mlro, snooze=snooze, reason="spouse claim not confirmed")
    scored = _scored(policy, mlro)
    assert (scored["rule_ids"], scored["score"], scored["tier"]) == (["L03", "L05"], 80.0, "hold")


def test_refusals_name_the_field_and_write_nothing_and_sanctions_are_never_snoozed():
    _early_surrender()
    _batch()
    alert = Alert.objects.get()
    analyst = _user("ana", "aml_analyst")
    cases = [("L13", _days(5), "x", "rule_id"), ("L05", _days(5), "x", "rule_id"), ("L03", _days(0), "x", "until"),
             ("L03", _days(91), "x", "until"), ("L03", _days(5), " ", "reason")]  # fmt: skip
    for rule, until, reason, field in cases:
        with pytest.raises(ValidationError) as refused:
            services.rule_snooze(actor=analyst, alert=alert, rule_id=rule, until=until, reason=reason)
        assert field in refused.value.message_dict
    with pytest.raises(ValidationError, match="L13"):
        services.rule_snooze(actor=analyst, alert=alert, rule_id="L13", until=_days(5), reason="x")
    with pytest.raises(PermissionDenied):
        services.rule_snooze(actor=_user("aud", "internal_auditor"), alert=alert, rule_id="L03", until=_days(5),
                             reason="x")  # fmt: skip
    assert not RuleSnooze.objects.exists() and not AuditEvent.objects.filter(action="aml_rule_snooze").exists()
    # Even an L13 snooze written around the service is never passed to the engine.
    RuleSnooze.objects.create(rule_id="L13", customer_ref=alert.customer.customer_ref, reason="x",
                              expires_at=timezone.now() + dt.timedelta(days=5), snoozed_by=analyst,
                              snoozed_at=timezone.now())  # fmt: skip
    assert rule_snoozes_frame().empty


def test_screen_and_api_snooze_a_rule_and_end_it():
    _early_surrender()
    _batch()
    alert = Alert.objects.get()
    analyst = _user("ana", "aml_analyst")
    from django.test import Client

    client = Client()
    client.force_login(analyst)
    page = client.get(reverse("compliance:alerts")).content.decode()
    assert 'data-testid="rule-snooze-form"' in page and "No rule is snoozed." in page
    client.post(reverse("compliance:alert_rule_snooze", args=[alert.alert_id]),
                {"rule_id": "L03", "until": _days(10).isoformat(), "reason": "from the screen"})  # fmt: skip
    snooze = RuleSnooze.objects.get()
    assert (snooze.rule_id, snooze.from_alert, snooze.snoozed_by) == ("L03", alert.alert_id, analyst)
    page = client.get(reverse("compliance:alerts"), {"snoozed": "all"}).content.decode()
    assert "from the screen" in page
    api = APIClient()
    api.force_authenticate(analyst)
    bad = api.post(f"/api/v1/aml/alerts/{alert.alert_id}/snooze-rule/",
                   {"rule_id": "L13", "until": _days(3).isoformat(), "reason": "x"}, format="json")  # fmt: skip
    assert bad.status_code == 400 and "rule_id" in bad.json()["errors"]
    body = {"rule_id": "L03", "until": _days(3).isoformat(), "reason": "from the API"}
    done = api.post(f"/api/v1/aml/alerts/{alert.alert_id}/snooze-rule/", body, format="json")
    assert done.status_code == 200 and done.json()["rule_id"] == "L03"
    listed = api.get("/api/v1/aml/rule-snoozes/").json()["results"]
    assert [s["reason"] for s in listed] == ["from the API"]  # the screen's one was replaced
    assert len(api.get("/api/v1/aml/rule-snoozes/?all=1").json()["results"]) == 2
    ended = api.post(f"/api/v1/aml/rule-snoozes/{done.json()['id']}/end/", {"reason": "done"}, format="json")
    assert ended.status_code == 200 and ended.json()["end_reason"] == "done"
    assert api.get("/api/v1/aml/rule-snoozes/").json()["results"] == []
