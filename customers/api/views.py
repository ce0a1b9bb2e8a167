"""Read-only API of the book of business, plus the bulk import and export and reveal-PII commands.

Scoping: every queryset comes from customers.selectors (the one permission chokepoint).
A list without the model's view permission is 403; a detail that is out of scope (or
absent) is 404, so an unauthorised caller cannot probe which refs exist.
"""

from __future__ import annotations

import json

from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ParseError
from rest_framework.filters import OrderingFilter
from rest_framework.parsers import BaseParser, JSONParser, MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from customers import exports, imports, selectors
from customers.api import serializers as s
from customers.filters import BeneficialOwnerFilter, CustomerFilter, PolicyFilter, ProductFilter, TransactionFilter
from customers.models import BeneficialOwner, Customer, Policy, PolicyTransaction, Product
from customers.services import book_import
from insurer.access import permission_name, require


class CSVParser(BaseParser):
    """A raw CSV body (Content-Type: text/csv), handed to the importer as bytes."""

    media_type = "text/csv"

    def parse(self, stream, media_type=None, parser_context=None) -> bytes:
        return stream.read()


class CSVRenderer(BaseRenderer):
    """Lets a client ask for ``Accept: text/csv`` on the export commands. The export streams
    its own response, so only a refusal is ever rendered here: kept as JSON text."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        return b"" if data is None else json.dumps(data, ensure_ascii=False).encode()


class CanListModel(BasePermission):
    """Lists need the model's view permission (403). Detail and commands pass here: the
    scoped queryset answers 404 out of scope, and services check their own permission."""

    message = _("Your role may not list these records.")

    def has_permission(self, request, view) -> bool:
        if view.action != "list":
            return True
        return request.user.has_perm(permission_name(view.model, "view"))


class StableOrderingFilter(OrderingFilter):
    """?ordering=… as the screens sort, with the primary key as tie-breaker so cursor
    pages never skip or repeat rows that share a sort value."""

    def get_ordering(self, request, queryset, view):
        ordering = super().get_ordering(request, queryset, view)
        if not ordering:
            return ordering
        ordering = list(ordering)
        if not any(o.lstrip("-") in ("id", "pk") for o in ordering):
            ordering.append("-id" if ordering[0].startswith("-") else "id")
        return ordering


IMPORT_RESPONSES = {
    200: s.ImportResultSerializer,
    400: OpenApiResponse(s.ImportErrorSerializer, description="Bad rows or file; nothing was written."),
    403: OpenApiResponse(s.DetailSerializer, description="The role may not import (customers.import_book)."),
}
ERROR_EXAMPLE = OpenApiExample(
    "bad rows",
    status_codes=["400"],
    response_only=True,
    value={
        "detail": "transactions.csv: 1 error(s), nothing was written",
        "errors": [{"row": 17, "column": "amount", "message": "must not be negative (got -5.00)"}],
    },
)


class BookViewSet(viewsets.ReadOnlyModelViewSet):
    """Shared behaviour: scoped queryset, list permission, filters, ordering, bulk import."""

    model = None
    selector = None
    import_kind = ""
    permission_classes = [IsAuthenticated, CanListModel]
    filter_backends = [DjangoFilterBackend, StableOrderingFilter]
    ordering = ("-id",)

    # Lists read their rows as dicts of exactly the serialized paths (QuerySet.values) rather
    # than model instances: see insurer.serializers.FastRepresentation. Same JSON.
    list_as_values = True

    def get_queryset(self):
        queryset = type(self).selector(self.request.user)
        if self.action == "list" and self.list_as_values:
            queryset = queryset.prefetch_related(None).values(*self.list_value_paths())
        return queryset

    @classmethod
    def list_value_paths(cls) -> list[str]:
        paths = cls.__dict__.get("_list_value_paths")
        if paths is None:
            # The cursor reads its position from the ordering fields: they must be in the row.
            wanted = ["id", *cls.serializer_class.value_paths(), *cls.ordering_fields]
            paths = cls._list_value_paths = list(dict.fromkeys(wanted))
        return paths

    def _import(self, request):
        data = request.data
        spec = imports.SPECS[self.import_kind]
        source = spec.filename
        if isinstance(data, list):
            rows, source = data, f"{spec.filename} (JSON)"
        elif isinstance(data, bytes):
            rows = data
        elif hasattr(data, "get") and request.FILES.get("file"):
            rows = request.FILES["file"].read()
        else:
            raise ParseError(
                _("Send the rows as a text/csv body, a JSON list of objects, or a multipart file field named “file”.")
            )
        result = book_import(actor=request.user, kind=self.import_kind, source=source, rows_or_file=rows)
        return Response(s.ImportResultSerializer(result.as_dict()).data)


def _import_action(kind: str, noun: str):
    """The POST …/import/ command of one resource, documented for its own fields."""

    @extend_schema(
        summary=f"Bulk import {noun}",
        description=(
            f"All-or-nothing import of {imports.SPECS[kind].filename} rows (interchange.md): send a text/csv "
            "body, a multipart file field `file`, or a JSON list of objects with the same fields. Every bad row "
            "is reported with its row and column and nothing is written. Re-sending the same rows changes "
            "nothing. Requires customers.import_book."
        ),
        request={
            "application/json": s.IMPORT_ROW_SERIALIZERS[kind](many=True),
            "text/csv": OpenApiTypes.STR,
            "multipart/form-data": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}},
        },
        responses=IMPORT_RESPONSES,
        examples=[ERROR_EXAMPLE],
    )
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[JSONParser, CSVParser, MultiPartParser])
    def import_rows(self, request, *args, **kwargs):
        return self._import(request)

    return import_rows


def _export_action(table: str, noun: str):
    """The GET …/export/ twin of the web page's CSV export: the same interchange columns,
    the same filters as the list, streamed, and recorded in the audit ledger."""

    @extend_schema(
        summary=f"Export {noun} as interchange CSV",
        description=(
            f"Streams every row of the filtered list (the list's filters and ordering apply; no pagination) as "
            f"{table}.csv of interchange.md. ID and phone numbers stay masked. The export, with its filters and "
            "the number of rows sent, is recorded in the audit ledger. Requires customers.export_book."
        ),
        responses={
            (200, "text/csv"): OpenApiTypes.STR,
            403: OpenApiResponse(s.DetailSerializer, description="The role may not export the book of business."),
        },
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="export",
        pagination_class=None,
        renderer_classes=[JSONRenderer, CSVRenderer],
    )
    def export_rows(self, request, *args, **kwargs):
        require(request.user, "customers.export_book", _("Your role may not export the book of business."))
        return exports.stream_csv(request, table, self.filter_queryset(self.get_queryset()))

    return export_rows


@extend_schema_view(
    list=extend_schema(summary="List customers", description="Masked ID and phone numbers only."),
    retrieve=extend_schema(summary="One customer by customer_ref"),
)
class CustomerViewSet(BookViewSet):
    """Customers (persons and organisations) by customer_ref; ID and phone numbers masked."""

    model = Customer
    selector = staticmethod(selectors.customers_for)
    serializer_class = s.CustomerSerializer
    filterset_class = CustomerFilter
    ordering_fields = ["customer_ref", "name", "birth_date", "annual_income", "created_at"]
    lookup_field = "customer_ref"
    import_kind = "customers"
    import_rows = _import_action("customers", "customers")
    export_rows = _export_action("customers", "customers")

    @extend_schema(
        summary="Reveal a customer's unmasked ID and phone numbers",
        description="A sensitive read, recorded in the audit trail. Requires customers.view_customer_pii.",
        request=None,
        responses={
            200: s.CustomerPiiSerializer,
            403: OpenApiResponse(s.DetailSerializer, description="The role may not see unmasked PII."),
            404: OpenApiResponse(s.DetailSerializer, description="No such customer in the caller's scope."),
        },
    )
    @action(detail=True, methods=["post"], url_path="reveal-pii")
    def reveal_pii(self, request, *args, **kwargs):
        customer = self.get_object()
        revealed = selectors.customer_pii_reveal(user=request.user, customer=customer)
        return Response(s.CustomerPiiSerializer({"customer_ref": customer.customer_ref, **revealed}).data)


@extend_schema_view(
    list=extend_schema(summary="List beneficial owners"),
    retrieve=extend_schema(summary="One beneficial-owner link by id"),
)
class BeneficialOwnerViewSet(BookViewSet):
    """Who owns or controls an organisation customer (share %, control)."""

    model = BeneficialOwner
    selector = staticmethod(selectors.owners_for)
    serializer_class = s.BeneficialOwnerSerializer
    filterset_class = BeneficialOwnerFilter
    ordering_fields = ["share_pct", "id"]
    import_kind = "beneficial_owners"
    import_rows = _import_action("beneficial_owners", "beneficial owners")
    export_rows = _export_action("beneficial_owners", "beneficial owners")


@extend_schema_view(
    list=extend_schema(summary="List products"),
    retrieve=extend_schema(summary="One product by product_code"),
)
class ProductViewSet(BookViewSet):
    """The product catalogue by product_code."""

    model = Product
    selector = staticmethod(selectors.products_for)
    serializer_class = s.ProductSerializer
    filterset_class = ProductFilter
    ordering_fields = ["product_code", "name"]
    lookup_field = "product_code"
    import_kind = "products"
    import_rows = _import_action("products", "products")
    export_rows = _export_action("products", "products")


@extend_schema_view(
    list=extend_schema(summary="List policies"),
    retrieve=extend_schema(summary="One policy by policy_ref"),
)
class PolicyViewSet(BookViewSet):
    """Policies by policy_ref with their parties and beneficiaries."""

    model = Policy
    selector = staticmethod(selectors.policies_for)
    serializer_class = s.PolicySerializer
    filterset_class = PolicyFilter
    ordering_fields = ["policy_ref", "issue_date", "sum_assured", "annual_premium", "status"]
    lookup_field = "policy_ref"

    def get_queryset(self):
        queryset = super().get_queryset()
        # A list page reads its beneficiaries' refs in one flat query after paging (below):
        # Django's prefetch built two model instances per link and cost a quarter of the request.
        return queryset.prefetch_related(None) if self.action == "list" else queryset

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None:
            selectors.attach_beneficiary_refs(page)
        return page

    import_kind = "policies"
    import_rows = _import_action("policies", "policies")
    export_rows = _export_action("policies", "policies")


@extend_schema_view(
    list=extend_schema(summary="List policy transactions"),
    retrieve=extend_schema(summary="One transaction by txn_ref"),
)
class TransactionViewSet(BookViewSet):
    """Policy transactions (premiums, loans, surrenders, payouts …) by txn_ref; immutable."""

    model = PolicyTransaction
    selector = staticmethod(selectors.transactions_for)
    serializer_class = s.TransactionSerializer
    filterset_class = TransactionFilter
    ordering_fields = ["timestamp", "amount", "txn_ref"]
    lookup_field = "txn_ref"
    import_kind = "transactions"
    import_rows = _import_action("transactions", "transactions")
    export_rows = _export_action("transactions", "transactions")
