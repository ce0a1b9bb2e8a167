"""Transaction monitoring for the life book: rules L01-L13, alerts, large-value reports.

Input frames (column names follow shared/spec/interchange.md; extra columns are ignored)
-----------------------------------------------------------------------------------------
transactions   txn_ref, policy_ref, kind, timestamp (aware or naive = Asia/Shanghai), amount
               (CNY), method, payer_ref, payee_ref, account_ref, counterparty_country (ISO-2,
               blank = domestic)
policies       policy_ref, policyholder_ref, insured_ref, issue_date, annual_premium,
               payment_frequency; optional beneficiary_refs (';'-separated), cooling_off_days
               (from the product; default from the catalogue), product_code, product_kind,
               status, sum_assured, channel, agent_code
customers      customer_ref, kind (person | organisation); optional annual_income,
               nationality, occupation, risk_rating, and for L10 phone_hash, address_hash,
               bank_account_hash (hashes of the normalised phone, address and bank account,
               so the engine never holds the raw values)
relations      customer_ref, related_ref, relation (spouse | parent | child | sibling |
               grandparent | grandchild | other); family relations are read both ways
screening_hits customer_ref, entry_id, score; optional list, program, matched_name, method,
               confirmed (bool): the output of screening.screen_customers (L13)
ownership      {"organisations": ownership.look_through(...)["organisations"], "owners": ...}
               (L12 reads organisation_ref, opaque, reasons; L13 reads owners' refs)

Proxies where the interchange format lacks a field
--------------------------------------------------
L03 penalty: premiums paid before the surrender - surrender amount - partial withdrawals
    (no surrender-charge field; what the customer paid in and did not get back).
L04 cancellation: a ``cooling_off_refund`` transaction; "the payer's account" = any
    account_ref used for a premium on that policy.
L08 cash value: premiums paid before the loan x ``cash_value_to_premiums`` (no cash-value
    field; early in a policy the true cash value is lower, so the proxy under-flags).
L09 new beneficiary/owner: the ``payee_ref`` of the beneficiary_change/owner_change
    transaction (the format has no "new party" column); maturity payouts arrive as
    ``claim_payout``.
L10 shared phone/address/bank account: hashes on the customers frame (see above).
L11 "cash equivalents": the methods listed in the catalogue (cheque); "many source accounts":
    distinct premium account_refs on a policy within the window.

Output: ``monitor`` returns alerts (alert_id, rule_ids, customer_ref = policyholder,
policy_ref, txn_refs, score, tier, created_at, explanation); see alerts.py for episodes.
"""

from __future__ import annotations

import pandas as pd

from ..parameters import Parameters, load_parameters
from .alerts import (
    ALERT_COLUMNS,
    CSV_COLUMNS,
    alerts_to_csv,
    apply_snoozes,
    build_alerts,
    explanation_text,
    hits_frame,
    live_snoozes,
    mute_rules,
)
from .book import Book, prepare_book
from .realtime import MonitoringHistory, prepare_history, record_transaction, score_transaction
from .reports import large_value_reports
from .rules import STATE_RULES, TRANSACTION_RULES, Hits

__all__ = [
    "ALERT_COLUMNS",
    "CSV_COLUMNS",
    "Book",
    "MonitoringHistory",
    "alerts_to_csv",
    "apply_snoozes",
    "evaluate_rules",
    "explanation_text",
    "large_value_reports",
    "live_snoozes",
    "monitor",
    "mute_rules",
    "prepare_book",
    "prepare_history",
    "record_transaction",
    "rule_hits",
    "score_transaction",
]


def evaluate_rules(book: Book, params: Parameters) -> list[Hits]:
    """Every rule over the whole book (transaction rules, then state rules)."""
    return [rule(book, params) for rule in TRANSACTION_RULES + STATE_RULES]


def rule_hits(book: Book, params: Parameters | None = None) -> pd.DataFrame:
    """The raw hits (one row per rule x transaction/policy), for inspection and tests."""
    params = params or load_parameters()
    frame = hits_frame(book, evaluate_rules(book, params))
    frame["txn_ref"] = [book.txn_ref[r] if r >= 0 else None for r in frame["row"]]
    frame["policy_ref"] = book.policies.refs(frame["pol"].to_numpy())
    return frame


def monitor(
    transactions: pd.DataFrame,
    policies: pd.DataFrame,
    customers: pd.DataFrame,
    relations: pd.DataFrame | None = None,
    screening_hits: pd.DataFrame | None = None,
    ownership: dict[str, pd.DataFrame] | None = None,
    params: Parameters | None = None,
    keep_below_review: bool = False,
) -> pd.DataFrame:
    """Run L01-L13 over the whole history and return the alerts frame."""
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
    return build_alerts(book, params, evaluate_rules(book, params), keep_below_review=keep_below_review)
