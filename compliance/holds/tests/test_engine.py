"""Real-time scoring equals the batch on the same data: for transactions of a synthetic book
with every typology planted, scoring one against the history before it (as history.py reads
it: the policyholder's policies, the payer's recent payments) gives the alert the batch
``monitor`` gives over that same history. And the engine imports no Django."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from compliance.engine.monitoring import monitor
from compliance.engine.parameters import load_parameters
from compliance.engine.synthetic import synthetic_book
from compliance.holds import engine

PARAMS = load_parameters()
# State rules (L10 linked policies, L12, L13) are the batch's and screening's, not real time's.
STATE_COLUMNS = ["phone_hash", "address_hash", "bank_account_hash"]


@pytest.fixture(scope="module")
def book():
    b = synthetic_book(3000, seed=5, min_per_typology=3)
    return b.transactions, b.policies, b.customers.drop(columns=STATE_COLUMNS), b.labels


def history_of(transactions: pd.DataFrame, policies: pd.DataFrame, i: int):
    """What history.read_history returns for row ``i``, from frames (its SQL's selection)."""
    new = transactions.iloc[i]
    holder_of = policies.set_index("policy_ref")["policyholder_ref"]
    before = transactions.iloc[:i]
    holder = holder_of[new["policy_ref"]]
    mine = before["policy_ref"].map(holder_of) == holder
    since = new["timestamp"] - pd.Timedelta(days=engine.lookback_days(PARAMS))
    payer = (before["payer_ref"] == new["payer_ref"]) & (new["payer_ref"] != "") & (before["timestamp"] >= since)
    rows = before[mine | (payer & ~mine)]
    refs = set(rows["policy_ref"]) | {new["policy_ref"]} | set(policies.loc[policies["policyholder_ref"] == holder,
                                                                            "policy_ref"])  # fmt: skip
    pols = policies[policies["policy_ref"].isin(refs)]
    return pols.to_dict("records"), [_txn(r) for r in rows.to_dict("records")], _txn(new.to_dict())


def _txn(row: dict) -> dict:
    return {**row, "timestamp": pd.Timestamp(row["timestamp"]).to_pydatetime()}


def parties_of(customers: pd.DataFrame) -> dict:
    return {
        r.customer_ref: (r.kind, None if pd.isna(r.annual_income) else float(r.annual_income))
        for r in customers.itertuples()
    }


def batch_alert(transactions, policies, customers, i: int) -> dict | None:
    alerts = monitor(transactions.iloc[: i + 1], policies, customers, params=PARAMS, keep_below_review=True)
    ref = transactions.iloc[i]["txn_ref"]
    found = [a for a in alerts.to_dict("records") if ref in a["txn_refs"]]
    return found[0] if found else None


def _targets(transactions: pd.DataFrame, labels: pd.DataFrame) -> list[int]:
    """The last transaction of each planted case (its alert is complete there), plus others."""
    position = {ref: i for i, ref in enumerate(transactions["txn_ref"])}
    planted = [max(position[r] for r in refs if r in position) for refs in labels["txn_refs"] if len(refs)]
    rng = np.random.default_rng(3)
    return sorted(set(planted) | set(rng.choice(len(transactions), 20, replace=False).tolist()))


def test_scoring_one_transaction_equals_the_batch_on_the_same_history(book):
    transactions, policies, customers, labels = book
    parties = parties_of(customers)
    compared = fired = 0
    for i in _targets(transactions, labels):
        pols, history, new = history_of(transactions, policies, i)
        realtime = engine.score_one(pols, parties, history, new, PARAMS)
        batch = batch_alert(transactions, policies, customers, i)
        compared += 1
        if batch is None:
            assert realtime is None, (i, realtime)
            continue
        fired += 1
        assert realtime is not None, (i, batch)
        for key in ("alert_id", "rule_ids", "customer_ref", "policy_ref", "txn_refs", "score", "tier", "explanation"):
            assert realtime[key] == batch[key], (i, key, realtime[key], batch[key])
        assert realtime["created_at"] == batch["created_at"].to_pydatetime()
    typologies = {r for rules in labels["typology"] for r in rules.split(";")}
    assert compared > 50 and fired > 20, (compared, fired)
    assert {"L01", "L03", "L05", "L08"} <= typologies


def test_local_seconds_matches_the_batch():
    aware = dt.datetime(2026, 3, 1, 2, 30, tzinfo=dt.UTC)
    from compliance.engine.monitoring.book import local_seconds as batch

    assert engine.local_seconds(aware) == int(batch([pd.Timestamp(aware)])[0])
    assert engine.local_seconds(dt.date(2024, 1, 15)) == int(batch([pd.Timestamp("2024-01-15")])[0])


def test_the_engine_imports_no_django():
    tree = ast.parse(Path(engine.__file__).read_text())
    names = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    names += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    assert not [n for n in names if n and n.split(".")[0] == "django"]
