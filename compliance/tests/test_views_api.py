"""AML screens and API: content, permissions, exports in their documented layouts, and query
counts that do not grow with the number of alerts, cases or transactions."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from xml.etree import ElementTree as ET

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape
from rest_framework.test import APIClient

from compliance import jobs, services
from compliance.models import Case, LargeValueReport
from compliance.tests.test_cases import _at, _early_surrender, _user
from customers.tests import builders

pytestmark = pytest.mark.django_db


def _batch():
    jobs._CACHE.clear()
    return jobs.run_batch(actor=None, source="service")


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def _grow(n: int) -> None:
    for _ in range(n):
        _early_surrender()
    _batch()


@pytest.fixture
def analyst(client):
    user = _user("ana", "aml_analyst")
    client.force_login(user)
    return user


def test_alert_queue_lists_and_filters_with_deadlines(client, analyst):
    policy = _early_surrender()
    _early_surrender(third_party_payee=True)
    _batch()
    page = client.get(reverse("compliance:alerts")).content.decode()
    assert policy.policy_ref in page and "L03" in page and "L03;L05" in page
    case = Case.objects.get(customer=policy.policyholder)
    assert f"{case.due_at:%Y-%m-%d}" in page  # the review clock's deadline
    only_l05 = client.get(reverse("compliance:alerts"), {"rule": "L05"}).content.decode()
    assert "L03;L05" in only_l05 and policy.policy_ref not in only_l05
    holds = client.get(reverse("compliance:alerts"), {"tier": "hold"}).content.decode()
    assert policy.policy_ref not in holds and "L03;L05" in holds


def test_alert_export_is_the_engines_csv(client, analyst, tmp_path):
    _early_surrender()
    _early_surrender(third_party_payee=True, owner_change=True)
    _batch()
    engine = tmp_path / "engine.csv"
    call_command("aml_monitor", "--export", str(engine), stdout=io.StringIO())
    response = client.get(reverse("compliance:alerts_export"))
    assert response["Content-Type"].startswith("text/csv")
    ours = list(csv.reader(io.StringIO(response.content.decode())))
    with engine.open(newline="", encoding="utf-8") as fh:
        theirs = list(csv.reader(fh))
    assert ours[0] == theirs[0] == ["alert_id", "rule_id", "customer_ref", "policy_ref", "txn_refs", "score", "tier",
                                    "created_at"]  # fmt: skip
    assert sorted(ours[1:]) == sorted(theirs[1:]) and len(ours) == 3
    api = APIClient()
    api.force_authenticate(analyst)
    via_api = api.get("/api/v1/aml/alerts/export/", {"tier": "freeze"})
    rows = list(csv.reader(io.StringIO(via_api.content.decode())))
    assert rows[0] == ours[0] and len(rows) == 2 and rows[1][6] == "freeze"


def test_case_page_shows_explanations_flagged_transactions_and_timeline(client, analyst):
    policy = _early_surrender()
    _batch()
    case = Case.objects.get()
    services.case_note(actor=analyst, case=case, text="called the customer")
    page = client.get(reverse("compliance:case", args=[case.pk])).content.decode()
    surrender = policy.transactions.get(kind="surrender")
    fact = case.alerts.get().explanation["rules"][0]["facts"][0]
    assert "L03" in page and escape(fact) in page  # the explanation: which rule, which values
    assert 'data-flagged="1"' in page and surrender.txn_ref in page
    assert "called the customer" in page and 'data-testid="dispose-form"' in page


def test_oversight_reads_the_case_without_any_control(client):
    _early_surrender()
    _batch()
    case = Case.objects.get()
    client.force_login(_user("aud", "internal_auditor"))
    page = client.get(reverse("compliance:case", args=[case.pk])).content.decode()
    assert case.reference in page and "dispose-form" not in page
    assert f"/compliance/cases/{case.pk}/note/" not in page and f"/compliance/cases/{case.pk}/assign/" not in page
    response = client.post(reverse("compliance:case_dispose", args=[case.pk]),
                           {"disposition": "not_suspicious", "reason": "x"})  # fmt: skip
    assert response.status_code == 403
    assert Case.objects.get().status == "open"


def test_screens_dispose_and_report_end_to_end(client, analyst):
    _early_surrender()
    _batch()
    case = Case.objects.get()
    response = client.post(reverse("compliance:case_dispose", args=[case.pk]),
                           {"disposition": "suspicious", "reason": "x"})  # fmt: skip
    assert response.status_code == 403  # the analyst escalates instead
    client.post(reverse("compliance:case_escalate", args=[case.pk]), {"reason": "loss accepted"})
    mlro = _user("mlro1", "mlro")
    client.force_login(mlro)
    client.post(reverse("compliance:case_dispose", args=[case.pk]), {"disposition": "suspicious", "reason": "yes"})
    client.force_login(analyst)
    client.post(reverse("compliance:str_draft", args=[case.pk]),
                {"activity_type": "early surrender", "grounds": "loss of 30% accepted"})  # fmt: skip
    report = Case.objects.get().report
    client.post(reverse("compliance:str_submit", args=[report.pk]))
    client.force_login(mlro)
    client.post(reverse("compliance:str_approve", args=[report.pk]), {"comment": "ok"})
    report.refresh_from_db()
    assert report.status == "recorded" and report.reference.startswith("STR-")
    xml = client.get(reverse("compliance:str_export", args=[report.pk]))
    root = ET.fromstring(xml.content)  # noqa: S314 (our own export)
    node = root.find("Report")
    assert root.tag == "STRBatch" and root.get("layout") == "1.0" and node.get("reference") == report.reference
    assert node.find("Subject").get("customerRef") == case.customer.customer_ref
    assert [t.get("ref") for t in node.find("Transactions")] == report.txn_refs
    assert node.find("Approval/DraftedBy").text == "ana" and node.find("Approval/ApprovedBy").text == "mlro1"
    assert node.find("Alerts/Alert").get("rules") == "L03"


def test_api_commands_refuse_with_the_rules_message():
    _early_surrender()
    _batch()
    case = Case.objects.get()
    api = APIClient()
    api.force_authenticate(_user("ana", "aml_analyst"))
    listed = api.get("/api/v1/aml/cases/").json()
    assert [c["reference"] for c in listed["results"]] == [case.reference]
    refused = api.post(f"/api/v1/aml/cases/{case.pk}/dispose/", {"disposition": "suspicious", "reason": "x"},
                       format="json")  # fmt: skip
    assert refused.status_code == 403 and "MLRO" in refused.json()["detail"]
    bad = api.post(f"/api/v1/aml/cases/{case.pk}/note/", {"text": ""}, format="json")
    assert bad.status_code == 400
    done = api.post(f"/api/v1/aml/cases/{case.pk}/dispose/", {"disposition": "not_suspicious", "reason": "ok"},
                    format="json")  # fmt: skip
    assert done.status_code == 200 and done.json()["status"] == "closed"
    assert [e["kind"] for e in done.json()["events"]][-1] == "disposed"
    detail = api.get(f"/api/v1/aml/alerts/{done.json()['alerts'][0]['alert_id']}/").json()
    assert detail["status"] == "closed" and detail["explanation"]["rules"][0]["rule_id"] == "L03"


def test_large_value_queue_generates_and_files(client, analyst):
    policy = builders.policy()
    builders.transaction(on=policy, amount="250000", method="transfer", when=_at(2026, 11, 2, 10),
                         counterparty_country="HK")  # fmt: skip
    response = client.post(reverse("compliance:lvtr_generate"), {"since": "2026-11-01", "until": "2026-11-30"})
    assert response.status_code == 302
    report = LargeValueReport.objects.get()
    assert report.category == "natural_cross_border_transfer" and report.threshold == Decimal("200000")
    page = client.get(reverse("compliance:lvtrs")).content.decode()
    assert report.transaction.txn_ref in page and f"{report.due_at:%Y-%m-%d}" in page
    client.post(reverse("compliance:lvtr_report", args=[report.pk]), {"reference": "PBOC-LV-1"})
    report.refresh_from_db()
    assert report.status == "reported" and report.reference == "PBOC-LV-1"
    bad = client.post(reverse("compliance:lvtr_generate"), {"since": "soon"})
    assert bad.status_code == 302 and LargeValueReport.objects.count() == 1


def test_dashboard_counts_alerts_by_rule_tier_channel_and_clocks(client, analyst):
    _early_surrender()
    _early_surrender(third_party_payee=True)
    _batch()
    response = client.get(reverse("compliance:dashboard"))
    assert response.status_code == 200
    ctx = response.context
    assert ctx["total"] == 2 and ctx["rule_totals"] == {"L03": 2, "L05": 1}
    assert {r["tier"]: r["n"] for r in ctx["by_tier"]} == {"review": 1, "hold": 1}
    assert ctx["clocks"]["cases_open"] == 2 and ctx["clocks"]["cases_overdue"] == 0
    agency = next(r for r in ctx["channel_rate"] if r["channel"] == "agency")
    assert agency["alerts"] == 2 and agency["policies"] == 2 and agency["rate"] == 1000


@pytest.mark.parametrize("url_name", ["compliance:alerts", "compliance:cases", "compliance:strs",
                                      "compliance:lvtrs", "compliance:dashboard"])  # fmt: skip
def test_list_pages_query_count_does_not_grow_with_rows(client, analyst, url_name, django_assert_max_num_queries):
    _grow(2)
    small = _queries(client, reverse(url_name))
    _grow(12)
    with django_assert_max_num_queries(small):
        assert client.get(reverse(url_name)).status_code == 200
    assert small <= 25, "a page needs a handful of queries, whatever the number of alerts"


def test_case_page_query_count_does_not_grow_with_alerts_or_transactions(client, analyst,
                                                                         django_assert_max_num_queries):  # fmt: skip
    policy = _early_surrender()
    _batch()
    case = Case.objects.get()
    url = reverse("compliance:case", args=[case.pk])
    small = _queries(client, url)
    for month in range(1, 9):
        builders.transaction(on=policy, amount="1000", when=_at(2025, 7 + month // 6, 1 + month, 9))
    second = builders.policy(holder=policy.policyholder, issue_date=dt.date(2025, 2, 1), payment_frequency="single",
                             annual_premium=Decimal("100000"), premium_term_years=1)  # fmt: skip
    builders.transaction(on=second, amount="100000", when=_at(2025, 2, 1, 10))
    builders.transaction(on=second, kind="surrender", amount="60000", when=_at(2025, 5, 2, 10), payer=None,
                         payee=policy.policyholder)  # fmt: skip
    _batch()
    assert Case.objects.get().alert_count == 2
    with django_assert_max_num_queries(small):
        assert client.get(url).status_code == 200
