"""Bulk import of the interchange CSVs: happy paths, every error kind with its own message,
all-or-nothing, idempotence, encodings, permissions, the command line."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers import imports
from customers.models import BeneficialOwner, Customer, Policy, PolicyBeneficiary, PolicyTransaction, Product
from customers.services import book_import
from insurer import crypto
from insurer.errors import RowErrors
from insurer.ledger.models import AuditEvent

FIXTURES = Path(__file__).parent / "fixtures"
MODELS = {
    "products": Product,
    "customers": Customer,
    "beneficial_owners": BeneficialOwner,
    "policies": Policy,
    "transactions": PolicyTransaction,
}


def fixture_text(kind: str) -> str:
    return (FIXTURES / imports.SPECS[kind].filename).read_text(encoding="utf-8")


def run(kind: str, data):
    return imports.import_table(kind, imports.read_input(kind, data))


def load(*kinds: str) -> dict:
    return {kind: run(kind, fixture_text(kind).encode()) for kind in kinds or imports.KINDS}


def edit(text: str, row: int, column: str, value: str) -> str:
    """The CSV ``text`` with one cell (1-based data row) replaced."""
    rows = list(csv.reader(io.StringIO(text)))
    rows[row][rows[0].index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def errors_of(kind: str, text: str) -> list:
    with pytest.raises(RowErrors) as caught:
        run(kind, text.encode())
    return caught.value.errors


def counts() -> dict:
    return {kind: model.objects.count() for kind, model in MODELS.items()}


# --- Happy paths --------------------------------------------------------------------------


@pytest.mark.django_db
def test_each_file_imports_with_its_counts():
    results = load()
    assert {k: (r.rows, r.created, r.updated, r.unchanged) for k, r in results.items()} == {
        "products": (3, 3, 0, 0),
        "customers": (6, 6, 0, 0),
        "beneficial_owners": (2, 2, 0, 0),
        "policies": (4, 4, 0, 0),
        "transactions": (6, 6, 0, 0),
    }
    assert counts() == {"products": 3, "customers": 6, "beneficial_owners": 2, "policies": 4, "transactions": 6}


@pytest.mark.django_db
def test_customers_pii_is_sealed_and_ratings_computed():
    load("customers")
    zhang = Customer.objects.get(customer_ref="C000001")
    assert zhang.id_number_masked == "110105********0252"
    assert crypto.decrypt(zhang.id_number_ciphertext, "id_number") == "110105198005170252"
    assert zhang.id_number_digest == crypto.blind_index("110105198005170252", "id_number")
    assert "110105198005170252" not in zhang.id_number_ciphertext
    li = Customer.objects.get(customer_ref="C000002")
    # "+86 139 0000 1111" is normalised before sealing.
    assert crypto.decrypt(li.phone_ciphertext, "phone") == "13900001111"
    assert li.phone_masked == "139****1111"
    ratings = dict(Customer.objects.values_list("customer_ref", "risk_rating"))
    # Given in the file: low / high; computed: income ≥ 1M and organisations → medium.
    assert ratings == {
        "C000001": "low",
        "C000002": "low",
        "C000003": "medium",
        "C000004": "low",
        "C000005": "medium",
        "C000006": "high",
    }
    org = Customer.objects.get(customer_ref="C000005")
    assert (org.kind, org.sex, org.birth_date) == ("organisation", "", None)


@pytest.mark.django_db
def test_policies_and_transactions_resolve_refs():
    load()
    policy = Policy.objects.get(policy_ref="P0000001")
    assert list(policy.beneficiary_links.order_by("position").values_list("customer__customer_ref", flat=True)) == [
        "C000002",
        "C000004",
    ]
    assert Policy.objects.get(policy_ref="P0000003").status_date == dt.date(2023, 5, 20)
    naive = PolicyTransaction.objects.get(txn_ref="T00000002")
    # No zone in the file: Asia/Shanghai, i.e. 02:00 UTC.
    assert naive.timestamp == dt.datetime(2021, 3, 1, 2, 0, tzinfo=dt.UTC)
    blank_currency = PolicyTransaction.objects.get(txn_ref="T00000006")
    assert (blank_currency.currency, blank_currency.amount, blank_currency.payer.customer_ref) == (
        "CNY",
        Decimal("208.33"),
        "C000005",
    )
    assert PolicyTransaction.objects.get(txn_ref="T00000004").payee.customer_ref == "C000003"


# --- Idempotence and updates ----------------------------------------------------------------


@pytest.mark.django_db
def test_reimport_changes_nothing():
    load()
    stamps = dict(Customer.objects.values_list("customer_ref", "updated_at"))
    policy_stamps = dict(Policy.objects.values_list("policy_ref", "updated_at"))
    before = counts()
    again = load()
    assert {k: (r.created, r.updated, r.unchanged) for k, r in again.items()} == {
        k: (0, 0, r.rows) for k, r in again.items()
    }
    assert counts() == before
    assert dict(Customer.objects.values_list("customer_ref", "updated_at")) == stamps
    assert dict(Policy.objects.values_list("policy_ref", "updated_at")) == policy_stamps


@pytest.mark.django_db
def test_changed_customer_row_updates_that_customer_only():
    load("customers")
    before = Customer.objects.get(customer_ref="C000002")
    text = edit(edit(fixture_text("customers"), 2, "name", "李娜娜"), 2, "phone", "13700002222")
    result = run("customers", text.encode())
    assert (result.created, result.updated, result.unchanged) == (0, 1, 5)
    after = Customer.objects.get(customer_ref="C000002")
    assert (after.name, after.phone_masked) == ("李娜娜", "137****2222")
    assert after.phone_digest == crypto.blind_index("13700002222", "phone")
    assert after.updated_at > before.updated_at
    assert Customer.objects.count() == 6


@pytest.mark.django_db
def test_changed_policy_beneficiaries_update_the_links():
    load("products", "customers", "policies")
    text = edit(fixture_text("policies"), 1, "beneficiary_refs", "C000004")
    result = run("policies", text.encode())
    assert (result.updated, result.unchanged) == (1, 3)
    assert list(
        PolicyBeneficiary.objects.filter(policy__policy_ref="P0000001").values_list("customer__customer_ref", flat=True)
    ) == ["C000004"]


@pytest.mark.django_db
def test_changed_transaction_is_refused_and_nothing_written():
    load()
    text = edit(fixture_text("transactions"), 1, "amount", "3300")
    text += "T00000099,P0000001,premium,2024-03-01T10:00:00+08:00,3200.00,CNY,transfer,C000001,,ACC-001,CN\n"
    errors = errors_of("transactions", text)
    assert [(e.row, e.column, e.message) for e in errors] == [
        (1, "txn_ref", "txn_ref exists with different content: amount 3200.00 ≠ 3300.00")
    ]
    assert not PolicyTransaction.objects.filter(txn_ref="T00000099").exists()
    assert PolicyTransaction.objects.get(txn_ref="T00000001").amount == Decimal("3200.00")


# --- Row errors: each its own message, with row and column ----------------------------------

ROW_ERRORS = [
    # kind, row, column, bad value, expected message fragment
    ("customers", 1, "id_number", "110105198005170253", "check digit is wrong"),
    ("customers", 1, "birth_date", "1980-05-18", "differs from birth_date"),
    ("customers", 1, "sex", "F", "encodes sex M"),
    ("customers", 5, "id_number", "91110105000000123X", "unified social credit code"),
    ("customers", 1, "phone", "12345", "phone must be a PRC mobile"),
    ("customers", 1, "id_type", "uscc", "a person cannot be identified by a unified social credit code"),
    ("customers", 5, "id_type", "resident_id", "an organisation must have id_type uscc or other"),
    ("customers", 6, "birth_date", "", "a person needs a birth date"),
    ("customers", 6, "sex", "", "a person needs a sex"),
    ("customers", 1, "kind", "human", "use one of: person | organisation"),
    ("customers", 6, "birth_date", "1970-02-30", "is not a valid date"),
    ("customers", 1, "annual_income", "-5", "must not be negative"),
    ("customers", 1, "annual_income", "12,000", "is not a decimal amount"),
    ("customers", 1, "nationality", "CHN", "ISO 3166 alpha-2"),
    ("customers", 2, "customer_ref", "C000001", "duplicate customer_ref “C000001”: it is also on row 1"),
    ("customers", 2, "risk_rating", "extreme", "use one of: low | medium | high"),
    ("products", 1, "kind", "funeral", "use one of: term | whole_life"),
    ("products", 1, "max_age", "10", "max_age 10 is below min_age 18"),
    ("products", 1, "mortality_table", "CL9", "use one of: CL1"),
    ("products", 1, "min_age", "eighteen", "is not a whole number"),
    ("beneficial_owners", 1, "share_pct", "120", "between 0 and 100"),
    ("beneficial_owners", 1, "owner_ref", "C000005", "cannot be its own beneficial owner"),
    ("beneficial_owners", 1, "organisation_ref", "C000002", "is a person, not an organisation"),
    ("beneficial_owners", 1, "owner_ref", "C999999", "unknown customer “C999999”"),
    ("beneficial_owners", 1, "control", "maybe", "is not true or false"),
    ("policies", 1, "product_code", "NOPE", "unknown product “NOPE”"),
    ("policies", 1, "insured_ref", "C999999", "unknown customer “C999999”"),
    ("policies", 1, "insured_ref", "C000004", "the insured is 4 at issue; product TERM20 accepts ages 18–60"),
    ("policies", 1, "insured_ref", "C000005", "the insured must be a person"),
    ("policies", 1, "premium_term_years", "25", "premium term 25 years is longer than the policy term 20 years"),
    ("policies", 3, "premium_term_years", "5", "a single-premium policy has a premium term of 1 year"),
    ("policies", 1, "status", "alive", "use one of: in_force | lapsed"),
    ("policies", 1, "annual_premium", "-1", "must not be negative"),
    ("policies", 1, "sum_assured", "0", "must be greater than zero"),
    ("policies", 1, "beneficiary_refs", "C000002;C999999", "unknown customer “C999999”"),
    ("policies", 3, "status_date", "2018-01-01", "is before issue_date"),
    ("policies", 1, "issue_date", "01/03/2020", "is not a valid date"),
    ("transactions", 1, "amount", "-5.00", "must not be negative"),
    ("transactions", 1, "amount", "ten", "is not a decimal amount"),
    ("transactions", 1, "amount", "1.005", "more than 2 decimal places"),
    ("transactions", 1, "policy_ref", "P404", "unknown policy “P404”"),
    ("transactions", 1, "timestamp", "yesterday", "is not a valid timestamp"),
    ("transactions", 5, "amount", "10", "a beneficiary_change moves no money"),
    ("transactions", 1, "currency", "RMB1", "3-letter ISO 4217"),
    ("transactions", 1, "method", "bitcoin", "use one of: cash | transfer"),
    ("transactions", 1, "payer_ref", "C999999", "unknown customer “C999999” (payer_ref)"),
    ("transactions", 1, "kind", "gift", "use one of: premium | policy_loan"),
    ("transactions", 2, "txn_ref", "T00000001", "duplicate txn_ref “T00000001”: it is also on row 1"),
]
# The ID number encodes birth date and sex: a disagreement is reported on the ID number.
REPORTED_ON = {"differs from birth_date": "id_number", "encodes sex M": "id_number"}
PREREQUISITES = {
    "products": (),
    "customers": (),
    "beneficial_owners": ("customers",),
    "policies": ("products", "customers"),
    "transactions": ("products", "customers", "policies"),
}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "row", "column", "value", "message"), ROW_ERRORS, ids=[f"{k}-{c}-{v}" for k, _, c, v, _ in ROW_ERRORS]
)
def test_row_error_has_its_own_message(kind, row, column, value, message):
    load(*PREREQUISITES[kind])
    before = counts()
    errors = errors_of(kind, edit(fixture_text(kind), row, column, value))
    assert [(e.row, e.column) for e in errors] == [(row, REPORTED_ON.get(message, column))], errors
    assert message in errors[0].message
    assert counts() == before  # nothing written


@pytest.mark.django_db
def test_every_bad_row_is_reported_and_nothing_written():
    text = edit(edit(fixture_text("customers"), 2, "birth_date", "1992-13-03"), 4, "phone", "999")
    errors = errors_of("customers", text)
    assert [(e.row, e.column) for e in errors] == [(2, "birth_date"), (4, "phone")]
    assert Customer.objects.count() == 0


@pytest.mark.django_db
def test_identity_document_held_by_another_customer():
    load("customers")
    text = (
        fixture_text("customers").splitlines()[0]
        + "\n"
        + edit(fixture_text("customers"), 1, "customer_ref", "C000099").splitlines()[1]
        + "\n"
    )
    errors = errors_of("customers", text)
    assert [(e.row, e.column, e.message) for e in errors] == [
        (1, "id_number", "this identity document already belongs to customer C000001")
    ]


# --- File-level errors -----------------------------------------------------------------------


@pytest.mark.django_db
def test_gbk_file_is_refused_with_the_byte_offset():
    data = fixture_text("customers").encode("gbk")
    errors = errors_of_bytes("customers", data)
    offset = data.index("张".encode("gbk"))
    assert len(errors) == 1 and errors[0].row is None
    assert "not UTF-8" in errors[0].message
    assert f"byte offset {offset}" in errors[0].message
    assert "save it as UTF-8" in errors[0].message
    assert Customer.objects.count() == 0


def errors_of_bytes(kind: str, data: bytes) -> list:
    with pytest.raises(RowErrors) as caught:
        run(kind, data)
    return caught.value.errors


@pytest.mark.django_db
def test_utf8_bom_is_accepted():
    result = run("products", b"\xef\xbb\xbf" + fixture_text("products").encode())
    assert result.created == 3


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty"),
        (b"   \n", "the file is empty"),
        (b"product_code,name,kind,mortality_table,min_age,max_age,cooling_off_days\n", "no data rows"),
        (
            b"product_code,name,kind\nX,Y,term\n",
            "missing required column(s): mortality_table, min_age, max_age, cooling_off_days",
        ),
        (
            b"product_code,name,kind,kind,mortality_table,min_age,max_age,cooling_off_days\nA,B,term,term,CL1,1,2,3\n",
            "duplicate column(s) in the header: kind",
        ),
    ],
    ids=["empty", "blank", "header-only", "missing-columns", "duplicate-header"],
)
def test_file_level_errors(data, message):
    errors = errors_of_bytes("products", data)
    assert len(errors) == 1 and errors[0].row is None
    assert message in errors[0].message


@pytest.mark.django_db
def test_row_with_wrong_number_of_fields():
    text = fixture_text("products") + "EXTRA,Too,term,CL1,1,2,3,surplus\n"
    errors = errors_of("products", text)
    assert [(e.row, e.message) for e in errors] == [(4, "the row has 8 fields, the header has 7")]


@pytest.mark.django_db
def test_json_records_give_the_same_errors_as_csv():
    load("products", "customers", "policies")
    text = edit(fixture_text("transactions"), 3, "amount", "-1")
    csv_errors = errors_of("transactions", text)
    records = list(csv.DictReader(io.StringIO(text)))
    with pytest.raises(RowErrors) as caught:
        run("transactions", records)
    assert caught.value.errors == csv_errors
    del records[0]["amount"]
    with pytest.raises(RowErrors) as caught:
        run("transactions", records)
    assert (1, "amount", "the field is missing") in [(e.row, e.column, e.message) for e in caught.value.errors]


# --- Query counts are constant in the number of rows -----------------------------------------


def _transactions_csv(n: int, start: int) -> bytes:
    header = fixture_text("transactions").splitlines()[0]
    lines = [
        f"T{start + i:08d},P0000001,premium,2024-01-01T10:00:00+08:00,100.00,CNY,transfer,C000001,,ACC,CN"
        for i in range(n)
    ]
    return ("\n".join([header, *lines]) + "\n").encode()


@pytest.mark.django_db
def test_transaction_import_query_count_does_not_grow_with_rows():
    load("products", "customers", "policies")
    used = []
    for n, start in ((5, 1000), (200, 2000)):
        with CaptureQueriesContext(connection) as ctx:
            result = run("transactions", _transactions_csv(n, start))
        assert result.created == n
        used.append(len(ctx.captured_queries))
    assert used[0] == used[1]


@pytest.mark.django_db
def test_a_file_of_several_batches_is_all_or_nothing():
    """Rows go to the database as they are checked, batch by batch (CHECK_BATCH): a bad row
    in the last batch still leaves nothing written, every bad row is reported, and a good
    file of several batches is written whole, then re-imported as unchanged."""
    from customers.imports import transactions_file

    load("products", "customers", "policies")
    before = PolicyTransaction.objects.count()
    n = 2 * transactions_file.CHECK_BATCH + 500
    text = _transactions_csv(n, 10_000).decode()
    bad = edit(edit(text, 3, "amount", "-1"), n - 10, "policy_ref", "P9999999")
    with pytest.raises(RowErrors) as caught:
        run("transactions", bad.encode())
    assert [(e.row, e.column) for e in caught.value.errors] == [(3, "amount"), (n - 10, "policy_ref")]
    assert PolicyTransaction.objects.count() == before
    result = run("transactions", text.encode())
    assert (result.created, result.unchanged) == (n, 0)
    assert PolicyTransaction.objects.count() == before + n
    again = run("transactions", text.encode())
    assert (again.created, again.unchanged) == (0, n)
    assert PolicyTransaction.objects.count() == before + n


# --- Service: permission, audit, dashboard refresh ---------------------------------------


@pytest.mark.django_db
def test_integrator_may_import_and_the_refresh_is_queued(integrator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        result = book_import(
            actor=integrator, kind="products", source="products.csv", rows_or_file=fixture_text("products").encode()
        )
    assert result.created == 3
    # After commit: the dashboard refresh is queued (and the audit event is chained).
    refreshes = [c for c in callbacks if "book_import" in getattr(c, "__qualname__", "")]
    assert len(refreshes) == 1
    event = AuditEvent.objects.get(action="import")
    assert (event.object_type, event.actor_name, event.changes["created"]) == (
        "customers.products",
        "integrator-persona",
        3,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["internal_auditor", "external_examiner", "aml_analyst", "board_member"])
def test_roles_without_import_permission_are_refused(persona_factory, code):
    with pytest.raises(PermissionDenied):
        book_import(
            actor=persona_factory(code),
            kind="products",
            source="products.csv",
            rows_or_file=fixture_text("products").encode(),
        )
    assert Product.objects.count() == 0


@pytest.mark.django_db
def test_nobody_is_refused(nobody):
    with pytest.raises(PermissionDenied):
        book_import(actor=nobody, kind="products", source="products.csv", rows_or_file=b"")


# --- The command line ---------------------------------------------------------------------


@pytest.mark.django_db
def test_import_book_command_imports_the_folder_in_order(capsys):
    call_command("import_book", str(FIXTURES))
    out = capsys.readouterr().out
    assert "transactions.csv: 6 rows, 6 created, 0 updated, 0 unchanged" in out
    assert out.index("products.csv") < out.index("customers.csv") < out.index("policies.csv")
    assert counts()["transactions"] == 6
    call_command("import_book", str(FIXTURES), "--only", "customers")
    assert "customers.csv: 6 rows, 0 created, 0 updated, 6 unchanged" in capsys.readouterr().out


@pytest.mark.django_db
def test_import_book_command_prints_every_error_and_fails(tmp_path, capsys):
    load("products", "customers", "policies")
    text = edit(edit(fixture_text("transactions"), 2, "amount", "-3"), 4, "policy_ref", "P404")
    (tmp_path / "transactions.csv").write_text(text, encoding="utf-8")
    with pytest.raises(CommandError, match="2 error"):
        call_command("import_book", str(tmp_path))
    err = capsys.readouterr().err
    assert "transactions.csv row 2, column amount: must not be negative (got -3)" in err
    assert "transactions.csv row 4, column policy_ref: unknown policy “P404”" in err
    assert PolicyTransaction.objects.count() == 0


@pytest.mark.django_db
def test_import_book_command_with_an_actor_checks_their_role(internal_auditor):
    with pytest.raises(CommandError, match="may not import"):
        call_command("import_book", str(FIXTURES), "--actor", internal_auditor.username)
    assert Product.objects.count() == 0


@pytest.mark.django_db
def test_import_file_entry_point_with_and_without_actor(integrator, internal_auditor):
    raw = imports.import_file("products", FIXTURES / "products.csv")
    assert (raw.created, raw.rows) == (3, 3) and raw.seconds > 0
    checked = imports.import_file("customers", FIXTURES / "customers.csv", actor=integrator)
    assert checked.as_dict()["created"] == 6
    with pytest.raises(PermissionDenied):
        imports.import_file("beneficial_owners", FIXTURES / "beneficial_owners.csv", actor=internal_auditor)
    assert BeneficialOwner.objects.count() == 0
