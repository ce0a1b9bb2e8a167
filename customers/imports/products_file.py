"""products.csv: the product catalogue, upserted by product_code."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from customers.imports import fields as f
from customers.imports.base import FileSpec, Table, values_in
from customers.models import Product
from insurer.errors import RowErrors
from insurer.reference.mortality import table_names

SPEC = FileSpec(
    "products",
    "products.csv",
    required=("product_code", "name", "kind", "mortality_table", "min_age", "max_age", "cooling_off_days"),
)
COMPARED = ("name", "kind", "mortality_table", "min_age", "max_age", "cooling_off_days")


def validate(table: Table) -> list[dict]:
    cells = f.Cells(table)
    tables = table_names()
    parsed, first = [], {}
    for number, values in zip(table.numbers, table.rows, strict=True):
        cells.start(number, values)
        code = cells.parse("product_code", f.text, 20, blank=False)
        if code in first:
            cells.fail("product_code", f.duplicate_message("product_code", code, first[code]))
        first.setdefault(code, number)
        row = {
            "product_code": code,
            "name": cells.parse("name", f.text, 120, blank=False),
            "kind": cells.parse("kind", f.choice, Product.Kind.values),
            "mortality_table": cells.parse("mortality_table", f.choice, tables),
            "min_age": cells.parse("min_age", f.integer, low=0, high=105),
            "max_age": cells.parse("max_age", f.integer, low=0, high=105),
            "cooling_off_days": cells.parse("cooling_off_days", f.integer, low=0, high=365),
        }
        if cells.ok and row["min_age"] > row["max_age"]:
            cells.fail(
                "max_age",
                _("max_age %(max)d is below min_age %(min)d") % {"max": row["max_age"], "min": row["min_age"]},
            )
        if cells.ok:
            parsed.append(row)
    return parsed


def run(table: Table, result) -> None:
    rows = validate(table)
    if table.errors:
        raise RowErrors(sorted(table.errors, key=lambda e: e.row or 0), source=table.source)
    existing = {
        r[0]: r
        for r in values_in(
            Product.objects, "product_code", [r["product_code"] for r in rows], "product_code", "id", *COMPARED
        )
    }
    new, changed = [], []
    for row in rows:
        old = existing.get(row["product_code"])
        if old is None:
            new.append(Product(**row))
        elif tuple(row[k] for k in COMPARED) != old[2:]:
            changed.append(Product(pk=old[1], **row))
        else:
            result.unchanged += 1
    with transaction.atomic():
        Product.objects.bulk_create(new)
        Product.objects.bulk_update(changed, list(COMPARED))
    result.created, result.updated = len(new), len(changed)
