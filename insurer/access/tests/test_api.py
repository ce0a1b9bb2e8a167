"""/api/v1/access/: the API twin of the Access screens, refusing what the services refuse."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework.test import APIClient

from insurer.access.models import RoleGrant
from insurer.access.services import grant_system
from insurer.ledger.models import AuditEvent

pytestmark = pytest.mark.django_db
API = "/api/v1/access"


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def staff():
    return lambda name: get_user_model().objects.create_user(username=name, password="x-pass-12345")


def test_a_grant_requested_by_one_person_is_approved_by_another(access_admin, compliance_officer, staff):
    mei = staff("mei")
    made = api(access_admin).post(
        f"{API}/grants/request/", {"user": "mei", "role": "actuary", "reason": "new hire"}, format="json"
    )
    assert made.status_code == 201, made.json()
    body = made.json()
    assert (body["user"], body["role"], body["status"], body["requested_by"]) == (
        "mei",
        "actuary",
        "requested",
        access_admin.username,
    )
    refused = api(access_admin).post(f"{API}/grants/{body['id']}/approve/", {}, format="json")
    assert refused.status_code == 403 and "maker" in refused.json()["detail"]
    approved = api(compliance_officer).post(f"{API}/grants/{body['id']}/approve/", {"note": "ok"}, format="json")
    assert (approved.status_code, approved.json()["status"]) == (200, "active")
    assert RoleGrant.objects.get(pk=body["id"], user=mei).decided_by == compliance_officer.username
    assert list(
        AuditEvent.objects.filter(object_type="access.rolegrant", object_id=str(body["id"]))
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["grant_request", "grant_approve"]


def test_refusals_name_the_rule(access_admin, compliance_officer, staff):
    nan = staff("nan")
    grant_system(user=nan, role="finance_accountant", reason="existing")
    conflict = api(access_admin).post(
        f"{API}/grants/request/", {"user": "nan", "role": "payment_officer", "reason": "cover"}, format="json"
    )
    assert conflict.status_code == 400 and "SOD-3" in str(conflict.json()["errors"])
    own = api(access_admin).post(
        f"{API}/grants/request/", {"user": access_admin.username, "role": "actuary", "reason": "me"}, format="json"
    )
    assert own.status_code == 403 and "themselves" in own.json()["detail"]
    assert not RoleGrant.objects.filter(user=nan, role="payment_officer").exists()


def test_an_exception_through_the_api_bounds_the_grant_it_allows(access_admin, compliance_officer, staff):
    ou = staff("ou")
    grant_system(user=ou, role="finance_accountant", reason="existing")
    until = timezone.localdate() + dt.timedelta(days=45)
    made = api(access_admin).post(
        f"{API}/sod-exceptions/request/",
        {
            "user": "ou",
            "role": "payment_officer",
            "other_role": "finance_accountant",
            "reason": "two-person branch",
            "compensating_controls": "daily CFO review",
            "valid_to": until.isoformat(),
        },
        format="json",
    )
    assert made.status_code == 201, made.json()
    no_reason = api(compliance_officer).post(f"{API}/sod-exceptions/{made.json()['id']}/refuse/", {}, format="json")
    assert no_reason.status_code == 400
    approved = api(compliance_officer).post(f"{API}/sod-exceptions/{made.json()['id']}/approve/", {}, format="json")
    assert approved.json()["status"] == "approved"
    grant = api(access_admin).post(
        f"{API}/grants/request/", {"user": "ou", "role": "payment_officer", "reason": "cover"}, format="json"
    )
    assert (grant.status_code, grant.json()["valid_to"], grant.json()["sod_exception"]) == (
        201,
        until.isoformat(),
        made.json()["id"],
    )


def test_oversight_reads_and_is_refused_every_command(access_admin, internal_auditor, staff):
    grant = RoleGrant.objects.create(
        user=staff("pei"),
        role="actuary",
        valid_from=timezone.localdate(),
        reason="r",
        requested_by=access_admin.username,
    )
    auditor = api(internal_auditor)
    listed = auditor.get(f"{API}/grants/?status=requested").json()["results"]
    assert [g["id"] for g in listed] == [grant.pk]
    for command in ("approve", "refuse", "revoke"):
        response = auditor.post(f"{API}/grants/{grant.pk}/{command}/", {"note": "x", "reason": "x"}, format="json")
        assert response.status_code == 403, command
    assert RoleGrant.objects.get(pk=grant.pk).status == "requested"
