"""The reserve roll-forward: how the best-estimate liability at the valuation date becomes the
expected BEL some months later, by the cash flows the projection expects in between and the
unwind of the discount.

Cash flows fall at the start of their month (lifelib's convention, as the projection), so with
``v_t`` the discount factor of month ``t`` and ``net_t`` = premiums - (claims + maturities +
annuities + expenses + commissions):

    BEL_t     = -sum_{s >= t} net_s v_s / v_t
    BEL_{t+1} = BEL_t + net_t + interest_t,   interest_t = (BEL_t + net_t) (v_t / v_{t+1} - 1)

The closing BEL is computed from the later cash flows directly, not as the balance of the
movements, so ``residual`` (opening + movements - closing) checks the arithmetic; it is
zero up to rounding. Pure numpy: no Django.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

OUTGO = ("claims", "maturities", "annuities", "expenses", "commissions")


@dataclass(frozen=True)
class RollForward:
    months: int
    opening_bel: float
    premiums: float
    outgo: dict[str, float]  # cash paid out in the period, by kind (positive amounts)
    interest: float
    closing_bel: float

    @property
    def residual(self) -> float:
        return self.opening_bel + self.premiums - sum(self.outgo.values()) + self.interest - self.closing_bel


def reserve_roll_forward(
    cashflows: Mapping[str, Sequence[float]], discount: Sequence[float], months: int = 12
) -> RollForward:
    """Roll the BEL of ``cashflows`` (per projection month: premiums and the OUTGO kinds; a kind
    absent is zero) forward ``months`` months on the discount factors ``discount`` (v_0 = 1,
    at least one more factor than there are months of cash flows). A period longer than the
    projection stops at its end, where the closing BEL is zero."""
    premiums = np.asarray(cashflows.get("premiums", ()), dtype=float)
    n = premiums.size
    outgo = {kind: np.asarray(cashflows.get(kind, np.zeros(n)), dtype=float) for kind in OUTGO}
    for kind, values in outgo.items():
        if values.size != n:
            raise ValueError(f"cash flows '{kind}' have {values.size} months, premiums {n}")
    v = np.asarray(discount, dtype=float)
    if v.size < n + 1:
        raise ValueError(f"{v.size} discount factors for {n} months of cash flows: need {n + 1}")
    if months < 1:
        raise ValueError(f"months must be at least 1, not {months}")
    net = premiums - sum(outgo.values())
    m = min(months, n)
    # BEL at the start of each month 0..m from the cash flows still to come.
    later = np.cumsum((net * v[:n])[::-1])[::-1]  # sum_{s >= t} net_s v_s
    bel = np.append(-later, 0.0)[: m + 1] / v[: m + 1]
    interest = (bel[:m] + net[:m]) * (v[:m] / v[1 : m + 1] - 1.0)
    return RollForward(
        months=m,
        opening_bel=float(bel[0]),
        premiums=float(premiums[:m].sum()),
        outgo={kind: float(values[:m].sum()) for kind, values in outgo.items()},
        interest=float(interest.sum()),
        closing_bel=float(bel[m]),
    )
