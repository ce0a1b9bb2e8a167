"""Real-time scoring of one new transaction against the history.

``prepare_history`` encodes the history once (a Book) and indexes its rows by policy, payer
and policyholder, and evaluates the state rules (L10, L12, L13) once per policy. Scoring a
new transaction then takes only the rows it can interact with (its policy, its payer, every
policy of its policyholder: the groupings the windowed rules use), appends the new row and
runs the same batch rule functions on that slice of a few dozen rows. One code path for batch
and real time means the two can never disagree on what a rule means.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..parameters import Parameters, load_parameters
from .alerts import build_alerts
from .book import KIND, METHOD, Book, local_seconds, prepare_book
from .rules import TRANSACTION_RULES, Hits, l10_linked_policies, l12_opaque_ownership, l13_screening

RECENT_FIELDS = ("txn_ref", "pol", "kind", "t", "amount", "method", "payer", "payee", "account", "country")


def _index_rows(codes: np.ndarray) -> dict[int, np.ndarray]:
    order = np.argsort(codes, kind="stable")
    sorted_codes = codes[order]
    cuts = np.flatnonzero(np.diff(sorted_codes)) + 1
    groups = np.split(order, cuts)
    keys = sorted_codes[np.concatenate([[0], cuts])] if len(codes) else []
    return {int(k): g for k, g in zip(keys, groups, strict=True) if k >= 0}


@dataclass
class MonitoringHistory:
    book: Book
    params: Parameters
    by_policy: dict[int, np.ndarray]
    by_payer: dict[int, np.ndarray]
    by_holder: dict[int, np.ndarray]
    state: dict[int, list[tuple[str, float, str, bool]]] = field(default_factory=dict)
    # Transactions recorded in real time since the history was prepared (see record_transaction).
    recent: dict[str, list] = field(default_factory=lambda: {name: [] for name in RECENT_FIELDS})
    recent_by_policy: dict[int, list[int]] = field(default_factory=dict)
    recent_by_payer: dict[int, list[int]] = field(default_factory=dict)
    recent_by_holder: dict[int, list[int]] = field(default_factory=dict)
    extra_parties: dict[str, int] = field(default_factory=dict)
    extra_accounts: dict[str, int] = field(default_factory=dict)


def prepare_history(
    transactions: pd.DataFrame,
    policies: pd.DataFrame,
    customers: pd.DataFrame,
    relations: pd.DataFrame | None = None,
    screening_hits: pd.DataFrame | None = None,
    ownership: dict[str, pd.DataFrame] | None = None,
    params: Parameters | None = None,
) -> MonitoringHistory:
    """Build the per-policy/payer/policyholder state once (seconds for a million rows)."""
    params = params or load_parameters()
    book = prepare_book(
        transactions,
        policies,
        customers,
        relations,
        screening_hits,
        ownership,
        family_relations=params.rules["L05"]["family_relations"],
        default_cooling_off_days=params.rules["L04"]["default_cooling_off_days"],
    )
    # Two reserved party codes for payers/payees never seen before (one each), so the rules
    # see a valid, distinct, unrelated party.
    book.party_natural = np.concatenate([book.party_natural, [True, True]])
    book.party_income = np.concatenate([book.party_income, [np.nan, np.nan]])
    book.party_links = {key: np.concatenate([v, [-1, -1]]) for key, v in book.party_links.items()}
    holder_rows = book.pol_holder[book.pol]
    state: dict[int, list[tuple[str, float, str, bool]]] = {}
    for hits in (l10_linked_policies(book, params), l12_opaque_ownership(book, params), _l13_roles(book, params)):
        for pol, w, fact, conf in zip(hits.pols, hits.weight, hits.facts, hits.confirmed, strict=True):
            state.setdefault(int(pol), []).append((hits.rule_id, float(w), str(fact), bool(conf)))
    return MonitoringHistory(
        book=book,
        params=params,
        by_policy=_index_rows(book.pol),
        by_payer=_index_rows(book.payer),
        by_holder=_index_rows(holder_rows),
        state=state,
    )


def _l13_roles(book: Book, params: Parameters) -> Hits:
    """L13 for each policy's own parties (policyholder, insured, beneficiaries, beneficial
    owners): run on an empty transaction slice, so payers are left to the per-call check."""
    return l13_screening(book.subset(np.zeros(0, dtype=np.int64)), params)


def _field(new_txn, name, default=None):
    value = new_txn.get(name, default) if isinstance(new_txn, dict) else getattr(new_txn, name, default)
    return default if value is None or (isinstance(value, float) and np.isnan(value)) else value


def _party_code(history: MonitoringHistory, ref, slot: int) -> int:
    """Code of a known party (history, or recorded since), or one of the two reserved codes
    at the end of the party arrays for a payer/payee never seen before.

    Party arrays: [history parties][parties recorded since][2 reserved]. Parties recorded in
    real time live in a dict, not in the pandas Index: appending to a 100k-entry Index makes
    the next lookup rebuild its hash table (tens of milliseconds)."""
    if ref is None or ref == "":
        return -1
    loc = history.book.parties.index.get_indexer([ref])[0]
    if loc >= 0:
        return int(loc)
    extra = history.extra_parties.get(ref)
    if extra is not None:
        return extra
    return len(history.book.party_natural) - 2 + slot


def _encode(history: MonitoringHistory, new_txn) -> dict:
    """One transaction as the Book's integer fields (a one-element array per field)."""
    book = history.book
    pol_ref = _field(new_txn, "policy_ref")
    pol = book.policies.index.get_indexer([pol_ref])[0]
    if pol < 0:
        raise ValueError(f"policy_ref: {pol_ref!r} is not a known policy")
    account_ref = _field(new_txn, "account_ref")
    account = -1
    if account_ref:
        loc = book.accounts.index.get_indexer([account_ref])[0]
        # an account first seen now: a code no history account has (recorded ones get their own)
        account = int(loc) if loc >= 0 else history.extra_accounts.get(account_ref, len(book.accounts))
    return {
        "txn_ref": np.array([_field(new_txn, "txn_ref")], dtype=object),
        "pol": np.array([pol]),
        "kind": np.array([KIND.get(_field(new_txn, "kind"), -1)]),
        "t": local_seconds([_field(new_txn, "timestamp")]),
        "amount": np.array([float(_field(new_txn, "amount", 0.0))]),
        "method": np.array([METHOD.get(_field(new_txn, "method"), METHOD["none"])]),
        "payer": np.array([_party_code(history, _field(new_txn, "payer_ref"), 0)]),
        "payee": np.array([_party_code(history, _field(new_txn, "payee_ref"), 1)]),
        "account": np.array([account]),
        "country": np.array([str(_field(new_txn, "counterparty_country", "")).upper()], dtype=object),
    }


