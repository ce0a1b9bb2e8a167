"""The book-of-business pages: who may open them, what they show, and what they cost."""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from customers.models import BeneficialOwner, PolicyBeneficiary
from customers.summary import book_summary_refresh
from customers.tests import builders

pytestmark = pytest.mark.django_db

LIST_PAGES = ["customers:customer_list", "customers:policy_list", "customers:transaction_list",
              "customers:product_list"]  # fmt: skip


def _login(client, user):
    client.force_login(user)
    return client


def _book(n_policies: int):
    """``n_policies`` policies, each with its own holder and two transactions."""
    product = builders.product(product_code="TERM01", name="安心定期寿险")
    policies = []
    for i in range(n_policies):
        holder = builders.person(name=f"王{i:03d}", risk_rating="low" if i % 2 else "high")
        p = builders.policy(holder=holder, product=product, channel="agency" if i % 3 else "online")
        builders.transaction(on=p, when=timezone.make_aware(dt.datetime(2024, 1 + i % 12, 10, 9, 0)))
        builders.transaction(on=p, kind="policy_loan", amount="800", payer=None, payee=holder,
                             when=timezone.make_aware(dt.datetime(2024, 6, 1, 9, 0)))  # fmt: skip
        policies.append(p)
    return policies


def _audit_events(caplog=None) -> list[dict]:
    """What insurer.audit recorded in the hash-chained ledger."""
    from insurer.ledger.models import AuditEvent

    return [{"kind": e.kind, "object_id": e.object_id, "detail": e.changes}
            for e in AuditEvent.objects.order_by("id")]  # fmt: skip


def _rows(response) -> int:
    return len(re.findall(r"<tr>\s*<td(?! colspan)", response.content.decode()))


# --- access -----------------------------------------------------------------------------


