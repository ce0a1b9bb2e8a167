"""Real-time scoring equals the batch on the small demo book, through the real path.

seed_demo plants every typology in a small book; new transactions are made the way the
benchmark makes them (a stored transaction copied with a new ref, one second later). Each is
scored by ``scoring.score_new_transaction`` (its history read from the database, the small
Book, the batch's rules) and compared with the batch ``monitor`` run over the whole book
plus the new transactions, for every shipped rule version. The new transactions are chosen
on distinct policyholders and distinct payers, so in the one batch run none of them can
fall in another's window or episode. State rules (L10 linked policies, L12, L13) are the
batch's and screening's, not real time's: their inputs are left out of the batch.
"""

from __future__ import annotations

import datetime as dt
import random

import pandas as pd
import pytest
from django.core.management import call_command
from django.utils import timezone

from compliance.book import book_frames
from compliance.engine.monitoring import monitor
from compliance.engine.parameters import parse_parameters, read_document, shipped_catalogues
from compliance.holds.scoring import score_new_transaction
from customers.models import PolicyTransaction

pytestmark = pytest.mark.django_db
STATE_COLUMNS = ["phone_hash", "address_hash", "bank_account_hash"]
NEW = 200  # new transactions scored per version


class _Sink:
    def write(self, s):
        pass


def _new_transactions(n: int, fired_first: set[str]) -> list[dict]:
    """``n`` copies of stored transactions on distinct policyholders and payers, those whose
    original the batch alerts on first (so that many of the copies fire too)."""
    rows = list(
        PolicyTransaction.objects.select_related("policy", "payer", "payee").order_by("pk")
    )  # the small book: ~4,000 rows
    random.Random(11).shuffle(rows)
    rows.sort(key=lambda t: t.txn_ref not in fired_first)
    holders, payers, out = set(), set(), []
    for t in rows:
        if t.policy.policyholder_id in holders or (t.payer_id and t.payer_id in payers):
            continue
        holders.add(t.policy.policyholder_id)
        payers.add(t.payer_id)
        out.append({
            "txn_ref": f"RT{len(out):05d}", "policy_ref": t.policy.policy_ref, "kind": t.kind,
            "timestamp": timezone.localtime(t.timestamp + dt.timedelta(seconds=1)), "amount": t.amount,
            "currency": "CNY", "method": t.method, "payer_ref": t.payer.customer_ref if t.payer else "",
            "payee_ref": t.payee.customer_ref if t.payee else "", "account_ref": t.account_ref,
            "counterparty_country": t.counterparty_country,
        })  # fmt: skip
        if len(out) == n:
            break
    return out


def _batch(frames: dict, new: list[dict], params) -> dict[str, dict]:
    """The batch's alert (tier none included) of each new transaction, by its ref."""
    columns = frames["transactions"].columns
    added = pd.DataFrame([{k: v for k, v in t.items() if k in columns} for t in new])
    added["amount"] = added["amount"].astype(float)
    added["timestamp"] = pd.to_datetime(added["timestamp"], utc=True)
    transactions = pd.concat([frames["transactions"], added], ignore_index=True)
    customers = frames["customers"].drop(columns=[c for c in STATE_COLUMNS if c in frames["customers"]])
    alerts = monitor(transactions, frames["policies"], customers, params=params, keep_below_review=True)
    wanted = {t["txn_ref"] for t in new}
    return {ref: a for a in alerts.to_dict("records") for ref in a["txn_refs"] if ref in wanted}


def test_real_time_scoring_equals_the_batch_on_the_small_demo_book(integrator, capsys):
    call_command("seed_demo", "--size", "small", "--seed", "5", "--no-logins", stdout=_Sink())
    frames = book_frames()
    versions = {name: parse_parameters(read_document(path)) for name, path in shipped_catalogues().items()}
    assert {"rules-v1", "rules-v2"} <= set(versions)
    stored = monitor(frames["transactions"], frames["policies"], frames["customers"], params=versions["rules-v2"])
    new = _new_transactions(NEW, {a["txn_refs"][-1] for a in stored.to_dict("records")})
    assert len(new) == NEW
    for name, params in versions.items():
        expected = _batch(frames, new, params)
        fired, rules = 0, set()
        for txn in new:
            got = score_new_transaction(actor=integrator, txn=dict(txn), params=params).alert
            want = expected.get(txn["txn_ref"])
            if want is None:
                assert got is None, (name, txn, got)
                continue
            fired += 1
            rules |= set(want["rule_ids"])
            assert got is not None, (name, txn, want)
            for key in ("alert_id", "rule_ids", "customer_ref", "policy_ref", "txn_refs", "score", "tier"):
                assert got[key] == want[key], (name, txn["txn_ref"], key, got[key], want[key])
            assert got["explanation"] == want["explanation"], (name, txn["txn_ref"])
            assert got["created_at"] == want["created_at"].to_pydatetime()
        with capsys.disabled():
            print(f"\n{name}: {len(new)} scored, {fired} fired the batch's alert, rules {sorted(rules)}")
        # Many of them fire, across most of the transaction rules.
        assert fired >= 40, (name, fired)
        assert len(rules) >= 6, (name, sorted(rules))
