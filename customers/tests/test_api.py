"""REST API v1: lists, details by natural key, scoping, masking, bulk import, query budgets,
the OpenAPI schema."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from customers import imports
from customers.identity import make_uscc
from customers.models import Customer, Policy, PolicyTransaction, Product
from insurer.errors import RowErrors
from insurer.ledger.models import AuditEvent

FIXTURES = Path(__file__).parent / "fixtures"
API = "/api/v1"


def fixture_text(kind: str) -> str:
    return (FIXTURES / imports.SPECS[kind].filename).read_text(encoding="utf-8")


@pytest.fixture
def book(db):
    for kind in imports.KINDS:
        imports.import_table(kind, imports.read_input(kind, fixture_text(kind).encode()))


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def all_pages(client: APIClient, url: str) -> list[dict]:
    rows = []
    while url:
        body = client.get(url).json()
        rows.extend(body["results"])
        url = body["next"]
    return rows


# --- Lists, details, filters, pagination ----------------------------------------------------


def test_token_authentication_lists_customers_masked(book, aml_analyst):
    token = Token.objects.create(user=aml_analyst)
    client = APIClient()
    assert client.get(f"{API}/customers/").status_code in (401, 403)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = client.get(f"{API}/customers/", {"ordering": "customer_ref"})
    assert response.status_code == 200
    first = response.json()["results"][0]
    assert first["customer_ref"] == "C000001"
    assert first["id_number"] == "110105********0252"
    assert first["phone"] == "138****5678"
    assert "110105198005170252" not in response.content.decode()


def test_detail_by_natural_key(book, aml_analyst):
    client = api(aml_analyst)
    policy = client.get(f"{API}/policies/P0000001/").json()
    assert policy["product_code"] == "TERM20"
    assert policy["beneficiary_refs"] == ["C000002", "C000004"]
    assert client.get(f"{API}/products/WL01/").json()["kind"] == "whole_life"
    txn = client.get(f"{API}/transactions/T00000004/").json()
    assert (txn["policy_ref"], txn["payer_ref"], txn["payee_ref"], txn["amount"]) == (
        "P0000003",
        None,
        "C000003",
        "251234.56",
    )
    assert client.get(f"{API}/customers/C000005/").json()["kind"] == "organisation"
    assert client.get(f"{API}/customers/C999999/").status_code == 404


def test_filters_per_resource(book, aml_analyst):
    client = api(aml_analyst)
    refs = lambda url, params, key: sorted(r[key] for r in client.get(url, params).json()["results"])  # noqa: E731
    assert refs(f"{API}/customers/", {"kind": "organisation"}, "customer_ref") == ["C000005"]
    assert refs(f"{API}/customers/", {"id_number": "310101199211030804"}, "customer_ref") == ["C000002"]
    assert refs(f"{API}/policies/", {"status": "in_force"}, "policy_ref") == ["P0000001", "P0000002"]
    assert refs(f"{API}/policies/", {"customer": "C000003"}, "policy_ref") == ["P0000002", "P0000003"]
    assert refs(f"{API}/transactions/", {"kind": "premium", "min_amount": 1000}, "txn_ref") == [
        "T00000001",
        "T00000002",
        "T00000003",
    ]
    assert refs(f"{API}/transactions/", {"policy": "P0000003"}, "txn_ref") == ["T00000003", "T00000004"]
    assert refs(f"{API}/products/", {"kind": "annuity"}, "product_code") == ["ANN01"]
    owners = client.get(f"{API}/beneficial-owners/", {"organisation": "C000005", "control": "true"}).json()
    assert [(o["owner_ref"], o["share_pct"]) for o in owners["results"]] == [("C000001", "60.0000")]


def test_ordering_and_cursor_pagination_walk_every_row_once(book, aml_analyst):
    client = api(aml_analyst)
    by_amount = all_pages(client, f"{API}/transactions/?ordering=-amount&page_size=2")
    amounts = [float(r["amount"]) for r in by_amount]
    assert amounts == sorted(amounts, reverse=True)
    assert sorted(r["txn_ref"] for r in by_amount) == sorted(
        PolicyTransaction.objects.values_list("txn_ref", flat=True)
    )
    default = client.get(f"{API}/customers/", {"page_size": 4}).json()
    assert len(default["results"]) == 4 and default["next"] and "count" not in default


# --- Scoping: 403 on lists, 404 on details -----------------------------------------------------


@pytest.mark.parametrize("resource", ["customers", "beneficial-owners", "products", "policies", "transactions"])
def test_roles_without_view_permission_get_403_on_lists(book, nobody, board_member, resource):
    assert api(nobody).get(f"{API}/{resource}/").status_code == 403
    assert api(board_member).get(f"{API}/{resource}/").status_code == 403


@pytest.mark.parametrize("path", ["customers/C000001", "products/WL01", "policies/P0000001", "transactions/T00000001"])
def test_out_of_scope_details_are_404(book, nobody, path):
    assert api(nobody).get(f"{API}/{path}/").status_code == 404


def test_anonymous_is_refused(book):
    assert api().get(f"{API}/policies/").status_code in (401, 403)


# --- PII --------------------------------------------------------------------------------------


def test_reveal_pii_requires_the_pii_permission(book, aml_analyst, integrator, nobody):
    url = f"{API}/customers/C000002/reveal-pii/"
    assert api(integrator).post(url).status_code == 403
    assert api(nobody).post(url).status_code == 404
    response = api(aml_analyst).post(url)
    assert response.status_code == 200
    assert response.json() == {"customer_ref": "C000002", "id_number": "310101199211030804", "phone": "13900001111"}
    event = AuditEvent.objects.get(kind="sensitive_read")
    assert (event.object_id, event.actor_name) == ("C000002", aml_analyst.username)


# --- Bulk import ------------------------------------------------------------------------------


def test_import_csv_body_and_json_give_counts(db, integrator):
    client = api(integrator)
    response = client.post(f"{API}/products/import/", fixture_text("products").encode(), content_type="text/csv")
    assert response.status_code == 200, response.content
    assert {k: response.json()[k] for k in ("rows", "created", "updated", "unchanged")} == {
        "rows": 3,
        "created": 3,
        "updated": 0,
        "unchanged": 0,
    }
    records = list(csv.DictReader(io.StringIO(fixture_text("customers"))))
    response = client.post(f"{API}/customers/import/", records, format="json")
    assert (response.status_code, response.json()["created"]) == (200, 6)
    again = client.post(f"{API}/customers/import/", records, format="json").json()
    assert (again["created"], again["unchanged"]) == (0, 6)
    upload = SimpleUploadedFile("policies.csv", fixture_text("policies").encode(), content_type="text/csv")
    response = client.post(f"{API}/policies/import/", {"file": upload}, format="multipart")
    assert (response.status_code, response.json()["created"]) == (200, 4)
    assert Policy.objects.count() == 4


def _bad_transactions() -> str:
    rows = list(csv.reader(io.StringIO(fixture_text("transactions"))))
    rows[2][rows[0].index("amount")] = "-7"
    rows[4][rows[0].index("timestamp")] = "2024-02-30T10:00:00"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def test_import_errors_are_the_command_line_errors_as_json(book, integrator):
    # The book's transactions stay (nothing under retention is deleted): nothing is added either.
    before = PolicyTransaction.objects.count()
    text = _bad_transactions()
    with pytest.raises(RowErrors) as caught:
        imports.import_table("transactions", imports.read_input("transactions", text.encode()))
    expected = [{"row": e.row, "column": e.column, "message": e.message} for e in caught.value.errors]
    assert [(e["row"], e["column"]) for e in expected] == [(2, "amount"), (4, "timestamp")]
    client = api(integrator)
    as_csv = client.post(f"{API}/transactions/import/", text.encode(), content_type="text/csv")
    assert as_csv.status_code == 400
    assert as_csv.json()["errors"] == expected
    assert "nothing was written" in as_csv.json()["detail"]
    records = list(csv.DictReader(io.StringIO(text)))
    as_json = client.post(f"{API}/transactions/import/", records, format="json")
    assert (as_json.status_code, as_json.json()["errors"]) == (400, expected)
    assert PolicyTransaction.objects.count() == before


def test_import_of_a_gbk_file_is_a_400_with_the_reason(db, integrator):
    response = api(integrator).post(
        f"{API}/customers/import/", fixture_text("customers").encode("gbk"), content_type="text/csv"
    )
    assert response.status_code == 400
    assert "not UTF-8" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize("code", ["internal_auditor", "external_examiner", "aml_analyst"])
def test_import_is_403_without_the_import_permission(db, persona_factory, code):
    response = api(persona_factory(code)).post(
        f"{API}/products/import/", fixture_text("products").encode(), content_type="text/csv"
    )
    assert response.status_code == 403
    assert Product.objects.count() == 0


def test_import_without_rows_is_a_400(db, integrator):
    response = api(integrator).post(f"{API}/products/import/", {}, format="multipart")
    assert response.status_code == 400


# --- Bulk export: the API twin of the screens' CSV export -------------------------------------


def test_export_streams_the_filtered_rows_in_interchange_columns_and_is_recorded(book, aml_analyst):
    response = api(aml_analyst).get(f"{API}/policies/export/?status=in_force&ordering=policy_ref",
                                    HTTP_ACCEPT="text/csv")  # fmt: skip
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert b"".join(response.streaming_content).decode().splitlines() == [
        "policy_ref,product_code,policyholder_ref,insured_ref,beneficiary_refs,issue_date,status,sum_assured,"
        "annual_premium,premium_term_years,policy_term_years,payment_frequency,channel,agent_code",
        "P0000001,TERM20,C000001,C000001,C000002;C000004,2020-03-01,in_force,500000.00,3200.00,20,20,annual,agency,A001",
        "P0000002,WL01,C000003,C000004,C000003,2021-07-15,in_force,200000.00,8000.00,10,80,annual,bancassurance,B017",
    ]
    event = AuditEvent.objects.get(kind="export")
    assert (event.object_type, event.actor_name) == ("customers.policy", aml_analyst.username)
    assert event.changes == {"rows": 2, "filters": {"status": "in_force", "ordering": "policy_ref"}}


def test_an_exported_file_imports_back_unchanged(book, aml_analyst, integrator):
    for kind, noun in (("beneficial_owners", "beneficial-owners"), ("products", "products")):
        exported = b"".join(api(aml_analyst).get(f"{API}/{noun}/export/").streaming_content)
        assert exported.decode().splitlines()[0] == ",".join(imports.SPECS[kind].required)
        again = api(integrator).post(f"{API}/{noun}/import/", exported, content_type="text/csv").json()
        assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, again["rows"]), again
    owners = b"".join(api(aml_analyst).get(f"{API}/beneficial-owners/export/?control=true").streaming_content)
    assert owners.decode().splitlines()[1:] == ["C000005,C000001,60.0000,true"]


def test_export_needs_the_export_permission_and_masks_pii(book, aml_analyst, integrator, nobody):
    assert api(integrator).get(f"{API}/customers/export/", HTTP_ACCEPT="text/csv").status_code == 403
    assert api(nobody).get(f"{API}/customers/export/").status_code == 403
    assert not AuditEvent.objects.filter(kind="export").exists()
    text = b"".join(api(aml_analyst).get(f"{API}/customers/export/?q=C000002").streaming_content).decode()
    row = dict(zip(*csv.reader(io.StringIO(text)), strict=True))
    assert row["customer_ref"] == "C000002"
    assert row["id_number"] != "310101199211030804" and "*" in row["id_number"]
    assert row["phone"] != "13900001111" and "*" in row["phone"]


# --- Query budgets: constant in the number of rows ---------------------------------------------


def _import_lines(kind: str, lines: list[str]) -> None:
    header = fixture_text(kind).splitlines()[0]
    imports.import_table(kind, imports.read_input(kind, ("\n".join([header, *lines]) + "\n").encode()))


def _grow_book(policies: int) -> None:
    """More rows of every kind, each with its relations, so N+1 queries would show."""
    _import_lines("products", [f"XP{i:03d},Extra {i},term,CL1,18,60,15" for i in range(policies)])
    _import_lines(
        "customers",
        [f"CP{i:05d},person,Person {i},passport,E{i:08d},1980-01-01,M,,HK,HK,clerk,1000," for i in range(policies)]
        + [
            f"CO{i:05d},organisation,Org {i},uscc,{make_uscc('310101', (i + 1) * 10)},,,,Beijing,CN,trade,,"
            for i in range(policies)
        ],
    )
    _import_lines("beneficial_owners", [f"CO{i:05d},CP{i:05d},50,true" for i in range(policies)])
    header = fixture_text("policies").splitlines()[0]
    lines = [
        f"PX{i:06d},WL01,C000003,C000004,C000001;C000002,2021-07-15,in_force,,200000,8000,10,80,annual,agency,A9"
        for i in range(policies)
    ]
    imports.import_table("policies", imports.read_input("policies", ("\n".join([header, *lines]) + "\n").encode()))
    txn_header = fixture_text("transactions").splitlines()[0]
    txns = [
        f"TX{i:07d},PX{i:06d},premium,2024-01-01T10:00:00+08:00,8000,CNY,transfer,C000003,C000001,ACC,CN"
        for i in range(policies)
    ]
    imports.import_table(
        "transactions", imports.read_input("transactions", ("\n".join([txn_header, *txns]) + "\n").encode())
    )


def _queries(client: APIClient, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("resource", ["customers", "beneficial-owners", "products", "policies", "transactions"])
def test_list_query_count_is_constant_in_rows(book, aml_analyst, resource, django_assert_max_num_queries):
    client = api(aml_analyst)
    url = f"{API}/{resource}/?page_size=100"
    client.get(url)  # the permission cache fills on the first request; measure the steady state
    small = _queries(client, url)
    before = len(client.get(url).json()["results"])
    _grow_book(40)
    assert before < len(client.get(url).json()["results"]) <= 100
    with django_assert_max_num_queries(small):
        client.get(url)
    assert _queries(client, url) == small


# --- Schema and docs ------------------------------------------------------------------------


def test_schema_generates_without_warnings(db, tmp_path):
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    text = target.read_text()
    for path in (
        "/api/v1/customers/{customer_ref}/reveal-pii/",
        "/api/v1/transactions/import/",
        "/api/v1/policies/{policy_ref}/",
    ):
        assert path in text


def test_swagger_and_redoc_are_served_offline(db, aml_analyst, client):
    client.force_login(aml_analyst)
    for page in ("docs", "redoc"):
        response = client.get(f"{API}/{page}/")
        assert response.status_code == 200
        body = response.content.decode()
        assert "cdn.jsdelivr" not in body and "unpkg.com" not in body
        assert "/static/drf_spectacular_sidecar/" in body
    assert client.get(f"{API}/schema/").status_code == 200


def test_customer_count_unchanged_by_reads(book, aml_analyst):
    api(aml_analyst).get(f"{API}/customers/")
    assert Customer.objects.count() == 6


def test_the_fast_representation_is_exactly_drfs_for_every_book_serializer(book):
    """insurer.serializers.FastRepresentation (the API lists' hot path) gives, row for row,
    what DRF's own field-by-field representation gives: refs through relations, masked PII,
    decimals, dates and times, missing payers and payees, beneficiaries in order."""
    from rest_framework import serializers as drf

    from customers.api import serializers as book_serializers
    from customers.models import BeneficialOwner, Customer, Policy, PolicyTransaction, Product

    cases = [
        (book_serializers.CustomerSerializer, Customer.objects.all()),
        (book_serializers.BeneficialOwnerSerializer, BeneficialOwner.objects.all()),
        (book_serializers.ProductSerializer, Product.objects.all()),
        (book_serializers.PolicySerializer, Policy.objects.prefetch_related("beneficiary_links__customer")),
        (book_serializers.TransactionSerializer, PolicyTransaction.objects.all()),
    ]
    for fast, rows in cases:
        plain = type("Plain" + fast.__name__, (drf.ModelSerializer,), dict(fast.__dict__))
        for name, field in fast._declared_fields.items():
            plain._declared_fields[name] = field
        rows = list(rows)
        assert rows, f"the book has no rows for {fast.__name__}"
        assert fast(rows, many=True).data == plain(rows, many=True).data, fast.__name__
    # The paths that differ most from a plain attribute read are covered by the fixture book:
    assert PolicyTransaction.objects.filter(payer__isnull=True).exists()  # a missing relation
    assert Policy.objects.filter(beneficiary_links__position=2).exists()  # beneficiaries in order
