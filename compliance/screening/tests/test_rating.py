"""Customer risk ratings with reasons, review dates by rating, EDD for high risk, and the
risk profile page with the ownership look-through."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from compliance.screening import services
from compliance.screening.models import CustomerRiskRating, EddTask
from customers.models import BeneficialOwner
from customers.tests import builders

TODAY = dt.date(2026, 10, 1)


@pytest.fixture
def people(db):
    plain = builders.person(name="王芳", nationality="CN", occupation="teacher", annual_income=Decimal("200000"))
    risky = builders.person(name="李强", nationality="IR", occupation="casino", annual_income=Decimal("10000"), sex="M")
    policy = builders.policy(holder=risky, channel="online", annual_premium=Decimal("50000"))
    builders.transaction(on=policy, method="cash", amount="50000")
    org = builders.organisation(name="深圳恒泰投资有限公司")
    holding = builders.organisation(name="上海鑫源控股有限公司")
    BeneficialOwner.objects.create(organisation=org, owner=holding, share_pct=Decimal("60"), control=False)
    BeneficialOwner.objects.create(organisation=holding, owner=plain, share_pct=Decimal("30"), control=False)
    BeneficialOwner.objects.create(organisation=org, owner=risky, share_pct=Decimal("40"), control=False)
    return {"plain": plain, "risky": risky, "org": org, "holding": holding}


def test_ratings_carry_their_reasons_and_review_dates(people):
    counts = services.ratings_refresh(today=TODAY)
    assert counts["rated"] == 4
    plain = CustomerRiskRating.objects.get(customer=people["plain"])
    assert (plain.rating, plain.reasons, plain.review_months, plain.next_review) == (
        "low",
        [],
        36,
        dt.date(2029, 10, 1),
    )
    risky = CustomerRiskRating.objects.get(customer=people["risky"])
    # IR (+40), casino (+15), online (+10), cash (+15), premium 5x income (+20) = 100
    assert risky.rating == "high" and float(risky.score) == 100
    assert {r.split(" (")[0] for r in risky.reasons} == {
        "high risk jurisdiction",
        "cash intensive occupation",
        "remote channel",
        "cash payments",
        "premium over income",
    }
    assert risky.review_months == 12 and risky.next_review == dt.date(2027, 10, 1)
    # Effective ownership: plain holds 60% x 30% = 18% (not named), risky 40% directly (named).
    org = CustomerRiskRating.objects.get(customer=people["org"])
    assert org.rating == "low" and org.reasons == []


def test_high_risk_opens_edd_once_and_an_analyst_completes_it(people, aml_analyst, internal_auditor):
    services.ratings_refresh(today=TODAY)
    task = EddTask.objects.get(customer=people["risky"])
    assert task.status == "open" and task.due == TODAY + dt.timedelta(days=services.EDD_DUE_DAYS)
    assert "high risk jurisdiction" in task.reason
    again = services.ratings_refresh(today=TODAY)
    assert again["edd_opened"] == 0 and again["changed"] == 0
    with pytest.raises(PermissionDenied):
        services.edd_complete(actor=internal_auditor, task=task, findings="x")
    with pytest.raises(ValidationError):
        services.edd_complete(actor=aml_analyst, task=task, findings=" ")
    done = services.edd_complete(actor=aml_analyst, task=task, findings="source of funds: casino payroll, verified")
    assert done.status == "completed" and done.completed_by == aml_analyst


def test_a_changed_input_changes_the_rating_and_its_review_date(people):
    services.ratings_refresh(today=TODAY)
    people["plain"].nationality = "KP"
    people["plain"].save()
    services.ratings_refresh(customer_ids=[people["plain"].pk], today=TODAY + dt.timedelta(days=10))
    rating = CustomerRiskRating.objects.get(customer=people["plain"])
    assert rating.rating == "medium" and rating.previous_rating == "low"
    assert rating.reasons == ["high risk jurisdiction (+40)"] and rating.next_review == dt.date(2028, 10, 11)


def test_opaque_ownership_is_a_reason(people):
    # The organisation's only natural person above 25% leaves: nobody is named.
    BeneficialOwner.objects.filter(organisation=people["org"], owner=people["risky"]).delete()
    services.ratings_refresh(today=TODAY)
    org = CustomerRiskRating.objects.get(customer=people["org"])
    assert "organisation opaque (+30)" in org.reasons
    assert any(r.startswith("ownership: no natural person") for r in org.reasons)


def test_profile_page_shows_rating_reasons_and_ownership(client, people, aml_analyst):
    services.ratings_refresh(today=TODAY)
    client.force_login(aml_analyst)
    page = client.get(f"/compliance/customers/{people['org'].customer_ref}/profile/").content.decode()
    assert "上海鑫源控股有限公司" in page and "王芳" in page and "18.00" in page and "40.00" in page
    page = client.get(f"/compliance/customers/{people['risky'].customer_ref}/profile/").content.decode()
    assert "high risk jurisdiction (+40)" in page and "2027-10-01" in page


def test_a_new_policy_re_rates_its_policyholder_in_the_sweep(people):
    """The rating is recomputed when its inputs change, not only when the customer is saved: a
    new policy (the customer itself unchanged, as after a bulk import of policies) is caught by
    the onboarding sweep.
    王芳 is low (score 0); a universal-life policy sold online for 300,000 a year on an income of
    200,000 adds investment product (+10), remote channel (+10), premium over income (+20) = 40:
    medium (from 25)."""
    from compliance.screening.models import CustomerScreening
    from compliance.screening.tasks import ratings_refresh_task
    from customers.models import Policy

    services.ratings_refresh(today=TODAY)
    for c in people.values():  # screened already: the sweep has only the re-rating to do
        CustomerScreening.objects.update_or_create(customer=c, defaults={"screened_at": c.updated_at, "input_hash": ""})
    assert CustomerRiskRating.objects.get(customer=people["plain"]).rating == "low"
    product = builders.product(product_code="UL01", kind="universal_life")
    new = builders.policy(holder=people["plain"], product=product, channel="online", annual_premium=Decimal("300000"))
    assert new.policyholder_id == people["plain"].pk and not Policy.objects.filter(updated_at__isnull=True).exists()
    counts = services.onboarding_sweep()
    rating = CustomerRiskRating.objects.get(customer=people["plain"])
    assert (rating.rating, float(rating.score), rating.previous_rating) == ("medium", 40.0, "low")
    assert set(rating.reasons) == {"investment product (+10)", "remote channel (+10)", "premium over income (+20)"}
    assert counts["rerated"] >= 1 and services.onboarding_sweep()["rerated"] == 0  # taken once
    assert ratings_refresh_task()["changed"] == 0  # the nightly re-rating finds nothing new


def test_a_nominee_owner_makes_the_organisation_opaque_in_its_rating(people):
    """The rating's look-through reads the owners' names: a 100% controlling owner holding as a
    nominee (代持) leaves the organisation with no named natural person, a rating reason."""
    lone = builders.organisation(name="广州明远咨询有限公司")
    owner = builders.person(name="陈晨(代持)", birth_date=dt.date(1982, 2, 2))
    BeneficialOwner.objects.create(organisation=lone, owner=owner, share_pct=Decimal("100"), control=True)
    services.ratings_refresh(customer_ids=[lone.pk], today=TODAY)
    rating = CustomerRiskRating.objects.get(customer=lone)
    assert "organisation opaque (+30)" in rating.reasons
    assert any(r.startswith("ownership:") and "nominee" in r for r in rating.reasons), rating.reasons


def test_the_risk_profile_and_edd_through_the_api(client, people, aml_analyst, internal_auditor):
    """The API twin of the profile page: the rating with its reasons and review date, the EDD
    task, and for an organisation the look-through (李强 40% direct, named; 王芳 60% x 30% = 18%,
    not named). The analyst completes the EDD task (empty findings refused by field); the
    auditor reads but may not complete it."""
    services.ratings_refresh(today=TODAY)
    client.force_login(internal_auditor)
    risky = client.get(f"/api/v1/aml/customers/{people['risky'].customer_ref}/risk/").json()
    assert (risky["rating"]["rating"], float(risky["rating"]["score"]), risky["rating"]["next_review"]) == (
        "high", 100.0, "2027-10-01"
    )  # fmt: skip
    assert "high risk jurisdiction (+40)" in risky["rating"]["reasons"] and risky["edd_tasks"][0]["status"] == "open"
    org = client.get(f"/api/v1/aml/customers/{people['org'].customer_ref}/risk/").json()
    owners = {o["customer_ref"]: (round(o["effective_pct"], 6), o["named"]) for o in org["owners"]}
    assert owners == {people["risky"].customer_ref: (40.0, True), people["plain"].customer_ref: (18.0, False)}
    task = EddTask.objects.get(customer=people["risky"])
    url = f"/api/v1/aml/edd/{task.pk}/complete/"
    assert client.post(url, {"findings": "x"}, content_type="application/json").status_code == 403
    client.force_login(aml_analyst)
    empty = client.post(url, {"findings": " "}, content_type="application/json")
    assert empty.status_code == 400 and "findings" in empty.json()
    done = client.post(url, {"findings": "source of funds verified"}, content_type="application/json")
    assert done.status_code == 200 and (done.json()["status"], done.json()["completed_by"]) == (
        "completed", aml_analyst.username
    )  # fmt: skip
    assert client.get("/api/v1/aml/customers/NOPE/risk/").status_code == 404
