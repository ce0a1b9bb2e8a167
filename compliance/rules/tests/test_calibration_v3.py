"""rules-v3's calibration of L02, L05, L06 and L13 (engine only), on books small enough to count
by hand: what v2 flags and v3 no longer does, what both still flag, and that no regulatory
threshold moved (rules-v1 and rules-v2 predate the new parameters and keep their behaviour)."""

from __future__ import annotations

import pandas as pd

from compliance.engine.monitoring import monitor, prepare_book, rule_hits
from compliance.engine.parameters import load_parameters, read_document, shipped_catalogues

V1 = load_parameters(shipped_catalogues()["rules-v1"])
V2 = load_parameters(shipped_catalogues()["rules-v2"])
V3 = load_parameters(shipped_catalogues()["rules-v3"])
PEOPLE = ["H1", "I1", "B1", "S1", "X1", "X2", "L1"]


def _txn(ref, policy, kind, day, amount, payer="", payee="", method="transfer"):
    return {"txn_ref": ref, "policy_ref": policy, "kind": kind, "amount": amount, "method": method,
            "timestamp": pd.Timestamp(f"{day} 10:00", tz="Asia/Shanghai"), "payer_ref": payer, "payee_ref": payee,
            "account_ref": "" if method == "cash" else f"A-{payer or payee}", "counterparty_country": ""}  # fmt: skip


def _policy(ref, frequency="monthly", holder="H1", insured="H1", beneficiaries="", premium=12_000.0):
    return {"policy_ref": ref, "policyholder_ref": holder, "insured_ref": insured, "issue_date": "2024-01-01",
            "annual_premium": premium, "payment_frequency": frequency, "beneficiary_refs": beneficiaries}  # fmt: skip


def _frames(txns, policies):
    customers = pd.DataFrame([{"customer_ref": c, "kind": "person", "annual_income": 100_000} for c in PEOPLE])
    return pd.DataFrame(txns), pd.DataFrame(policies), customers


def _hits(rule, params, txns, policies, screening=None):
    t, p, c = _frames(txns, policies)
    hits = rule_hits(prepare_book(t, p, c, screening_hits=screening), params)
    return hits[hits["rule_id"] == rule]


def test_l02_compares_the_income_multiple_with_single_premiums_only():
    txns = [
        _txn("S", "PS", "premium", "2024-01-05", 600_000.0, payer="H1"),  # single premium, 6x income
        _txn("A", "PA", "premium", "2024-01-05", 600_000.0, payer="H1"),  # annual premium, 6x income
        _txn("B", "PB", "premium", "2024-01-05", 499_999.0, payer="H1"),  # single premium under 5x
    ]
    policies = [_policy("PS", "single"), _policy("PA", "annual"), _policy("PB", "single")]
    assert sorted(_hits("L02", V2, txns, policies)["txn_ref"]) == ["A", "S"]
    assert sorted(_hits("L02", V3, txns, policies)["txn_ref"]) == ["S"]


def test_l05_a_claim_paid_to_the_insured_or_a_named_beneficiary_is_no_third_party_payout_in_v3():
    txns = [
        _txn("C-INS", "P1", "claim_payout", "2024-06-05", 30_000.0, payee="I1"),
        _txn("C-BEN", "P1", "claim_payout", "2024-08-05", 30_000.0, payee="B1"),
        _txn("C-STR", "P1", "claim_payout", "2024-10-05", 30_000.0, payee="S1"),
        _txn("SUR-INS", "P2", "surrender", "2024-06-05", 30_000.0, payee="I1"),  # a surrender belongs to the holder
        _txn("SUR-BEN", "P2", "surrender", "2024-08-05", 30_000.0, payee="B1"),
    ]
    policies = [_policy("P1", insured="I1", beneficiaries="B1"), _policy("P2", insured="I1", beneficiaries="B1")]
    assert sorted(_hits("L05", V2, txns, policies)["txn_ref"]) == ["C-BEN", "C-INS", "C-STR", "SUR-BEN", "SUR-INS"]
    assert sorted(_hits("L05", V3, txns, policies)["txn_ref"]) == ["C-STR", "SUR-BEN", "SUR-INS"]


