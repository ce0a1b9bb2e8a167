"""Reads of the book of business, scoped through the one permission chokepoint.

Every list a view or the API shows starts here, with its joins done once, so query counts
stay constant in the number of rows.
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from customers.models import (
    BeneficialOwner,
    BookMixFigure,
    BookMonthFigure,
    BookSnapshot,
    Customer,
    Policy,
    PolicyBeneficiary,
    PolicyTransaction,
    Product,
)
from insurer import audit, crypto
from insurer.access import require, restrict

# Months of history the dashboard charts show.
DASHBOARD_MONTHS = 36


def customers_for(user) -> QuerySet[Customer]:
    # Lists never need the ciphertexts; leave them in the database.
    return restrict(Customer.objects.all(), user).defer("id_number_ciphertext", "phone_ciphertext")


def owners_for(user) -> QuerySet[BeneficialOwner]:
    return restrict(BeneficialOwner.objects.select_related("organisation", "owner"), user)


def products_for(user) -> QuerySet[Product]:
    return restrict(Product.objects.all(), user)


# What lists and details show of a policy's product and parties: loading whole customer
# rows (ciphertexts included) for every policy costs more than the page's own columns.
_JOINED = [f"{rel}__{f}" for rel in ("policyholder", "insured") for f in ("customer_ref", "name", "kind")] + [
    "product__product_code", "product__name", "product__kind",
]  # fmt: skip


def policies_for(user) -> QuerySet[Policy]:
    return restrict(
        Policy.objects.select_related("product", "policyholder", "insured")
        .only(*[f.name for f in Policy._meta.concrete_fields if not f.is_relation], "product", "policyholder",
              "insured", *_JOINED)
        .prefetch_related(Prefetch("beneficiary_links", PolicyBeneficiary.objects.select_related("customer").only(
            "id", "policy_id", "position", "customer__id", "customer__customer_ref", "customer__name"))),
        user,
    )  # fmt: skip


def attach_beneficiary_refs(policies: list) -> None:
    """Give each policy ``beneficiary_refs`` (customer refs in order) with one flat query.
    ``policies`` are Policy instances, or the dict rows of an API list (key ``id``)."""
    as_dicts = bool(policies) and isinstance(policies[0], dict)
    refs: dict[int, list[str]] = {(p["id"] if as_dicts else p.pk): [] for p in policies}
    rows = (
        PolicyBeneficiary.objects.filter(policy_id__in=list(refs))
        .order_by("policy_id", "position")
        .values_list("policy_id", "customer__customer_ref")
    )
    for policy_id, customer_ref in rows:
        refs[policy_id].append(customer_ref)
    for policy in policies:
        if as_dicts:
            policy["beneficiary_refs"] = refs[policy["id"]]
        else:
            policy.beneficiary_refs = refs[policy.pk]


def transactions_for(user) -> QuerySet[PolicyTransaction]:
    return restrict(PolicyTransaction.objects.select_related("policy", "payer", "payee"), user)


def customer_pii_reveal(*, user, customer: Customer) -> dict[str, str]:
    """The unmasked ID and phone numbers. Requires customers.view_customer_pii (403
    otherwise) and is recorded as a sensitive read."""
    require(user, "customers.view_customer_pii", "Your role may not see unmasked personal information.")
    customer = Customer.objects.only("id", "customer_ref", "id_number_ciphertext", "phone_ciphertext").get(
        pk=customer.pk
    )
    revealed = {
        "id_number": crypto.decrypt(customer.id_number_ciphertext, "id_number"),
        "phone": crypto.decrypt(customer.phone_ciphertext, "phone") if customer.phone_ciphertext else "",
    }
    audit.record_sensitive_read(
        actor=user, obj_type="customers.customer", obj_id=customer.customer_ref, fields=["id_number", "phone"]
    )
    return revealed


def book_dashboard() -> dict:
    """The figures of the home dashboard: a handful of queries over the precomputed tables."""
    snapshot = BookSnapshot.objects.order_by("-computed_at").first()
    months = list(BookMonthFigure.objects.order_by("-month")[:DASHBOARD_MONTHS])[::-1]
    mixes: dict[str, list[BookMixFigure]] = {"product": [], "channel": [], "status": []}
    for mix in BookMixFigure.objects.order_by("dimension", "-policies"):
        mixes[mix.dimension].append(mix)
    return {"snapshot": snapshot, "months": months, "mixes": mixes}
