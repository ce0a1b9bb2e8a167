"""From rule hits to alerts: one alert per (customer, policy, trigger episode).

Hits on one policy closer together than ``scoring.episode_gap_days`` form one episode; the
episode's score is the sum over the distinct rules that fired in it (each rule counted once,
at its highest weight), and the tier follows the catalogue's thresholds. State rules (L10,
L12, L13) describe the policy rather than a moment, so they join every episode of their
policy and form an episode of their own only when nothing else fired.
"""

from __future__ import annotations

import csv
import hashlib
import io

import numpy as np
import pandas as pd

from ..parameters import Parameters
from .book import DAY, Book
from .rules import Hits

ALERT_COLUMNS = [
    "alert_id",
    "rule_ids",
    "customer_ref",
    "policy_ref",
    "txn_refs",
    "score",
    "tier",
    "created_at",
    "explanation",
]
CSV_COLUMNS = ["alert_id", "rule_id", "customer_ref", "policy_ref", "txn_refs", "score", "tier", "created_at"]


def hits_frame(book: Book, hits: list[Hits]) -> pd.DataFrame:
    """All hits as one frame: rule_id, row, pol, t (anchor time), weight, fact, confirmed."""
    parts = [h for h in hits if len(h.rows)]
    if not parts:
        return pd.DataFrame(columns=["rule_id", "row", "pol", "t", "weight", "fact", "confirmed"])
    rows = np.concatenate([h.rows for h in parts])
    pols = np.concatenate([h.pols for h in parts])
    t = np.where(rows >= 0, book.t[np.clip(rows, 0, None)] if book.n else 0, book.pol_issue_t[pols])
    return pd.DataFrame(
        {
            "rule_id": np.concatenate([np.full(len(h.rows), h.rule_id, dtype=object) for h in parts]),
            "row": rows,
            "pol": pols,
            "t": t,
            "weight": np.concatenate([h.weight for h in parts]),
            "fact": np.concatenate([h.facts for h in parts]),
            "confirmed": np.concatenate([h.confirmed for h in parts]),
        }
    )


def assign_episodes(frame: pd.DataFrame, gap_days: float) -> pd.DataFrame:
    """Add an ``episode`` column: transaction hits split by policy and time gap; state hits
    (row -1) join every episode of their policy, or get their own."""
    txn = frame[frame["row"] >= 0].sort_values(["pol", "t", "row"], kind="stable")
    state = frame[frame["row"] < 0]
    pol = txn["pol"].to_numpy()
    t = txn["t"].to_numpy()
    new = np.ones(len(txn), dtype=bool)
    if len(txn) > 1:
        new[1:] = (pol[1:] != pol[:-1]) | (t[1:] - t[:-1] > gap_days * DAY)
    txn = txn.assign(episode=np.cumsum(new) - 1)
    n_ep = int(new.sum())
    if len(state):
        episodes_of = txn.drop_duplicates("episode")[["pol", "episode"]]
        joined = state.merge(episodes_of, on="pol", how="left")
        lonely = joined["episode"].isna()
        if lonely.any():
            codes, _ = pd.factorize(joined.loc[lonely, "pol"])
            joined.loc[lonely, "episode"] = n_ep + codes
        joined["episode"] = joined["episode"].astype(np.int64)
        txn = pd.concat([txn, joined], ignore_index=True)
    return txn


def _alert_id(label: str, customer: str, policy: str, anchor: str) -> str:
    return "AML-" + hashlib.sha256(f"{label}|{customer}|{policy}|{anchor}".encode()).hexdigest()[:16]