def _new_party(history: MonitoringHistory, ref) -> None:
    """Give a party first seen in real time its own code, keeping the two reserved codes last."""
    book = history.book
    if not ref or ref in history.extra_parties or book.parties.index.get_indexer([ref])[0] >= 0:
        return
    at = len(book.party_natural) - 2
    history.extra_parties[ref] = at
    book.party_natural = np.insert(book.party_natural, at, True)
    book.party_income = np.insert(book.party_income, at, np.nan)
    book.party_links = {k: np.insert(v, at, -1) for k, v in book.party_links.items()}


def record_transaction(history: MonitoringHistory, new_txn) -> None:
    """Add a scored transaction to the history, so the next ones see it (three structured
    payments arriving one by one). Appends to a small overlay instead of the million-row
    arrays; ``prepare_history`` again (e.g. nightly) folds the overlay in. Recording mutates
    the history: one writer at a time (scoring alone is read-only and thread-safe)."""
    book = history.book
    for name in ("payer_ref", "payee_ref"):
        _new_party(history, _field(new_txn, name))
    account_ref = _field(new_txn, "account_ref")
    known = account_ref and book.accounts.index.get_indexer([account_ref])[0] >= 0
    if account_ref and not known and account_ref not in history.extra_accounts:
        history.extra_accounts[account_ref] = len(book.accounts) + 1 + len(history.extra_accounts)
    row = _encode(history, new_txn)
    n = len(history.recent["t"])
    for name, value in row.items():
        history.recent[name].append(value[0])
    pol = int(row["pol"][0])
    history.recent_by_policy.setdefault(pol, []).append(n)
    history.recent_by_payer.setdefault(int(row["payer"][0]), []).append(n)
    history.recent_by_holder.setdefault(int(book.pol_holder[pol]), []).append(n)


