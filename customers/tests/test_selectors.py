"""Reads: masking by default, audited reveal for the roles that may see PII."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from customers.selectors import customer_pii_reveal, customers_for
from customers.tests import builders
from insurer.ledger.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_pii_is_stored_encrypted_and_listed_masked(aml_analyst):
    customer = builders.person(phone="13912345678")
    assert "13912345678" not in customer.phone_ciphertext
    listed = customers_for(aml_analyst).get(pk=customer.pk)
    assert listed.phone_masked == "139****5678"
    assert listed.id_number_masked.count("*") == 8


def test_reveal_needs_the_pii_permission_and_is_a_recorded_sensitive_read(aml_analyst):
    customer = builders.person(phone="13912345678")
    revealed = customer_pii_reveal(user=aml_analyst, customer=customer)
    assert revealed["phone"] == "13912345678"
    assert revealed["id_number"].endswith(customer.id_number_masked[-4:])
    event = AuditEvent.objects.get(kind="sensitive_read")
    assert (event.actor_name, event.object_id) == (aml_analyst.username, customer.customer_ref)
    assert event.actor_roles == ["aml_analyst"]
    assert event.changes == {"fields": ["id_number", "phone"]}


@pytest.mark.parametrize("role", ["internal_auditor", "board_member", "actuary", "integrator"])
def test_roles_without_pii_permission_cannot_reveal(role, persona_factory):
    customer = builders.person()
    with pytest.raises(PermissionDenied):
        customer_pii_reveal(user=persona_factory(role), customer=customer)
