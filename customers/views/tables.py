"""The four list pages of the book of business: one table machinery, four configurations.

Each page filters with the FilterSet the API also uses (customers/filters.py), sorts by a
header click (the FilterSet's ``ordering``), pages with a capped count and, when htmx asks,
returns only the table region so filtering and paging do not reload the page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from customers import exports, filters, selectors
from customers.models import BookMixFigure
from customers.views import region
from customers.views import rows as rows_html
from insurer.access import require
from insurer.pagination import CappedPaginator

PAGE_SIZES = (25, 50, 100)


@dataclass(frozen=True)
class Column:
    label: Promise
    sort: str | None = None  # an ``ordering`` field of the FilterSet
    numeric: bool = False


@dataclass(frozen=True)
class TablePage:
    key: str
    title: Promise
    caption: Promise
    permission: str
    rows: Callable  # (user) -> QuerySet, from customers.selectors
    filterset: type
    columns: tuple[Column, ...]
    rows_template: str
    default_ordering: tuple[str, ...]
    export: str  # a key of customers.exports.EXPORTS
    # (rows, user, columns) -> the body rows' HTML, built in Python (customers/views/rows.py)
    # for the big tables, whose whole table region is then built in Python too
    # (customers/views/region.py); None renders ``rows_template`` in table_region.html.
    render_rows: Callable | None = None


def paginate(request, queryset, default_size: int = PAGE_SIZES[0]):
    """A page of ``queryset`` from the ``page`` and ``page_size`` query parameters, and the
    page numbers to show (elided around the current page)."""
    raw = request.GET.get("page_size", "")
    size = int(raw) if raw.isdigit() and int(raw) in PAGE_SIZES else default_size
    paginator = CappedPaginator(queryset, size)
    page_obj = paginator.get_page(request.GET.get("page"))
    page_range = paginator.get_elided_page_range(page_obj.number, on_each_side=2, on_ends=1)
    return page_obj, list(page_range)


def _style(form) -> None:
    """Bootstrap classes and native date pickers for the FilterSet's form."""
    for field in form.fields.values():
        if getattr(field, "empty_label", None) is not None:
            field.empty_label = _("Any")  # instead of "---------"
        widget = field.widget
        if isinstance(widget, forms.DateInput):
            widget.input_type = "date"
        widget.attrs["class"] = (
            "form-select form-select-sm" if isinstance(widget, forms.Select) else "form-control form-control-sm"
        )


def filtered_rows(request, page: TablePage):
    """The FilterSet and the rows it selects, in a stable order. An invalid filter (a bad
    date, say) selects nothing rather than silently ignoring the field."""
    filterset = page.filterset(request.GET, queryset=page.rows(request.user), request=request)
    filterset.on_form = _style  # only when a page renders the form (its HTML is mostly cached)
    if filterset.is_bound and not filterset.is_valid():
        return filterset, filterset.queryset.none()
    queryset = filterset.qs
    ordering = tuple(queryset.query.order_by) or page.default_ordering
    # The primary key breaks ties, so rows do not move between pages.
    return filterset, queryset.order_by(*ordering, "-pk" if ordering[0].startswith("-") else "pk")


def render_table(request, page: TablePage, extra: dict | None = None):
    require(request.user, page.permission)
    filterset, rows = filtered_rows(request, page)
    page_obj, page_range = paginate(request, rows)
    query = request.GET.copy()
    for param in ("page", "page_size"):
        query.pop(param, None)
    can_export = request.user.has_perm("customers.export_book")
    export_url = f"{_export_path(page.export)}?{query.urlencode()}"
    partial = request.htmx and not request.htmx.history_restore_request
    if page.render_rows:
        # The big tables: rows, headers and pagination built in Python (views/region.py).
        rows_html = page.render_rows(page_obj.object_list, request.user, len(page.columns))
        region_html = region.table_region(
            request,
            page,
            filterset=filterset,
            page_obj=page_obj,
            page_range=page_range,
            rows_html=rows_html,
            can_export=can_export,
            export_url=export_url,
        )
        if partial:
            response = HttpResponse(region_html)
            patch_vary_headers(response, ["HX-Request"])
            return response
    else:
        region_html = ""
    context = {
        "page": page,
        "filter": filterset,
        "page_obj": page_obj,
        "page_range": page_range,
        "rows": page_obj.object_list,
        "region_html": region_html,
        "show_page_size": True,
        "can_export": can_export,
        "export_url": export_url,
        **(extra or {}),
    }
    if not partial:
        context["filter_form_html"] = region.filter_form(request, page, filterset)
    template = "customers/partials/table_region.html" if partial else "customers/list.html"
    response = render(request, template, context)
    # The same URL answers with a fragment or a whole page: caches must keep both apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