@pytest.mark.parametrize("url_name", LIST_PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("url_name", LIST_PAGES)
def test_a_user_without_the_view_permission_gets_403(client, nobody, url_name):
    assert _login(client, nobody).get(reverse(url_name)).status_code == 403


def test_details_out_of_scope_are_404_not_403(client, nobody):
    p = _book(1)[0]
    _login(client, nobody)
    assert client.get(reverse("customers:customer_detail", args=[p.policyholder.customer_ref])).status_code == 404
    assert client.get(reverse("customers:policy_detail", args=[p.policy_ref])).status_code == 404
    assert client.get(reverse("customers:customer_detail", args=["C-NOPE"])).status_code == 404


def test_board_members_see_the_dashboard_but_not_the_tables(client, board_member):
    _login(client, board_member)
    assert client.get(reverse("customers:customer_list")).status_code == 403
    page = client.get(reverse("home")).content.decode()
    assert reverse("customers:customer_list") not in page  # the menu shows only what they may open
    assert "book-panel-title" in page


# --- lists ------------------------------------------------------------------------------


def test_customer_list_shows_masked_identity_only(client, aml_analyst):
    p = _book(2)[0]
    page = _login(client, aml_analyst).get(reverse("customers:customer_list")).content.decode()
    holder = p.policyholder
    assert holder.customer_ref in page and holder.id_number_masked in page and holder.phone_masked in page
    from insurer import crypto

    assert crypto.decrypt(holder.id_number_ciphertext, "id_number") not in page
    assert "13912345678" not in page


def test_filters_select_matching_rows(client, aml_analyst):
    _book(6)
    builders.organisation(name="示例贸易有限公司")
    _login(client, aml_analyst)
    page = client.get(reverse("customers:customer_list"), {"kind": "organisation"}).content.decode()
    assert "示例贸易有限公司" in page and "王000" not in page
    policies = client.get(reverse("customers:policy_list"), {"channel": "online"})
    assert set(re.findall(r'data-channel="(\w+)"', policies.content.decode())) == {"online"}
    assert _rows(policies) == 2  # i = 0 and 3


def test_an_invalid_filter_shows_no_rows_and_says_why(client, aml_analyst):
    _book(2)
    page = _login(client, aml_analyst).get(reverse("customers:transaction_list"), {"date_from": "not-a-date"})
    assert page.status_code == 200
    assert _rows(page) == 0
    assert "not valid" in page.content.decode()


def test_header_click_sorts_and_a_second_click_reverses(client, aml_analyst):
    _book(4)
    _login(client, aml_analyst)
    ascending = client.get(reverse("customers:customer_list"), {"ordering": "name"}).content.decode()
    names = re.findall(r"<td>(王\d{3})</td>", ascending)
    assert names == sorted(names) and len(names) == 4
    assert 'aria-sort="ascending"' in ascending
    assert "?ordering=-name" in ascending  # the header now offers the reverse order
    descending = client.get(reverse("customers:customer_list"), {"ordering": "-name"}).content.decode()
    assert re.findall(r"<td>(王\d{3})</td>", descending) == sorted(names, reverse=True)


def test_page_size_and_page_numbers(client, aml_analyst):
    _book(30)
    _login(client, aml_analyst)
    first = client.get(reverse("customers:policy_list"))
    assert _rows(first) == 25
    assert "Rows 1–25 of 30" in first.content.decode()
    second = client.get(reverse("customers:policy_list"), {"page": 2})
    assert _rows(second) == 5
    assert _rows(client.get(reverse("customers:policy_list"), {"page_size": 50})) == 30


def test_a_capped_count_says_n_plus(client, aml_analyst, monkeypatch):
    from insurer import pagination

    monkeypatch.setattr(pagination, "COUNT_CAP", 5)
    _book(8)
    page = _login(client, aml_analyst).get(reverse("customers:transaction_list")).content.decode()
    assert "of 5+" in page


def test_htmx_gets_only_the_table_region(client, aml_analyst):
    _book(2)
    _login(client, aml_analyst)
    response = client.get(reverse("customers:customer_list"), {"risk_rating": "low"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "<html" not in body and "<table" in body
    assert "HX-Request" in response["Vary"]
    assert _rows(response) == 1
    # The browser's back button asks for the whole page again.
    restore = client.get(reverse("customers:customer_list"),
                         headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})  # fmt: skip
    assert "<html" in restore.content.decode()


def test_product_list_shows_in_force_figures_from_the_summary(client, aml_analyst):
    _book(3)
    book_summary_refresh(trigger="test")
    page = _login(client, aml_analyst).get(reverse("customers:product_list")).content.decode()
    assert "TERM01" in page and "安心定期寿险" in page
    assert re.search(r'<td class="num">3</td>', page)


# --- export -----------------------------------------------------------------------------


def test_export_streams_the_filtered_rows_in_interchange_columns(client, aml_analyst, caplog):
    _book(5)
    _login(client, aml_analyst)
    with caplog.at_level(logging.INFO, logger="insurer.audit"):
        response = client.get(reverse("customers:export", args=["policies"]), {"channel": "online"})
        content = b"".join(response.streaming_content).decode()
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(content)))
    assert list(rows[0]) == ["policy_ref", "product_code", "policyholder_ref", "insured_ref", "beneficiary_refs",
                             "issue_date", "status", "sum_assured", "annual_premium", "premium_term_years",
                             "policy_term_years", "payment_frequency", "channel", "agent_code"]  # fmt: skip
    assert len(rows) == 2 and {r["channel"] for r in rows} == {"online"}
    events = _audit_events(caplog)
    assert events[-1]["kind"] == "export" and events[-1]["detail"] == {"rows": 2, "filters": {"channel": "online"}}


