import base64

import pytest
from django.core.management import call_command

from customers.models import Customer
from customers.selectors import customer_pii_reveal
from customers.tests import builders
from insurer import crypto

pytestmark = pytest.mark.django_db


def test_rotation_moves_every_row_to_the_new_key_and_the_old_key_can_then_go(settings, aml_analyst):
    customers = [builders.person(phone=f"1391234{n:04d}") for n in range(5)]
    old_ring = settings.INSURER_PII_KEYS
    new_key = "k2:" + base64.b64encode(b"r" * 32).decode()
    settings.INSURER_PII_KEYS = f"{new_key},{old_ring}"

    call_command("pii_rotate")

    tokens = list(Customer.objects.values_list("id_number_ciphertext", "phone_ciphertext"))
    assert len(tokens) == 5
    assert all(t.startswith("k2$") for pair in tokens for t in pair)
    settings.INSURER_PII_KEYS = new_key  # the old key leaves the keyring
    assert customer_pii_reveal(user=aml_analyst, customer=customers[3])["phone"] == "13912340003"


def test_a_new_blind_index_key_reindexes_so_exact_lookup_keeps_working(settings):
    customer = builders.person(phone="13912340099")
    settings.INSURER_BLIND_INDEX_KEY = "a-new-blind-index-key"
    assert not Customer.objects.filter(phone_digest=crypto.blind_index("13912340099", "phone")).exists()
    call_command("pii_rotate")
    assert Customer.objects.get(phone_digest=crypto.blind_index("13912340099", "phone")) == customer


def test_a_second_run_changes_nothing():
    builders.person()
    call_command("pii_rotate")
    before = list(Customer.objects.values_list("id_number_ciphertext", flat=True))
    call_command("pii_rotate")
    assert list(Customer.objects.values_list("id_number_ciphertext", flat=True)) == before
