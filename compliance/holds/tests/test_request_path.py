"""The lean request path of POST /api/v1/aml/score keeps what the full one did: the token's
user and grants read in one statement equal what the permission chokepoint reads itself; a
plainly well-formed transaction is read exactly as the serializer reads it, and anything else
still gets the serializer's answer naming the field; and a scoring request stays within its
query budget."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework import exceptions, serializers
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from compliance.holds.api import OneQueryTokenAuthentication, TransactionInSerializer, _well_formed, read_transaction
from compliance.holds.scoring import parameters
from customers.tests import builders
from insurer.access import grants
from insurer.access.models import Department, RoleGrant

URL = "/api/v1/aml/score"
VALID = {
    "txn_ref": "T7300000009", "policy_ref": "P7300000001", "kind": "premium",
    "timestamp": "2026-03-03T10:00:00+08:00", "amount": "1500.00", "method": "transfer",
    "payer_ref": "C7300000001", "payee_ref": "", "account_ref": "ACC-1", "counterparty_country": "",
}  # fmt: skip


def _grant(user, role, *, status="active", valid_from=None, valid_to=None, department=None):
    today = timezone.localdate()
    return RoleGrant.objects.create(user=user, role=role, status=status, department=department, reason="test",
                                    valid_from=valid_from or today - dt.timedelta(days=10), valid_to=valid_to,
                                    requested_by="maker", decided_by="checker")  # fmt: skip


def test_the_grants_read_with_the_token_are_those_in_force(db):
    user = get_user_model().objects.create_user(username="grants-mixed")
    today = timezone.localdate()
    risk = Department.objects.create(code="RISK-T", name="Risk", body="management")
    _grant(user, "aml_analyst")  # in force, company-wide
    _grant(user, "integrator", department=risk)  # in force, one department
    _grant(user, "mlro", valid_to=today)  # last day: still in force
    _grant(user, "cro", valid_to=today - dt.timedelta(days=1))  # expired
    _grant(user, "actuary", valid_from=today + dt.timedelta(days=1))  # not yet
    _grant(user, "risk_officer", status="revoked")
    _grant(user, "executive", status="requested")
    _grant(user, "no_such_role")  # a role the catalogue no longer has
    token = Token.objects.create(user=user)
    authenticated, auth = OneQueryTokenAuthentication().authenticate_credentials(token.key)
    assert (authenticated.pk, auth.key, auth.user_id) == (user.pk, token.key, user.pk)
    read = sorted(getattr(authenticated, grants.CACHE_ATTR), key=lambda h: h.role)
    fresh = get_user_model().objects.get(pk=user.pk)
    assert read == sorted(grants.roles_held(fresh), key=lambda h: h.role)
    assert read == [grants.Held("aml_analyst", None), grants.Held("integrator", risk.pk), grants.Held("mlro", None)]
    assert authenticated.has_perm("compliance_holds.score_transaction")


def test_a_bad_or_inactive_token_is_refused(db):
    user = get_user_model().objects.create_user(username="gone", is_active=False)
    token = Token.objects.create(user=user)
    with pytest.raises(exceptions.AuthenticationFailed, match="inactive"):
        OneQueryTokenAuthentication().authenticate_credentials(token.key)
    with pytest.raises(exceptions.AuthenticationFailed, match="Invalid token"):
        OneQueryTokenAuthentication().authenticate_credentials("0" * 40)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.post(URL, VALID, format="json").status_code == 401


def _serializer(data):
    checked = TransactionInSerializer(data=data)
    return dict(checked.validated_data) if checked.is_valid() else None


ODD = [
    {"amount": "100"},
    {"amount": "100.5"},
    {"amount": "0.00"},
    {"amount": "1e3"},
    {"amount": 1500},
    {"amount": 1500.25},
    {"amount": "-1.00"},
    {"amount": "0.001"},
    {"amount": "12345678901234567.00"},
    {"amount": ""},
    {"timestamp": "2026-03-03T02:00:00Z"},
    {"timestamp": "2026-03-03T10:00:00"},  # naive: the serializer applies the zone
    {"timestamp": "2026-02-30T10:00:00+08:00"},
    {"timestamp": "yesterday"},
    {"txn_ref": " T7300000009 "},
    {"txn_ref": ""},
    {"txn_ref": "T" * 41},
    {"txn_ref": "T\x007300"},
    {"txn_ref": 7300000009},
    {"payer_ref": None},
    {"payer_ref": "张三"},
    {"counterparty_country": "hk"},
    {"counterparty_country": "HKG"},
    {"currency": ""},
    {"currency": "USD"},
    {"kind": "gift"},
    {"kind": "surrender"},
    {"method": "CASH"},
    {"extra": "ignored"},
]


@pytest.mark.parametrize("change", ODD, ids=[repr(c)[:40] for c in ODD])
def test_the_fast_reading_agrees_with_the_serializer(change):
    data = {**VALID, **change}
    fast, checked = _well_formed(data), _serializer(data)
    assert fast is None or fast == checked, (fast, checked)
    if checked is None:  # refused: by the serializer, naming the field
        with pytest.raises(serializers.ValidationError) as refused:
            read_transaction(data)
        assert set(refused.value.detail) <= set(TransactionInSerializer().fields), refused.value.detail


def test_a_plain_transaction_takes_the_fast_reading():
    fast = _well_formed(VALID)
    assert fast is not None and fast == _serializer(VALID)
    assert fast["amount"] == Decimal("1500.00") and fast["currency"] == "CNY"
    minimal = {k: VALID[k] for k in ("txn_ref", "policy_ref", "kind", "timestamp", "amount", "method")}
    assert _well_formed(minimal) == _serializer(minimal)
    for bad in ([], "text", {**VALID, "amount": None}):
        assert _well_formed(bad) is None


@pytest.fixture
def book(db):
    """A policyholder paying their own premiums, and a stranger who paid one of them."""
    holder = builders.person(customer_ref="C7300000001")
    stranger = builders.person(customer_ref="C7300000002")
    policy = builders.policy(holder=holder, policy_ref="P7300000001")
    for i in range(6):
        builders.transaction(on=policy, txn_ref=f"T730000000{i}", amount="1500", payer=holder,
                             when=timezone.make_aware(dt.datetime(2026, 1 + i // 3, 1 + i, 10)))  # fmt: skip
    return holder, stranger, policy


def _token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def test_a_scoring_request_costs_three_queries(integrator, book, django_assert_num_queries):
    """Token, user and grants (1), the policyholder's policies (1), their transactions and the
    payer's recent ones elsewhere (1); a third party named in the history adds one."""
    _, stranger, policy = book
    client = _token_client(integrator)
    parameters()  # the live catalogue, kept per process (a query every few seconds, not per request)
    with django_assert_num_queries(3):
        response = client.post(URL, VALID, format="json")
    assert response.status_code == 200, response.content
    builders.transaction(on=policy, txn_ref="T7300000007", amount="1500", payer=stranger,
                         when=timezone.make_aware(dt.datetime(2026, 3, 2, 10)))  # fmt: skip
    parameters()
    with django_assert_num_queries(4):
        body = client.post(URL, {**VALID, "txn_ref": "T7300000010"}, format="json").json()
    # The stranger's payment is L06's (a third-party payer), not this one's: nothing fires here.
    assert (body["tier"], body["rules_fired"], body["payout_allowed"]) == ("none", [], None)


def test_a_form_post_is_still_read_by_the_serializer(integrator, book):
    """Parsers are DRF's defaults: a multipart form is scored like JSON (the serializer reads it)."""
    client = _token_client(integrator)
    response = client.post(URL, VALID)
    assert response.status_code == 200, response.content
    assert (response.json()["txn_ref"], response.json()["tier"]) == (VALID["txn_ref"], "none")
    refused = client.post(URL, {**VALID, "kind": "gift"})
    assert refused.status_code == 400 and "kind" in refused.json()