def test_export_of_customers_and_transactions_keeps_pii_masked(client, aml_analyst):
    p = _book(2)[0]
    _login(client, aml_analyst)
    customers = b"".join(client.get(reverse("customers:export", args=["customers"])).streaming_content).decode()
    rows = {r["customer_ref"]: r for r in csv.DictReader(io.StringIO(customers))}
    assert rows[p.policyholder.customer_ref]["id_number"] == p.policyholder.id_number_masked
    assert rows[p.policyholder.customer_ref]["phone"] == "139****5678"
    txns = b"".join(client.get(reverse("customers:export", args=["transactions"]),
                               {"kind": "policy_loan"}).streaming_content).decode()  # fmt: skip
    txn_rows = list(csv.DictReader(io.StringIO(txns)))
    assert len(txn_rows) == 2 and txn_rows[0]["timestamp"].endswith("+08:00")


def test_export_needs_the_export_permission(client, finance_accountant):
    _book(1)
    _login(client, finance_accountant)
    assert client.get(reverse("customers:export", args=["customers"])).status_code == 403
    assert "Export CSV" not in client.get(reverse("customers:customer_list")).content.decode()


# --- detail pages -----------------------------------------------------------------------


def test_customer_page_shows_policies_and_a_monthly_timeline(client, aml_analyst):
    holder = builders.person(name="赵敏")
    other = builders.person(name="钱伟")
    held = builders.policy(holder=holder)
    benefiting = builders.policy(holder=other)
    PolicyBeneficiary.objects.create(policy=benefiting, customer=holder, position=1)
    builders.transaction(on=held, when=timezone.make_aware(dt.datetime(2024, 3, 5, 9, 0)), txn_ref="T-MARCH")
    builders.transaction(on=held, when=timezone.make_aware(dt.datetime(2024, 5, 5, 9, 0)), txn_ref="T-MAY")
    builders.transaction(on=benefiting, txn_ref="T-NOT-HIS", payer=other)
    page = _login(client, aml_analyst).get(reverse("customers:customer_detail", args=[holder.customer_ref]))
    body = page.content.decode()
    assert held.policy_ref in body and benefiting.policy_ref in body
    assert body.index("2024-05") < body.index("2024-03")  # newest month first
    assert body.index("T-MAY") < body.index("T-MARCH")
    assert "T-NOT-HIS" not in body


def test_organisation_page_lists_its_beneficial_owners(client, aml_analyst):
    org = builders.organisation(name="示例控股有限公司")
    owner = builders.person(name="孙立")
    BeneficialOwner.objects.create(organisation=org, owner=owner, share_pct="60.5", control=True)
    body = _login(client, aml_analyst).get(reverse("customers:customer_detail", args=[org.customer_ref]))
    assert "孙立" in body.content.decode() and "60.50" in body.content.decode()
    owner_page = client.get(reverse("customers:customer_detail", args=[owner.customer_ref])).content.decode()
    assert "示例控股有限公司" in owner_page  # the owner's holdings


def test_timeline_pages_through_htmx(client, aml_analyst):
    holder = builders.person()
    p = builders.policy(holder=holder)
    for i in range(30):
        builders.transaction(on=p, when=timezone.make_aware(dt.datetime(2023, 1, 1) + dt.timedelta(days=i)))
    _login(client, aml_analyst)
    url = reverse("customers:customer_detail", args=[holder.customer_ref])
    partial = client.get(url, {"page": 2}, headers={"HX-Request": "true", "HX-Target": "timeline"})
    body = partial.content.decode()
    assert "<html" not in body and _rows(partial) == 5  # 25 on the first page, 5 on the second
    assert 'scope="rowgroup"' in body  # the month heading


def test_reveal_shows_the_numbers_and_is_audited(client, aml_analyst, caplog):
    holder = builders.person(phone="13800001111")
    _login(client, aml_analyst)
    page = client.get(reverse("customers:customer_detail", args=[holder.customer_ref])).content.decode()
    assert "13800001111" not in page and "hx-post" in page
    with caplog.at_level(logging.INFO, logger="insurer.audit"):
        response = client.post(reverse("customers:customer_pii", args=[holder.customer_ref]),
                               headers={"HX-Request": "true"})  # fmt: skip
    assert "13800001111" in response.content.decode()
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    events = _audit_events(caplog)
    assert events[-1]["kind"] == "sensitive_read" and events[-1]["object_id"] == holder.customer_ref