def _slice(history: MonitoringHistory, pol: int, payer: int) -> Book:
    """The history rows (and recorded real-time rows) a new transaction can interact with."""
    book = history.book
    holder = int(book.pol_holder[pol])
    empty = np.zeros(0, dtype=np.int64)
    rows = np.unique(
        np.concatenate(
            [
                history.by_policy.get(pol, empty),
                history.by_payer.get(payer, empty),
                history.by_holder.get(holder, empty),
            ]
        )
    )
    sub = book.subset(rows)
    recent = sorted(
        set(history.recent_by_policy.get(pol, ()))
        | set(history.recent_by_payer.get(payer, ()) if payer >= 0 else ())
        | set(history.recent_by_holder.get(holder, ()))
    )
    if recent:
        for name, values in history.recent.items():
            extra = np.array([values[i] for i in recent], dtype=getattr(sub, name).dtype)
            setattr(sub, name, np.concatenate([getattr(sub, name), extra]))
    return sub


def score_transaction(history: MonitoringHistory | dict, new_txn, remember: bool = False) -> dict | None:
    """Score ONE new transaction (a dict or a row with the transactions columns) against the
    prepared history (``prepare_history``'s result, or a dict of its arguments). Returns the
    alert (same fields as a row of ``monitor``'s frame) for the episode the new transaction
    triggers, or None when it triggers no rule. ``remember=True`` records it afterwards
    (``record_transaction``), as a live feed should."""
    if not isinstance(history, MonitoringHistory):
        # Raw frames (a dict of prepare_history's arguments) work but rebuild the state on
        # every call: prepare once and keep the MonitoringHistory for real-time use.
        history = prepare_history(**history)
    book, params = history.book, history.params
    new_values = _encode(history, new_txn)
    pol, payer = int(new_values["pol"][0]), int(new_values["payer"][0])
    sub = _slice(history, pol, payer)
    new_row = len(sub.t)
    for name, value in new_values.items():
        setattr(sub, name, np.concatenate([getattr(sub, name), value]))

    hits = [rule(sub, params) for rule in TRANSACTION_RULES]
    fired = [h for h in hits if (h.rows == new_row).any()]
    # State of the policy (L10, L12, L13) and a listed payer attach to the new transaction.
    state = list(history.state.get(pol, ()))
    l13 = params.rules["L13"]
    if payer >= 0 and "payer" in l13["roles"] and not book.party_hit.empty and payer in book.party_hit.index:
        h = book.party_hit.loc[payer]
        if float(h["score"]) >= l13["min_hit_score"]:
            fact = f"payer {_field(new_txn, 'payer_ref')} matches list entry {h['entry_id']} score {h['score']:.2f}"
            state.append(("L13", l13.weight, fact, bool(h["confirmed"])))
    alert = None
    if fired or state:
        for rule_id, weight, fact, confirmed in state:
            hits.append(Hits.make(rule_id, sub, [new_row], weight, [fact], pols=[pol], confirmed=[confirmed]))
        new_ref = new_values["txn_ref"][0]
        alert = next((a for a in build_alerts(sub, params, hits).to_dict("records") if new_ref in a["txn_refs"]), None)
    if remember:
        record_transaction(history, new_txn)
    return alert
