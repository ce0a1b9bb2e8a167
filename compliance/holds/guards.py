"""The payout guard compliance.holds registers (insurer/payouts.py): a payment on a held or
frozen policy, on any policy of a restricted customer, or to a restricted customer, is refused.

One query per batch, whatever its size: every active restriction, with the policies of
restricted customers joined in (active restrictions are few; the partial index
``restriction_active_idx`` keeps the read their size, not the history's).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _

from compliance.holds.models import Restriction
from customers.models import Policy
from insurer.payouts import Payment, Refusal


def _describe(r: dict) -> str:
    what = _("payouts held pending review") if r["kind"] == Restriction.Kind.HOLD else _("account frozen")
    target = r["policy__policy_ref"] or _("customer %(ref)s") % {"ref": r["customer__customer_ref"]}
    return _("%(what)s on %(target)s (restriction #%(id)s, %(source)s, placed %(date)s: %(reason)s)") % {
        "what": what,
        "target": target,
        "id": r["pk"],
        "source": Restriction.Source(r["source"]).label,
        "date": r["placed_at"].date().isoformat(),
        "reason": r["reason"],
    }


def active_restrictions() -> tuple[dict[int, dict], dict[int, dict], dict[int, dict]]:
    """(by policy id, by policy id of a restricted policyholder, by customer id) in one query.
    A freeze wins over a hold when both apply (it is the stronger restriction)."""
    rows = Restriction.objects.filter(lifted_at__isnull=True).values(
        "pk", "kind", "policy_id", "customer_id", "reason", "source", "placed_at", "policy__policy_ref",
        "customer__customer_ref", "customer__policies_held__id", "customer__policies_held__policy_ref",
    )  # fmt: skip
    by_policy, by_holder, by_customer = {}, {}, {}
    for r in rows:
        if r["policy_id"]:
            _keep(by_policy, r["policy_id"], r)
        else:
            _keep(by_customer, r["customer_id"], r)
            if r["customer__policies_held__id"]:
                _keep(by_holder, r["customer__policies_held__id"], r)
    return by_policy, by_holder, by_customer


def _keep(index: dict, key: int, r: dict) -> None:
    if key not in index or r["kind"] == Restriction.Kind.FREEZE:
        index[key] = r


def held_payouts(payments: Sequence[Payment]) -> list[Refusal]:
    by_policy, by_holder, by_customer = active_restrictions()
    if not (by_policy or by_customer):
        return []
    found = []  # (payment, restriction, policy ref when the restriction names it)
    for p in payments:
        if (r := by_policy.get(p.policy_id)) is not None:
            found.append((p, r, r["policy__policy_ref"]))
        elif (r := by_holder.get(p.policy_id)) is not None:
            found.append((p, r, r["customer__policies_held__policy_ref"]))
        elif (r := by_customer.get(p.payee_id)) is not None:
            found.append((p, r, None))
    # A payment to a restricted payee on someone else's policy: its ref in one more query.
    unnamed = {p.policy_id for p, _r, ref in found if ref is None}
    refs = dict(Policy.objects.filter(pk__in=unnamed).values_list("id", "policy_ref")) if unnamed else {}
    return [
        Refusal(
            p,
            _("%(txn)s: a %(kind)s on policy %(policy)s is refused: %(restriction)s")
            % {
                "txn": p.txn_ref or _("the payment"),
                "kind": p.kind.replace("_", " "),
                "policy": ref or refs.get(p.policy_id, p.policy_id),
                "restriction": _describe(r),
            },
        )
        for p, r, ref in found
    ]
