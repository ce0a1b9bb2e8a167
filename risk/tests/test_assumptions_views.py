"""The assumption set screens as their users meet them: an actuary drafts a new version in
the JSON form (a bad field is named on the page, nothing saved), submits it; the chief
actuary sees what changed and approves; a reader compares two versions."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from risk.models import AssumptionSet

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("without_shipped_proposal")]


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_actuary_drafts_submits_and_the_chief_actuary_approves_through_the_screens(actuary, chief_actuary):
    base = AssumptionSet.objects.get(name="cross_default", version=1)
    maker = client_for(actuary)
    listing = maker.get("/risk/assumptions/").content.decode()
    assert 'data-testid="versions-cross_default"' in listing and "system: shipped reference basis" in listing
    form = maker.get(f"/risk/assumptions/{base.pk}/new/").content.decode()
    assert "lapse_by_policy_year" in form and "[0.15, 0.1, 0.08, 0.06, 0.05, 0.04]" in form

    bad = {**base.parameters, "lapse_by_policy_year": [0.15, 1.2], "premium_loading": "high"}
    refused = maker.post(f"/risk/assumptions/{base.pk}/new/", {"parameters": json.dumps(bad), "note": "try"})
    page = refused.content.decode()
    assert refused.status_code == 400
    assert "lapse_by_policy_year[policy year 1]: 1.2 is above 1" in page and "premium_loading: &#x27;high&#x27;" in page
    assert maker.post(f"/risk/assumptions/{base.pk}/new/", {"parameters": "{not json", "note": "x"}).status_code == 400
    assert AssumptionSet.objects.filter(name="cross_default").count() == 1

    good = {**base.parameters, "lapse_by_policy_year": [0.12, 0.09, 0.07, 0.05], "maintenance_expense": 85.0}
    saved = maker.post(f"/risk/assumptions/{base.pk}/new/", {"parameters": json.dumps(good), "note": "2026 study"})
    draft = AssumptionSet.objects.get(name="cross_default", version=2)
    assert saved.status_code == 302 and saved["Location"] == f"/risk/assumptions/{draft.pk}/"
    detail = maker.get(f"/risk/assumptions/{draft.pk}/").content.decode()
    assert 'data-testid="submit"' in detail and 'data-testid="approve"' not in detail
    assert maker.post(f"/risk/assumptions/{draft.pk}/submit/").status_code == 302
    draft.refresh_from_db()
    assert draft.status == "submitted"

    checker = client_for(chief_actuary)
    page = checker.get(f"/risk/assumptions/{draft.pk}/").content.decode()
    assert 'data-testid="approve"' in page and 'data-testid="diff"' in page
    assert "lapse_by_policy_year[policy year 1]" in page and "maintenance_expense" in page
    # The maker sees no approve button and is refused if they post anyway.
    assert 'data-testid="approve"' not in maker.get(f"/risk/assumptions/{draft.pk}/").content.decode()
    assert maker.post(f"/risk/assumptions/{draft.pk}/approve/").status_code == 403
    assert checker.post(f"/risk/assumptions/{draft.pk}/approve/", {"comment": "ok"}).status_code == 302
    draft.refresh_from_db()
    assert (draft.status, draft.checker) == ("approved", chief_actuary)


def test_compare_shows_each_changed_field_old_and_new(actuary, internal_auditor):
    base = AssumptionSet.objects.get(name="cross_default", version=1)
    good = {**base.parameters, "commission_by_policy_year": [0.5, 0.1, 0.05, 0.0], "inflation_rate": 0.025}
    client_for(actuary).post(f"/risk/assumptions/{base.pk}/new/", {"parameters": json.dumps(good), "note": "x"})
    v2 = AssumptionSet.objects.get(name="cross_default", version=2)
    reader = client_for(internal_auditor)  # oversight reads and compares, never writes
    page = reader.get(f"/risk/assumptions/compare/?old={base.pk}&new={v2.pk}").content.decode()
    assert "2 fields differ." in page
    assert "commission_by_policy_year[policy year 0]" in page and "0.6" in page and "0.5" in page
    assert "inflation_rate" in page and "0.025" in page
    assert reader.get(f"/risk/assumptions/{base.pk}/new/").status_code == 403
    assert reader.post(f"/risk/assumptions/{v2.pk}/submit/").status_code == 403
    assert reader.get("/risk/assumptions/compare/?old=999999&new=1").status_code == 404


def test_the_run_form_offers_the_approved_versions_only(actuary, chief_actuary):
    base = AssumptionSet.objects.get(name="cross_default", version=1)
    draft = {"parameters": json.dumps({**base.parameters, "premium_loading": 0.4}), "note": "x"}
    client_for(actuary).post(f"/risk/assumptions/{base.pk}/new/", draft)
    page = client_for(actuary).get("/jobs/run/book_valuation/").content.decode()
    assert '<option value="cross_default:1" selected>cross_default v1</option>' in page
    assert '<option value="basiclife:1">basiclife v1</option>' in page
    assert "cross_default:2" not in page  # a draft is not offered