def _l06_book():
    months = [f"2024-{m:02d}-05" for m in range(1, 7)]
    txns = [_txn(f"P1-{i}", "P1", "premium", d, 1_000.0, payer="X1") for i, d in enumerate(months)]  # from issue
    txns += [_txn(f"P2-{i}", "P2", "premium", d, 1_000.0, payer="H1") for i, d in enumerate(months[:3])]
    txns += [_txn(f"P2-{i}", "P2", "premium", d, 1_000.0, payer="X2") for i, d in enumerate(months[3:], 3)]
    return txns, [_policy("P1"), _policy("P2")]


def test_l06_a_payer_of_record_since_the_first_premium_weighs_15_a_payer_turning_up_later_30():
    txns, policies = _l06_book()
    v2 = _hits("L06", V2, txns, policies).set_index("txn_ref")["weight"].to_dict()
    v3 = _hits("L06", V3, txns, policies).set_index("txn_ref")["weight"].to_dict()
    assert v2 == {"P1-0": 30.0, "P2-3": 30.0}  # each flagged once, on the payer's first premium
    assert v3 == {"P1-0": 15.0, "P2-3": 30.0}
    t, p, c = _frames(txns, policies)
    assert sorted(monitor(t, p, c, params=V2)["policy_ref"]) == ["P1", "P2"]
    alerts = monitor(t, p, c, params=V3)  # 15 is below the review tier (30): P1 alone is no alert
    assert list(alerts["policy_ref"]) == ["P2"] and list(alerts["score"]) == [30.0]


def test_l13_a_listed_payer_is_flagged_on_its_first_premium_per_policy_not_every_instalment():
    months = [f"2024-{m:02d}-05" for m in range(1, 7)]
    txns = [_txn(f"T{i}", "P1", "premium", d, 1_000.0, payer="L1") for i, d in enumerate(months)]
    txns += [_txn("U0", "P2", "premium", "2024-03-05", 1_000.0, payer="L1")]
    screening = pd.DataFrame([{"customer_ref": "L1", "entry_id": "E1", "score": 1.0, "confirmed": False}])
    policies = [_policy("P1"), _policy("P2")]
    assert sorted(_hits("L13", V2, txns, policies, screening)["txn_ref"]) == ["T0", "T1", "T2", "T3", "T4", "T5", "U0"]
    assert sorted(_hits("L13", V3, txns, policies, screening)["txn_ref"]) == ["T0", "U0"]
    t, p, c = _frames(txns, policies)
    # v2: hits further apart than 30 days start a new episode. P1's premiums are 31, 29, 31, 30
    # and 31 days apart (2024 is a leap year): episodes {Jan}, {Feb, Mar}, {Apr, May}, {Jun}; P2 one.
    assert len(monitor(t, p, c, screening_hits=screening, params=V2)) == 5
    assert sorted(monitor(t, p, c, screening_hits=screening, params=V3)["policy_ref"]) == ["P1", "P2"]


def test_v3_changes_only_l02_l05_l06_l13_by_new_parameters_and_moves_no_regulatory_threshold():
    d2, d3 = read_document(shipped_catalogues()["rules-v2"]), read_document(shipped_catalogues()["rules-v3"])
    assert d3["version"] == 3 and d3["large_value_reports"] == d2["large_value_reports"]
    assert d3["scoring"] == d2["scoring"] and d3["screening"] == d2["screening"]
    assert {r for r in d2["rules"] if d2["rules"][r] != d3["rules"][r]} == {"L02", "L05", "L06", "L13"}
    for rule in ("L02", "L05", "L06", "L13"):
        old, new = d2["rules"][rule], d3["rules"][rule]
        assert old["weight"] == new["weight"] and new["version"] == old["version"] + 1
        assert {k: v for k, v in new["params"].items() if k in old["params"]} == old["params"]  # nothing moved
    added = {r: set(d3["rules"][r]["params"]) - set(d2["rules"][r]["params"]) for r in ("L02", "L05", "L06", "L13")}
    assert added == {"L02": {"income_single_premium_only"}, "L05": {"claim_contract_payees"},
                     "L06": {"from_issue_weight"}, "L13": {"payer_first_premium_only"}}  # fmt: skip
    assert V3.rules["L06"].sources["from_issue_weight"] == "house"
    # Files that predate the parameters keep their behaviour through the defaults.
    for old in (V1, V2):
        assert old.rules["L02"]["income_single_premium_only"] is False
        assert old.rules["L05"]["claim_contract_payees"] == []
        assert old.rules["L06"]["from_issue_weight"] is None
        assert old.rules["L13"]["payer_first_premium_only"] is False
