"""Real-time scoring of one new transaction, before it is executed (issue 5, AML-3).

Reads the customer's history (history.py, a few index lookups), scores the transaction
with the batch's rules and the catalogue in force (engine.py), and when the transaction
moves money out and its tier is hold or freeze, places that restriction on the policy
(services.restriction_place_from_score) so the payout guard refuses the payout. The answer
also says whether the payout may go ahead now, with the restrictions that stop it.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils.translation import gettext as _

from compliance.engine.monitoring import mute_rules
from compliance.engine.parameters import Parameters
from compliance.holds import engine, services
from compliance.holds.history import read_history
from compliance.rules.models import RuleVersion
from compliance.rules.selectors import live_parameters
from compliance.selectors import rule_snoozes_of
from customers.models import Customer, Policy, PolicyTransaction
from insurer import payouts
from insurer.access import require

OUTGOING = frozenset(PolicyTransaction.Kind.values) - PolicyTransaction.MONEY_IN - PolicyTransaction.NON_MONETARY


class UnknownPolicy(ValueError):
    pass


@dataclass
class Score:
    alert: dict | None  # the episode's alert (engine.episode_alert), None when no rule fired
    restriction: object | None  # placed (or already active) because of this score
    refusals: list[payouts.Refusal]  # why the payout may not go ahead now
    outgoing: bool
    catalogue: str

    @property
    def tier(self) -> str:
        return self.alert["tier"] if self.alert else "none"

    @property
    def score(self) -> float:
        return self.alert["score"] if self.alert else 0.0


# Reading the live version costs a query and ~2 ms of ORM a call, so each process keeps it:
# a version saved in this process (approval, retirement) drops it at once (below); one saved
# by another process reaches real-time scoring here within this many seconds.
PARAMETERS_TTL_SECONDS = 5.0
_cached: tuple[float, Parameters] | None = None


def parameters() -> Parameters:
    """The catalogue in force: the live rule version (compliance.rules), as the batch runs."""
    global _cached
    now = time.monotonic()
    if _cached is None or now >= _cached[0]:
        _cached = (now + PARAMETERS_TTL_SECONDS, live_parameters())
    return _cached[1]


@receiver(post_save, sender=RuleVersion, dispatch_uid="compliance_holds.scoring.forget_parameters")
def forget_parameters(**kwargs) -> None:
    """Drop the kept catalogue now and again at commit (a request in between may have read
    the version being replaced)."""
    _forget()
    transaction.on_commit(_forget)


def _forget() -> None:
    global _cached
    _cached = None


def score_new_transaction(*, actor, txn: dict, params: Parameters | None = None) -> Score:
    """Score ``txn`` (interchange columns: txn_ref, policy_ref, kind, timestamp, amount,
    method, payer_ref, payee_ref, account_ref, counterparty_country).

    Checks ``compliance_holds.score_transaction``. Writes nothing below the hold tier; for an
    outgoing payment at hold/freeze, the restriction and its audit event (atomic). ``params``:
    the catalogue in force unless given (a backtest or test of another version)."""
    require(actor, "compliance_holds.score_transaction", _("Your role may not score transactions."))
    params = params or parameters()
    when = txn["timestamp"]
    since = when - dt.timedelta(days=engine.lookback_days(params))
    read = read_history(policy_ref=txn["policy_ref"], payer_ref=txn.get("payer_ref") or "",
                        payee_ref=txn.get("payee_ref") or "", since=since,
                        beneficiaries=engine.reads_beneficiaries(params))  # fmt: skip
    if read is None:
        raise UnknownPolicy(_("policy_ref: %(ref)s is not a known policy") % {"ref": txn["policy_ref"]})
    policies, parties, history = read
    history = [h for h in history if h["txn_ref"] != txn["txn_ref"]]  # re-scoring a stored one
    alert = engine.score_one(policies, parties, history, txn, params)
    if alert is not None:
        # The customer's rule snoozes in force, as the batch applies them (never L13).
        alert = mute_rules(alert, rule_snoozes_of(alert["customer_ref"]), params)
    outgoing = txn["kind"] in OUTGOING
    restriction, refused = None, []
    if outgoing:
        with transaction.atomic():
            policy = Policy.objects.only("id", "policy_ref").get(policy_ref=txn["policy_ref"])
            if alert is not None and alert["tier"] in ("hold", "freeze"):
                restriction = services.restriction_place_from_score(
                    actor=actor, policy=policy, tier=alert["tier"], alert=alert
                )
            payee_ref = txn.get("payee_ref")
            payee_id = (
                Customer.objects.filter(customer_ref=payee_ref).values_list("pk", flat=True).first()
                if payee_ref
                else None
            )
            refused = payouts.refusals([payouts.Payment(policy.pk, txn["kind"], txn["txn_ref"], payee_id)])
    return Score(alert=alert, restriction=restriction, refusals=refused, outgoing=outgoing, catalogue=params.label)
