"""Customer risk rating: factors add catalogue weights, the total sets the rating and the
review interval, and every rating carries its reasons."""

from __future__ import annotations

import pandas as pd

from compliance.engine.parameters import load_parameters
from compliance.engine.risk_rating import rate_customers

CUSTOMERS = pd.DataFrame(
    [
        {"customer_ref": "PLAIN", "kind": "person", "nationality": "CN", "occupation": "teacher", "annual_income": 2e5},
        {"customer_ref": "PEP", "kind": "person", "nationality": "CN", "occupation": "teacher", "annual_income": 2e5},
        {"customer_ref": "CASINO", "kind": "person", "nationality": "KP", "occupation": "casino", "annual_income": 1e5},
        {"customer_ref": "DECLARED", "kind": "person", "nationality": "CN", "occupation": "teacher",
         "annual_income": 2e5, "risk_rating": "high"},
    ]
)  # fmt: skip
POLICIES = pd.DataFrame(
    [
        {"policy_ref": "P1", "policyholder_ref": "PLAIN", "product_kind": "term", "channel": "agency",
         "annual_premium": 5_000},
        {"policy_ref": "P2", "policyholder_ref": "CASINO", "product_kind": "investment_linked", "channel": "online",
         "annual_premium": 300_000},
    ]
)  # fmt: skip
TXNS = pd.DataFrame(
    [
        {"policy_ref": "P2", "kind": "premium", "method": "cash", "payer_ref": "X", "counterparty_country": "CN"},
        {
            "policy_ref": "P1",
            "kind": "premium",
            "method": "transfer",
            "payer_ref": "PLAIN",
            "counterparty_country": "CN",
        },
    ]
)
HITS = pd.DataFrame([{"customer_ref": "PEP", "entry_id": "E1", "score": 0.97, "list": "pep"}])


def test_ratings_and_reasons():
    params = load_parameters()
    out = rate_customers(CUSTOMERS, POLICIES, TXNS, HITS, as_of="2026-01-01").set_index("customer_ref")
    assert out.loc["PLAIN", "rating"] == "low" and out.loc["PLAIN", "reasons"] == []
    assert out.loc["PEP", "rating"] == "high" and any("pep" in r for r in out.loc["PEP", "reasons"])
    casino = out.loc["CASINO"]
    assert casino["computed_rating"] == "high"
    w = params.risk_rating["weights"]
    expected = sum(
        w[k]
        for k in (
            "high_risk_jurisdiction",
            "cash_intensive_occupation",
            "investment_product",
            "remote_channel",
            "cash_payments",
            "third_party_payments",
            "premium_over_income",
        )
    )
    assert casino["score"] == expected
    assert len(casino["reasons"]) == 7
    assert out.loc["PLAIN", "review_months"] == params.risk_rating["review_months"]["low"]
    assert out.loc["PEP", "next_review"] == pd.Timestamp("2027-01-01")


def test_declared_rating_is_kept_and_computed_is_reported():
    out = rate_customers(CUSTOMERS).set_index("customer_ref")
    assert out.loc["DECLARED", "rating"] == "high"
    assert out.loc["DECLARED", "computed_rating"] == "low"
