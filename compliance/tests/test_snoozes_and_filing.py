"""Alert snoozes (out of the queue until a day, with a reason; audited; the MLRO's for hold and
freeze tiers; ended early by hand or by a grown episode) and the large-value queue's bulk
"filed" action (one filing reference for several reports, each stopping its C13 clock with its
own audit event; all or nothing), on screens and through the API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from compliance import jobs, services
from compliance.models import Alert, AlertSnooze, CaseEvent, LargeValueReport
from compliance.tests.test_cases import _at, _early_surrender, _user
from customers.tests import builders
from insurer.clocks.models import Clock
from insurer.ledger.models import AuditEvent

pytestmark = pytest.mark.django_db


def _batch():
    jobs._CACHE.clear()
    return jobs.run_batch(actor=None, source="service")


def _days(n: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=n)


@pytest.fixture
def review_alert():
    _early_surrender()  # one review-tier L03 alert in one case
    _batch()
    return Alert.objects.get()


def test_a_snoozed_alert_leaves_the_queue_until_its_day_and_shows_on_the_filter(client, review_alert):
    analyst = _user("ana", "aml_analyst")
    services.alert_snooze(actor=analyst, alert=review_alert, until=_days(14), reason="customer abroad, documents due")
    client.force_login(analyst)
    queue = client.get(reverse("compliance:alerts")).content.decode()
    assert review_alert.alert_id not in queue and "No alerts match." in queue
    snoozed = client.get(reverse("compliance:alerts"), {"snoozed": "only"}).content.decode()
    assert review_alert.alert_id in snoozed and f"until {_days(14):%Y-%m-%d}" in snoozed
    assert review_alert.alert_id in client.get(reverse("compliance:alerts"), {"snoozed": "all"}).content.decode()
    snooze = AlertSnooze.objects.get()
    assert (snooze.until, snooze.snoozed_by, snooze.ended_at) == (_days(14), analyst, None)
    event = AuditEvent.objects.get(action="aml_alert_snooze")
    assert (event.object_id, event.reason) == (review_alert.alert_id, "customer abroad, documents due")
    assert event.changes["after"] == {"snoozed_until": _days(14).isoformat()}
    assert CaseEvent.objects.filter(case=review_alert.case, kind="alert_snoozed").count() == 1
    # The day after the snooze ends, the alert is back without anyone touching it.
    Alert.objects.filter(pk=review_alert.pk).update(snoozed_until=_days(-1))
    assert review_alert.alert_id in client.get(reverse("compliance:alerts")).content.decode()


def test_snooze_refusals_name_the_field_and_write_nothing(review_alert):
    analyst = _user("ana", "aml_analyst")
    for until, reason, field in [(_days(0), "x", "until"), (_days(91), "x", "until"), (_days(5), " ", "reason")]:
        with pytest.raises(ValidationError) as refused:
            services.alert_snooze(actor=analyst, alert=review_alert, until=until, reason=reason)
        assert field in refused.value.message_dict
    with pytest.raises(ValidationError, match=f"at most 90 days \\(until {_days(90).isoformat()}\\)"):
        services.alert_snooze(actor=analyst, alert=review_alert, until=_days(91), reason="x")
    with pytest.raises(PermissionDenied):
        services.alert_snooze(actor=_user("aud", "internal_auditor"), alert=review_alert, until=_days(5), reason="x")
    assert not AlertSnooze.objects.exists() and Alert.objects.get().snoozed_until is None
    assert not AuditEvent.objects.filter(action="aml_alert_snooze").exists()


def test_a_hold_tier_alert_is_snoozed_only_by_the_mlro():
    _early_surrender(third_party_payee=True)  # L03 + L05: hold tier
    _batch()
    alert = Alert.objects.get()
    assert alert.tier == "hold"
    with pytest.raises(PermissionDenied, match="only by the MLRO"):
        services.alert_snooze(actor=_user("ana", "aml_analyst"), alert=alert, until=_days(7), reason="x")
    services.alert_snooze(actor=_user("boss", "mlro"), alert=alert, until=_days(7), reason="known payee, verified")
    assert Alert.objects.get().snoozed_until == _days(7)


def test_snoozing_again_replaces_and_ending_early_puts_it_back(review_alert):
    analyst = _user("ana", "aml_analyst")
    services.alert_snooze(actor=analyst, alert=review_alert, until=_days(10), reason="first")
    services.alert_snooze(actor=analyst, alert=review_alert, until=_days(20), reason="second")
    first, second = AlertSnooze.objects.order_by("pk")
    assert first.end_reason == "replaced by a new snooze" and first.ended_at and second.ended_at is None
    services.alert_unsnooze(actor=analyst, alert=review_alert, reason="new information from the branch")
    second.refresh_from_db()
    assert second.ended_by == analyst and second.end_reason == "new information from the branch"
    assert Alert.objects.get().snoozed_until is None
    with pytest.raises(ValidationError, match="not snoozed"):
        services.alert_unsnooze(actor=analyst, alert=review_alert, reason="again")
    assert AuditEvent.objects.filter(action="aml_alert_unsnooze").count() == 1


def test_an_episode_that_grows_ends_its_snooze():
    policy = _early_surrender(third_party_payee=True)
    _batch()
    alert = Alert.objects.get()
    services.alert_snooze(actor=_user("boss", "mlro"), alert=alert, until=_days(30), reason="payee verified")
    payee = policy.transactions.get(kind="surrender").payee
    builders.transaction(on=policy, kind="refund", amount="1000", when=_at(2025, 6, 20, 10), payer=None, payee=payee)
    counts = _batch()
    assert counts["alerts_updated"] == 1 and counts["snoozes_ended"] == 1
    assert Alert.objects.get().snoozed_until is None
    assert AlertSnooze.objects.get().end_reason == "the episode grew in a later monitoring run"


def test_api_snooze_list_filter_and_unsnooze(review_alert):
    analyst = _user("ana", "aml_analyst")
    api = APIClient()
    api.force_authenticate(analyst)
    url = f"/api/v1/aml/alerts/{review_alert.alert_id}/"
    bad = api.post(url + "snooze/", {"until": "2020-01-01", "reason": "x"}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"] == {"until": ["Snooze until a day after today."]}
    done = api.post(url + "snooze/", {"until": _days(3).isoformat(), "reason": "awaiting KYC"}, format="json")
    assert done.status_code == 200 and done.json()["snoozed_until"] == _days(3).isoformat()
    listed = lambda q: [a["alert_id"] for a in api.get("/api/v1/aml/alerts/" + q).json()["results"]]  # noqa: E731
    assert listed("") == [] and listed("?snoozed=only") == [review_alert.alert_id]
    assert listed("?snoozed=all") == [review_alert.alert_id]
    auditor = APIClient()
    auditor.force_authenticate(_user("aud", "internal_auditor"))
    assert auditor.post(url + "unsnooze/", {"reason": "x"}, format="json").status_code == 403
    back = api.post(url + "unsnooze/", {"reason": "documents arrived"}, format="json")
    assert back.status_code == 200 and back.json()["snoozed_until"] is None and listed("") == [review_alert.alert_id]


@pytest.fixture
def three_reports():
    """Three cash premiums over CNY 50,000 on three days: three pending reports with C13 clocks."""
    policy = builders.policy(holder=builders.person())
    for day in (21, 22, 23):
        builders.transaction(on=policy, amount="60000", method="cash", when=_at(2026, 9, day, 10))
    analyst = _user("ana", "aml_analyst")
    services.lvtr_generate(actor=analyst, since=dt.date(2026, 9, 1), until=dt.date(2026, 9, 30))
    return analyst, list(LargeValueReport.objects.order_by("due_at", "pk"))


def test_bulk_filing_records_each_report_stops_each_clock_one_audit_event_each(three_reports):
    analyst, reports = three_reports
    filed = services.lvtr_mark_reported_many(actor=analyst, report_ids=[r.pk for r in reports[:2]],
                                             reference="PBOC-LV-20261008")  # fmt: skip
    assert [r.reference for r in filed] == ["PBOC-LV-20261008-001", "PBOC-LV-20261008-002"]
    for report in LargeValueReport.objects.filter(pk__in=[r.pk for r in reports[:2]]):
        assert report.status == "reported" and report.reported_by == analyst
        assert Clock.objects.get(pk=report.clock_id).stopped_at is not None
    assert LargeValueReport.objects.get(pk=reports[2].pk).status == "pending"
    assert Clock.objects.get(pk=reports[2].clock_id).stopped_at is None
    events = AuditEvent.objects.filter(action="aml_lvtr_report").order_by("object_id")
    assert [e.object_id for e in events] == sorted(str(r.pk) for r in reports[:2])
    assert {e.changes["batch"] for e in events} == {"PBOC-LV-20261008"}
    assert AuditEvent.objects.filter(action="clock_stop").count() == 2


def test_bulk_filing_is_all_or_nothing_naming_what_is_wrong(three_reports):
    analyst, reports = three_reports
    services.lvtr_mark_reported(actor=analyst, report=reports[0], reference="PBOC-SINGLE-1")
    ids = [r.pk for r in reports]
    with pytest.raises(ValidationError, match=r"Already filed: .*PBOC-SINGLE-1"):
        services.lvtr_mark_reported_many(actor=analyst, report_ids=ids, reference="B1")
    with pytest.raises(ValidationError, match="No such report: 999999"):
        services.lvtr_mark_reported_many(actor=analyst, report_ids=[ids[1], 999999], reference="B1")
    services.lvtr_mark_reported(actor=analyst, report=reports[1], reference="B2-001")
    with pytest.raises(ValidationError, match="B2-001 is already used"):
        services.lvtr_mark_reported_many(actor=analyst, report_ids=[ids[2]], reference="B2")
    with pytest.raises(ValidationError) as refused:
        services.lvtr_mark_reported_many(actor=analyst, report_ids=[], reference=" ")
    assert set(refused.value.message_dict) == {"reference"}
    with pytest.raises(PermissionDenied):
        services.lvtr_mark_reported_many(actor=_user("aud", "internal_auditor"), report_ids=[ids[2]], reference="B3")
    assert LargeValueReport.objects.get(pk=ids[2]).status == "pending"


def test_bulk_filing_on_the_screen_and_through_the_api(client, three_reports):
    analyst, reports = three_reports
    client.force_login(analyst)
    page = client.get(reverse("compliance:lvtrs")).content.decode()
    assert 'form="lvtr-bulk"' in page and page.count('name="ids"') == 3
    response = client.post(reverse("compliance:lvtr_report_many"), {"ids": [reports[0].pk], "reference": "WEB-1"})
    assert response.status_code == 302
    assert LargeValueReport.objects.get(pk=reports[0].pk).reference == "WEB-1-001"
    api = APIClient()
    api.force_authenticate(analyst)
    out = api.post("/api/v1/aml/large-value/reported/", {"ids": [reports[2].pk, reports[1].pk], "reference": "API-1"},
                   format="json")  # fmt: skip
    assert out.status_code == 200
    assert [r["reference"] for r in out.json()] == ["API-1-001", "API-1-002"]  # in due order
    again = api.post("/api/v1/aml/large-value/reported/", {"ids": [reports[1].pk], "reference": "API-2"},
                     format="json")  # fmt: skip
    assert again.status_code == 400 and "Already filed" in str(again.json())
