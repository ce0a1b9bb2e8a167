"""beneficial_owners.csv: who owns or controls an organisation, upserted by the pair
(organisation_ref, owner_ref)."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from customers.imports import fields as f
from customers.imports.base import FileSpec, Table, values_in
from customers.models import BeneficialOwner, Customer
from insurer.errors import RowErrors

SPEC = FileSpec(
    "beneficial_owners",
    "beneficial_owners.csv",
    required=("organisation_ref", "owner_ref", "share_pct", "control"),
)
HUNDRED = Decimal(100)


def _share(value: str) -> Decimal:
    try:
        share = Decimal(value)
    except ArithmeticError as exc:
        raise f.FieldError(
            _("“%(value)s” is not a percentage (e.g. 25 or 12.5)") % {"value": value or _("(empty)")}
        ) from exc
    if not share.is_finite() or not 0 <= share <= HUNDRED:
        raise f.FieldError(_("share_pct must be between 0 and 100 (got %(value)s)") % {"value": value})
    if share.as_tuple().exponent < -4:
        raise f.FieldError(_("%(value)s has more than 4 decimal places") % {"value": value})
    return share


def validate(table: Table) -> list[dict]:
    refs = {v for row in table.rows for v in (row[table.index("organisation_ref")], row[table.index("owner_ref")])}
    customers = {
        ref: (pk, kind)
        for ref, pk, kind in values_in(Customer.objects, "customer_ref", refs, "customer_ref", "id", "kind")
    }
    cells = f.Cells(table)
    parsed, first = [], {}
    for number, values in zip(table.numbers, table.rows, strict=True):
        cells.start(number, values)
        org_ref, owner_ref = cells["organisation_ref"], cells["owner_ref"]
        share = cells.parse("share_pct", _share)
        control = cells.parse("control", f.boolean)
        org, owner = customers.get(org_ref), customers.get(owner_ref)
        for column, ref, found in (("organisation_ref", org_ref, org), ("owner_ref", owner_ref, owner)):
            if not ref:
                cells.fail(column, _("a value is required"))
            elif found is None:
                cells.fail(column, f.unknown_message(column, ref))
        if org is not None and org[1] != "organisation":
            cells.fail(
                "organisation_ref",
                _("%(ref)s is a person, not an organisation; only organisations have beneficial owners")
                % {"ref": org_ref},
            )
        if org_ref and org_ref == owner_ref:
            cells.fail("owner_ref", _("an organisation cannot be its own beneficial owner"))
        pair = (org_ref, owner_ref)
        if pair in first:
            cells.fail(
                "owner_ref",
                _("the pair %(org)s / %(owner)s is also on row %(row)d")
                % {"org": org_ref, "owner": owner_ref, "row": first[pair]},
            )
        first.setdefault(pair, number)
        if cells.ok:
            parsed.append({"organisation_id": org[0], "owner_id": owner[0], "share_pct": share, "control": control})
    return parsed


def run(table: Table, result) -> None:
    rows = validate(table)
    if table.errors:
        raise RowErrors(sorted(table.errors, key=lambda e: e.row or 0), source=table.source)
    existing = {
        (o, w): (pk, share, control)
        for o, w, pk, share, control in values_in(
            BeneficialOwner.objects,
            "organisation_id",
            {r["organisation_id"] for r in rows},
            "organisation_id",
            "owner_id",
            "id",
            "share_pct",
            "control",
        )
    }
    new, changed = [], []
    for row in rows:
        old = existing.get((row["organisation_id"], row["owner_id"]))
        if old is None:
            new.append(BeneficialOwner(**row))
        elif (old[1], old[2]) != (row["share_pct"], row["control"]):
            changed.append(BeneficialOwner(pk=old[0], **row))
        else:
            result.unchanged += 1
    with transaction.atomic():
        BeneficialOwner.objects.bulk_create(new, batch_size=2000)
        BeneficialOwner.objects.bulk_update(changed, ["share_pct", "control"], batch_size=1000)
    result.created, result.updated = len(new), len(changed)
