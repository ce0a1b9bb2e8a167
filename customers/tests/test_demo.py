"""The demo insurer (manage.py seed_demo): deterministic, valid and consistent data.

Every check recomputes from first principles (check digits, ages, the mortality table)
rather than trusting the generator's own helpers.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from collections import Counter, defaultdict
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db.models import Sum

from customers.demo.reference import PRODUCTS
from customers.identity import validate_resident_id, validate_uscc
from customers.models import (
    BeneficialOwner,
    BookSnapshot,
    Customer,
    Policy,
    PolicyBeneficiary,
    PolicyTransaction,
    Product,
)
from insurer import crypto
from insurer.reference.mortality import annual_qx
from insurer.roles import CATALOGUE

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 9, 30)
SHANGHAI = ZoneInfo("Asia/Shanghai")
SPEC = {p.code: p for p in PRODUCTS}


def seed(seed: int = 7, *extra: str) -> None:
    call_command("seed_demo", "--size", "small", "--seed", str(seed), "--no-logins", *extra, stdout=_Sink())


class _Sink:
    def __init__(self):
        self.text = ""

    def write(self, s):
        self.text += s

    def flush(self):
        pass


def fingerprint() -> str:
    h = hashlib.sha256()
    for row in Customer.objects.order_by("customer_ref").values_list(
        "customer_ref", "name", "id_number_digest", "birth_date", "sex", "address", "annual_income"
    ):
        h.update(repr(row).encode())
    for row in Policy.objects.order_by("policy_ref").values_list(
        "policy_ref",
        "product__product_code",
        "insured__customer_ref",
        "issue_date",
        "status",
        "status_date",
        "sum_assured",
        "annual_premium",
        "payment_frequency",
        "agent_code",
    ):
        h.update(repr(row).encode())
    for row in PolicyTransaction.objects.order_by("txn_ref").values_list(
        "txn_ref", "policy__policy_ref", "kind", "timestamp", "amount", "method", "account_ref"
    ):
        h.update(repr(row).encode())
    return h.hexdigest()


LAST_BACKGROUND_POLICY = "P000000400"  # small: 400 policies, then the planted cases' policies


def age_on(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def test_same_seed_gives_the_same_book_and_another_seed_does_not():
    seed(7)
    first = fingerprint()
    counts = (Customer.objects.count(), Policy.objects.count(), PolicyTransaction.objects.count())
    seed(7)
    assert fingerprint() == first
    assert (Customer.objects.count(), Policy.objects.count(), PolicyTransaction.objects.count()) == counts
    seed(8)
    assert fingerprint() != first


def test_small_size_is_about_the_advertised_size():
    seed()
    assert Customer.objects.count() == 300
    # The background book, then the policies of the planted AML cases after it.
    assert Policy.objects.filter(policy_ref__lte=LAST_BACKGROUND_POLICY).count() == 400
    assert Policy.objects.count() > 400 + 8 * 13
    background = PolicyTransaction.objects.filter(policy__policy_ref__lte=LAST_BACKGROUND_POLICY).count()
    assert 3_600 <= background <= 4_400
    assert Product.objects.count() == 12
    kinds = set(Product.objects.values_list("kind", flat=True))
    assert kinds == {k for k, _ in Product.Kind.choices}


def test_identity_numbers_are_valid_and_agree_with_the_customer():
    seed()
    regions = {}
    with open(__import__("customers.demo.reference", fromlist=["HERE"]).HERE / "regions.csv", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            city = "" if r["city"] == r["province"] else r["city"]
            regions[r["code"]] = r["province"] + city + r["district"]
    kinds = Counter()
    for c in Customer.objects.all():
        number = crypto.decrypt(c.id_number_ciphertext, "id_number")
        assert c.id_number_digest == crypto.blind_index(number, "id_number")
        assert c.id_number_masked == crypto.mask_id_number(number)
        kinds[c.id_type] += 1
        if c.id_type == "resident_id":
            validate_resident_id(number, birth_date=c.birth_date, sex=c.sex)
            assert c.address.startswith(regions[number[:6]]), (number, c.address)
            assert c.nationality == "CN"
        elif c.id_type == "uscc":
            validate_uscc(number)
            assert c.kind == "organisation" and c.birth_date is None and c.sex == ""
        else:
            assert c.id_type == "passport" and c.nationality != "CN"
        if c.phone_ciphertext:
            phone = crypto.decrypt(c.phone_ciphertext, "phone")
            if c.kind == "person":
                assert len(phone) == 11 and phone[0] == "1" and phone[1] in "3456789", phone
            else:
                assert phone.startswith("0")
    assert kinds["resident_id"] > 250 and kinds["uscc"] >= 3


def test_beneficial_owner_shares_add_up_to_at_most_100():
    seed()
    totals = defaultdict(Decimal)
    for bo in BeneficialOwner.objects.select_related("organisation", "owner"):
        assert bo.organisation.kind == "organisation"
        assert bo.organisation_id != bo.owner_id
        totals[bo.organisation_id] += bo.share_pct
    assert totals and all(Decimal(0) < t <= 100 for t in totals.values())
    assert BeneficialOwner.objects.filter(control=True).exists()


def test_insured_ages_fit_the_products_and_policies_are_consistent():
    seed()
    statuses = Counter()
    for p in Policy.objects.select_related("product", "insured", "policyholder"):
        age = age_on(p.insured.birth_date, p.issue_date)
        assert p.product.min_age <= age <= p.product.max_age, (p.policy_ref, age)
        assert p.insured.kind == "person"
        if p.policyholder.kind == "person":
            assert age_on(p.policyholder.birth_date, p.issue_date) >= 18
        assert 1 <= p.premium_term_years <= p.policy_term_years
        assert (p.payment_frequency == "single") <= (p.premium_term_years == 1)
        assert dt.date(2015, 1, 1) <= p.issue_date <= AS_OF
        if p.status == "in_force":
            assert p.status_date is None
        else:
            assert p.issue_date <= p.status_date <= AS_OF
        if p.channel in ("agency", "bancassurance"):
            assert len(p.agent_code) == 7 and p.agent_code.startswith("A")
        statuses[p.status] += 1
    assert set(statuses) == {"in_force", "lapsed", "surrendered", "matured", "claimed", "cancelled"}
    assert statuses["in_force"] > 0.5 * sum(statuses.values())


def _net_rate(table: str, incidence: float, x: int, n: int, m: int) -> float:
    """Net level premium per 1 of benefit, with plain loops (independent of the generator)."""
    qx = [min(q * incidence, 1.0) for q in annual_qx(table)]
    qx[-1] = 1.0
    v = 1 / 1.035
    insurance = annuity = 0.0
    survival = 1.0
    for t in range(n):
        q = qx[x + t] if x + t < len(qx) else 1.0
        if t < m:
            annuity += v**t * survival
        insurance += v ** (t + 1) * survival * q
        survival *= 1 - q
    return insurance / annuity


def test_premiums_are_consistent_with_the_mortality_table():
    seed()
    checked = 0
    for p in Policy.objects.select_related("product", "insured").order_by("policy_ref"):
        spec = SPEC[p.product.product_code]
        age = age_on(p.insured.birth_date, p.issue_date)
        sa, premium = float(p.sum_assured), float(p.annual_premium)
        if p.product.kind in ("term", "whole_life", "critical_illness", "medical"):
            table = {"CL1": "CL2"}.get(p.product.mortality_table) if p.insured.sex == "F" else None
            rate = _net_rate(
                table or p.product.mortality_table, spec.incidence, age, p.policy_term_years, p.premium_term_years
            )
            loading = premium / (sa * rate) - 1
            assert 0.249 <= loading <= 0.401, (p.policy_ref, loading)
            checked += 1
        else:
            loading = premium * p.premium_term_years / sa - 1
            assert 0.049 <= loading <= 0.151, (p.policy_ref, loading)
    assert checked > 100


def test_transactions_cover_every_kind_and_follow_the_policies():
    seed()
    kinds = Counter(PolicyTransaction.objects.values_list("kind", flat=True))
    assert set(kinds) == {k for k, _ in PolicyTransaction.Kind.choices}
    assert kinds["premium"] > 0.8 * sum(kinds.values())
    policies = {p.id: p for p in Policy.objects.all()}
    for t in PolicyTransaction.objects.all():
        local = t.timestamp.astimezone(SHANGHAI)
        p = policies[t.policy_id]
        assert 9 <= local.hour < 18 and local.weekday() < 5, t.txn_ref
        assert p.issue_date <= local.date() <= AS_OF
        assert t.amount >= 0 and t.currency == "CNY"
        if t.kind in PolicyTransaction.NON_MONETARY:
            assert t.amount == 0 and t.method == "none" and t.payer_id is None
            # A planted change (L09) names the new beneficiary or owner in payee (no other column).
            assert t.payee_id is None or p.policy_ref > LAST_BACKGROUND_POLICY
        elif t.kind in PolicyTransaction.MONEY_IN:
            assert t.payer_id and t.payee_id is None and t.amount > 0
        else:
            assert t.payee_id and t.payer_id is None and t.amount > 0
        if t.method in ("transfer", "card", "cheque"):
            assert t.account_ref
    # A cancelled policy gets back exactly what was paid in the cooling-off period.
    for p in Policy.objects.filter(status="cancelled"):
        paid = p.transactions.filter(kind="premium").aggregate(s=Sum("amount"))["s"]
        assert p.transactions.get(kind="cooling_off_refund").amount == paid
    # Surrendering early returns less than was paid in.
    for p in Policy.objects.filter(status="surrendered"):
        if (p.status_date - p.issue_date).days < 3 * 365:
            paid = p.transactions.filter(kind="premium").aggregate(s=Sum("amount"))["s"]
            assert p.transactions.get(kind="surrender").amount < paid
    # Premiums stop when the policy ends.
    for p in Policy.objects.exclude(status="in_force"):
        last = p.transactions.filter(kind="premium").order_by("-timestamp").first()
        assert last.timestamp.astimezone(SHANGHAI).date() <= p.status_date + dt.timedelta(days=3)


def test_seed_refreshes_the_dashboard_and_creates_one_login_per_role():
    out = _Sink()
    call_command("seed_demo", "--size", "small", "--seed", "3", stdout=out)
    snapshot = BookSnapshot.objects.latest()
    assert snapshot.trigger == "seed_demo"
    assert snapshot.policies == Policy.objects.count()
    assert snapshot.transactions == PolicyTransaction.objects.count()
    assert snapshot.policies_in_force == Policy.objects.filter(status="in_force").count()
    for role in CATALOGUE:
        password = f"demo-{role.code.replace('_', '-')}-2026"
        assert authenticate(username=role.code, password=password) is not None
        assert password in out.text and role.code in out.text
    assert "insert transactions" in out.text  # timings are printed


def test_refuses_to_run_in_production(settings):
    settings.PROFILE = "production"
    with pytest.raises(CommandError, match="production"):
        seed()
    assert not Customer.objects.exists()


def test_keep_refuses_to_load_the_demo_twice():
    seed()
    with pytest.raises(CommandError, match="already loaded"):
        seed(7, "--keep")
    assert Customer.objects.count() == 300


INTERCHANGE = {
    "customers.csv": "customer_ref,kind,name,id_type,id_number,birth_date,sex,phone,address,nationality,"
    "occupation,annual_income,risk_rating",
    "beneficial_owners.csv": "organisation_ref,owner_ref,share_pct,control",
    "products.csv": "product_code,name,kind,mortality_table,min_age,max_age,cooling_off_days",
    "policies.csv": "policy_ref,product_code,policyholder_ref,insured_ref,beneficiary_refs,issue_date,status,"
    "sum_assured,annual_premium,premium_term_years,policy_term_years,payment_frequency,channel,agent_code",
    "transactions.csv": "txn_ref,policy_ref,kind,timestamp,amount,currency,method,payer_ref,payee_ref,"
    "account_ref,counterparty_country",
}


def test_csv_export_has_the_interchange_columns_and_is_deterministic(tmp_path):
    seed(5, "--csv", str(tmp_path / "a"), "--csv-only")
    seed(5, "--csv", str(tmp_path / "b"), "--csv-only")
    assert not Customer.objects.exists()  # --csv-only leaves the database alone
    for name, header in INTERCHANGE.items():
        a = (tmp_path / "a" / name).read_bytes()
        assert a == (tmp_path / "b" / name).read_bytes()
        columns = a.decode("utf-8").splitlines()[0].split(",")
        expected = header.split(",") + (["status_date"] if name == "policies.csv" else [])
        assert sorted(columns) == sorted(expected), name
    with open(tmp_path / "a" / "customers.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 300
    for r in rows:
        if r["id_type"] == "resident_id":
            validate_resident_id(r["id_number"], birth_date=dt.date.fromisoformat(r["birth_date"]), sex=r["sex"])
    with open(tmp_path / "a" / "transactions.csv", encoding="utf-8") as fh:
        txns = list(csv.DictReader(fh))
    assert all(dt.datetime.fromisoformat(t["timestamp"]).utcoffset() == dt.timedelta(hours=8) for t in txns)
    assert PolicyBeneficiary.objects.count() == 0


def _schema_objects() -> set[tuple[str, str]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 'index', indexdef FROM pg_indexes WHERE tablename LIKE 'customers_%%'")
        found = set(cursor.fetchall())
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid::regclass::text LIKE 'customers_%%'"
        )
        return found | set(cursor.fetchall())


def test_bulk_load_leaves_every_index_and_constraint_in_place():
    """On PostgreSQL the seeder drops secondary indexes and foreign keys around COPY."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the index/foreign-key juggling only happens on PostgreSQL")
    before = _schema_objects()
    seed()
    assert _schema_objects() == before


