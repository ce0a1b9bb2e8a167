"""Monitoring rules L01-L13: each fires on a hand-built case and stays quiet on its near miss;
alerts, real-time scoring, large-value reports, the parameter file, and measured recall on a
synthetic book."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from compliance.engine.monitoring import (
    CSV_COLUMNS,
    alerts_to_csv,
    apply_snoozes,
    explanation_text,
    large_value_reports,
    monitor,
    prepare_book,
    prepare_history,
    rule_hits,
    score_transaction,
)
from compliance.engine.ownership import look_through
from compliance.engine.parameters import load_parameters, parse_parameters
from compliance.engine.synthetic import detection_scores, synthetic_book

ISSUE = "2024-01-01"


def customers(**extra_rows) -> pd.DataFrame:
    rows = [
        {"customer_ref": "H1", "kind": "person", "annual_income": 100_000, "phone_hash": "p1", "address_hash": "a1",
         "bank_account_hash": "b1"},
        {"customer_ref": "H2", "kind": "person", "annual_income": 100_000, "phone_hash": "p1", "address_hash": "a2",
         "bank_account_hash": "b2"},
        {"customer_ref": "H3", "kind": "person", "annual_income": 100_000, "phone_hash": "p3", "address_hash": "a3",
         "bank_account_hash": "b3"},
        {"customer_ref": "S1", "kind": "person", "annual_income": 50_000},
        {"customer_ref": "X", "kind": "person", "annual_income": 50_000},
        {"customer_ref": "O1", "kind": "organisation", "annual_income": 5_000_000},
    ]  # fmt: skip
    return pd.DataFrame(rows)


RELATIONS = pd.DataFrame([{"customer_ref": "H1", "related_ref": "S1", "relation": "spouse"}])


def policy(ref="P1", holder="H1", freq="monthly", premium=12_000.0, issue=ISSUE, **kw) -> dict:
    return {
        "policy_ref": ref,
        "policyholder_ref": holder,
        "insured_ref": kw.pop("insured", holder),
        "beneficiary_refs": kw.pop("beneficiaries", "S1"),
        "issue_date": issue,
        "annual_premium": premium,
        "payment_frequency": freq,
        "cooling_off_days": 15,
        "product_kind": "whole_life",
        **kw,
    }


_N = iter(range(10**6))


def txn(kind, ts, amount, method="transfer", payer="H1", payee="", account="A1", country="CN", pol="P1") -> dict:
    return {
        "txn_ref": f"T{next(_N)}",
        "policy_ref": pol,
        "kind": kind,
        "timestamp": pd.Timestamp(ts, tz="Asia/Shanghai"),
        "amount": amount,
        "method": method,
        "payer_ref": payer,
        "payee_ref": payee,
        "account_ref": account,
        "counterparty_country": country,
    }


def monthly(n, start="2024-01-05", amount=1000.0, pol="P1", payer="H1", account="A1") -> list[dict]:
    return [txn("premium", pd.Timestamp(start) + pd.DateOffset(months=k), amount, payer=payer, account=account,
                pol=pol) for k in range(n)]  # fmt: skip


def fired(txns, pols=None, screening_hits=None, ownership=None, cust=None) -> set[str]:
    book = prepare_book(
        pd.DataFrame(txns),
        pd.DataFrame(pols or [policy()]),
        cust if cust is not None else customers(),
        RELATIONS,
        screening_hits,
        ownership,
    )
    return set(rule_hits(book)["rule_id"])


# Each case: rule, the firing transactions, the near-miss transactions, policies (optional).
CASES = {
    "L01 near-threshold cash": (
        "L01",
        [txn("premium", f"2024-03-0{d}", 45_000, "cash") for d in (1, 3, 5)],
        [txn("premium", f"2024-03-{d:02d}", 45_000, "cash") for d in (1, 6, 11)],  # not within 7 days
        None,
    ),
    "L01 split over policies": (
        "L01",
        [txn("premium", f"2024-03-0{d}", 20_000, "cash", pol=p) for d, p in ((1, "P1"), (2, "P2"), (3, "P1"))],
        [txn("premium", f"2024-03-0{d}", 15_000, "cash", pol=p) for d, p in ((1, "P1"), (2, "P2"), (3, "P1"))],
        [policy(), policy("P2")],
    ),
    "L02 over income": (
        "L02",
        [txn("premium", "2024-01-02", 600_000)],
        [txn("premium", "2024-01-02", 400_000)],
        [policy(freq="single", premium=600_000)],
    ),
    "L02 sudden lump sum": (
        "L02",
        [*monthly(4), txn("premium", "2024-05-20", 60_000)],
        [*monthly(4), txn("premium", "2024-05-20", 40_000)],
        None,
    ),
    "L03 early surrender": (
        "L03",
        [*monthly(10), txn("surrender", "2024-11-20", 5_000, payee="H1")],
        [*monthly(10), txn("surrender", "2024-11-20", 9_500, payee="H1")],  # loss 5% < 10%
        None,
    ),
    "L04 cooling-off refund": (
        "L04",
        [txn("premium", "2024-01-01 10:00", 50_000), txn("cooling_off_refund", "2024-01-08", 50_000, account="B9")],
        [txn("premium", "2024-01-01 10:00", 50_000), txn("cooling_off_refund", "2024-01-08", 50_000, account="A1")],
        [policy(freq="single", premium=50_000)],
    ),
    "L05 third-party payout": (
        "L05",
        [*monthly(3), txn("surrender", "2024-06-01", 2_000, payee="X", account="AX")],
        [*monthly(3), txn("surrender", "2024-06-01", 2_000, payee="S1", account="AS")],  # spouse on file
        None,
    ),
    "L06 third-party payer": (
        "L06",
        [*monthly(2), txn("premium", "2024-03-05", 1000, payer="X", account="AX")],
        monthly(3),
        None,
    ),
    "L07 overpay then refund": (
        "L07",
        [*monthly(2), txn("premium", "2024-03-05", 2_500), txn("refund", "2024-03-15", 1_500, account="B9")],
        [*monthly(2), txn("premium", "2024-03-05", 2_500), txn("refund", "2024-03-15", 1_500, account="A1")],
        None,
    ),
    "L08 early loan": (
        "L08",
        [txn("premium", "2024-01-01 10:00", 100_000), txn("policy_loan", "2024-01-31", 90_000, payee="H1")],
        [txn("premium", "2024-01-01 10:00", 100_000), txn("policy_loan", "2024-01-31", 50_000, payee="H1")],
        [policy(freq="single", premium=100_000)],
    ),
    "L08 frequent loans": (
        "L08",
        [*monthly(12), *(txn("policy_loan", f"2025-0{m}-01", 1_000, payee="H1") for m in (1, 4, 8))],
        [*monthly(12), *(txn("policy_loan", d, 1_000, payee="H1") for d in ("2025-01-01", "2025-08-01", "2026-03-01"))],
        None,
    ),
    "L08 loan repaid in cash": (
        "L08",
        [
            *monthly(12),
            txn("policy_loan", "2025-01-01", 2_000, payee="H1"),
            txn("loan_repayment", "2025-03-01", 2_000, "cash"),
        ],
        [*monthly(12), txn("policy_loan", "2025-01-01", 2_000, payee="H1"), txn("loan_repayment", "2025-03-01", 2_000)],
        None,
    ),
    "L09 beneficiary churn": (
        "L09",
        [
            *monthly(3),
            txn("beneficiary_change", "2024-05-01", 0, "none", payee="X"),
            txn("surrender", "2024-06-01", 2_900, payee="H1"),
        ],
        [
            *monthly(3),
            txn("beneficiary_change", "2024-05-01", 0, "none", payee="S1"),
            txn("surrender", "2024-06-01", 2_900, payee="H1"),
        ],
        None,
    ),
    "L11 cheque": ("L11", [*monthly(2), txn("premium", "2024-03-05", 1000, "cheque")], monthly(3), None),
    "L11 high-risk country": ("L11", [*monthly(2), txn("premium", "2024-03-05", 1000, country="KP")], monthly(3), None),
    "L11 many source accounts": (
        "L11",
        [txn("premium", f"2024-0{m}-05", 1000, account=f"A{m}") for m in (1, 2, 3)],
        [txn("premium", f"2024-0{m}-05", 1000, account=f"A{m % 2}") for m in (1, 2, 3)],
        None,
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_rule_fires_on_its_case_and_not_on_the_near_miss(case):
    rule, firing, near_miss, pols = CASES[case]
    assert rule in fired(firing, pols), f"{case}: {rule} did not fire"
    assert rule not in fired(near_miss, pols), f"{case}: {rule} fired on the near miss"


def test_linked_single_premium_policies_fire_l10_only_from_three():
    pols = [policy(f"P{i}", holder=h, freq="single", premium=50_000, issue=d)
            for i, (h, d) in enumerate([("H1", "2024-01-10"), ("H2", "2024-03-10"), ("H1", "2024-06-10")])]  # fmt: skip
    txns = [txn("premium", p["issue_date"], 50_000, payer=p["policyholder_ref"], pol=p["policy_ref"]) for p in pols]
    assert "L10" in fired(txns, pols)
    assert "L10" not in fired(txns[:2], pols[:2])
    # same three policies, but the holders share nothing
    pols_apart = [{**p, "policyholder_ref": h} for p, h in zip(pols, ("H1", "H3", "H1"), strict=True)]
    assert "L10" not in fired(txns, pols_apart)


def test_opaque_organisation_policyholder_fires_l12():
    owners = pd.DataFrame(
        [{"organisation_ref": "O1", "owner_ref": f"X{i}", "share_pct": 20.0, "control": False} for i in range(5)]
    )
    transparent = pd.DataFrame([{"organisation_ref": "O1", "owner_ref": "H1", "share_pct": 60.0, "control": True}])
    txns = [txn("premium", "2024-02-01", 5_000, payer="O1", account="AO")]
    pols = [policy(holder="O1", beneficiaries="")]
    assert "L12" in fired(txns, pols, ownership=look_through(owners))
    assert "L12" not in fired(txns, pols, ownership=look_through(transparent))


def test_screening_hit_on_any_party_fires_l13_but_a_weak_hit_does_not():
    hit = pd.DataFrame([{"customer_ref": "S1", "entry_id": "WL-1", "score": 0.95, "list": "sanctions"}])
    weak = hit.assign(score=0.5)
    assert "L13" in fired(monthly(2), screening_hits=hit)  # S1 is the beneficiary
    assert "L13" not in fired(monthly(2), screening_hits=weak)


def test_rules_firing_together_make_one_alert_with_summed_score_and_explanation():
    params = load_parameters()
    txns = [*monthly(2), txn("premium", "2024-03-05", 2_500, payer="X", account="AX"),
            txn("refund", "2024-03-15", 1_500, account="B9")]  # fmt: skip
    alerts = monitor(pd.DataFrame(txns), pd.DataFrame([policy()]), customers(), RELATIONS)
    assert len(alerts) == 1
    a = alerts.iloc[0]
    assert set(a["rule_ids"]) == {"L06", "L07"}
    assert a["score"] == params.rules["L06"].weight + params.rules["L07"].weight
    assert a["tier"] == "hold"  # 30 + 45 = 75: hold >= 60, freeze from 90
    text = explanation_text(a["explanation"])
    assert "L07" in text and "another account" in text and "X" in text


def test_snoozes_mute_a_rule_until_they_expire():
    params = load_parameters()
    txns = [*monthly(2), txn("premium", "2024-03-05", 2_500, payer="X", account="AX"),
            txn("refund", "2024-03-15", 1_500, account="B9")]  # fmt: skip
    alerts = monitor(pd.DataFrame(txns), pd.DataFrame([policy()]), customers(), RELATIONS)
    snooze = pd.DataFrame(
        [{"customer_ref": "H1", "rule_id": "L06", "reason": "employer pays, verified", "expires_at": "2026-06-30"}]
    )
    muted = apply_snoozes(alerts, snooze, params, as_of="2026-01-01")
    a = muted.iloc[0]
    assert a["rule_ids"] == ["L07"] and a["score"] == params.rules["L07"].weight and a["tier"] == "review"
    assert a["explanation"]["snoozed"][0]["reasons"] == ["employer pays, verified"]
    assert apply_snoozes(alerts, snooze, params, as_of="2026-07-01").iloc[0]["score"] == alerts.iloc[0]["score"]
    everything = snooze.assign(rule_id="")
    assert apply_snoozes(alerts, everything, params, as_of="2026-01-01").empty


def test_tiers_follow_the_catalogue():
    p = load_parameters()
    assert [p.tier(s) for s in (10, 30, 60, 89, 90)] == ["none", "review", "hold", "hold", "freeze"]
    assert p.tier(10, confirmed_sanctions=True) == "freeze"


def test_alert_ids_are_deterministic_and_csv_has_the_agreed_columns():
    txns = [txn("premium", f"2024-03-0{d}", 45_000, "cash") for d in (1, 3, 5)]
    args = (pd.DataFrame(txns), pd.DataFrame([policy()]), customers(), RELATIONS)
    first, second = monitor(*args), monitor(*args)
    assert list(first["alert_id"]) == list(second["alert_id"])
    text = alerts_to_csv(first)
    frame = pd.read_csv(io.StringIO(text))
    assert list(frame.columns) == CSV_COLUMNS
    assert frame.loc[0, "txn_refs"].count(";") == 2
    assert frame.loc[0, "rule_id"] == "L01"


def test_episodes_split_when_hits_are_far_apart():
    txns = [txn("premium", f"2024-03-0{d}", 45_000, "cash") for d in (1, 3, 5)]
    txns += [txn("premium", f"2024-09-0{d}", 45_000, "cash") for d in (1, 3, 5)]
    alerts = monitor(pd.DataFrame(txns), pd.DataFrame([policy()]), customers(), RELATIONS)
    assert len(alerts) == 2


def test_real_time_scoring_matches_the_batch_rules():
    history = [txn("premium", f"2024-03-0{d}", 45_000, "cash") for d in (1, 3)]
    hist = prepare_history(pd.DataFrame(history), pd.DataFrame([policy()]), customers(), RELATIONS)
    third = txn("premium", "2024-03-05", 45_000, "cash")
    alert = score_transaction(hist, third)
    assert alert is not None and alert["rule_ids"] == ["L01"]
    assert third["txn_ref"] in alert["txn_refs"] and len(alert["txn_refs"]) == 3
    batch = monitor(pd.DataFrame([*history, third]), pd.DataFrame([policy()]), customers(), RELATIONS)
    assert batch.iloc[0]["alert_id"] == alert["alert_id"]
    assert score_transaction(hist, txn("premium", "2024-04-05", 1_000)) is None
    # a payer never seen before is a third party
    stranger = score_transaction(hist, txn("premium", "2024-04-05", 1_000, payer="NEW", account="AN"))
    assert stranger is not None and "L06" in stranger["rule_ids"]
    with pytest.raises(ValueError, match="policy_ref"):
        score_transaction(hist, txn("premium", "2024-04-05", 1_000, pol="NOPE"))


def test_real_time_feed_remembers_what_it_scored():
    """Three structured cash payments arriving one by one: the third sees the first two."""
    hist = prepare_history(pd.DataFrame(monthly(2)), pd.DataFrame([policy()]), customers(), RELATIONS)
    feed = [txn("premium", f"2024-03-0{d}", 45_000, "cash", payer="NEWCOMER", account="AN") for d in (1, 3, 5)]
    first = score_transaction(hist, feed[0], remember=True)
    assert first is not None and first["rule_ids"] == ["L06"]  # a payer not on file
    assert score_transaction(hist, feed[1], remember=True) is None  # same payer, no new rule yet
    third = score_transaction(hist, feed[2], remember=True)
    assert third is not None and "L01" in third["rule_ids"]
    assert {t["txn_ref"] for t in feed} <= set(third["txn_refs"])
    # without remembering, the same third payment alone is not structuring
    fresh = prepare_history(pd.DataFrame(monthly(2)), pd.DataFrame([policy()]), customers(), RELATIONS)
    alone = score_transaction(fresh, feed[2])
    assert alone is None or "L01" not in alone["rule_ids"]


def test_large_value_report_candidates_follow_pboc_thresholds():
    txns = pd.DataFrame(
        [
            txn("premium", "2024-03-01 09:00", 30_000, "cash"),
            txn("premium", "2024-03-01 15:00", 25_000, "cash"),  # same-day cash total 55,000
            txn("premium", "2024-03-02", 49_000, "cash"),
            txn("premium", "2024-03-03", 500_000),  # natural person, domestic
            txn("premium", "2024-03-04", 499_999),
            txn("premium", "2024-03-05", 200_000, country="HK"),  # cross-border
            txn("premium", "2024-03-06", 1_900_000, payer="O1"),
            txn("premium", "2024-03-07", 2_000_000, payer="O1"),
        ]
    )
    reports = large_value_reports(txns, customers())
    assert list(reports["category"]) == [
        "cash",
        "cash",
        "natural_domestic_transfer",
        "natural_cross_border_transfer",
        "non_natural_transfer",
    ]
    assert set(reports["due_working_days"]) == {5}
    assert reports["day_total"].iloc[0] == 55_000
    usd = pd.DataFrame([txn("premium", "2024-03-01", 10_000, "cash"), txn("premium", "2024-03-02", 9_999, "cash")])
    usd["currency"] = "USD"
    assert list(large_value_reports(usd, customers())["threshold"]) == [10_000]
    with pytest.raises(ValueError, match="row 0: currency 'EUR'"):
        large_value_reports(usd.assign(currency="EUR"), customers())


def test_missing_column_is_named():
    bad = pd.DataFrame([txn("premium", "2024-03-01", 1)]).drop(columns="payer_ref")
    with pytest.raises(ValueError, match=r"transactions\.payer_ref"):
        prepare_book(bad, pd.DataFrame([policy()]), customers())


def _raw_yaml():
    import yaml

    from compliance.engine.parameters import DEFAULT_PATH

    return yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (
            lambda d: d["rules"]["L01"]["params"]["window_days"].update(value="seven"),
            "rules.L01.params.window_days.value",
        ),
        (lambda d: d["rules"]["L03"]["params"].pop("min_penalty_share"), "rules.L03.params.min_penalty_share"),
        (lambda d: d["rules"].pop("L09"), "rules.L09"),
        (lambda d: d["rules"]["L02"].update(weight="high"), "rules.L02.weight"),
        (lambda d: d["rules"]["L05"].update(source="nowhere"), "rules.L05.source"),
        (lambda d: d["scoring"].update(hold=20), "scoring.hold"),
        (lambda d: d["large_value_reports"].update(cash_cny=-1), "large_value_reports.cash_cny"),
        (lambda d: d["rules"]["L04"]["params"].update(extra={"value": 1, "source": "house"}), "rules.L04.params.extra"),
    ],
)
def test_bad_parameter_file_is_refused_naming_the_field(edit, field, tmp_path):
    import yaml

    doc = _raw_yaml()
    edit(doc)
    with pytest.raises(ValueError, match=field.replace(".", r"\.")):
        parse_parameters(doc)
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    with pytest.raises(ValueError, match=field.replace(".", r"\.")):
        load_parameters(path)


def test_catalogue_carries_versions_dates_and_sources():
    p = load_parameters()
    assert sorted(p.rules) == [f"L{i:02d}" for i in range(1, 14)]
    for rule in p.rules.values():
        assert rule.version >= 1 and rule.effective_from.year >= 2017
        assert set(rule.sources) == set(rule.values)
        assert all(s in p.sources for s in rule.sources.values())
    assert p.large_value["cash_cny"] == 50_000


@pytest.fixture(scope="module")
def synthetic():
    book = synthetic_book(60_000, seed=5, min_per_typology=25)
    own = look_through(book.beneficial_owners, book.customers)
    alerts = monitor(book.transactions, book.policies, book.customers, book.relations, book.screening_hits, own)
    return book, alerts


def test_recall_per_typology_on_a_synthetic_book(synthetic):
    book, alerts = synthetic
    scores = detection_scores(alerts, book.labels)
    assert set(scores["recall"]) == {f"L{i:02d}" for i in range(1, 14)}
    for typ, recall in scores["recall"].items():
        assert recall >= 0.95, (
            f"{typ} recall {recall:.3f}; precision overall {scores['precision']:.3f}, "
            f"by rule {scores['precision_by_rule']}"
        )
    # Precision is measured, not asserted high: the background has genuine look-alikes.
    assert 0 < scores["precision"] <= 1, scores


def test_synthetic_book_is_deterministic():
    a, b = synthetic_book(5_000, seed=9), synthetic_book(5_000, seed=9)
    pd.testing.assert_frame_equal(a.transactions, b.transactions)
    counts = a.labels["typology"].value_counts()
    assert len(counts) == 13 and counts.min() >= 20


def test_real_time_replay_of_planted_cases_fires_the_same_rules(synthetic):
    """The last transaction of two planted cases per typology, held back from the history and
    then scored one by one, must raise its typology in real time as the batch run did."""
    book, _ = synthetic
    labels = book.labels[book.labels["txn_refs"].map(len) > 0]
    labels = labels[~labels["typology"].isin(["L10"])].groupby("typology").head(2)
    # The triggering transaction: the last of the case, except L06 which flags a third-party
    # payer at their first payment (later payments by the same payer are not new alerts).
    held = {
        (refs[0] if typ == "L06" else refs[-1]): typ
        for refs, typ in zip(labels["txn_refs"], labels["typology"], strict=True)
    }
    tx = book.transactions
    own = look_through(book.beneficial_owners, book.customers)
    history = prepare_history(
        tx[~tx["txn_ref"].isin(held)], book.policies, book.customers, book.relations, book.screening_hits, own
    )
    missed = []
    for row in tx[tx["txn_ref"].isin(held)].to_dict("records"):
        alert = score_transaction(history, row)
        if alert is None or held[row["txn_ref"]] not in alert["rule_ids"]:
            missed.append((held[row["txn_ref"]], row["txn_ref"], alert and alert["rule_ids"]))
    assert len(held) >= 20 and not missed, missed


def test_screening_the_book_feeds_l13():
    """End to end: screen the book's customers against its watch list, then monitor."""
    from compliance.engine.screening import WatchlistIndex, screen_customers

    book = synthetic_book(8_000, seed=21)
    hits = screen_customers(WatchlistIndex(book.watchlist), book.customers)
    alerts = monitor(book.transactions, book.policies, book.customers, book.relations, hits)
    scores = detection_scores(alerts, book.labels)
    l13_alerts = alerts[alerts["rule_ids"].map(lambda r: "L13" in r)]
    assert scores["recall"]["L13"] >= 0.95, (scores["recall"]["L13"], len(hits))
    assert scores["precision_by_rule"]["L13"] > 0, f"{len(l13_alerts)} L13 alerts"


def test_interchange_strings_are_accepted():
    """CSV as integrators send it: decimal strings, ISO timestamps with a zone, blank cells."""
    txns = pd.DataFrame([txn("premium", f"2024-03-0{d}", 45_000, "cash") for d in (1, 3, 5)])
    txns["timestamp"] = [f"2024-03-0{d}T10:00:00+08:00" for d in (1, 3, 5)]
    txns["amount"] = "45000.00"
    txns["payee_ref"] = None
    pols = pd.DataFrame([policy()]).astype({"annual_premium": str})
    alerts = monitor(txns, pols, customers().astype({"annual_income": str}), RELATIONS)
    assert list(alerts["rule_ids"]) == [["L01"]]
    assert alerts.loc[0, "created_at"] == pd.Timestamp("2024-03-05T10:00:00+08:00")
