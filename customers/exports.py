"""CSV exports of the book-of-business tables, in the interchange format (interchange.md),
streamed so a 3,000,000-row export never sits in memory.

ID and phone numbers are exported masked: an export leaves the platform's control, so it
carries no more personal information than the table on screen. Every export is recorded
(insurer.audit.record_export) with its filters and the number of rows actually sent.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator

from django.http import StreamingHttpResponse
from django.utils import timezone

from insurer import audit

CHUNK = 2000


class _Echo:
    """csv.writer target that hands each line back instead of buffering it."""

    def write(self, value: str) -> str:
        return value


def _date(value) -> str:
    return value.isoformat() if value else ""


def _timestamp(value) -> str:
    return timezone.localtime(value).isoformat() if value else ""


def _text(value) -> str:
    return "" if value is None else str(value)


def _customer_rows(qs) -> Iterator[list]:
    fields = [
        "customer_ref",
        "kind",
        "name",
        "id_type",
        "id_number_masked",
        "birth_date",
        "sex",
        "phone_masked",
        "address",
        "nationality",
        "occupation",
        "annual_income",
        "risk_rating",
    ]
    for row in qs.values_list(*fields).iterator(chunk_size=CHUNK):
        values = list(row)
        values[5] = _date(values[5])
        yield [_text(v) for v in values]


def _policy_rows(qs) -> Iterator[list]:
    # The model's prefetch of beneficiaries works with iterator(chunk_size): one extra
    # query per chunk, not per row.
    qs = qs.prefetch_related(None).prefetch_related("beneficiary_links__customer")
    for p in qs.iterator(chunk_size=CHUNK):
        refs = ";".join(
            link.customer.customer_ref for link in sorted(p.beneficiary_links.all(), key=lambda b: b.position)
        )
        yield [
            p.policy_ref,
            p.product.product_code,
            p.policyholder.customer_ref,
            p.insured.customer_ref,
            refs,
            _date(p.issue_date),
            p.status,
            _text(p.sum_assured),
            _text(p.annual_premium),
            _text(p.premium_term_years),
            _text(p.policy_term_years),
            p.payment_frequency,
            p.channel,
            p.agent_code,
        ]


def _transaction_rows(qs) -> Iterator[list]:
    fields = [
        "txn_ref",
        "policy__policy_ref",
        "kind",
        "timestamp",
        "amount",
        "currency",
        "method",
        "payer__customer_ref",
        "payee__customer_ref",
        "account_ref",
        "counterparty_country",
    ]
    for row in qs.values_list(*fields).iterator(chunk_size=CHUNK):
        values = list(row)
        values[3] = _timestamp(values[3])
        yield [_text(v) for v in values]


def _product_rows(qs) -> Iterator[list]:
    fields = ["product_code", "name", "kind", "mortality_table", "min_age", "max_age", "cooling_off_days"]
    for row in qs.values_list(*fields).iterator(chunk_size=CHUNK):
        yield [_text(v) for v in row]


def _owner_rows(qs) -> Iterator[list]:
    fields = ["organisation__customer_ref", "owner__customer_ref", "share_pct", "control"]
    for organisation_ref, owner_ref, share_pct, control in qs.values_list(*fields).iterator(chunk_size=CHUNK):
        yield [organisation_ref, owner_ref, _text(share_pct), "true" if control else "false"]


# table -> (object type for the audit entry, header = interchange columns, row generator)
EXPORTS: dict[str, tuple[str, list[str], Callable]] = {
    "customers": (
        "customers.customer",
        [
            "customer_ref",
            "kind",
            "name",
            "id_type",
            "id_number",
            "birth_date",
            "sex",
            "phone",
            "address",
            "nationality",
            "occupation",
            "annual_income",
            "risk_rating",
        ],
        _customer_rows,
    ),
    "policies": (
        "customers.policy",
        [
            "policy_ref",
            "product_code",
            "policyholder_ref",
            "insured_ref",
            "beneficiary_refs",
            "issue_date",
            "status",
            "sum_assured",
            "annual_premium",
            "premium_term_years",
            "policy_term_years",
            "payment_frequency",
            "channel",
            "agent_code",
        ],
        _policy_rows,
    ),
    "transactions": (
        "customers.policytransaction",
        [
            "txn_ref",
            "policy_ref",
            "kind",
            "timestamp",
            "amount",
            "currency",
            "method",
            "payer_ref",
            "payee_ref",
            "account_ref",
            "counterparty_country",
        ],
        _transaction_rows,
    ),
    "beneficial_owners": (
        "customers.beneficialowner",
        ["organisation_ref", "owner_ref", "share_pct", "control"],
        _owner_rows,
    ),
    "products": (
        "customers.product",
        ["product_code", "name", "kind", "mortality_table", "min_age", "max_age", "cooling_off_days"],
        _product_rows,
    ),
}


def _lines(header: list[str], rows: Iterable[list], on_done: Callable[[int], None]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    sent = 0
    try:
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow(row)
            sent += 1
    finally:
        # Also when the client goes away mid-download: record what actually left.
        on_done(sent)


def stream_csv(request, table: str, queryset) -> StreamingHttpResponse:
    obj_type, header, row_source = EXPORTS[table]
    filters = {k: v for k, v in request.GET.items() if k not in {"page", "page_size"}}

    def done(rows: int) -> None:
        audit.record_export(actor=request.user, obj_type=obj_type, rows=rows, filters=filters)

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(_lines(header, row_source(queryset), done), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{table}-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    return response