def build_alerts(book: Book, params: Parameters, hits: list[Hits], keep_below_review: bool = False) -> pd.DataFrame:
    frame = hits_frame(book, hits)
    if frame.empty:
        return pd.DataFrame(columns=ALERT_COLUMNS)
    frame = assign_episodes(frame, params.scoring["episode_gap_days"])
    # Score: each rule once per episode, at its highest weight.
    per_rule = frame.groupby(["episode", "rule_id"], sort=True).agg(
        weight=("weight", "max"), confirmed=("confirmed", "any")
    )
    per_ep = per_rule.groupby(level="episode").agg(score=("weight", "sum"), confirmed=("confirmed", "any"))
    per_ep["rule_ids"] = per_rule.reset_index().groupby("episode")["rule_id"].agg(list)
    first = frame.sort_values(["episode", "t"]).groupby("episode")
    per_ep["pol"] = first["pol"].first()
    per_ep["created"] = first["t"].max()
    txn_hits = frame[frame["row"] >= 0].sort_values(["episode", "t", "row"])
    rows_by_ep: dict = {}
    for ep, r in zip(txn_hits["episode"].to_numpy(), txn_hits["row"].to_numpy(), strict=True):
        rows_by_ep.setdefault(ep, {})[r] = None  # ordered and without repeats
    per_ep["rows"] = [list(rows_by_ep[ep]) if ep in rows_by_ep else [] for ep in per_ep.index]
    per_ep["tier"] = [params.tier(s, c) for s, c in zip(per_ep["score"], per_ep["confirmed"], strict=True)]
    if not keep_below_review:
        per_ep = per_ep[per_ep["tier"] != "none"]
    if per_ep.empty:
        return pd.DataFrame(columns=ALERT_COLUMNS)

    kept = frame[frame["episode"].isin(per_ep.index)].sort_values(["episode", "rule_id"], kind="stable")
    facts_seen: dict = {}
    for ep, rid, fact in zip(kept["episode"].to_numpy(), kept["rule_id"].to_numpy(), kept["fact"].to_numpy(),
                             strict=True):  # fmt: skip
        facts_seen.setdefault((ep, rid), {})[fact] = None
    facts_of = {key: list(seen)[:5] for key, seen in facts_seen.items()}
    thresholds = {rid: dict(rule.values) for rid, rule in params.rules.items()}
    # Plain dicts keyed (episode, rule): a MultiIndex .loc per alert grew with the book and
    # made 128,000 alerts on the large demo book take minutes.
    weight_of = per_rule["weight"].to_dict()
    pol_codes = per_ep["pol"].to_numpy(np.int64)
    policy_refs = book.policies.refs(pol_codes)
    customer_refs = book.parties.refs(book.pol_holder[pol_codes])
    txn_refs, explanations, alert_ids = [], [], []
    columns = (per_ep.index, per_ep["rows"], per_ep["rule_ids"], per_ep["confirmed"], policy_refs, customer_refs)
    for ep, rows, rule_ids, confirmed, pref, cref in zip(*columns, strict=True):
        refs = [book.txn_ref[i] for i in rows]
        txn_refs.append(refs)
        anchor = refs[0] if refs else f"policy:{pref}"
        alert_ids.append(_alert_id(params.label, str(cref), str(pref), str(anchor)))
        rules = []
        for rid in rule_ids:
            rule = params.rules[rid]
            rules.append(
                {
                    "rule_id": rid,
                    "name": rule.name,
                    "version": rule.version,
                    "weight": float(weight_of[(ep, rid)]),
                    "facts": facts_of[(ep, rid)],
                    "thresholds": thresholds[rid],
                }
            )
        explanations.append({"catalogue": params.label, "rules": rules, "confirmed_sanctions": bool(confirmed)})
    created = pd.to_datetime(per_ep["created"].to_numpy(), unit="s").tz_localize("Asia/Shanghai")
    out = pd.DataFrame(
        {
            "alert_id": alert_ids,
            "rule_ids": per_ep["rule_ids"].to_numpy(),
            "customer_ref": customer_refs,
            "policy_ref": policy_refs,
            "txn_refs": txn_refs,
            "score": per_ep["score"].to_numpy(np.float64),
            "tier": per_ep["tier"].to_numpy(),
            "created_at": created,
            "explanation": explanations,
        }
    )
    return out.sort_values(["created_at", "alert_id"], ignore_index=True)


def explanation_text(explanation: dict) -> str:
    """One line per rule: what fired, on which values, against which thresholds."""
    lines = []
    for r in explanation["rules"]:
        lines.append(f"{r['rule_id']} {r['name']} (+{r['weight']:g}): " + "; ".join(r["facts"]))
    if explanation.get("confirmed_sanctions"):
        lines.append("confirmed sanctions hit: freeze and escalate to the MLRO")
    return "\n".join(lines)


