"""Backtest and shadow run of a rule version over the whole history of the book.

A backtest runs every rule of one catalogue version over the book (the vectorised engine,
compliance.engine.monitoring.monitor) and measures the alerts against the labelled planted
cases (compliance.engine.synthetic.detection_scores): alerts per rule and tier, and per
typology recall and precision. A shadow run runs the candidate and the live version over the
same inputs and compares what each alerts on, as (rule, policy) pairs: only in the live
version, only in the candidate, in both.

L13 (screening hit) needs screening hits as input. The backtest screens the book against the
watch-list entries planted with the labels (exact name and birth date), so what it measures is
the rules given the hits; the screening's own recall on name variants is measured by the
screening app (compliance.screening).
"""

from __future__ import annotations

import time

import pandas as pd

from compliance.engine.parameters import Parameters

SAMPLE = 20  # (rule, policy) pairs listed per side of a shadow comparison


def labels_frame(labels) -> pd.DataFrame:
    """TypologyLabel rows as the frame detection_scores reads."""
    rows = [
        {"typology": lab.rule_id, "customer_ref": lab.customer_ref, "policy_ref": lab.policy_ref,
         "txn_refs": list(lab.txn_refs)}
        for lab in labels
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["typology", "customer_ref", "policy_ref", "txn_refs"])


def screening_hits(customers: pd.DataFrame, watchlist: list[dict]) -> pd.DataFrame:
    """Customers (customer_ref, name, birth_date as ISO text) whose name and birth date equal a
    watch-list entry's: the L13 input of a backtest."""
    columns = ["customer_ref", "entry_id", "score", "confirmed", "matched_name", "method", "list"]
    if not watchlist or customers.empty:
        return pd.DataFrame(columns=columns)
    entries = pd.DataFrame(watchlist)[["entry_id", "name", "birth_date", "list"]]
    merged = customers.merge(entries, on=["name", "birth_date"], how="inner")
    merged = merged.drop_duplicates("customer_ref")
    return pd.DataFrame({
        "customer_ref": merged["customer_ref"], "entry_id": merged["entry_id"], "score": 1.0, "confirmed": False,
        "matched_name": merged["name"], "method": "exact name and birth date", "list": merged["list"],
    })[columns]  # fmt: skip


def run_version(inputs: dict, params: Parameters) -> pd.DataFrame:
    """Every rule of ``params`` over the book: the alerts frame."""
    from compliance.engine.monitoring import apply_snoozes, monitor
    from compliance.engine.ownership import look_through

    frames = inputs["frames"]
    ownership = look_through(frames["beneficial_owners"], frames["customers"], params)
    alerts = monitor(
        frames["transactions"], frames["policies"], frames["customers"],
        screening_hits=inputs["screening_hits"], ownership=ownership, params=params,
    )  # fmt: skip
    # The rule snoozes in force (inputs["snoozes"], as the live batch applies them), so the
    # backtest's and shadow run's figures match the live run's.
    snoozes = inputs.get("snoozes")
    if snoozes is not None and len(snoozes):
        alerts = apply_snoozes(alerts, snoozes, params, as_of=inputs["snoozes_as_of"])
    return alerts


def backtest_summary(alerts: pd.DataFrame, labels: pd.DataFrame, params: Parameters, seconds: float) -> dict:
    from compliance.engine.synthetic import detection_scores

    if labels.empty:  # nothing planted: alerts per rule only
        scores = {"cases": {}, "found": {}, "recall": {}, "precision_by_rule": {}, "true_alerts_by_rule": {}}
        exploded = alerts["rule_ids"].explode() if len(alerts) else pd.Series(dtype=object)
        scores["alerts_by_rule"] = {str(k): int(v) for k, v in exploded.value_counts().items()}
    else:
        scores = detection_scores(alerts, labels)
    rules = {
        rid: {
            "alerts": scores["alerts_by_rule"].get(rid, 0),
            "true_alerts": scores["true_alerts_by_rule"].get(rid, 0),
            "precision": scores["precision_by_rule"].get(rid),
            "cases": scores["cases"].get(rid, 0),
            "found": scores["found"].get(rid, 0),
            "recall": scores["recall"].get(rid),
        }
        for rid in sorted(set(scores["cases"]) | set(scores["alerts_by_rule"]))
    }
    return {
        "catalogue": params.label,
        "alerts": len(alerts),
        "by_tier": {str(k): int(v) for k, v in alerts["tier"].value_counts().items()} if len(alerts) else {},
        "labelled_cases": len(labels),
        "precision": scores.get("precision"),
        "rules": rules,
        "seconds": round(seconds, 2),
    }


def alert_pairs(alerts: pd.DataFrame) -> set[tuple[str, str]]:
    """(rule, policy) pairs a version alerts on."""
    if alerts.empty:
        return set()
    exploded = alerts[["rule_ids", "policy_ref"]].explode("rule_ids")
    return set(zip(exploded["rule_ids"].astype(str), exploded["policy_ref"].astype(str), strict=True))


def shadow_comparison(live: pd.DataFrame, candidate: pd.DataFrame) -> dict:
    a, b = alert_pairs(live), alert_pairs(candidate)
    rules = sorted({r for r, _ in a | b})
    per_rule = {
        r: {
            "only_live": sum(1 for x in a - b if x[0] == r),
            "only_candidate": sum(1 for x in b - a if x[0] == r),
            "both": sum(1 for x in a & b if x[0] == r),
        }
        for r in rules
    }
    return {
        "alerts_live": len(live),
        "alerts_candidate": len(candidate),
        "only_live": len(a - b),
        "only_candidate": len(b - a),
        "both": len(a & b),
        "rules": per_rule,
        "sample_only_live": [list(x) for x in sorted(a - b)[:SAMPLE]],
        "sample_only_candidate": [list(x) for x in sorted(b - a)[:SAMPLE]],
    }


def backtest(inputs: dict, params: Parameters) -> dict:
    started = time.perf_counter()
    alerts = run_version(inputs, params)
    return backtest_summary(alerts, inputs["labels"], params, time.perf_counter() - started)


def shadow(inputs: dict, live: Parameters, candidate: Parameters) -> dict:
    started = time.perf_counter()
    live_alerts, candidate_alerts = run_version(inputs, live), run_version(inputs, candidate)
    out = shadow_comparison(live_alerts, candidate_alerts)
    out["live"], out["candidate"] = (
        backtest_summary(live_alerts, inputs["labels"], live, 0.0),
        backtest_summary(candidate_alerts, inputs["labels"], candidate, 0.0),
    )
    out["seconds"] = round(time.perf_counter() - started, 2)
    return out
