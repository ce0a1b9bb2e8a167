"""policies.csv: policies with their parties and beneficiaries, upserted by policy_ref.

Cross-row rules the database cannot check are checked here: the insured is a person whose
age at issue fits the product, the premium term fits the policy term.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.imports import fields as f
from customers.imports.base import FileSpec, Table, chunks, values_in
from customers.models import Customer, Policy, PolicyBeneficiary, Product
from insurer.errors import RowErrors

SPEC = FileSpec(
    "policies",
    "policies.csv",
    required=(
        "policy_ref",
        "product_code",
        "policyholder_ref",
        "insured_ref",
        "issue_date",
        "status",
        "sum_assured",
        "annual_premium",
        "premium_term_years",
        "policy_term_years",
        "payment_frequency",
        "channel",
        "agent_code",
    ),
    optional=("beneficiary_refs", "status_date"),
)
COMPARED = (
    "product_id",
    "policyholder_id",
    "insured_id",
    "issue_date",
    "status",
    "status_date",
    "sum_assured",
    "annual_premium",
    "premium_term_years",
    "policy_term_years",
    "payment_frequency",
    "channel",
    "agent_code",
)


def _split_refs(value: str) -> list[str]:
    return [r.strip() for r in value.split(";") if r.strip()]


def _lookups(table: Table) -> tuple[dict, dict]:
    """Products by code and customers by ref: one query per ref set (chunked)."""
    col = {c: table.index(c) for c in ("product_code", "policyholder_ref", "insured_ref", "beneficiary_refs")}
    codes = {row[col["product_code"]] for row in table.rows}
    refs = set()
    for row in table.rows:
        refs.add(row[col["policyholder_ref"]])
        refs.add(row[col["insured_ref"]])
        if col["beneficiary_refs"] is not None:
            refs.update(_split_refs(row[col["beneficiary_refs"]]))
    products = {
        r[0]: r[1:]
        for r in values_in(Product.objects, "product_code", codes, "product_code", "id", "min_age", "max_age")
    }
    customers = {
        r[0]: r[1:]
        for r in values_in(Customer.objects, "customer_ref", refs, "customer_ref", "id", "kind", "birth_date")
    }
    return products, customers


def _party(cells: f.Cells, column: str, customers: dict):
    ref = cells[column]
    if not ref:
        cells.fail(column, _("a value is required"))
        return None
    found = customers.get(ref)
    if found is None:
        cells.fail(column, f.unknown_message(column, ref))
    return found


def _check_terms(cells: f.Cells, row: dict) -> None:
    if row["premium_term_years"] > row["policy_term_years"]:
        cells.fail(
            "premium_term_years",
            _("premium term %(p)d years is longer than the policy term %(t)d years")
            % {"p": row["premium_term_years"], "t": row["policy_term_years"]},
        )
    if row["payment_frequency"] == "single" and row["premium_term_years"] != 1:
        cells.fail(
            "premium_term_years",
            _("a single-premium policy has a premium term of 1 year, not %(p)d") % {"p": row["premium_term_years"]},
        )
    if row["status_date"] and row["status_date"] < row["issue_date"]:
        cells.fail(
            "status_date",
            _("status_date %(s)s is before issue_date %(i)s") % {"s": row["status_date"], "i": row["issue_date"]},
        )


def _check_insured_age(cells: f.Cells, insured, product, issue_date) -> None:
    if insured is None or product is None or issue_date is None:
        return
    if insured[1] != "person":
        cells.fail(
            "insured_ref", _("the insured must be a person, %(ref)s is an organisation") % {"ref": cells["insured_ref"]}
        )
        return
    age = f.age_at(insured[2], issue_date)
    if not product[1] <= age <= product[2]:
        cells.fail(
            "insured_ref",
            _("the insured is %(age)d at issue; product %(code)s accepts ages %(min)d–%(max)d")
            % {"age": age, "code": cells["product_code"], "min": product[1], "max": product[2]},
        )


def _parse_row(cells: f.Cells, products: dict, customers: dict) -> dict | None:
    code = cells["product_code"]
    product = products.get(code)
    if product is None:
        cells.fail("product_code", f.unknown_message("product_code", code) if code else _("a value is required"))
    holder = _party(cells, "policyholder_ref", customers)
    insured = _party(cells, "insured_ref", customers)
    beneficiaries, seen = [], set()
    for ref in _split_refs(cells["beneficiary_refs"]):
        if ref in seen:
            cells.fail("beneficiary_refs", _("beneficiary %(ref)s is listed twice") % {"ref": ref})
        elif ref not in customers:
            cells.fail("beneficiary_refs", f.unknown_message("beneficiary_refs", ref))
        else:
            beneficiaries.append(customers[ref][0])
        seen.add(ref)
    row = {
        "policy_ref": cells.parse("policy_ref", f.text, 40, blank=False),
        "issue_date": cells.parse("issue_date", f.date),
        "status": cells.parse("status", f.choice, Policy.Status.values),
        "status_date": cells.parse("status_date", f.date, blank=True),
        "sum_assured": cells.parse("sum_assured", f.amount, positive=True),
        "annual_premium": cells.parse("annual_premium", f.amount),
        "premium_term_years": cells.parse("premium_term_years", f.integer, low=1, high=105),
        "policy_term_years": cells.parse("policy_term_years", f.integer, low=1, high=105),
        "payment_frequency": cells.parse("payment_frequency", f.choice, Policy.Frequency.values),
        "channel": cells.parse("channel", f.choice, Policy.Channel.values),
        "agent_code": cells.parse("agent_code", f.text, 20),
    }
    _check_insured_age(cells, insured, product, row["issue_date"])
    if not cells.ok:
        return None
    _check_terms(cells, row)
    if not cells.ok:
        return None
    row.update(product_id=product[0], policyholder_id=holder[0], insured_id=insured[0])
    return {"fields": row, "beneficiaries": beneficiaries}


def validate(table: Table) -> list[dict]:
    products, customers = _lookups(table)
    cells = f.Cells(table)
    parsed, first = [], {}
    for number, values in zip(table.numbers, table.rows, strict=True):
        cells.start(number, values)
        ref = cells["policy_ref"]
        if ref in first:
            cells.fail("policy_ref", f.duplicate_message("policy_ref", ref, first[ref]))
        first.setdefault(ref, number)
        row = _parse_row(cells, products, customers)
        if row is not None and cells.ok:
            parsed.append(row)
    return parsed


def _existing(refs: list[str]) -> tuple[dict, dict]:
    old = {r[0]: r[1:] for r in values_in(Policy.objects, "policy_ref", refs, "policy_ref", "id", *COMPARED)}
    links: dict[int, list[int]] = {}
    ids = [v[0] for v in old.values()]
    for policy_id, customer_id in values_in(
        PolicyBeneficiary.objects.order_by("policy_id", "position"), "policy_id", ids, "policy_id", "customer_id"
    ):
        links.setdefault(policy_id, []).append(customer_id)
    return old, links


def run(table: Table, result) -> None:
    rows = validate(table)
    if table.errors:
        raise RowErrors(sorted(table.errors, key=lambda e: e.row or 0), source=table.source)
    old, old_links = _existing([r["fields"]["policy_ref"] for r in rows])
    now = timezone.now()
    new, changed, relink = [], [], {}
    for row in rows:
        fields = row["fields"]
        before = old.get(fields["policy_ref"])
        if before is None:
            new.append(Policy(**fields))
            relink[fields["policy_ref"]] = row["beneficiaries"]
            continue
        pk = before[0]
        same_fields = tuple(fields[k] for k in COMPARED) == tuple(before[1:])
        same_links = old_links.get(pk, []) == row["beneficiaries"]
        if same_fields and same_links:
            result.unchanged += 1
            continue
        changed.append(Policy(pk=pk, updated_at=now, **fields))
        if not same_links:
            relink[fields["policy_ref"]] = row["beneficiaries"]
    with transaction.atomic():
        Policy.objects.bulk_create(new, batch_size=2000)
        Policy.objects.bulk_update(changed, [*COMPARED, "updated_at"], batch_size=1000)
        _write_links(relink)
    result.created, result.updated = len(new), len(changed)


def _write_links(relink: dict[str, list[int]]) -> None:
    if not relink:
        return
    ids = dict(values_in(Policy.objects, "policy_ref", relink, "policy_ref", "id"))
    for part in chunks(list(ids.values())):
        PolicyBeneficiary.objects.filter(policy_id__in=part).delete()
    PolicyBeneficiary.objects.bulk_create(
        (
            PolicyBeneficiary(policy_id=ids[ref], customer_id=customer_id, position=position)
            for ref, customers in relink.items()
            for position, customer_id in enumerate(customers, start=1)
        ),
        batch_size=2000,
    )
