"""Money-laundering typologies L01-L13 planted in the demo book, with their labels.

Each typology is planted on ``cases_per_typology(size)`` fresh policies (a known rate of the
book's policies, at least ``MIN_CASES``), held by existing customers of the book, each with
an ordinary premium history and then the typology's transactions (shared/spec/
regulation-aml.md, the rule catalogue). Every case is labelled: typology, customer ref,
policy ref, the refs of the transactions that make it (empty for the state typologies L12
opaque ownership and L13 screening hit). ``seed_demo`` sends the labels with
``customers.signals.book_seeded``; the compliance app stores them and measures recall and
precision against them (the demo book's background behaviour supplies the false alerts).

The recipes follow the engine's synthetic planter (compliance/engine/synthetic_plant.py),
written here over the demo book's arrays: the book of business may not import a domain app,
and the demo's customers are real rows (sealed ID numbers, products, agents), not the
synthetic book's. Thresholds are the regulation's defaults (PBoC large-value report for
cash, CNY 50,000), as the synthetic planter uses them.

Deterministic: the planter draws from its own generator seeded from the demo's seed, so the
background book is the same with or without the plant and the plant is the same on any day.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from customers.demo import reference as ref
from customers.demo.book import LAPSE_GRACE_DAYS, Policies, annual_premium
from customers.demo.dates import add_months, age_at, business_day
from customers.demo.ledger import MODAL_FACTOR, Ledger
from customers.demo.params import AS_OF
from customers.demo.people import Owners, People

TYPOLOGIES = tuple(f"L{i:02d}" for i in range(1, 14))
PLANT_RATE = 0.002  # cases of each typology per policy of the background book
MIN_CASES = 8  # so the small book has enough cases to measure a recall
CASH_REPORT_CNY = 50_000  # PBoC Order [2016] No. 3: cash large-value report threshold
HIGH_RISK_COUNTRIES = ("KP", "IR", "MM")  # FATF call for action (the catalogue's default list)
FIRST_PLANT, LAST_PLANT = np.datetime64("2017-01-02", "D"), np.datetime64("2023-06-30", "D")
PRODUCT = {p.code: i for i, p in enumerate(ref.PRODUCTS)}


def cases_per_typology(n_policies: int) -> int:
    return max(MIN_CASES, round(PLANT_RATE * n_policies))


@dataclass
class Plant:
    """What the planter added: labels (with planted transaction rows, not yet refs) and the
    watch-list entries for L13."""

    labels: list[dict] = field(default_factory=list)
    watchlist: list[dict] = field(default_factory=list)


class _Planter:
    def __init__(self, rng, people: People, pol: Policies, owners: Owners) -> None:
        self.rng, self.people, self.pol, self.owners = rng, people, pol, owners
        self.first_policy = len(pol)
        self.p: dict[str, list] = {k: [] for k in _POLICY_FIELDS}
        self.t: dict[str, list] = {k: [] for k in _TXN_FIELDS}
        self.plant = Plant()
        adult = age_at(people.birth, np.datetime64(AS_OF, "D"))
        persons = people.kind == "person"
        eligible = np.flatnonzero(persons & (adult >= 30) & (adult <= 62) & (people.income > 0))
        self.holders = rng.permutation(eligible)
        self.next_holder = 0
        self.persons = np.flatnonzero(persons & (adult >= 18))
        holding = np.zeros(len(people), dtype=bool)
        holding[pol.holder] = True
        orgs = np.flatnonzero(people.kind == "organisation")
        free = orgs[~holding[orgs]]
        self.orgs = rng.permutation(free if len(free) else orgs)
        self.next_org = 0
        agents = pol.agent[pol.agent != ""]
        self.agents = agents if len(agents) else np.array(["A000001"])
        self.drop_owner_rows: set[int] = set()
        self.new_owners: list[tuple[int, int, int, bool]] = []

    # -- building blocks -------------------------------------------------------------
    def holder(self) -> int:
        h = int(self.holders[self.next_holder % len(self.holders)])
        self.next_holder += 1
        return h

    def stranger(self, *exclude: int) -> int:
        while True:
            s = int(self.persons[self.rng.integers(len(self.persons))])
            if s not in exclude:
                return s

    def day(self) -> np.datetime64:
        span = int((LAST_PLANT - FIRST_PLANT).astype(int))
        return business_day(np.array([FIRST_PLANT + np.timedelta64(int(self.rng.integers(span)), "D")]))[0]

    def policy(self, holder: int, code: str, issue, frequency: str, instalment_cents: float, insured=None) -> int:
        """A policy priced like the background book (customers.demo.book.annual_premium): the
        premium is the typology's, the sum assured the one that premium buys at a mid loading."""
        spec = ref.PRODUCTS[PRODUCT[code]]
        insured = holder if insured is None else insured
        single = frequency == "single"
        premium = round(instalment_cents / MODAL_FACTOR[frequency])  # annual premium, cents
        age = int(age_at(self.people.birth[[insured]], np.array([issue]))[0])
        term = 1 if spec.group else 105 - age
        premium_term = 1 if single or spec.group else 10
        loading = 0.32 if spec.kind in ref.PROTECTION_KINDS else 0.10
        per_unit = annual_premium(spec, self.people.sex[[insured]], np.array([age]), np.array([term]),
                                  np.array([premium_term]), np.array([single]), 1.0, loading)[0]  # fmt: skip
        values = {
            "product": PRODUCT[code], "holder": holder, "insured": insured, "issue": issue, "age": age,
            "policy_term": term, "premium_term": premium_term, "single": single, "frequency": frequency,
            "sum_assured": 100 * max(round(premium / 100 / per_unit), 1), "premium": premium, "channel": "agency",
            "agent": self.agents[self.rng.integers(len(self.agents))],
            "maturity": add_months(np.array([issue]), 12 * term)[0], "status": "in_force",
            "status_date": np.datetime64("NaT", "D"), "paid_until": np.datetime64(AS_OF, "D"),
        }  # fmt: skip
        for k, v in values.items():
            self.p[k].append(v)
        return self.first_policy + len(self.p["product"]) - 1

    def settle_statuses(self) -> None:
        """What became of the planted policies after their story: group cover matures after its
        year; a regular-premium policy whose premiums stopped over a year before the as-of date
        lapsed (last premium + the grace period), as in the background book."""
        as_of = np.datetime64(AS_OF, "D")
        pols = np.array(self.t["policy"]) - self.first_policy
        prem = np.array(self.t["kind"]) == "premium"
        last = np.full(len(self.p["product"]), np.datetime64("NaT", "D"))
        for i, when in zip(pols[prem], np.array(self.t["when"])[prem].astype("M8[D]"), strict=True):
            last[i] = when if np.isnat(last[i]) or when > last[i] else last[i]
        for i in range(len(last)):
            if self.p["status"][i] != "in_force":
                continue
            if ref.PRODUCTS[self.p["product"][i]].group:
                self.end(self.first_policy + i, "matured", self.p["maturity"][i])
            elif not self.p["single"][i] and not np.isnat(last[i]) and last[i] < as_of - np.timedelta64(365, "D"):
                self.end(self.first_policy + i, "lapsed", last[i] + np.timedelta64(LAPSE_GRACE_DAYS, "D"))

    def end(self, policy: int, status: str, date) -> None:
        i = policy - self.first_policy
        self.p["status"][i], self.p["status_date"][i] = status, np.datetime64(date, "D")
        self.p["paid_until"][i] = np.datetime64(date, "D")

    def txn(self, policy, kind, date, cents, method="transfer", payer=-1, payee=-1, account=None, country=None) -> int:
        party = payer if payer >= 0 else payee
        if account is None:
            account = self.people.account[party] if party >= 0 and method not in ("cash", "none") else ""
        if country is None:
            country = self.people.nationality[party] if party >= 0 and method != "none" else ""
        when = np.datetime64(date, "D").astype("M8[s]") + np.timedelta64(
            int(self.rng.integers(9 * 3600, 17 * 3600)), "s"
        )
        for k, v in zip(_TXN_FIELDS, (policy, kind, when, int(np.rint(cents)), method, payer, payee, account, country),
                        strict=True):  # fmt: skip
            self.t[k].append(v)
        return len(self.t["policy"]) - 1

    def premiums(self, policy, holder, issue, count, cents, method="transfer") -> list[int]:
        dates = business_day(add_months(np.full(count, issue), np.arange(count)))
        return [self.txn(policy, "premium", d, cents, method, payer=holder) for d in dates]

    def regular(self, months: int, instalment_yuan: float | None = None, code: str = "WL01", holder=None):
        """A monthly policy that has paid ``months`` premiums; returns (policy, holder, t0, cents)."""
        holder = self.holder() if holder is None else holder
        issue = self.day()
        cents = 100 * (instalment_yuan or float(np.round(self.rng.uniform(500, 4000), -1)))
        policy = self.policy(holder, code, issue, "monthly", cents)
        self.premiums(policy, holder, issue, months, cents)
        t0 = business_day(add_months(np.array([issue]), months))[0]
        return policy, holder, t0, cents

    def label(self, typ, customer, policy, rows, **detail) -> None:
        self.plant.labels.append({"typology": typ, "customer": customer, "policy": policy, "rows": list(rows),
                                  "detail": detail})  # fmt: skip

    def days(self, date, n) -> np.datetime64:
        return business_day(np.array([np.datetime64(date, "D") + np.timedelta64(int(n), "D")]))[0]

    # -- typologies (the same recipes as compliance/engine/synthetic_plant.py) ---------
    def l01(self, typ, case):
        pol, holder, t0, _ = self.regular(12)
        if case % 3 == 2:  # split over two policies of one holder, each payment well below
            pol2 = self.policy(holder, "WL01", self.days(t0, -200), "monthly", 1_200_000)
            rows = {pol: [], pol2: []}
            for k in range(3):
                p = (pol, pol2)[k % 2]
                cents = self.rng.uniform(0.36, 0.49) * CASH_REPORT_CNY * 100
                rows[p].append(self.txn(p, "premium", self.days(t0, 2 * k), cents, "cash", payer=holder))
            for p, r in rows.items():
                self.label(typ, holder, p, r)
            return
        days = np.sort(self.rng.choice(5, size=int(self.rng.integers(3, 5)), replace=False))  # business days
        rows = [
            self.txn(pol, "premium", np.busday_offset(np.datetime64(t0, "D"), int(d), roll="forward"),
                     self.rng.uniform(0.82, 0.99) * CASH_REPORT_CNY * 100, "cash", payer=holder)
            for d in days
        ]  # fmt: skip
        self.label(typ, holder, pol, rows)

    def l02(self, typ, case):
        if case % 2 == 0:  # single premium many times the declared income
            holder = self.holder()
            issue = self.day()
            cents = float(self.people.income[holder]) * self.rng.uniform(6, 10) * 100
            pol = self.policy(holder, "UL01", issue, "single", cents)
            rows = [self.txn(pol, "premium", issue, cents, payer=holder)]
        else:  # a sudden lump sum after small regular premiums
            pol, holder, t0, cents = self.regular(8, 2000)
            rows = [self.txn(pol, "premium", t0, max(6_000_000, cents * self.rng.uniform(20, 40)), payer=holder)]
        self.label(typ, holder, pol, rows)

    def l03(self, typ, case):
        months = int(self.rng.integers(3, 22))
        pol, holder, t0, cents = self.regular(months, 5000)
        when = self.days(t0, 15)
        rows = [self.txn(pol, "surrender", when, months * cents * self.rng.uniform(0.4, 0.85), payee=holder)]
        self.end(pol, "surrendered", when)
        self.label(typ, holder, pol, rows)

    def l04(self, typ, case):
        holder = self.holder()
        issue = self.day()
        cents = float(np.round(self.rng.uniform(20_000, 300_000), -2)) * 100
        pol = self.policy(holder, "WL01", issue, "single", cents)
        self.txn(pol, "premium", issue, cents, payer=holder)
        when = self.days(issue, self.rng.integers(3, 12))
        other = self.people.account[self.stranger(holder)]
        rows = [self.txn(pol, "cooling_off_refund", when, cents, payee=holder, account=other)]
        self.end(pol, "cancelled", when)
        self.label(typ, holder, pol, rows)

    def l05(self, typ, case):
        pol, holder, t0, cents = self.regular(30, 3000, code="UL01")
        stranger = self.stranger(holder)
        kind = ("surrender", "partial_withdrawal", "claim_payout")[case % 3]
        when = self.days(t0, 20)
        rows = [self.txn(pol, kind, when, cents * 25, payee=stranger)]
        if kind != "partial_withdrawal":
            self.end(pol, "surrendered" if kind == "surrender" else "claimed", when)
        self.label(typ, holder, pol, rows)

    def l06(self, typ, case):
        pol, holder, t0, cents = self.regular(6)
        payer = self.stranger(holder)
        rows = [self.txn(pol, "premium", d, cents, payer=payer)
                for d in business_day(add_months(np.full(3, t0), np.arange(3)))]  # fmt: skip
        self.label(typ, holder, pol, rows)

    def l07(self, typ, case):
        pol, holder, t0, cents = self.regular(6, float(np.round(self.rng.uniform(2000, 9000), -1)))
        over = self.txn(pol, "premium", t0, cents * self.rng.uniform(1.5, 4.0), payer=holder)
        other = self.people.account[self.stranger(holder)]
        refund = self.txn(pol, "refund", self.days(t0, self.rng.integers(3, 26)), cents, payee=holder, account=other)
        self.label(typ, holder, pol, [over, refund])

    def l08(self, typ, case):
        variant = case % 3
        if variant == 0:  # a loan of most of a single premium within 90 days
            holder = self.holder()
            issue = self.day()
            cents = float(np.round(self.rng.uniform(50_000, 300_000), -2)) * 100
            pol = self.policy(holder, "UL01", issue, "single", cents)
            self.txn(pol, "premium", issue, cents, payer=holder)
            when = self.days(issue, self.rng.integers(20, 80))
            rows = [self.txn(pol, "policy_loan", when, cents * self.rng.uniform(0.85, 0.95), payee=holder)]
        elif variant == 1:  # three loans within a year
            pol, holder, t0, cents = self.regular(24, 4000)
            rows = [self.txn(pol, "policy_loan", self.days(t0, 100 * k), cents * 3, payee=holder) for k in range(3)]
        else:  # a loan repaid in cash
            pol, holder, t0, cents = self.regular(24, 4000)
            self.txn(pol, "policy_loan", t0, cents * 4, payee=holder)
            rows = [self.txn(pol, "loan_repayment", self.days(t0, 60), cents * 4, "cash", payer=holder)]
        self.label(typ, holder, pol, rows)

    def l09(self, typ, case):
        pol, holder, t0, cents = self.regular(30, 3000)
        newcomer = self.stranger(holder)
        kind = "beneficiary_change" if case % 2 == 0 else "owner_change"
        change = self.txn(pol, kind, t0, 0, "none", payee=newcomer)
        when = self.days(t0, self.rng.integers(10, 80))
        pay = self.txn(pol, "surrender", when, cents * 28, payee=holder)
        self.end(pol, "surrendered", when)
        self.label(typ, holder, pol, [change, pay])

    def l10(self, typ, case):
        link = ("address", "phone")[case % 2]
        holders = [self.holder()]
        if link == "address":  # neighbours from the same district, so the address still fits their ID number
            same = self.holders[self.people.region[self.holders] == self.people.region[holders[0]]]
            same = same[same != holders[0]]
            if len(same) >= 2:
                holders += [int(h) for h in self.rng.choice(same, size=2, replace=False)]
            else:
                link = "phone"
        while len(holders) < 3:
            holders.append(self.holder())
        for h in holders[1:]:  # the others give the first one's address or phone
            getattr(self.people, link)[h] = getattr(self.people, link)[holders[0]]
        start = self.day()
        when = start
        for k in range(int(self.rng.integers(3, 5))):
            holder = holders[k % len(holders)]
            cents = float(np.round(self.rng.uniform(30_000, 150_000), -2)) * 100
            pol = self.policy(holder, "WL01", when, "single", cents)
            self.label(typ, holder, pol, [self.txn(pol, "premium", when, cents, payer=holder)], shared=link)
            when = self.days(when, self.rng.integers(10, 90))

    def l11(self, typ, case):
        pol, holder, t0, cents = self.regular(6)
        variant = case % 3
        if variant == 0:  # a cheque after months of transfers
            rows = [self.txn(pol, "premium", t0, cents, "cheque", payer=holder)]
        elif variant == 1:  # from a high-risk jurisdiction
            country = HIGH_RISK_COUNTRIES[case % len(HIGH_RISK_COUNTRIES)]
            rows = [self.txn(pol, "premium", t0, cents, payer=holder, country=country)]
        else:  # three source accounts
            account = self.people.account[holder]
            rows = [self.txn(pol, "premium", self.days(t0, 20 * k), cents, payer=holder, account=f"{account}-{k + 1}")
                    for k in range(3)]  # fmt: skip
        self.label(typ, holder, pol, rows)

    def l12(self, typ, case):
        org = int(self.orgs[self.next_org % len(self.orgs)])
        self.next_org += 1
        if org not in self.drop_owner_rows:  # an organisation met again (small books) is opaque already
            self.drop_owner_rows.add(org)
            owners = set()
            while len(owners) < 5:  # dispersed: five persons at 20% each, nobody in control
                owners.add(self.stranger(org))
            self.new_owners += [(org, o, 200_000, False) for o in sorted(owners)]
        issue = self.day()
        insured = self.holder()  # an adult of working age, as group cover requires
        cents = float(np.round(self.rng.uniform(20_000, 80_000), -2)) * 100
        pol = self.policy(org, "GM01", issue, "annual", cents, insured=insured)
        self.txn(pol, "premium", issue, cents, payer=org)
        self.label(typ, org, pol, [], owners=5)

    def l13(self, typ, case):
        pol, holder, _, _ = self.regular(6)
        entry = {
            "entry_id": f"DEMO-L13-{case + 1:05d}", "name": str(self.people.name[holder]), "aliases": "",
            "birth_date": str(self.people.birth[holder]), "id_number": "", "country": "CN",
            "list": "sanctions" if case % 2 else "pep", "program": "demo",
        }  # fmt: skip
        self.plant.watchlist.append({**entry, "customer": holder})
        self.label(typ, holder, pol, [], entry_id=entry["entry_id"])


