"""The AML dashboard's API twin: the page's selector, as JSON (figures hand-counted from two
early surrenders: one review-tier L03 alert, one hold-tier L03 + L05 alert, both agency)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from compliance import jobs
from compliance.tests.test_cases import _at, _early_surrender, _user

pytestmark = pytest.mark.django_db


def test_the_api_gives_the_dashboard_page_figures(client):
    _early_surrender()
    _early_surrender(third_party_payee=True)
    jobs._CACHE.clear()
    jobs.run_batch(actor=None, source="service")
    analyst = _user("ana", "aml_analyst")
    api = APIClient()
    api.force_authenticate(analyst)
    got = api.get("/api/v1/aml/dashboard/")
    assert got.status_code == 200
    body = got.json()
    assert body["total"] == 2 and body["open_alerts"] == 2 and body["rule_totals"] == {"L03": 2, "L05": 1}
    month = _at(2025, 6, 12, 15).strftime("%Y-%m")  # both surrenders: 2025-06 China time
    assert sorted((r["month"], r["tier"], r["alerts"]) for r in body["by_tier"]) == [
        (month, "hold", 1), (month, "review", 1)]  # fmt: skip
    assert sorted((r["month"], r["rule_id"], r["alerts"]) for r in body["by_rule"]) == [
        (month, "L03", 2), (month, "L05", 1)]  # fmt: skip
    assert body["clocks"]["cases_open"] == 2 and body["clocks"]["cases_overdue"] == 0
    agency = next(r for r in body["channel_rate"] if r["channel"] == "agency")
    assert (agency["alerts"], agency["policies"], agency["rate"]) == (2, 2, 1000)
    assert body["last_run"]["rules_version"]
    # The same figures as the page.
    client.force_login(analyst)
    page = client.get(reverse("compliance:dashboard")).context
    assert page["total"] == body["total"] and page["clocks"] == body["clocks"]
    assert page["rule_totals"] == body["rule_totals"]
    refused = APIClient()
    refused.force_authenticate(_user("uw", "underwriter"))
    assert refused.get("/api/v1/aml/dashboard/").status_code == 403
