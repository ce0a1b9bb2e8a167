"""Payout hold and account freeze enforced where money leaves, on every path: the book
import (CSV through the service and the command, JSON and CSV through the API), and the
payout-guard service itself. A refused file writes nothing and names every offending row."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from compliance.holds import services
from customers.models import PolicyTransaction
from customers.services import book_import
from customers.tests import builders
from insurer import payouts
from insurer.errors import RowErrors

HEADER = (
    "txn_ref,policy_ref,kind,timestamp,amount,currency,method,payer_ref,payee_ref,account_ref,counterparty_country\n"
)


def line(ref, policy, kind, amount="5000.00", payee=""):
    return f"{ref},{policy.policy_ref},{kind},2026-03-01T10:00:00+08:00,{amount},CNY,transfer,,{payee},,\n"


def importer():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get_or_create(username="importer", defaults={"is_superuser": True})[0]


def hold(policy, actor, kind="hold"):
    return services.restriction_place(actor=actor, kind=kind, policy=policy, reason="alert under review")


@pytest.fixture
def csv_file(held_policy, free_policy):
    return (
        HEADER
        + line("T1", free_policy, "premium", "1500.00")
        + line("T2", held_policy, "surrender")
        + line("T3", held_policy, "premium", "1500.00")  # money in: never held
        + line("T4", free_policy, "claim_payout")
        + line("T5", held_policy, "policy_loan")
        + line("T6", held_policy, "refund")
        + line("T7", held_policy, "claim_payout")
    )


def test_a_held_policy_refuses_every_payout_row_and_the_whole_file(csv_file, held_policy, aml_analyst):
    restriction = hold(held_policy, aml_analyst)
    with pytest.raises(RowErrors) as caught:
        book_import(actor=importer(), kind="transactions", source="t.csv", rows_or_file=csv_file.encode())
    errors = caught.value.errors
    assert [(e.row, e.column) for e in errors] == [(2, "policy_ref"), (5, "policy_ref"), (6, "policy_ref"),
                                                   (7, "policy_ref")]  # fmt: skip
    first = str(errors[0])
    assert first.startswith("row 2, column policy_ref: T2: a surrender on policy P7000000001 is refused")
    assert f"restriction #{restriction.pk}" in first and "payouts held pending review" in first
    assert "alert under review" in first
    assert not PolicyTransaction.objects.filter(txn_ref__in=["T1", "T3", "T4"]).exists()  # nothing written


def test_the_same_file_imports_once_the_hold_is_lifted(csv_file, held_policy, aml_analyst, second_analyst):
    restriction = hold(held_policy, aml_analyst)
    services.restriction_lift(actor=second_analyst, restriction=restriction, reason="false positive, documented")
    result = book_import(actor=importer(), kind="transactions", source="t.csv",
                         rows_or_file=csv_file.encode())  # fmt: skip
    assert result.created == 7


def test_a_frozen_customer_refuses_payouts_on_every_policy_held_and_payments_to_them(mlro, held_policy):
    customer = held_policy.policyholder
    second = builders.policy(holder=customer, policy_ref="P7000000003")
    elsewhere = builders.policy(policy_ref="P7000000004")
    services.restriction_place(actor=mlro, kind="freeze", customer=customer, reason="court order 2026-17",
                               source="court_order", source_ref="(2026)京01执17")  # fmt: skip
    text = (
        HEADER
        + line("F1", second, "surrender")
        + line("F2", elsewhere, "claim_payout", payee=customer.customer_ref)
        + line("F3", elsewhere, "claim_payout")
    )
    with pytest.raises(RowErrors) as caught:
        book_import(actor=importer(), kind="transactions", source="f.csv", rows_or_file=text.encode())
    messages = [str(e) for e in caught.value.errors]
    assert len(messages) == 2
    assert "F1: a surrender on policy P7000000003 is refused: account frozen on customer" in messages[0]
    assert "F2: a claim payout on policy P7000000004 is refused" in messages[1]
    assert "Court or authority order" in messages[0]


def test_rows_already_stored_are_not_new_payouts(held_policy, aml_analyst):
    text = HEADER + line("S1", held_policy, "surrender")
    book_import(actor=importer(), kind="transactions", source="s.csv", rows_or_file=text.encode())
    hold(held_policy, aml_analyst)
    result = book_import(actor=importer(), kind="transactions", source="s.csv", rows_or_file=text.encode())
    assert (result.created, result.unchanged) == (0, 1)


def test_held_payouts_are_reported_with_the_files_other_errors(held_policy, aml_analyst):
    hold(held_policy, aml_analyst)
    text = HEADER + line("E1", held_policy, "surrender") + line("E2", held_policy, "no_such_kind")
    with pytest.raises(RowErrors) as caught:
        book_import(actor=importer(), kind="transactions", source="e.csv", rows_or_file=text.encode())
    assert sorted(e.row for e in caught.value.errors) == [1, 2]


def test_the_guard_costs_one_query_per_file_not_per_row(held_policy, aml_analyst):
    hold(held_policy, aml_analyst)
    free = builders.policy()
    many = [payouts.Payment(free.pk, "surrender", f"Q{i}") for i in range(500)]
    with CaptureQueriesContext(connection) as few:
        assert payouts.refusals(many[:5]) == []
    with CaptureQueriesContext(connection) as lots:
        assert payouts.refusals(many) == []
    assert len(few) == len(lots) == 1


def test_the_import_command_refuses_the_file(tmp_path, held_policy, aml_analyst, csv_file):
    hold(held_policy, aml_analyst)
    (tmp_path / "transactions.csv").write_text(csv_file, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(Exception) as caught:  # CommandError, naming the rows
        call_command("import_book", str(tmp_path), stdout=out, stderr=err)
    assert "P7000000001" in str(caught.value) + out.getvalue() + err.getvalue()
    assert not PolicyTransaction.objects.exists()


@pytest.mark.parametrize("as_csv", [True, False], ids=["csv", "json"])
def test_the_api_bulk_import_is_a_400_naming_every_refused_row(as_csv, csv_file, held_policy, aml_analyst,
                                                               integrator):  # fmt: skip
    hold(held_policy, aml_analyst)
    client = APIClient()
    client.force_authenticate(integrator)
    if as_csv:
        response = client.post("/api/v1/transactions/import/", csv_file.encode(), content_type="text/csv")
    else:
        import csv

        rows = list(csv.DictReader(io.StringIO(csv_file)))
        response = client.post("/api/v1/transactions/import/", rows, format="json")
    assert response.status_code == 400
    body = response.json()
    assert "nothing was written" in body["detail"]
    assert [e["row"] for e in body["errors"]] == [2, 5, 6, 7]
    assert all("P7000000001" in e["message"] and "restriction #" in e["message"] for e in body["errors"])
    assert not PolicyTransaction.objects.exists()


def test_enforce_refuses_a_single_payout_with_the_reason(held_policy, free_policy, mlro):
    services.restriction_place(actor=mlro, kind="freeze", policy=held_policy, reason="sanctions hit confirmed")
    payouts.enforce([payouts.Payment(free_policy.pk, "surrender", "OK1")])  # a free policy pays
    with pytest.raises(payouts.PayoutRefused) as caught:
        payouts.enforce([payouts.Payment(held_policy.pk, "claim_payout", "NO1")])
    assert "NO1: a claim payout on policy P7000000001 is refused: account frozen" in str(caught.value)