def alerts_to_csv(alerts: pd.DataFrame, path_or_buffer=None) -> str | None:
    """CSV export (one row per alert): alert_id, rule_id (rules joined by ';'), customer_ref,
    policy_ref, txn_refs (';'-separated), score, tier, created_at (ISO 8601 with zone)."""
    buf = io.StringIO() if path_or_buffer is None else None
    target = buf
    close = False
    if path_or_buffer is not None:
        if isinstance(path_or_buffer, str):
            target = open(path_or_buffer, "w", newline="", encoding="utf-8")  # noqa: SIM115
            close = True
        else:
            target = path_or_buffer
    w = csv.writer(target)
    w.writerow(CSV_COLUMNS)
    for a in alerts.itertuples(index=False):
        created = a.created_at.isoformat() if hasattr(a.created_at, "isoformat") else str(a.created_at)
        w.writerow(
            [
                a.alert_id,
                ";".join(a.rule_ids),
                a.customer_ref,
                a.policy_ref,
                ";".join(map(str, a.txn_refs)),
                f"{a.score:g}",
                a.tier,
                created,
            ]
        )
    if close:
        target.close()
    return buf.getvalue() if buf is not None else None


def apply_snoozes(alerts: pd.DataFrame, snoozes: pd.DataFrame, params: Parameters, as_of) -> pd.DataFrame:
    """Drop snoozed rules from alerts (spec: snoozes per customer or value stop repeat false
    positives, with a reason and an expiry). ``snoozes``: customer_ref, rule_id (blank = every
    rule), reason, expires_at. A snoozed rule leaves the alert's score; the alert is re-tiered
    and dropped when nothing at or above the review tier is left. The explanation records
    what was snoozed and why, so the suppression is auditable."""
    for col in ("customer_ref", "rule_id", "reason", "expires_at"):
        if col not in snoozes.columns:
            raise ValueError(f"snoozes.{col}: required column missing")
    when = pd.Timestamp(as_of)
    expires = pd.to_datetime(snoozes["expires_at"], utc=True)
    live = snoozes[expires > (when.tz_convert("UTC") if when.tzinfo else when.tz_localize("UTC"))]
    if live.empty or alerts.empty:
        return alerts
    by_customer: dict[str, list[tuple[str, str]]] = {}
    for s in live.itertuples(index=False):
        by_customer.setdefault(s.customer_ref, []).append((str(s.rule_id or ""), str(s.reason)))
    rows = []
    for a in alerts.to_dict("records"):
        muted = mute_rules(a, by_customer.get(a["customer_ref"], []), params)
        if muted is a or muted["tier"] != "none":  # an alert nothing muted is kept as it was
            rows.append(muted)
    return pd.DataFrame(rows, columns=alerts.columns)


def live_snoozes(snoozes: pd.DataFrame, customer_ref: str, as_of) -> list[tuple[str, str]]:
    """(rule_id, reason) of the snoozes of ``customer_ref`` in force at ``as_of``."""
    if snoozes is None or snoozes.empty:
        return []
    when = pd.Timestamp(as_of)
    when = when.tz_convert("UTC") if when.tzinfo else when.tz_localize("UTC")
    mine = snoozes[(snoozes["customer_ref"] == customer_ref) & (pd.to_datetime(snoozes["expires_at"], utc=True) > when)]
    return [(str(s.rule_id or ""), str(s.reason)) for s in mine.itertuples(index=False)]


def mute_rules(alert: dict, rules: list[tuple[str, str]], params: Parameters) -> dict:
    """``alert`` (one record of the alerts frame, or real-time scoring's alert) without the
    rules snoozed in ``rules`` ((rule_id, reason), blank rule_id = every rule): re-scored and
    re-tiered ("none" when nothing at or above review is left), with what was snoozed and why
    in its explanation. The batch and real-time scoring share it so both drop the same."""
    muted = {r for r in alert["rule_ids"] if any(rid in ("", r) for rid, _ in rules)}
    if not muted:
        return alert
    kept = [r for r in alert["explanation"]["rules"] if r["rule_id"] not in muted]
    confirmed = alert["explanation"]["confirmed_sanctions"] and "L13" not in muted
    score = float(sum(r["weight"] for r in kept))
    return {
        **alert,
        "rule_ids": [r["rule_id"] for r in kept],
        "score": score,
        "tier": params.tier(score, confirmed),
        "explanation": {
            **alert["explanation"],
            "rules": kept,
            "snoozed": [
                {"rule_id": r, "reasons": [why for rid, why in rules if rid in ("", r)]} for r in sorted(muted)
            ],
        },
    }
