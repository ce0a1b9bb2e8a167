"""customers.csv: persons and organisations, upserted by customer_ref.

Identity and phone numbers are validated, then sealed (encrypted + blind index + mask).
Existing customers are compared through their blind-index digests, never by decrypting.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers import identity
from customers.imports import fields as f
from customers.imports.base import FileSpec, Table, values_in
from customers.models import Customer
from insurer import crypto
from insurer.errors import RowError, RowErrors

SPEC = FileSpec(
    "customers",
    "customers.csv",
    required=(
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
    ),
    optional=("risk_rating",),
)
KINDS = Customer.Kind.values
ID_TYPES = Customer.IdType.values
SEXES = Customer.Sex.values
RATINGS = Customer.RiskRating.values
# Jurisdictions on the FATF "call for action" list: their nationals start at high risk.
HIGH_RISK_COUNTRIES = frozenset({"KP", "IR", "MM"})
# Fields compared to decide created / updated / unchanged (PII through its digests).
COMPARED = (
    "kind",
    "name",
    "id_type",
    "id_number_digest",
    "birth_date",
    "sex",
    "phone_digest",
    "address",
    "nationality",
    "occupation",
    "annual_income",
    "risk_rating",
)


@dataclass
class CustomerRow:
    values: dict  # model field → value, without the sealed PII
    id_number: str
    phone: str


def computed_risk_rating(kind: str, nationality: str, income: Decimal | None) -> str:
    """The starting rating when the file gives none, until the AML risk model rates the
    customer: high for FATF-listed nationalities; medium for organisations, foreign
    nationals and incomes of a million or more; low otherwise."""
    if nationality in HIGH_RISK_COUNTRIES:
        return "high"
    if kind == "organisation" or nationality != "CN" or (income is not None and income >= 1_000_000):
        return "medium"
    return "low"


def _identity_number(cells: f.Cells, kind: str, id_type: str, birth_date, sex: str) -> str | None:
    raw = cells["id_number"]
    if not raw:
        cells.fail("id_number", _("a value is required"))
        return None
    if kind == "person" and id_type == "uscc":
        cells.fail("id_type", _("a person cannot be identified by a unified social credit code (uscc)"))
        return None
    if kind == "organisation" and id_type not in ("uscc", "other"):
        cells.fail("id_type", _("an organisation must have id_type uscc or other, not %(t)s") % {"t": id_type})
        return None
    try:
        if id_type == "resident_id":
            return identity.validate_resident_id(raw, birth_date=birth_date, sex=sex or None)
        if id_type == "uscc":
            return identity.validate_uscc(raw)
    except identity.IdentityError as exc:
        cells.fail("id_number", str(exc))
        return None
    if len(raw) > 40:
        cells.fail("id_number", _("is longer than 40 characters"))
        return None
    return raw.upper()


def _parse_row(cells: f.Cells) -> CustomerRow | None:
    ref = cells.parse("customer_ref", f.text, 40, blank=False)
    kind = cells.parse("kind", f.choice, KINDS)
    name = cells.parse("name", f.text, 200, blank=False)
    id_type = cells.parse("id_type", f.choice, ID_TYPES)
    birth_date = cells.parse("birth_date", f.date, blank=True)
    sex = cells.parse("sex", f.choice, SEXES, blank=True)
    if kind == "person":
        if cells["birth_date"] == "":
            cells.fail("birth_date", _("a person needs a birth date"))
        if cells["sex"] == "":
            cells.fail("sex", _("a person needs a sex (M or F)"))
    elif kind == "organisation" and sex:
        cells.fail("sex", _("an organisation has no sex; leave it empty"))
    number = _identity_number(cells, kind, id_type, birth_date, sex) if kind and id_type else None
    phone = ""
    if cells["phone"]:
        try:
            phone = identity.normalise_phone(cells["phone"])
        except identity.IdentityError as exc:
            cells.fail("phone", str(exc))
    nationality = cells.parse("nationality", f.country) or "CN"
    income = cells.parse("annual_income", f.amount, blank=True)
    rating = cells.parse("risk_rating", f.choice, RATINGS, blank=True)
    address = cells.parse("address", f.text, 300)
    occupation = cells.parse("occupation", f.text, 100)
    if not cells.ok:
        return None
    return CustomerRow(
        values={
            "customer_ref": ref,
            "kind": kind,
            "name": name,
            "id_type": id_type,
            "birth_date": birth_date if kind == "person" else None,
            "sex": sex or "",
            "address": address,
            "nationality": nationality,
            "occupation": occupation,
            "annual_income": income,
            "risk_rating": rating or computed_risk_rating(kind, nationality, income),
            "id_number_digest": crypto.blind_index(number, "id_number"),
            "phone_digest": crypto.blind_index(phone, "phone") if phone else "",
        },
        id_number=number,
        phone=phone,
    )


def validate(table: Table) -> tuple[list[CustomerRow], dict[str, dict]]:
    """Every row checked; returns the rows and the existing customers by ref."""
    cells = f.Cells(table)
    parsed: list[CustomerRow] = []
    first_ref: dict[str, int] = {}
    first_identity: dict[tuple, int] = {}
    for number, values in zip(table.numbers, table.rows, strict=True):
        cells.start(number, values)
        row = _parse_row(cells)
        ref = cells["customer_ref"]
        if ref in first_ref:
            cells.fail("customer_ref", f.duplicate_message("customer_ref", ref, first_ref[ref]))
        first_ref.setdefault(ref, number)
        if row is None or not cells.ok:
            continue
        key = (row.values["id_type"], row.values["id_number_digest"])
        if key in first_identity:
            cells.fail("id_number", _("the same identity document is on row %(row)d") % {"row": first_identity[key]})
            continue
        first_identity[key] = number
        row.values["_row"] = number
        parsed.append(row)
    existing = {
        r[0]: dict(zip(("customer_ref", "id", *COMPARED), r, strict=True))
        for r in values_in(Customer.objects, "customer_ref", first_ref, "customer_ref", "id", *COMPARED)
    }
    # One identity document, one customer: the database refuses a second holder anyway;
    # say which customer already holds it.
    holders = {
        (t, d): ref
        for t, d, ref in values_in(
            Customer.objects,
            "id_number_digest",
            [k[1] for k in first_identity],
            "id_type",
            "id_number_digest",
            "customer_ref",
        )
    }
    for row in parsed:
        key = (row.values["id_type"], row.values["id_number_digest"])
        holder = holders.get(key)
        if holder and holder != row.values["customer_ref"]:
            table.errors.append(
                RowError(
                    row.values["_row"],
                    "id_number",
                    _("this identity document already belongs to customer %(ref)s") % {"ref": holder},
                )
            )
    return parsed, existing


def _model(row: CustomerRow, pk=None) -> Customer:
    values = {k: v for k, v in row.values.items() if k != "_row"}
    sealed_id = crypto.seal(row.id_number, "id_number", crypto.mask_id_number)
    sealed_phone = crypto.seal(row.phone, "phone", crypto.mask_phone)
    return Customer(
        pk=pk,
        **values,
        id_number_ciphertext=sealed_id.ciphertext,
        id_number_masked=sealed_id.masked,
        phone_ciphertext=sealed_phone.ciphertext,
        phone_masked=sealed_phone.masked,
    )


def run(table: Table, result) -> None:
    rows, existing = validate(table)
    if table.errors:
        raise RowErrors(sorted(table.errors, key=lambda e: e.row or 0), source=table.source)
    new, changed = [], []
    for row in rows:
        old = existing.get(row.values["customer_ref"])
        if old is None:
            new.append(_model(row))
        elif any(old[k] != row.values[k] for k in COMPARED):
            changed.append(_model(row, pk=old["id"]))
        else:
            result.unchanged += 1
    now = timezone.now()
    for customer in changed:
        customer.updated_at = now  # bulk_update skips auto_now
    with transaction.atomic():
        Customer.objects.bulk_create(new, batch_size=2000)
        if changed:
            update_fields = [
                *COMPARED,
                "id_number_ciphertext",
                "id_number_masked",
                "phone_ciphertext",
                "phone_masked",
                "updated_at",
            ]
            Customer.objects.bulk_update(changed, update_fields, batch_size=1000)
    result.created, result.updated = len(new), len(changed)
