"""Screening customers and the review of hits: analyst disposition, MLRO confirmation
(maker ≠ checker), audit, and the read-only oversight roles refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from compliance.screening import services
from compliance.screening.models import CustomerRiskRating, CustomerScreening, ScreeningHit
from customers.models import Customer
from customers.tests import builders
from insurer.ledger.models import AuditEvent

LIST = (
    "entry_id,name,aliases,birth_date,id_number,country,list,program\n"
    "S-1,張偉,ZHANG Wei,1970-03-01,,CN,sanctions,demo\n"
    "P-1,欧阳娜娜,,1985-06-15,,CN,pep,demo\n"
    "S-2,Ivan Petrov,,1952-10-07,,RU,sanctions,demo\n"
)


@pytest.fixture
def listed(mlro):
    return services.watchlist_import(actor=mlro, name="Own", data=LIST, rescreen=False)


@pytest.fixture
def book(listed):
    return {
        "zhang": builders.person(name="Zhang Wei", birth_date=dt.date(1970, 3, 1), sex="M"),  # pinyin of 張偉
        "ouyang": builders.person(name="歐陽娜娜", birth_date=dt.date(1985, 6, 15)),  # Traditional
        "other_zhang": builders.person(name="张伟", birth_date=dt.date(1991, 8, 8), sex="M"),  # namesake
        "unrelated": builders.person(name="李娜", birth_date=dt.date(1985, 6, 15)),
    }


def test_screening_the_book_finds_the_listed_people_not_their_namesakes(book):
    counts = services.customers_screen(customers=Customer.objects.all())
    hits = {(h.customer_id, h.entry.entry_id): h for h in ScreeningHit.objects.select_related("entry")}
    assert (book["zhang"].pk, "S-1") in hits and (book["ouyang"].pk, "P-1") in hits
    assert not any(c == book["unrelated"].pk for c, _ in hits)
    # Same Hanzi, different birth date: the second factor lowers it below the threshold.
    assert not any(c == book["other_zhang"].pk for c, _ in hits)
    zhang = hits[(book["zhang"].pk, "S-1")]
    assert zhang.second_factor == "dob_match" and float(zhang.score) >= 0.88
    assert zhang.explanation["screened_name"] == "Zhang Wei" and zhang.status == "pending"
    assert counts["new"] == len(hits) and CustomerScreening.objects.count() == 4


def test_rescreening_is_idempotent_and_reopens_a_false_match_when_the_customer_changes(book, aml_analyst):
    services.customers_screen(customers=Customer.objects.all())
    hit = ScreeningHit.objects.get(customer=book["zhang"])
    services.hit_review(actor=aml_analyst, hit=hit, disposition="false_match", reason="another Zhang Wei")
    again = services.customers_screen(customers=Customer.objects.all())
    assert again["new"] == 0 and again["reopened"] == 0
    assert ScreeningHit.objects.get(pk=hit.pk).status == "false_match"
    Customer.objects.filter(pk=book["zhang"].pk).update(name="ZHANG Wei")
    assert services.customers_screen(customers=Customer.objects.filter(pk=book["zhang"].pk))["reopened"] == 1
    reopened = ScreeningHit.objects.get(pk=hit.pk)
    assert reopened.status == "pending" and reopened.explanation["reopened"]["previous_reason"] == "another Zhang Wei"


def test_true_match_is_proposed_by_the_analyst_and_confirmed_by_another_mlro(book, aml_analyst, mlro):
    services.customers_screen(customers=Customer.objects.all())
    hit = ScreeningHit.objects.get(customer=book["ouyang"])
    with pytest.raises(ValidationError):
        services.hit_review(actor=aml_analyst, hit=hit, disposition="true_match", reason="  ")
    proposed = services.hit_review(actor=aml_analyst, hit=hit, disposition="true_match", reason="same birth date")
    assert proposed.status == "proposed_true" and proposed.reviewed_by == aml_analyst
    with pytest.raises(PermissionDenied):
        services.hit_confirm(actor=aml_analyst, hit=hit, confirm=True, reason="mine")
    # An MLRO who proposed it may not confirm it.
    from django.contrib.auth import get_user_model

    from insurer.access.services import grant_system

    mlro_reviewer = get_user_model().objects.create_user(username="second-mlro", password="x-pass-12345")
    grant_system(user=mlro_reviewer, role="mlro", reason="test")
    other_hit = ScreeningHit.objects.get(customer=book["zhang"])
    services.hit_review(actor=mlro_reviewer, hit=other_hit, disposition="true_match", reason="ID matches")
    with pytest.raises(PermissionDenied):
        services.hit_confirm(actor=mlro_reviewer, hit=other_hit, confirm=True, reason="self")
    confirmed = services.hit_confirm(actor=mlro, hit=hit, confirm=True, reason="PEP confirmed")
    assert confirmed.status == "true_match" and confirmed.confirmed_by == mlro
    actions = list(AuditEvent.objects.filter(object_id=str(hit.pk)).values_list("action", "actor_name"))
    assert ("screening.review", aml_analyst.username) in actions and ("screening.confirm", mlro.username) in actions
    # A confirmed PEP match is a rating input: the customer is re-rated with the reason.
    rating = CustomerRiskRating.objects.get(customer=book["ouyang"])
    assert rating.rating == "high" and any(r.startswith("pep") for r in rating.reasons)


@pytest.mark.parametrize("role", ["internal_auditor", "external_examiner", "underwriter", "integrator"])
def test_oversight_and_other_roles_cannot_review(book, persona_factory, role):
    services.customers_screen(customers=Customer.objects.all())
    hit = ScreeningHit.objects.first()
    with pytest.raises(PermissionDenied):
        services.hit_review(actor=persona_factory(role), hit=hit, disposition="false_match", reason="x")
    assert ScreeningHit.objects.get(pk=hit.pk).status == "pending"


def test_hit_review_through_the_screen(client, book, aml_analyst):
    services.customers_screen(customers=Customer.objects.all())
    hit = ScreeningHit.objects.get(customer=book["zhang"])
    client.force_login(aml_analyst)
    page = client.get(f"/compliance/screening/hits/{hit.pk}/")
    assert page.status_code == 200 and "Zhang Wei" in page.content.decode()
    response = client.post(
        f"/compliance/screening/hits/{hit.pk}/review/",
        {"disposition": "false_match", "reason": "different father's name on file"},
    )
    assert response.status_code == 302
    assert ScreeningHit.objects.get(pk=hit.pk).status == "false_match"


def test_hit_dispositions_through_the_api(client, book, aml_analyst, mlro, internal_auditor):
    """The API twin of the hit screens: the analyst proposes a true match (a bad disposition or
    an empty reason refused naming the field), the analyst cannot confirm it, an auditor cannot
    review, the MLRO confirms; each write audited under its actor."""
    services.customers_screen(customers=Customer.objects.all())
    hit = ScreeningHit.objects.get(customer=book["zhang"])
    base = f"/api/v1/aml/screening/hits/{hit.pk}/"
    client.force_login(aml_analyst)
    assert client.get(base).json()["entry_id"] == "S-1"
    bad = client.post(base + "review/", {"disposition": "maybe", "reason": "x"}, content_type="application/json")
    assert bad.status_code == 400 and "disposition" in bad.json()
    empty = client.post(base + "review/", {"disposition": "true_match", "reason": " "}, content_type="application/json")
    assert empty.status_code == 400 and "reason" in empty.json()
    done = client.post(
        base + "review/", {"disposition": "true_match", "reason": "ID number matches"}, content_type="application/json"
    )
    assert done.status_code == 200 and done.json()["status"] == "proposed_true"
    mine = client.post(base + "confirm/", {"decision": "confirm", "reason": "mine"}, content_type="application/json")
    assert mine.status_code == 403
    client.force_login(internal_auditor)
    audit_try = client.post(base + "review/", {"disposition": "false_match", "reason": "x"},
                            content_type="application/json")  # fmt: skip
    assert audit_try.status_code == 403
    client.force_login(mlro)
    confirmed = client.post(base + "confirm/", {"decision": "confirm", "reason": "sanctions match confirmed"},
                            content_type="application/json")  # fmt: skip
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "true_match"
    assert client.get("/api/v1/aml/screening/hits/999999/").status_code == 404
    actions = list(AuditEvent.objects.filter(object_id=str(hit.pk)).values_list("action", "actor_name"))
    assert ("screening.review", aml_analyst.username) in actions and ("screening.confirm", mlro.username) in actions


def test_api_screen_a_name(client, listed, integrator):
    client.force_login(integrator)
    response = client.post(
        "/api/v1/aml/screening/screen/",
        {"name": "Wei ZHANG", "birth_date": "1970-03-01"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] >= 1 and body["hits"][0]["entry_id"] == "S-1" and body["hits"][0]["sanctioned"]
    assert (
        client.post("/api/v1/aml/screening/screen/", {"name": ""}, content_type="application/json").status_code == 400
    )


def test_onboarding_a_customer_queues_its_screening(django_capture_on_commit_callbacks, listed):
    with django_capture_on_commit_callbacks() as callbacks:
        builders.person(name="Ivan Petrov", birth_date=dt.date(1952, 10, 7), sex="M")
    assert len(callbacks) >= 1
    # The sweep catches customers written in bulk (no save signal): here, every unscreened one.
    counts = services.onboarding_sweep()
    assert counts["customers"] == 1 and ScreeningHit.objects.filter(entry__entry_id="S-2").exists()
    assert services.onboarding_sweep()["customers"] == 0
