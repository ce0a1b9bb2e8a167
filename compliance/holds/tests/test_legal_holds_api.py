"""/api/v1/aml/legal-holds/: list, place and lift through the retention services (a second
person lifts; audited; bad input named by field; the permission before the body)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from compliance.holds import retention
from compliance.holds.models import LegalHold
from insurer.ledger.models import AuditEvent

URL = "/api/v1/aml/legal-holds/"


def _api(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


@pytest.mark.django_db
def test_place_list_and_lift_by_a_second_person(held_policy, mlro, compliance_officer):
    holder = held_policy.policyholder
    placed = _api(mlro).post(URL, {"customer_ref": holder.customer_ref, "reason": "civil suit",
                                   "reference": "(2026)沪01民初1号"}, format="json")  # fmt: skip
    assert placed.status_code == 201
    hold = LegalHold.objects.get()
    assert (hold.customer, hold.placed_by, hold.reference) == (holder, mlro, "(2026)沪01民初1号")
    assert "legal hold" in retention.retention_of(held_policy).reasons[0]  # the service's own effect
    listed = _api(mlro).get(URL).json()["results"]
    assert [(h["id"], h["customer_ref"], h["lifted_at"]) for h in listed] == [(hold.pk, holder.customer_ref, None)]
    own = _api(mlro).post(f"{URL}{hold.pk}/lift/", {"reason": "suit settled"}, format="json")
    assert own.status_code == 403 and "second person" in own.json()["detail"]
    lifted = _api(compliance_officer).post(f"{URL}{hold.pk}/lift/", {"reason": "suit settled"}, format="json")
    assert lifted.status_code == 200 and lifted.json()["lifted_by"] == compliance_officer.username
    again = _api(compliance_officer).post(f"{URL}{hold.pk}/lift/", {"reason": "again"}, format="json")
    assert again.status_code == 400
    assert _api(mlro).get(URL).json()["results"] == []
    assert [h["id"] for h in _api(mlro).get(URL + "?state=lifted").json()["results"]] == [hold.pk]
    actions = list(AuditEvent.objects.filter(action__startswith="legal_hold").values_list("action", flat=True))
    assert sorted(actions) == ["legal_hold_lift", "legal_hold_place"]


@pytest.mark.django_db
def test_bad_input_is_named_and_a_role_without_the_right_is_refused(held_policy, mlro, aml_analyst):
    bad = _api(mlro).post(URL, {"customer_ref": "C-NOBODY", "reason": ""}, format="json")
    assert bad.status_code == 400 and set(bad.json()) >= {"customer_ref", "reason"}  # DRF: errors by field
    refused = _api(aml_analyst).post(URL, {"customer_ref": held_policy.policyholder.customer_ref, "reason": "x"},
                                     format="json")  # fmt: skip
    assert refused.status_code == 403 and not LegalHold.objects.exists()
    assert _api(aml_analyst).get(URL).status_code == 403