def test_every_typology_is_planted_at_its_rate_with_labels_sent_to_the_receivers():
    from customers.demo.typologies import TYPOLOGIES, cases_per_typology
    from customers.signals import book_seeded

    received = []

    def receiver(sender, **payload):
        received.append(payload)

    book_seeded.connect(receiver, dispatch_uid="test-demo-labels")
    try:
        seed(7)
        seed(7)
    finally:
        book_seeded.disconnect(dispatch_uid="test-demo-labels")
    first, again = received
    assert first == again  # deterministic, labels included
    assert (first["size"], first["seed"], first["keep"]) == ("small", 7, False)
    labels = first["labels"]
    cases = Counter(lab["typology"] for lab in labels)
    n = cases_per_typology(400)
    assert n == 8 and set(cases) == set(TYPOLOGIES)
    # One label per case, except L01's split variant (two policies) and L10 (every linked policy).
    assert all(cases[t] == n for t in TYPOLOGIES if t not in ("L01", "L10"))
    assert cases["L01"] == n + len(range(2, n, 3)) and 3 * n <= cases["L10"] <= 4 * n
    policies = {p.policy_ref: p for p in Policy.objects.select_related("policyholder")}
    for lab in labels:
        policy = policies[lab["policy_ref"]]
        assert policy.policy_ref > LAST_BACKGROUND_POLICY and policy.policyholder.customer_ref == lab["customer_ref"]
        txns = PolicyTransaction.objects.filter(txn_ref__in=lab["txn_refs"])
        assert txns.count() == len(lab["txn_refs"]) and all(t.policy_id == policy.pk for t in txns)
        assert bool(lab["txn_refs"]) == (lab["typology"] not in ("L12", "L13"))
    # L13's watch-list entries name the labelled policyholders.
    holders = {lab["customer_ref"] for lab in labels if lab["typology"] == "L13"}
    assert {e["customer_ref"] for e in first["watchlist"]} == holders
    for entry in first["watchlist"]:
        customer = Customer.objects.get(customer_ref=entry["customer_ref"])
        assert (customer.name, str(customer.birth_date)) == (entry["name"], entry["birth_date"])
