"""Behind the TLS proxy, the ledger and the sign-in throttle see the client, not the proxy."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from customers.tests import builders
from insurer.auth import LOCKOUT_FAILURES
from insurer.ledger.models import AuditEvent
from insurer.middleware import client_address

PROXY = "10.0.0.2"


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize(
    ("trusted", "forwarded", "expected"),
    [
        (0, "203.0.113.7", PROXY),  # no proxy configured: a forged header is ignored
        (1, "203.0.113.7", "203.0.113.7"),  # the address our proxy saw
        (1, "198.51.100.9, 203.0.113.7", "203.0.113.7"),  # the client's own first entry is not trusted
        (2, "198.51.100.9, 203.0.113.7", "198.51.100.9"),  # two proxies of ours
        (3, "203.0.113.7", "203.0.113.7"),  # fewer hops than proxies: the leftmost
        (1, "", PROXY),  # a direct request to the container
        (1, "not-an-address", PROXY),  # garbled: keep the socket's address
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_client_address_is_read_past_exactly_the_trusted_proxies(settings, trusted, forwarded, expected):
    settings.INSURER_TRUSTED_PROXIES = trusted
    assert client_address({"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": forwarded}) == expected


@pytest.mark.django_db
def test_the_ledger_records_the_clients_address_behind_the_proxy(client, settings, aml_analyst):
    settings.INSURER_TRUSTED_PROXIES = 1
    holder = builders.person()
    client.force_login(aml_analyst)
    response = client.post(reverse("customers:customer_pii", args=[holder.customer_ref]),
                           REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.7")  # fmt: skip
    assert response.status_code == 200
    event = AuditEvent.objects.get(kind="sensitive_read", object_id=holder.customer_ref)
    assert event.source_address == "203.0.113.7"


@pytest.mark.django_db
def test_failed_sign_ins_from_one_client_do_not_lock_out_another_behind_the_same_proxy(client, settings, cro):
    settings.INSURER_TRUSTED_PROXIES = 1
    for _ in range(LOCKOUT_FAILURES):
        client.post(reverse("login"), {"username": "guess", "password": "wrong"},
                    REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.66")  # fmt: skip
    response = client.post(reverse("login"), {"username": cro.username, "password": "persona-pass-123"},
                           REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.7")  # fmt: skip
    assert response.status_code == 302
    # The guessing client itself is locked out, whatever username it tries next.
    client.logout()
    response = client.post(reverse("login"), {"username": cro.username, "password": "persona-pass-123"},
                           REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.66")  # fmt: skip
    assert "Too many failed sign-in attempts" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(("trusted", "honoured"), [(0, False), (1, True)])
def test_the_ledger_files_an_event_under_the_request_id_the_response_carries(client, settings, aml_analyst,
                                                                             trusted, honoured):  # fmt: skip
    settings.INSURER_TRUSTED_PROXIES = trusted
    holder = builders.person()
    client.force_login(aml_analyst)
    response = client.post(reverse("customers:customer_pii", args=[holder.customer_ref]),
                           HTTP_X_REQUEST_ID="proxy-req-0001")  # fmt: skip
    event = AuditEvent.objects.get(kind="sensitive_read", object_id=holder.customer_ref)
    assert event.request_id == response["X-Request-ID"]
    # Only a proxy of ours may name the request; otherwise the client's header is ignored.
    assert (event.request_id == "proxy-req-0001") is honoured and len(event.request_id) >= 8
