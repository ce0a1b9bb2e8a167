"""L11's calibration in rules-v2 (engine only): a habitual cheque payer no longer alerts, a
large cheque and a first cheque after other payments do; rules-v1 keeps alerting on every
cheque (its file predates the parameters, whose defaults keep its behaviour)."""

from __future__ import annotations

import pandas as pd
import pytest

from compliance.engine.monitoring import prepare_book, rule_hits
from compliance.engine.parameters import load_parameters, parse_parameters, read_document, shipped_catalogues

V1 = load_parameters(shipped_catalogues()["rules-v1"])
V2 = load_parameters(shipped_catalogues()["rules-v2"])


def _book(methods: list[str], amounts: list[float] | None = None):
    amounts = amounts or [1000.0] * len(methods)
    txns = pd.DataFrame([
        {"txn_ref": f"T{i}", "policy_ref": "P1", "kind": "premium",
         "timestamp": pd.Timestamp(f"2024-{i + 1:02d}-05 10:00", tz="Asia/Shanghai"), "amount": a, "method": m,
         "payer_ref": "H1", "payee_ref": "", "account_ref": "" if m == "cheque" else "A1", "counterparty_country": ""}
        for i, (m, a) in enumerate(zip(methods, amounts, strict=True))
    ])  # fmt: skip
    policy = {"policy_ref": "P1", "policyholder_ref": "H1", "insured_ref": "H1", "issue_date": "2024-01-01",
              "annual_premium": 12_000.0, "payment_frequency": "monthly"}  # fmt: skip
    policies = pd.DataFrame([policy])
    customers = pd.DataFrame([{"customer_ref": "H1", "kind": "person", "annual_income": 100_000}])
    return prepare_book(txns, policies, customers)


def _l11(book, params) -> list[str]:
    hits = rule_hits(book, params)
    return sorted(hits.loc[hits["rule_id"] == "L11", "txn_ref"])


def test_habitual_cheque_payments_alert_under_v1_only():
    book = _book(["cheque"] * 6)
    assert _l11(book, V1) == ["T0", "T1", "T2", "T3", "T4", "T5"]
    assert _l11(book, V2) == []


def test_v2_alerts_on_the_first_cheque_after_three_other_payments_and_on_large_cheques():
    assert _l11(_book(["transfer", "transfer", "transfer", "cheque", "cheque"]), V2) == ["T3"]  # the switch only
    assert _l11(_book(["transfer", "transfer", "cheque"]), V2) == []  # two earlier payments: not yet a habit
    assert _l11(_book(["cheque", "cheque"], [49_999.0, 50_000.0]), V2) == ["T1"]  # from CNY 50,000


def test_v2_differs_from_v1_only_in_l11_and_declares_its_sources():
    d1, d2 = read_document(shipped_catalogues()["rules-v1"]), read_document(shipped_catalogues()["rules-v2"])
    changed = {r for r in d1["rules"] if d1["rules"][r] != d2["rules"][r]}
    assert changed == {"L11"} and d2["version"] == 2
    assert V2.rules["L11"].sources["cash_equivalent_min_amount"] == "house"
    assert (V1.rules["L11"]["cash_equivalent_min_amount"], V1.rules["L11"]["cash_equivalent_switch_min_prior"]) == (
        0,
        0,
    )


def test_a_bad_calibration_is_refused_naming_the_field():
    doc = read_document(shipped_catalogues()["rules-v2"])
    doc["rules"]["L11"]["params"]["cash_equivalent_switch_min_prior"]["value"] = 1.5
    with pytest.raises(ValueError, match=r"rules\.L11\.params\.cash_equivalent_switch_min_prior\.value"):
        parse_parameters(doc)
