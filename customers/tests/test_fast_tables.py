"""The fast paths of the book lists show exactly what the templates and DRF showed.

The customer, policy and transaction tables build their region (headers, rows, pagination)
in Python (customers/views/rows.py, region.py); the reference is the templates they
replaced, still in the tree: customers/partials/table_region.html with rows_*.html,
insurer/partials/sortable_th.html and pagination.html. Every case here renders both from
the same request and compares them (up to runs of whitespace, which HTML does not see).
The API lists read dict rows; the reference is DRF over model instances.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.test import APIClient

from customers import filters
from customers.models import BeneficialOwner, PolicyBeneficiary
from customers.tests import builders
from customers.views import region, rows, tables
from insurer import crypto

pytestmark = pytest.mark.django_db

NASTY = "<script>alert('x')</script> & \"Ltd\""
TABLES = {
    "customers:customer_list": tables.CUSTOMERS,
    "customers:policy_list": tables.POLICIES,
    "customers:transaction_list": tables.TRANSACTIONS,
}
QUERIES = [
    {},
    {"ordering": "-amount"},
    {"ordering": "amount", "page": "2", "page_size": "25"},
    {"kind": "surrender"},
    {"ordering": "name"},
    {"ordering": "-sum_assured", "channel": "online"},
    {"date_from": "not-a-date"},
    {"min_amount": "abc", "kind": "premium"},
    {"q": "<script>"},
    {"page": "3"},
    {"page": "999"},
    {"customer": "C-NOPE"},
    {"kind": ""},
]


def _book():
    """A book with every awkward value a cell can hold: markup and quotes in names, a ref
    that needs URL quoting, no payer, no agent, no birth date, no income, no risk rating."""
    product = builders.product(product_code="TERM<1>", name='定期 "寿险" <b>&</b>')
    nasty = builders.person(name=NASTY, customer_ref="C9 A&B", annual_income=Decimal("1234567.5"), risk_rating="high")
    org = builders.organisation(name="示例贸易有限公司")  # no birth date, phone, income or rating
    policies = []
    for i in range(60):
        holder = nasty if i % 7 == 0 else org if i % 11 == 0 else builders.person(name=f"王{i:03d}")
        p = builders.policy(
            holder=holder,
            insured=nasty if i % 5 == 0 else None,
            product=product,
            channel="online" if i % 3 == 0 else "agency",
            agent_code="" if i % 4 == 0 else f"A&{i}",
            sum_assured=Decimal(100000 + 997 * i),
            annual_premium=Decimal("1500.55") + i,
            issue_date=dt.date(2020, 1, 1) + dt.timedelta(days=37 * i),
        )
        when = timezone.make_aware(dt.datetime(2024, 1, 1, 23, 30)) + dt.timedelta(hours=19 * i)  # crosses midnight UTC
        builders.transaction(on=p, when=when, amount=str(100 + 13 * i))
        builders.transaction(
            on=p, kind="surrender", amount="99999.99", payer=None, payee=holder, when=when, counterparty_country=""
        )
        policies.append(p)
    PolicyBeneficiary.objects.create(policy=policies[0], customer=org, position=1)
    PolicyBeneficiary.objects.create(policy=policies[0], customer=nasty, position=2)
    for i in range(9):
        owned = builders.organisation(name=f"控股{i}")
        BeneficialOwner.objects.create(
            organisation=owned, owner=nasty, share_pct=Decimal("12.5") + i, control=i % 2 == 0
        )
    return nasty


def _request(user, params, language="en", htmx=False):
    request = RequestFactory().get("/", params, **({"HTTP_HX_REQUEST": "true"} if htmx else {}))
    request.user = user
    request.LANGUAGE_CODE = language
    return request


def _reference_region(request, page, perms=None) -> str:
    """What table_region.html and its includes render for the request (the old path)."""
    filterset, queryset = tables.filtered_rows(request, page)
    page_obj, page_range = tables.paginate(request, queryset)
    query = request.GET.copy()
    for param in ("page", "page_size"):
        query.pop(param, None)
    context = {
        "page": page,
        "filter": filterset,
        "page_obj": page_obj,
        "page_range": page_range,
        "rows": page_obj.object_list,
        "show_page_size": True,
        "can_export": request.user.has_perm("customers.export_book"),
        "export_url": f"{reverse('customers:export', args=[page.export])}?{query.urlencode()}",
    }
    if perms is not None:
        context["perms"] = perms
    return render_to_string("customers/partials/table_region.html", context, request=request)


def _norm(html: str) -> str:
    return re.sub(r"\s+", " ", html).strip()


def _region_of(body: str) -> str:
    start = body.index('<div id="table-region"')
    start = body.index(">", start) + 1
    end = body.index("</main>")
    return body[start : body.rindex("</div>", start, end)]


@pytest.mark.parametrize("url_name", list(TABLES))
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_python_table_region_is_the_templates(client, aml_analyst, url_name, language):
    _book()
    client.force_login(aml_analyst)
    page = TABLES[url_name]
    for params in QUERIES:
        with translation.override(language):
            expected = _norm(_reference_region(_request(aml_analyst, params, language), page))
            full = client.get(reverse(url_name), params, headers={"Accept-Language": language})
            partial = client.get(reverse(url_name), params, headers={"Accept-Language": language, "HX-Request": "true"})
        assert full.status_code == partial.status_code == 200
        assert _norm(partial.content.decode()) == expected, (url_name, params)
        assert _norm(_region_of(full.content.decode())) == expected, (url_name, params)
        assert "HX-Request" in partial["Vary"]


def test_values_are_escaped_masked_and_linked(client, aml_analyst):
    nasty = _book()
    client.force_login(aml_analyst)
    for url_name in TABLES:
        body = client.get(reverse(url_name), {"page_size": "100"}).content.decode()
        assert (
            "<script>alert" not in body
            and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;Ltd&quot;" in body
        )
    customers = client.get(reverse("customers:customer_list"), {"q": "<script>"}).content.decode()
    assert '<a href="/book/customers/C9%20A%26B/">C9 A&amp;B</a>' in customers
    assert nasty.id_number_masked in customers and nasty.phone_masked in customers
    assert crypto.decrypt(nasty.id_number_ciphertext, "id_number") not in customers
    assert "13912345678" not in customers
    assert '<td class="num">1,234,568</td>' in customers  # num, as the template showed it
    policies = client.get(reverse("customers:policy_list"), {"ordering": "sum_assured"}).content.decode()
    assert '<span title="定期 &quot;寿险&quot; &lt;b&gt;&amp;&lt;/b&gt;">TERM&lt;1&gt;</span>' in policies
    assert 'href="/book/customers/C9%20A%26B/"' in policies and "<td>A&amp;1</td>" in policies


def test_without_the_customer_permission_names_are_not_links(aml_analyst):
    _book()
    perms = {"customers": {"view_customer": False, "view_policy": False}}
    for page, render in (
        (tables.POLICIES, lambda qs: rows.policy_rows(qs, columns=11, can_open_customer=False)),
        (
            tables.TRANSACTIONS,
            lambda qs: rows.transaction_rows(qs, columns=9, can_open_customer=False, can_open_policy=False),
        ),
    ):
        request = _request(aml_analyst, {"page_size": "100"})
        expected = _reference_region(request, page, perms=perms)
        tbody = expected[expected.index("<tbody>") + 7 : expected.index("</tbody>")]
        _filterset, queryset = tables.filtered_rows(request, page)
        ours = str(render(tables.paginate(request, queryset)[0].object_list))
        assert _norm(ours) == _norm(tbody)
        assert "/book/customers/" not in ours  # (the policy table links its own refs whatever the role)
        assert page is tables.POLICIES or "/book/policies/" not in ours


def test_an_export_less_role_gets_no_export_button(client, finance_accountant):
    _book()
    client.force_login(finance_accountant)
    body = client.get(reverse("customers:policy_list")).content.decode()
    assert "export-csv" not in body
    expected = _norm(_reference_region(_request(finance_accountant, {}), tables.POLICIES))
    assert _norm(_region_of(body)) == expected


def test_empty_tables_say_so(client, aml_analyst):
    client.force_login(aml_analyst)
    body = client.get(reverse("customers:transaction_list")).content.decode()
    assert "No transactions match these filters." in body and "No rows match." in body
    assert _norm(_region_of(body)) == _norm(_reference_region(_request(aml_analyst, {}), tables.TRANSACTIONS))


def test_the_filter_form_is_rendered_once_per_page_query_and_language(client, aml_analyst, monkeypatch):
    _book()
    region.FILTER_FORMS.clear()
    client.force_login(aml_analyst)
    rendered = []
    real = region.render_to_string
    monkeypatch.setattr(region, "render_to_string", lambda *a, **k: rendered.append(a[0]) or real(*a, **k))
    url = reverse("customers:transaction_list")
    first = client.get(url, {"date_from": "not-a-date"}).content.decode()
    second = client.get(url, {"date_from": "not-a-date"}).content.decode()
    assert len(rendered) == 1 and _form_of(first) == _form_of(second)
    assert 'id="id_date_from-errors"' in first  # the form's own error, cached with it
    assert 'class="form-select form-select-sm"' in first and 'type="date"' in first  # styled
    chinese = client.get(url, {"date_from": "not-a-date"}, headers={"Accept-Language": "zh-hans"}).content.decode()
    assert len(rendered) == 2 and _form_of(chinese) != _form_of(first)
    client.get(url, {"date_from": "not-a-date"}, headers={"HX-Request": "true"})  # a fragment shows no form
    assert len(rendered) == 2


def _form_of(body: str) -> str:
    start = body.index('<form id="filter-form"')
    return body[start : body.index("</form>", start)]


@pytest.mark.parametrize(
    ("filterset", "params"),
    [
        (filters.TransactionFilter, {"kind": "surrender", "min_amount": "10", "ordering": "-amount"}),
        (filters.TransactionFilter, {"date_from": "2024-13-01", "date_to": "x", "kind": "nope"}),
        (filters.TransactionFilter, {"kind": "", "payer": "C1", "page": "2"}),
        (filters.PolicyFilter, {"customer": "C1", "issued_from": "2020-01-01", "status": "lapsed"}),
        (filters.PolicyFilter, {"ordering": "bogus"}),
        (filters.CustomerFilter, {"q": "王", "id_number": "110105198005170252", "risk_rating": "high"}),
        (filters.CustomerFilter, {}),
        (filters.BeneficialOwnerFilter, {"control": "true", "owner": "C2"}),
        (filters.ProductFilter, {"kind": "term", "mortality_table": "CL1"}),
    ],
)
def test_lean_filter_validation_is_the_full_forms(filterset, params, aml_analyst):
    from django.http import QueryDict

    data = QueryDict(mutable=True)
    data.update(params)
    lean = filterset(data)
    full = filterset(data)
    full.form  # noqa: B018 (built first: validation then goes through the full form)
    assert lean.is_valid() == full.is_valid()
    assert lean.errors == full.errors
    if full.is_valid():
        assert str(lean.qs.query) == str(full.qs.query)
    assert len(lean._validation_form().fields) <= len(full.form.fields)


def _api_rows(user, resource, params=None) -> list[dict]:
    client = APIClient()
    client.force_authenticate(user)
    url, out = f"/api/v1/{resource}/", []
    response = client.get(url, params or {})
    while True:
        assert response.status_code == 200
        body = response.json()
        out.extend(body["results"])
        if not body["next"]:
            return out
        response = client.get(body["next"])


@pytest.mark.parametrize(
    ("resource", "params"),
    [
        ("policies", {"ordering": "-sum_assured"}),
        ("policies", {"ordering": "issue_date", "channel": "online"}),
        ("policies", {}),
        ("transactions", {"ordering": "amount"}),
        ("transactions", {"kind": "surrender"}),
        ("customers", {"ordering": "name"}),
        ("customers", {}),
        ("beneficial-owners", {"ordering": "-share_pct"}),
        ("products", {}),
    ],
)
def test_api_lists_of_dict_rows_are_the_model_rows(aml_analyst, resource, params, monkeypatch):
    """Walking every cursor page of a list gives the same JSON whether the rows are read as
    dicts (the fast path) or as model instances (DRF's way, the serializers' own test
    compares that one with plain DRF)."""
    from customers.api import views

    _book()
    params = {**params, "page_size": 7}
    fast = _api_rows(aml_analyst, resource, params)
    monkeypatch.setattr(views.BookViewSet, "list_as_values", False)
    slow = _api_rows(aml_analyst, resource, params)
    assert fast == slow and fast
    assert resource == "products" or len(fast) > 7  # several cursor pages


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_query_counts_do_not_move_with_rows_or_page_size(client, aml_analyst):
    client.force_login(aml_analyst)
    api = APIClient()
    api.force_authenticate(aml_analyst)
    urls = [reverse(name) for name in TABLES] + [f"/api/v1/{r}/" for r in ("customers", "policies", "transactions")]
    builders.transaction(on=builders.policy())
    for url in urls:
        (api if url.startswith("/api") else client).get(url)  # fill per-process caches
    small = {url: _count(api if url.startswith("/api") else client, f"{url}?page_size=25") for url in urls}
    _book()
    for url in urls:
        who = api if url.startswith("/api") else client
        assert _count(who, f"{url}?page_size=25") == small[url], url
        assert _count(who, f"{url}?page_size=100") == small[url], url
