"""Small, explicit builders for book-of-business rows in tests (valid by default)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from django.utils import timezone

from customers.identity import make_resident_id, make_uscc
from customers.models import Customer, Policy, PolicyTransaction, Product
from insurer import crypto

_seq = itertools.count(1)


def person(*, name="李娜", birth_date=dt.date(1985, 6, 15), sex="F", phone="13912345678", **fields) -> Customer:
    n = next(_seq)
    number = make_resident_id("320102", birth_date, n % 499 + 1, sex)
    sealed_id = crypto.seal(number, "id_number", crypto.mask_id_number)
    sealed_phone = crypto.seal(phone, "phone", crypto.mask_phone)
    return Customer.objects.create(
        customer_ref=fields.pop("customer_ref", f"C9{n:07d}"), kind="person", name=name, id_type="resident_id",
        id_number_ciphertext=sealed_id.ciphertext, id_number_digest=sealed_id.digest,
        id_number_masked=sealed_id.masked, birth_date=birth_date, sex=sex,
        phone_ciphertext=sealed_phone.ciphertext, phone_digest=sealed_phone.digest, phone_masked=sealed_phone.masked,
        **fields,
    )  # fmt: skip


def organisation(*, name="南京示例科技有限公司", **fields) -> Customer:
    n = next(_seq)
    sealed = crypto.seal(make_uscc("320100", n), "id_number", crypto.mask_id_number)
    return Customer.objects.create(
        customer_ref=fields.pop("customer_ref", f"C8{n:07d}"), kind="organisation", name=name, id_type="uscc",
        id_number_ciphertext=sealed.ciphertext, id_number_digest=sealed.digest, id_number_masked=sealed.masked,
        **fields,
    )  # fmt: skip


def product(**fields) -> Product:
    n = next(_seq)
    values = {"product_code": f"TERM{n}", "name": "定期寿险", "kind": "term", "mortality_table": "CL1",
              "min_age": 18, "max_age": 60, "cooling_off_days": 15}  # fmt: skip
    return Product.objects.create(**{**values, **fields})


def policy(*, holder: Customer | None = None, insured: Customer | None = None, **fields) -> Policy:
    n = next(_seq)
    holder = holder or person()
    values = {
        "policy_ref": f"P9{n:08d}", "product": fields.pop("product", None) or product(), "policyholder": holder,
        "insured": insured or holder, "issue_date": dt.date(2024, 1, 15), "status": "in_force",
        "sum_assured": Decimal("300000"), "annual_premium": Decimal("1500"), "premium_term_years": 20,
        "policy_term_years": 20, "payment_frequency": "annual", "channel": "agency", "agent_code": "A000001",
    }  # fmt: skip
    return Policy.objects.create(**{**values, **fields})


def transaction(*, on: Policy, kind="premium", amount="1500", when=None, **fields) -> PolicyTransaction:
    n = next(_seq)
    when = when or timezone.make_aware(dt.datetime(2024, 1, 15, 10, 0))
    return PolicyTransaction.objects.create(
        txn_ref=fields.pop("txn_ref", f"T9{n:09d}"), policy=on, kind=kind, amount=Decimal(amount), timestamp=when,
        method=fields.pop("method", "transfer"), payer=fields.pop("payer", on.policyholder), **fields,
    )  # fmt: skip