@lru_cache(maxsize=8)
def _export_path(table: str) -> str:
    return reverse("customers:export", args=[table])


CUSTOMERS = TablePage(
    key="customers",
    title=_("Customers"),
    caption=_("Customers of the book of business"),
    permission="customers.view_customer",
    rows=selectors.customers_for,
    filterset=filters.CustomerFilter,
    columns=(
        Column(_("Customer ref"), "customer_ref"),
        Column(_("Name"), "name"),
        Column(_("Kind")),
        Column(_("ID number")),
        Column(_("Birth date"), "birth_date"),
        Column(_("Phone")),
        Column(_("Annual income"), "annual_income", numeric=True),
        Column(_("Risk rating")),
    ),
    rows_template="customers/partials/rows_customers.html",
    default_ordering=("customer_ref",),
    export="customers",
    render_rows=lambda rows, user, columns: rows_html.customer_rows(rows, columns=columns),
)

POLICIES = TablePage(
    key="policies",
    title=_("Policies"),
    caption=_("Policies of the book of business"),
    permission="customers.view_policy",
    # The table shows no beneficiaries: skip their prefetch.
    rows=lambda user: selectors.policies_for(user).prefetch_related(None),
    filterset=filters.PolicyFilter,
    columns=(
        Column(_("Policy ref"), "policy_ref"),
        Column(_("Product")),
        Column(_("Policyholder")),
        Column(_("Insured")),
        Column(_("Issue date"), "issue_date"),
        Column(_("Status"), "status"),
        Column(_("Sum assured"), "sum_assured", numeric=True),
        Column(_("Annual premium"), "annual_premium", numeric=True),
        Column(_("Frequency")),
        Column(_("Channel")),
        Column(_("Agent")),
    ),
    rows_template="customers/partials/rows_policies.html",
    default_ordering=("-issue_date",),
    export="policies",
    render_rows=lambda rows, user, columns: rows_html.policy_rows(
        rows, columns=columns, can_open_customer=user.has_perm("customers.view_customer")
    ),
)

TRANSACTIONS = TablePage(
    key="transactions",
    title=_("Transactions"),
    caption=_("Policy transactions"),
    permission="customers.view_policytransaction",
    rows=selectors.transactions_for,
    filterset=filters.TransactionFilter,
    columns=(
        Column(_("Transaction ref"), "txn_ref"),
        Column(_("Time"), "timestamp"),
        Column(_("Policy")),
        Column(_("Kind")),
        Column(_("Amount"), "amount", numeric=True),
        Column(_("Method")),
        Column(_("Payer")),
        Column(_("Payee")),
        Column(_("Country")),
    ),
    rows_template="customers/partials/rows_transactions.html",
    default_ordering=("-timestamp",),
    export="transactions",
    render_rows=lambda rows, user, columns: rows_html.transaction_rows(
        rows,
        columns=columns,
        can_open_customer=user.has_perm("customers.view_customer"),
        can_open_policy=user.has_perm("customers.view_policy"),
    ),
)

PRODUCTS = TablePage(
    key="products",
    title=_("Products"),
    caption=_("Products on sale or in the book"),
    permission="customers.view_product",
    rows=selectors.products_for,
    filterset=filters.ProductFilter,
    columns=(
        Column(_("Product code")),
        Column(_("Name")),
        Column(_("Kind")),
        Column(_("Mortality table")),
        Column(_("Entry ages"), numeric=True),
        Column(_("Cooling-off days"), numeric=True),
        Column(_("Policies in force"), numeric=True),
        Column(_("Annualised premium in force"), numeric=True),
    ),
    rows_template="customers/partials/rows_products.html",
    default_ordering=("product_code",),
    export="products",
)


@login_required
@require_GET
def customer_list(request):
    return render_table(request, CUSTOMERS)


@login_required
@require_GET
def policy_list(request):
    return render_table(request, POLICIES)


@login_required
@require_GET
def transaction_list(request):
    return render_table(request, TRANSACTIONS)


@login_required
@require_GET
def product_list(request):
    # In-force figures come from the precomputed product mix (one small query), not from
    # counting policies on every page view.
    in_force = {m.key: m for m in BookMixFigure.objects.filter(dimension="product")}
    return render_table(request, PRODUCTS, {"product_in_force": in_force})


@login_required
@require_GET
def export(request, table: str):
    """Stream the filtered rows of a table as interchange CSV (customers.export_book)."""
    page = {p.export: p for p in (CUSTOMERS, POLICIES, TRANSACTIONS, PRODUCTS)}.get(table)
    if page is None:
        raise Http404
    require(request.user, page.permission)
    require(request.user, "customers.export_book", str(_("Your role may not export the book of business.")))
    _filterset, rows = filtered_rows(request, page)
    return exports.stream_csv(request, table, rows)
