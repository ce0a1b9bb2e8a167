"""POST /api/v1/aml/score: one transaction scored against its customer's history read from
the database, equal to the batch over the same book; a payout at the hold tier places the
hold before it is executed, and the payout guard then refuses it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from compliance.book import book_frames
from compliance.engine.monitoring import monitor
from compliance.holds.models import Restriction
from compliance.holds.scoring import parameters
from customers.tests import builders
from insurer.ledger.models import AuditEvent

URL = "/api/v1/aml/score"


def at(day: str, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.fromisoformat(day).replace(hour=hour))


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def early_surrender(db):
    """A single premium of 100,000 paid in January; the surrender in June pays half back to a stranger."""
    holder = builders.person(customer_ref="C7100000001")
    stranger = builders.person(customer_ref="C7100000002", name="王强")
    policy = builders.policy(
        holder=holder, policy_ref="P7100000001", issue_date=dt.date(2026, 1, 10), payment_frequency="single",
        premium_term_years=1, annual_premium=Decimal("100000"),
    )  # fmt: skip
    builders.transaction(on=policy, txn_ref="T7100000001", amount="100000", when=at("2026-01-10"))
    txn = {
        "txn_ref": "T7100000002", "policy_ref": policy.policy_ref, "kind": "surrender",
        "timestamp": "2026-06-01T10:00:00+08:00", "amount": "50000.00", "method": "transfer",
        "payer_ref": "", "payee_ref": stranger.customer_ref, "account_ref": "ACC-9", "counterparty_country": "",
    }  # fmt: skip
    return policy, txn


def batch(txn: dict) -> dict:
    """The batch's alert for ``txn`` over the whole book in the database plus ``txn``."""
    frames = book_frames()
    row = {**txn, "amount": float(txn["amount"]), "timestamp": pd.Timestamp(txn["timestamp"]).tz_convert("UTC")}
    row = {k: v for k, v in row.items() if k in frames["transactions"].columns}
    transactions = pd.concat([frames["transactions"], pd.DataFrame([row])], ignore_index=True)
    alerts = monitor(transactions, frames["policies"], frames["customers"], params=parameters(),
                     keep_below_review=True)  # fmt: skip
    return next(a for a in alerts.to_dict("records") if txn["txn_ref"] in a["txn_refs"])


def test_an_early_surrender_to_a_stranger_is_held_before_it_is_paid(integrator, mlro, early_surrender):
    policy, txn = early_surrender
    response = api(integrator).post(URL, txn, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["score"], body["tier"]) == (80.0, "hold")
    assert [r["rule_id"] for r in body["rules_fired"]] == ["L03", "L05"]
    assert "surrender 4.7 months after issue" in body["rules_fired"][0]["facts"][0]
    assert body["rules_fired"][1]["facts"] == [
        "paid to C7100000002, not the policyholder and no family relation on file"
    ]
    assert body["payout_allowed"] is False
    assert "T7100000002: a surrender on policy P7100000001 is refused: payouts held" in body["refusals"][0]
    restriction = Restriction.objects.get(policy=policy)
    assert body["restriction"]["id"] == restriction.pk
    assert (restriction.kind, restriction.source, restriction.source_ref) == ("hold", "alert", body["alert_id"])
    assert restriction.placed_by == integrator
    assert AuditEvent.objects.filter(action="restriction_place", object_id=str(restriction.pk)).exists()
    expected = batch(txn)
    assert (body["alert_id"], body["score"], body["tier"]) == (
        expected["alert_id"],
        expected["score"],
        expected["tier"],
    )
    assert body["rules_fired"] == expected["explanation"]["rules"]
    assert body["txn_refs"] == expected["txn_refs"]
    # Scoring it again places nothing new: the hold is there.
    again = api(integrator).post(URL, txn, format="json").json()
    assert again["restriction"]["id"] == restriction.pk and Restriction.objects.count() == 1


def test_structuring_across_other_policyholders_policies_is_seen(integrator, db):
    """The payer's recent payments on other people's policies are part of the history read."""
    payer = builders.person(customer_ref="C7200000009")
    policies = [builders.policy(policy_ref=f"P720000000{i}") for i in range(3)]
    for i, policy in enumerate(policies[:2]):
        builders.transaction(on=policy, txn_ref=f"T720000000{i}", amount="45000", method="cash", payer=payer,
                             when=at(f"2026-03-0{i + 1}"))  # fmt: skip
    txn = {"txn_ref": "T7200000009", "policy_ref": policies[2].policy_ref, "kind": "premium",
           "timestamp": "2026-03-03T10:00:00+08:00", "amount": "45000.00", "method": "cash",
           "payer_ref": payer.customer_ref}  # fmt: skip
    body = api(integrator).post(URL, txn, format="json").json()
    assert "L01" in [r["rule_id"] for r in body["rules_fired"]]
    assert body["payout_allowed"] is None and body["restriction"] is None  # money in: nothing to hold
    expected = batch({**txn, "payee_ref": "", "account_ref": "", "counterparty_country": ""})
    assert (body["score"], body["tier"], body["txn_refs"]) == (
        expected["score"],
        expected["tier"],
        expected["txn_refs"],
    )
    assert not Restriction.objects.exists()


def test_a_quiet_payout_passes_unless_the_policy_is_already_held(integrator, aml_analyst, early_surrender):
    policy, txn = early_surrender
    quiet = {**txn, "payee_ref": policy.policyholder.customer_ref, "kind": "claim_payout", "txn_ref": "T7100000003"}
    body = api(integrator).post(URL, quiet, format="json").json()
    assert (body["tier"], body["payout_allowed"], body["refusals"]) == ("none", True, [])
    Restriction.objects.create(kind="hold", policy=policy, reason="manual", source="manual",
                               placed_by=aml_analyst, placed_at=timezone.now())  # fmt: skip
    body = api(integrator).post(URL, quiet, format="json").json()
    assert body["payout_allowed"] is False and "manual" in body["refusals"][0]


def test_refusals_and_bad_input(nobody, internal_auditor, integrator, early_surrender):
    _, txn = early_surrender
    assert api(nobody).post(URL, txn, format="json").status_code == 403
    assert api(internal_auditor).post(URL, txn, format="json").status_code == 403
    assert APIClient().post(URL, txn, format="json").status_code in (401, 403)
    unknown = api(integrator).post(URL, {**txn, "policy_ref": "P0"}, format="json")
    assert unknown.status_code == 400 and "P0" in str(unknown.json())
    assert api(integrator).post(URL, {**txn, "kind": "gift"}, format="json").status_code == 400