def test_reveal_is_refused_without_the_pii_permission(client, finance_accountant):
    holder = builders.person(phone="13800001111")
    _login(client, finance_accountant)
    page = client.get(reverse("customers:customer_detail", args=[holder.customer_ref])).content.decode()
    assert "hx-post" not in page
    response = client.post(reverse("customers:customer_pii", args=[holder.customer_ref]))
    assert response.status_code == 403 and "13800001111" not in response.content.decode()


def test_reveal_needs_post(client, aml_analyst):
    holder = builders.person()
    url = reverse("customers:customer_pii", args=[holder.customer_ref])
    assert _login(client, aml_analyst).get(url).status_code == 405


def test_policy_page_shows_fields_beneficiaries_and_transactions(client, aml_analyst):
    p = _book(1)[0]
    heir = builders.person(name="周杰")
    PolicyBeneficiary.objects.create(policy=p, customer=heir, position=1)
    body = _login(client, aml_analyst).get(reverse("customers:policy_detail", args=[p.policy_ref])).content.decode()
    assert p.policy_ref in body and "安心定期寿险" in body and "周杰" in body
    assert body.count("<tr>\n    <td>2024-") == 2


# --- CSP and cost -----------------------------------------------------------------------


@pytest.mark.parametrize("url_name", ["home", *LIST_PAGES])
def test_pages_carry_no_inline_script_or_style(client, aml_analyst, url_name):
    _book(2)
    book_summary_refresh(trigger="test")
    response = _login(client, aml_analyst).get(reverse(url_name))
    body = response.content.decode()
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert ' style="' not in body and "<style" not in body
    for tag in re.findall(r"<script\b[^>]*>", body):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert "hx-on" not in body


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def _grow(n: int) -> None:
    """n more policies, each with a new holder, a new product, a beneficiary, transactions."""
    for _ in range(n):
        p = builders.policy(holder=builders.person(), channel="bancassurance")
        PolicyBeneficiary.objects.create(policy=p, customer=builders.person(), position=1)
        builders.transaction(on=p)
        builders.transaction(on=p, kind="surrender", payer=None, payee=p.policyholder)


@pytest.mark.parametrize("url_name", [*LIST_PAGES, "home"])
def test_query_count_is_constant_in_the_number_of_rows(client, aml_analyst, url_name,
                                                       django_assert_max_num_queries):  # fmt: skip
    _login(client, aml_analyst)
    _grow(2)
    book_summary_refresh(trigger="test")
    small = _queries(client, reverse(url_name))
    _grow(20)
    book_summary_refresh(trigger="test")
    with django_assert_max_num_queries(small):
        assert client.get(reverse(url_name)).status_code == 200
    assert small <= 12, "a page needs a handful of queries, whatever the size of the book"


@pytest.mark.parametrize("url_name", ["customers:customer_detail", "customers:policy_detail"])
def test_detail_query_count_is_constant(client, aml_analyst, url_name, django_assert_max_num_queries):
    holder = builders.person()
    p = builders.policy(holder=holder)
    PolicyBeneficiary.objects.create(policy=p, customer=builders.person(), position=1)
    builders.transaction(on=p)
    arg = holder.customer_ref if url_name == "customers:customer_detail" else p.policy_ref
    _login(client, aml_analyst)
    small = _queries(client, reverse(url_name, args=[arg]))
    for _ in range(20):
        other = builders.policy(holder=holder)
        PolicyBeneficiary.objects.create(policy=p, customer=builders.person(), position=2 + _)
        builders.transaction(on=p, payee=builders.person())
        builders.transaction(on=other)
    with django_assert_max_num_queries(small):
        client.get(reverse(url_name, args=[arg]))