_POLICY_FIELDS = ("product", "holder", "insured", "issue", "age", "policy_term", "premium_term", "single",
                  "frequency", "sum_assured", "premium", "channel", "agent", "maturity", "status", "status_date",
                  "paid_until")  # fmt: skip
_TXN_FIELDS = ("policy", "kind", "when", "amount", "method", "payer", "payee", "account", "country")


def plant_typologies(seed: int, people: People, pol: Policies, owners: Owners, ledger: Ledger):
    """Plant every typology; returns the grown (policies, owners, ledger) and the labels as
    plain dicts with refs (see customers/signals.py). ``people`` is changed in place (L10's
    shared addresses and phones)."""
    planter = _Planter(np.random.default_rng([seed, 0xA5113]), people, pol, owners)
    n = cases_per_typology(len(pol))
    for typ in TYPOLOGIES:
        for case in range(n):
            getattr(planter, typ.lower())(typ, case)
    planter.settle_statuses()
    new_pol = Policies(**{k: np.concatenate([getattr(pol, k), np.array(planter.p[k])]) for k in _POLICY_FIELDS})
    keep = ~np.isin(owners.organisation, list(planter.drop_owner_rows))
    extra = np.array(planter.new_owners, dtype=object).reshape(-1, 4)
    new_owners = Owners(
        np.concatenate([owners.organisation[keep], extra[:, 0].astype(np.int64)]),
        np.concatenate([owners.owner[keep], extra[:, 1].astype(np.int64)]),
        np.concatenate([owners.share_bp[keep], extra[:, 2].astype(np.int64)]),
        np.concatenate([owners.control[keep], extra[:, 3].astype(bool)]),
    )
    n_old = len(ledger)
    cols = {k: np.concatenate([getattr(ledger, k), np.array(planter.t[k])]) for k in _TXN_FIELDS}
    order = np.lexsort((cols["policy"], cols["when"]))
    new_ledger = Ledger(**{k: cols[k][order] for k in _TXN_FIELDS})
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order))
    txn_refs = new_ledger.ref
    pol_refs = new_pol.ref
    labels = [
        {"typology": lab["typology"], "customer_ref": str(people.ref[lab["customer"]]),
         "policy_ref": str(pol_refs[lab["policy"]]),
         "txn_refs": [str(txn_refs[position[n_old + r]]) for r in lab["rows"]], "detail": lab["detail"]}
        for lab in planter.plant.labels
    ]  # fmt: skip
    watchlist = [{**{k: v for k, v in e.items() if k != "customer"}, "customer_ref": str(people.ref[e["customer"]])}
                 for e in planter.plant.watchlist]  # fmt: skip
    return new_pol, new_owners, new_ledger, labels, watchlist
