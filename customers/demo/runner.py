"""seed_demo: generate the demo book in memory, then write it in bulk, timing each step."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from customers.demo import reference as ref
from customers.demo import store
from customers.demo.book import Beneficiaries, Policies, agent_codes, generate_beneficiaries, generate_policies
from customers.demo.ledger import Ledger, build_ledger, calibrate_frequency, plan_events
from customers.demo.params import SIZES, Size
from customers.demo.people import Owners, People, generate_owners, generate_people
from customers.demo.typologies import plant_typologies
from customers.models import BeneficialOwner, Customer, Policy, PolicyBeneficiary, PolicyTransaction, Product
from insurer import crypto


class DemoRefused(RuntimeError):
    """The demo seeder will not run here (production profile, or its data already present)."""


@dataclass
class Demo:
    people: People
    owners: Owners
    policies: Policies
    beneficiaries: Beneficiaries
    ledger: Ledger
    labels: list[dict] = field(default_factory=list)  # planted AML cases (customers/demo/typologies.py)
    watchlist: list[dict] = field(default_factory=list)  # watch-list entries planted for L13


@dataclass
class SeedReport:
    size: str
    seed: int
    counts: dict[str, int] = field(default_factory=dict)
    timings: list[tuple[str, float]] = field(default_factory=list)
    logins: list = field(default_factory=list)

    @contextmanager
    def timed(self, label: str):
        start = time.perf_counter()
        yield
        self.timings.append((label, time.perf_counter() - start))

    @property
    def total_seconds(self) -> float:
        return sum(t for _, t in self.timings)


def generate(size: Size, seed: int, report: SeedReport | None = None) -> Demo:
    """The whole book in memory; a pure function of (size, seed)."""
    report = report or SeedReport(size.name, seed)
    rng = np.random.default_rng(seed)
    with report.timed("generate customers"):
        people = generate_people(rng, size.customers)
        owners = generate_owners(rng, people)
    with report.timed("generate policies"):
        policies = generate_policies(rng, people, size.policies, agent_codes(rng, size.agents))
        beneficiaries = generate_beneficiaries(rng, people, policies)
    with report.timed("generate transactions"):
        events = plan_events(rng, policies, beneficiaries)
        calibrate_frequency(rng, policies, max(size.transactions - len(events.policy), 0))
        ledger = build_ledger(rng, people, policies, beneficiaries, events)
    with report.timed("plant AML typologies"):
        policies, owners, ledger, labels, watchlist = plant_typologies(seed, people, policies, owners, ledger)
    return Demo(people, owners, policies, beneficiaries, ledger, labels, watchlist)


def _sealed(people: People) -> dict[str, np.ndarray]:
    id_sealed = [crypto.seal(v, "id_number", crypto.mask_id_number) for v in people.id_number.tolist()]
    phone_sealed = [crypto.seal(v, "phone", crypto.mask_phone) for v in people.phone.tolist()]
    return {
        "id_number_ciphertext": np.array([s.ciphertext for s in id_sealed], dtype=object),
        "id_number_digest": np.array([s.digest for s in id_sealed], dtype=object),
        "id_number_masked": np.array([s.masked for s in id_sealed], dtype=object),
        "phone_ciphertext": np.array([s.ciphertext for s in phone_sealed], dtype=object),
        "phone_digest": np.array([s.digest for s in phone_sealed], dtype=object),
        "phone_masked": np.array([s.masked for s in phone_sealed], dtype=object),
    }


def _income(people: People) -> np.ndarray:
    out = store.money(np.maximum(people.income, 0) * 100).astype(object)
    out[people.income < 0] = None
    return out


def _share(bp: np.ndarray) -> np.ndarray:
    return np.char.add(np.char.add((bp // 10_000).astype(str), "."), np.char.zfill((bp % 10_000).astype(str), 4))


def _products_columns(first: int) -> dict[str, np.ndarray]:
    specs = ref.PRODUCTS
    return {
        "id": np.arange(first, first + len(specs)),
        "product_code": np.array([p.code for p in specs]),
        "name": np.array([p.name for p in specs]),
        "kind": np.array([p.kind for p in specs]),
        "mortality_table": np.array([p.table for p in specs]),
        "min_age": np.array([p.min_age for p in specs]),
        "max_age": np.array([p.max_age for p in specs]),
        "cooling_off_days": np.array([p.cooling_off_days for p in specs]),
    }


def _customer_columns(people: People, first: int, now: str, sealed: dict) -> dict[str, np.ndarray]:
    n = len(people)
    return {
        "id": np.arange(first, first + n),
        "customer_ref": people.ref,
        "kind": people.kind,
        "name": people.name,
        "id_type": people.id_type,
        **sealed,
        "birth_date": store.dates(people.birth),
        "sex": people.sex,
        "address": people.address,
        "nationality": people.nationality,
        "occupation": people.occupation,
        "annual_income": _income(people),
        "risk_rating": people.risk,
        "created_at": np.full(n, now),
        "updated_at": np.full(n, now),
    }


def _policy_columns(pol: Policies, ids: dict, now: str) -> dict[str, np.ndarray]:
    n = len(pol)
    return {
        "id": np.arange(ids[Policy], ids[Policy] + n),
        "policy_ref": pol.ref,
        "product_id": pol.product + ids[Product],
        "policyholder_id": pol.holder + ids[Customer],
        "insured_id": pol.insured + ids[Customer],
        "issue_date": store.dates(pol.issue),
        "status": pol.status,
        "status_date": store.dates(pol.status_date),
        "sum_assured": store.money(pol.sum_assured),
        "annual_premium": store.money(pol.premium),
        "premium_term_years": np.where(pol.single, 1, pol.premium_term),
        "policy_term_years": pol.policy_term,
        "payment_frequency": pol.frequency,
        "channel": pol.channel,
        "agent_code": pol.agent,
        "created_at": np.full(n, now),
        "updated_at": np.full(n, now),
    }


def _transaction_columns(led: Ledger, ids: dict) -> dict[str, np.ndarray]:
    n = len(led)
    return {
        "id": np.arange(ids[PolicyTransaction], ids[PolicyTransaction] + n),
        "txn_ref": led.ref,
        "policy_id": led.policy + ids[Policy],
        "kind": led.kind,
        "timestamp": store.timestamps_db(led.when),
        "amount": store.money(led.amount),
        "currency": np.full(n, "CNY"),
        "method": led.method,
        "payer_id": store.optional_id(led.payer, ids[Customer]),
        "payee_id": store.optional_id(led.payee, ids[Customer]),
        "account_ref": led.account,
        "counterparty_country": led.country,
    }


def write_database(demo: Demo, size: Size, report: SeedReport, *, keep: bool) -> None:
    people, pol, led = demo.people, demo.policies, demo.ledger
    with report.timed("encrypt PII"):
        sealed = _sealed(people)
    now = store.now_db(timezone.now())
    with transaction.atomic():
        if not keep:
            with report.timed("wipe book tables"):
                store.wipe()
        elif (
            Customer.objects.filter(customer_ref__in=people.ref[:1].tolist()).exists()
            or Product.objects.filter(product_code__in=[p.code for p in ref.PRODUCTS]).exists()
        ):
            raise DemoRefused("the demo book is already loaded; run seed_demo without --keep to replace it")
        ids = store.first_ids()
        with report.timed("insert products"):
            store.insert(Product, _products_columns(ids[Product]), size.batch)
        with report.timed("insert customers"), store.bulk_load(Customer, empty=not keep):
            store.insert(Customer, _customer_columns(people, ids[Customer], now, sealed), size.batch)
        own = demo.owners
        with report.timed("insert beneficial owners"):
            store.insert(
                BeneficialOwner,
                {
                    "id": np.arange(ids[BeneficialOwner], ids[BeneficialOwner] + len(own.owner)),
                    "organisation_id": own.organisation + ids[Customer],
                    "owner_id": own.owner + ids[Customer],
                    "share_pct": _share(own.share_bp),
                    "control": own.control,
                },
                size.batch,
            )
        with report.timed("insert policies"), store.bulk_load(Policy, empty=not keep):
            store.insert(Policy, _policy_columns(pol, ids, now), size.batch)
        ben = demo.beneficiaries
        with report.timed("insert beneficiaries"), store.bulk_load(PolicyBeneficiary, empty=not keep):
            store.insert(
                PolicyBeneficiary,
                {
                    "id": np.arange(ids[PolicyBeneficiary], ids[PolicyBeneficiary] + len(ben.policy)),
                    "policy_id": ben.policy + ids[Policy],
                    "customer_id": ben.customer + ids[Customer],
                    "position": ben.position,
                },
                size.batch,
            )
        with report.timed("insert transactions"), store.bulk_load(PolicyTransaction, empty=not keep):
            store.insert(PolicyTransaction, _transaction_columns(led, ids), size.batch)
        store.reset_sequences()
        with report.timed("check foreign keys"):
            store.check_constraints()


def write_csvs(demo: Demo, directory: Path, report: SeedReport) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    people, pol, led, own, ben = demo.people, demo.policies, demo.ledger, demo.owners, demo.beneficiaries
    codes = np.array([p.code for p in ref.PRODUCTS])
    with report.timed("write CSVs"):
        store.write_csv(directory, "products.csv", _products_columns(1))
        store.write_csv(
            directory,
            "customers.csv",
            {
                "customer_ref": people.ref,
                "kind": people.kind,
                "name": people.name,
                "id_type": people.id_type,
                "id_number": people.id_number,
                "birth_date": store.dates(people.birth),
                "sex": people.sex,
                "phone": people.phone,
                "address": people.address,
                "nationality": people.nationality,
                "occupation": people.occupation,
                "annual_income": _income(people),
                "risk_rating": people.risk,
            },
        )
        store.write_csv(
            directory,
            "beneficial_owners.csv",
            {
                "organisation_ref": people.ref[own.organisation],
                "owner_ref": people.ref[own.owner],
                "share_pct": _share(own.share_bp),
                "control": np.where(own.control, "true", "false"),
            },
        )
        refs = _beneficiary_refs(people, ben, len(pol))
        columns = _policy_columns(pol, {Policy: 1, Product: 0, Customer: 0}, "")
        store.write_csv(
            directory,
            "policies.csv",
            {
                **columns,
                "product_code": codes[pol.product],
                "policyholder_ref": people.ref[pol.holder],
                "insured_ref": people.ref[pol.insured],
                "beneficiary_refs": refs,
            },
        )
        store.write_csv(directory, "transactions.csv", _transaction_csv_columns(people, pol, led))


def _transaction_csv_columns(people: People, pol: Policies, led: Ledger) -> dict[str, np.ndarray]:
    payer = np.where(led.payer >= 0, people.ref[np.maximum(led.payer, 0)], "")
    payee = np.where(led.payee >= 0, people.ref[np.maximum(led.payee, 0)], "")
    return {
        "txn_ref": led.ref,
        "policy_ref": pol.ref[led.policy],
        "kind": led.kind,
        "timestamp": store.timestamps_iso(led.when),
        "amount": store.money(led.amount),
        "currency": np.full(len(led), "CNY"),
        "method": led.method,
        "payer_ref": payer,
        "payee_ref": payee,
        "account_ref": led.account,
        "counterparty_country": led.country,
    }


def _beneficiary_refs(people: People, ben: Beneficiaries, n_policies: int) -> np.ndarray:
    out = np.full(n_policies, "", dtype=object)
    for p, c in zip(ben.policy.tolist(), people.ref[ben.customer].tolist(), strict=True):
        out[p] = f"{out[p]};{c}" if out[p] else c
    return out


def seed_demo(
    *,
    size: str,
    seed: int,
    csv_dir: Path | None = None,
    csv_only: bool = False,
    keep: bool = False,
    logins: bool = True,
    progress: Callable[[str], None] | None = None,
) -> SeedReport:
    if settings.PROFILE == "production":
        raise DemoRefused("seed_demo refuses to run in the production profile: it replaces the book of business")
    spec = SIZES[size]
    report = SeedReport(size, seed)
    demo = generate(spec, seed, report)
    report.counts = {
        "customers": len(demo.people),
        "beneficial owners": len(demo.owners.owner),
        "products": len(ref.PRODUCTS),
        "policies": len(demo.policies),
        "beneficiaries": len(demo.beneficiaries.policy),
        "transactions": len(demo.ledger),
        "planted AML cases": len(demo.labels),
    }
    if csv_dir is not None:
        write_csvs(demo, Path(csv_dir), report)
    if csv_only:
        return report
    write_database(demo, spec, report, keep=keep)
    from customers.summary import book_summary_refresh

    with report.timed("refresh dashboard summary"):
        book_summary_refresh(trigger="seed_demo")
    from customers.signals import book_seeded

    with report.timed("book_seeded receivers"):
        book_seeded.send(
            sender="seed_demo", size=size, seed=seed, keep=keep, labels=demo.labels, watchlist=demo.watchlist
        )
    if logins:
        from insurer.services import demo_logins_create

        with report.timed("demo logins"):
            report.logins = demo_logins_create()
    return report
