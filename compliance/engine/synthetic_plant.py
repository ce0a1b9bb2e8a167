"""Planting of the typologies L01-L13 into a synthetic book, one labelled case at a time.

Each ``_lXX`` method creates fresh customers and a policy with an ordinary premium history,
then adds the transactions of the typology (the labelled ``txn_refs``). The cases are a few
hundred even for a million-transaction book, so plain Python is fine here; the background
is generated column-wise in synthetic.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import namegen

DAY = 86_400
MONTH = 30.4375 * DAY


class Planter:
    def __init__(self, rng: np.random.Generator, start: int, end: int) -> None:
        self.rng = rng
        self.start, self.end = int(start), int(end)
        self.customers: list[dict] = []
        self.policies: list[dict] = []
        self.txns: list[dict] = []
        self.relations: list[dict] = []
        self.owners: list[dict] = []
        self.hits: list[dict] = []
        self.watch: list[dict] = []
        self.labels: list[dict] = []
        self._n = {"C": 0, "Q": 0, "Z": 0}

    # -- building blocks -------------------------------------------------------------
    def _ref(self, prefix: str, typ: str) -> str:
        self._n[prefix] += 1
        return f"{prefix}{typ}-{self._n[prefix]:07d}"

    def person(self, typ: str, income: float | None = None, spouse: bool = True, **extra) -> str:
        ref = self._ref("C", typ)
        income = float(np.round(np.exp(self.rng.normal(np.log(150_000), 0.5)), -2)) if income is None else income
        birth = np.datetime64(self.start - int(self.rng.integers(20, 60)) * 365 * DAY, "s").astype("datetime64[D]")
        row = {
            "customer_ref": ref,
            "kind": "person",
            "name": namegen.chinese_name(self.rng),
            "birth_date": birth,
            "nationality": "CN",
            "occupation": "employee",
            "annual_income": income,
            "phone_hash": f"ph{ref}",
            "address_hash": f"ad{ref}",
            "bank_account_hash": f"ba{ref}",
            "risk_rating": "",
        }
        row.update(extra)
        self.customers.append(row)
        if spouse:
            s = self._ref("C", typ)
            self.customers.append({**row, "customer_ref": s, "name": namegen.chinese_name(self.rng),
                                   "phone_hash": f"ph{s}", "bank_account_hash": f"ba{s}"})  # fmt: skip
            self.relations.append({"customer_ref": ref, "related_ref": s, "relation": "spouse"})
        return ref

    def policy(self, typ: str, holder: str, freq: str, premium: float, issue: int, product: str = "WL01") -> str:
        ref = self._ref("Q", typ)
        self.policies.append(
            {
                "policy_ref": ref,
                "product_code": product,
                "product_kind": {"WL01": "whole_life", "UL01": "universal_life", "AN01": "annuity"}.get(
                    product, "endowment"
                ),
                "cooling_off_days": 15,
                "policyholder_ref": holder,
                "insured_ref": holder,
                "beneficiary_refs": "",
                "issue_date": np.datetime64(issue, "s").astype("datetime64[D]"),
                "status": "in_force",
                "sum_assured": round(premium * 20, -2),
                "annual_premium": round(premium, 2),
                "premium_term_years": 1 if freq == "single" else 10,
                "policy_term_years": 20,
                "payment_frequency": freq,
                "channel": "agency",
                "agent_code": "AG500",
            }
        )
        return ref

    def txn(self, typ, policy, kind, t, amount, method="transfer", payer="", payee="", account="", country="CN"):
        ref = self._ref("Z", typ)
        self.txns.append(
            {
                "txn_ref": ref,
                "policy_ref": policy,
                "kind": kind,
                "timestamp": np.datetime64(int(t), "s"),
                "amount": round(float(amount), 2),
                "currency": "CNY",
                "method": method,
                "payer_ref": payer,
                "payee_ref": payee,
                "account_ref": account,
                "counterparty_country": country,
            }
        )
        return ref

    def premiums(self, typ, policy, holder, first, count, period_days, amount, method="transfer") -> list[str]:
        return [
            self.txn(
                typ,
                policy,
                "premium",
                first + int(k * period_days * DAY) + 10 * 3600,
                amount,
                method,
                payer=holder,
                account=f"A{holder}",
            )
            for k in range(count)
        ]

    def label(self, typ, customer, policy, txn_refs) -> None:
        self.labels.append(
            {"typology": typ, "customer_ref": customer, "policy_ref": policy, "txn_refs": list(txn_refs)}
        )

    def when(self, lo_days: int = 400, hi_days: int = 200) -> int:
        return int(self.rng.integers(self.start + lo_days * DAY, self.end - hi_days * DAY))

    def regular(self, typ, holder=None, months_before=12, instalment=None, freq="monthly"):
        """A holder with a monthly policy already paying for ``months_before`` months before t0."""
        t0 = self.when()
        holder = holder or self.person(typ)
        instalment = instalment or float(np.round(self.rng.uniform(500, 4000), -1))
        per = {"monthly": 12, "annual": 1}[freq]
        issue = t0 - int(months_before * MONTH)
        pol = self.policy(typ, holder, freq, instalment * per, issue)
        period = 365.25 / per
        n = max(1, int(months_before * MONTH / (period * DAY)))
        self.premiums(typ, pol, holder, issue, n, period, instalment)
        return t0, holder, pol, issue, instalment

    # -- typologies ------------------------------------------------------------------
    def plant(self, typ: str, case: int) -> None:
        getattr(self, f"_{typ.lower()}")(typ, case)

    def _l01(self, typ, case):
        t0, holder, pol, _, _ = self.regular(typ)
        if case % 3 == 2:  # split over two policies of one holder, each payment well below
            pol2 = self.policy(typ, holder, "monthly", 12_000, t0 - 200 * DAY)
            refs = {pol: [], pol2: []}
            for k in range(3):
                p = (pol, pol2)[k % 2]
                amount = self.rng.uniform(0.36, 0.49) * 50_000
                refs[p].append(self.txn(typ, p, "premium", t0 + k * 2 * DAY, amount, "cash", holder, account=""))
            for p, r in refs.items():
                self.label(typ, holder, p, r)
            return
        n = int(self.rng.integers(3, 5))
        days = np.sort(self.rng.choice(7, size=n, replace=False))
        refs = [
            self.txn(
                typ,
                pol,
                "premium",
                t0 + int(d) * DAY + 11 * 3600,
                self.rng.uniform(0.82, 0.99) * 50_000,
                "cash",
                holder,
            )
            for d in days
        ]
        self.label(typ, holder, pol, refs)

    def _l02(self, typ, case):
        if case % 2 == 0:
            holder = self.person(typ)
            income = self.customers[-2]["annual_income"]
            t0 = self.when()
            amount = income * self.rng.uniform(6, 10)
            pol = self.policy(typ, holder, "single", amount, t0, "UL01")
            ref = self.txn(typ, pol, "premium", t0 + 3600 * 12, amount, "transfer", holder, account=f"A{holder}")
        else:
            t0, holder, pol, _, inst = self.regular(typ, months_before=8, instalment=2000)
            ref = self.txn(typ, pol, "premium", t0, max(60_000, inst * self.rng.uniform(20, 40)), "transfer", holder,
                           account=f"A{holder}")  # fmt: skip
        self.label(typ, holder, pol, [ref])

    def _l03(self, typ, case):
        months = int(self.rng.integers(3, 22))
        t0, holder, pol, _issue, inst = self.regular(typ, months_before=months, instalment=5000)
        paid = inst * max(1, int(months * MONTH / (365.25 / 12 * DAY)))
        ref = self.txn(typ, pol, "surrender", t0 + 15 * DAY, paid * self.rng.uniform(0.4, 0.85), payee=holder,
                       account=f"A{holder}")  # fmt: skip
        self.label(typ, holder, pol, [ref])

    def _l04(self, typ, case):
        holder = self.person(typ)
        t0 = self.when()
        amount = float(np.round(self.rng.uniform(20_000, 300_000), -2))
        pol = self.policy(typ, holder, "single", amount, t0)
        self.txn(typ, pol, "premium", t0 + 3600 * 10, amount, "transfer", holder, account=f"A{holder}")
        days = int(self.rng.integers(3, 14))
        ref = self.txn(typ, pol, "cooling_off_refund", t0 + days * DAY, amount * 0.99, payee=holder,
                       account=f"B{holder}-{case}")  # fmt: skip
        self.policies[-1]["status"] = "cancelled"
        self.label(typ, holder, pol, [ref])

    def _l05(self, typ, case):
        t0, holder, pol, _, inst = self.regular(typ, months_before=30, instalment=3000)
        stranger = self.person(typ, spouse=False)
        kind = ("surrender", "partial_withdrawal", "claim_payout")[case % 3]
        ref = self.txn(typ, pol, kind, t0 + 20 * DAY, inst * 25, payee=stranger, account=f"A{stranger}")
        self.label(typ, holder, pol, [ref])

    def _l06(self, typ, case):
        t0, holder, pol, _, inst = self.regular(typ, months_before=6)
        payer = self.person(typ, spouse=False)
        refs = [
            self.txn(typ, pol, "premium", t0 + int(k * MONTH), inst, "transfer", payer, account=f"A{payer}")
            for k in range(3)
        ]
        self.label(typ, holder, pol, refs)

    def _l07(self, typ, case):
        t0, holder, pol, _, inst = self.regular(typ, months_before=6, instalment=float(self.rng.uniform(2000, 9000)))
        over = self.txn(typ, pol, "premium", t0, inst * self.rng.uniform(1.5, 4.0), "transfer", holder,
                        account=f"A{holder}")  # fmt: skip
        ref = self.txn(typ, pol, "refund", t0 + int(self.rng.integers(3, 26)) * DAY, inst, payee=holder,
                       account=f"B{holder}-{case}")  # fmt: skip
        self.label(typ, holder, pol, [over, ref])

    def _l08(self, typ, case):
        variant = case % 3
        if variant == 0:
            holder = self.person(typ)
            t0 = self.when()
            amount = float(np.round(self.rng.uniform(50_000, 300_000), -2))
            pol = self.policy(typ, holder, "single", amount, t0, "UL01")
            self.txn(typ, pol, "premium", t0 + 3600 * 10, amount, "transfer", holder, account=f"A{holder}")
            refs = [self.txn(typ, pol, "policy_loan", t0 + int(self.rng.integers(20, 80)) * DAY,
                             amount * self.rng.uniform(0.85, 0.95), payee=holder, account=f"A{holder}")]  # fmt: skip
        elif variant == 1:
            t0, holder, pol, _, inst = self.regular(typ, months_before=24, instalment=4000)
            refs = [
                self.txn(typ, pol, "policy_loan", t0 + k * 100 * DAY, inst * 3, payee=holder, account=f"A{holder}")
                for k in range(3)
            ]
        else:
            t0, holder, pol, _, inst = self.regular(typ, months_before=24, instalment=4000)
            self.txn(typ, pol, "policy_loan", t0, inst * 4, payee=holder, account=f"A{holder}")
            refs = [self.txn(typ, pol, "loan_repayment", t0 + 60 * DAY, inst * 4, "cash", payer=holder)]
        self.label(typ, holder, pol, refs)

    def _l09(self, typ, case):
        t0, holder, pol, _, inst = self.regular(typ, months_before=30, instalment=3000)
        newcomer = self.person(typ, spouse=False)
        kind = "beneficiary_change" if case % 2 == 0 else "owner_change"
        change = self.txn(typ, pol, kind, t0, 0.0, "none", payer=holder, payee=newcomer)
        pay = self.txn(typ, pol, "surrender", t0 + int(self.rng.integers(10, 80)) * DAY, inst * 28, payee=holder,
                       account=f"A{holder}")  # fmt: skip
        self.label(typ, holder, pol, [change, pay])

    def _l10(self, typ, case):
        link = ("phone_hash", "address_hash", "bank_account_hash")[case % 3]
        shared = f"shared-{link}-{case}"
        t0 = self.when()
        n = int(self.rng.integers(3, 5))
        holders = [self.person(typ, **{link: shared}) for _ in range(min(n, 3))]
        for k in range(n):
            holder = holders[k % len(holders)]
            issue = t0 + k * int(self.rng.integers(10, 90)) * DAY
            amount = float(np.round(self.rng.uniform(30_000, 150_000), -2))
            pol = self.policy(typ, holder, "single", amount, issue)
            ref = self.txn(typ, pol, "premium", issue + 3600 * 10, amount, "transfer", holder, account=f"A{holder}")
            self.label(typ, holder, pol, [ref])

    def _l11(self, typ, case):
        t0, holder, pol, _, inst = self.regular(typ, months_before=6)
        variant = case % 3
        if variant == 0:
            refs = [self.txn(typ, pol, "premium", t0, inst, "cheque", holder, account=f"A{holder}")]
        elif variant == 1:
            refs = [self.txn(typ, pol, "premium", t0, inst, "transfer", holder, account=f"A{holder}",
                             country=("KP", "IR", "MM")[case % 3])]  # fmt: skip
        else:
            refs = [
                self.txn(typ, pol, "premium", t0 + k * 20 * DAY, inst, "transfer", holder, account=f"X{holder}-{k}")
                for k in range(3)
            ]
        self.label(typ, holder, pol, refs)

    def _org(self, typ) -> str:
        ref = self._ref("C", typ)
        self.customers.append(
            {"customer_ref": ref, "kind": "organisation", "name": namegen.organisation_names(self.rng, 1)[0],
             "birth_date": None, "nationality": "CN", "occupation": "trading_company", "annual_income": 5e6,
             "phone_hash": f"ph{ref}", "address_hash": f"ad{ref}", "bank_account_hash": f"ba{ref}", "risk_rating": ""}
        )  # fmt: skip
        return ref

    def _own(self, org, owner, pct, control=False, nominee=False):
        self.owners.append({"organisation_ref": org, "owner_ref": owner, "share_pct": pct, "control": control,
                            "nominee": nominee})  # fmt: skip

    def _l12(self, typ, case):
        org = self._org(typ)
        variant = case % 4
        if variant == 0:  # dispersed: five persons at 20% each, nobody in control
            for _ in range(5):
                self._own(org, self.person(typ, spouse=False), 20.0)
        elif variant == 1:  # a chain five organisations deep before the person
            level = org
            for _ in range(5):
                nxt = self._org(typ)
                self._own(level, nxt, 100.0)
                level = nxt
            self._own(level, self.person(typ, spouse=False), 100.0, control=True)
        elif variant == 2:  # a nominee holds the shares
            self._own(org, self.person(typ, spouse=False), 100.0, control=True, nominee=True)
        else:  # a cycle: two companies own each other
            other = self._org(typ)
            self._own(org, other, 100.0)
            self._own(other, org, 100.0)
        _t0, _, pol, _, _ = self.regular(typ, holder=org, months_before=6, instalment=20_000)
        self.label(typ, org, pol, [])

    def _l13(self, typ, case):
        _t0, holder, pol, _, _ = self.regular(typ, months_before=6)
        person = next(c for c in reversed(self.customers) if c["customer_ref"] == holder)
        entry = f"WL-{typ}-{case:05d}"
        self.watch.append({"entry_id": entry, "name": person["name"], "aliases": "",
                           "birth_date": person["birth_date"], "id_number": "", "country": "CN",
                           "list": "sanctions" if case % 2 else "pep", "program": "synthetic"})  # fmt: skip
        self.hits.append({"customer_ref": holder, "entry_id": entry, "list": self.watch[-1]["list"],
                          "program": "synthetic", "score": 1.0, "matched_name": person["name"],
                          "method": "hanzi_exact", "confirmed": case % 5 == 0})  # fmt: skip
        self.label(typ, holder, pol, [])

    # -- output ----------------------------------------------------------------------
    def frames(self) -> dict[str, pd.DataFrame]:
        return {
            "customers": pd.DataFrame(self.customers),
            "policies": pd.DataFrame(self.policies),
            "transactions": pd.DataFrame(self.txns),
            "relations": pd.DataFrame(self.relations, columns=["customer_ref", "related_ref", "relation"]),
            "beneficial_owners": pd.DataFrame(
                self.owners, columns=["organisation_ref", "owner_ref", "share_pct", "control", "nominee"]
            ),
            "screening_hits": pd.DataFrame(self.hits),
            "watchlist": pd.DataFrame(self.watch),
            "labels": pd.DataFrame(self.labels, columns=["typology", "customer_ref", "policy_ref", "txn_refs"]),
        }
