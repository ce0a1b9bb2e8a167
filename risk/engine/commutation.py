"""Commutation functions at a flat rate, for pricing checks and net premiums.

Classical columns along one life (entering at ``entry_age``, select rates where the table has
them): l_k, d_k, D_k = v^k l_k, C_k = v^(k+1) d_k, N_k = sum_{j>=k} D_j, M_k = sum_{j>=k} C_j,
with k counted in periods of ``1/periods_per_year`` years. Annual columns (periods_per_year=1)
are the textbook ones; monthly columns use the projection's monthly rate
1 - (1 - q_x)^(1/12) for each month of the year of age, so a monthly projection with no
lapses and no expenses can be checked against them exactly.

Timing: the textbook assurance pays at the end of the period of death (C_k carries
v^(k+1)); the projection, like lifelib, discounts month t's claims at the start of the month,
so its claims PV is ``(1 + j) * A`` with j the period rate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from risk.engine.tables import MortalityTable, monthly_rate

RADIX = 100_000.0


@dataclass(frozen=True)
class CommutationColumns:
    entry_age: int
    rate: float  # annual effective
    periods_per_year: int
    l: np.ndarray  # noqa: E741 - the actuarial symbol
    D: np.ndarray
    N: np.ndarray
    C: np.ndarray
    M: np.ndarray

    @property
    def period_rate(self) -> float:
        return (1.0 + self.rate) ** (1.0 / self.periods_per_year) - 1.0

    def _check(self, k: int, n: int | None) -> int:
        end = self.D.size if n is None else k + n
        if k < 0 or end > self.D.size or (n is not None and n < 0):
            raise ValueError(f"periods {k}..{end} are outside the columns (0..{self.D.size})")
        return end

    def _at(self, column: np.ndarray, k: int) -> float:
        return float(column[k]) if k < column.size else 0.0

    def annuity_due(self, k: int = 0, n: int | None = None) -> float:
        """ä for a life k periods after entry, n periods (None = whole life): (N_k - N_{k+n}) / D_k."""
        end = self._check(k, n)
        return (self._at(self.N, k) - self._at(self.N, end)) / self.D[k]

    def term_assurance(self, k: int, n: int) -> float:
        """A^1 for n periods, paid at the end of the period of death: (M_k - M_{k+n}) / D_k."""
        end = self._check(k, n)
        return (self._at(self.M, k) - self._at(self.M, end)) / self.D[k]

    def whole_life_assurance(self, k: int = 0) -> float:
        return self._at(self.M, k) / self.D[k]

    def pure_endowment(self, k: int, n: int) -> float:
        end = self._check(k, n)
        return self._at(self.D, end) / self.D[k]

    def endowment_assurance(self, k: int, n: int) -> float:
        return self.term_assurance(k, n) + self.pure_endowment(k, n)

    def net_premium_term(self, k: int, n: int, sum_assured: float = 1.0) -> float:
        """Level premium per period, paid n periods in advance, for an n-period term assurance."""
        return sum_assured * self.term_assurance(k, n) / self.annuity_due(k, n)


def _columns(q_by_period: np.ndarray, rate: float, periods_per_year: int, entry_age: int) -> CommutationColumns:
    if not np.isfinite(rate) or rate <= -1.0:
        raise ValueError(f"rate {rate!r} must be a number above -100%")
    survivors = RADIX * np.concatenate(([1.0], np.cumprod(1.0 - q_by_period)))
    deaths = survivors[:-1] * q_by_period
    k = np.arange(q_by_period.size)
    v = (1.0 + rate) ** (-k / periods_per_year)
    D = survivors[:-1] * v  # capitals: the actuarial symbols
    C = deaths * v * (1.0 + rate) ** (-1.0 / periods_per_year)
    N = np.cumsum(D[::-1])[::-1]
    M = np.cumsum(C[::-1])[::-1]
    return CommutationColumns(entry_age, float(rate), periods_per_year, survivors[:-1], D, N, C, M)


def _q_path(table: MortalityTable, entry_age: int) -> np.ndarray:
    if not table.min_age <= entry_age <= table.max_age:
        raise ValueError(f"table {table.name} covers ages {table.min_age}-{table.max_age}; entry age {entry_age}")
    return table.select_path(entry_age)


def annual_commutation(table: MortalityTable, rate: float, entry_age: int) -> CommutationColumns:
    """Columns by whole years for a life entering at ``entry_age`` (select, then ultimate)."""
    return _columns(_q_path(table, entry_age), rate, 1, entry_age)


def monthly_commutation(table: MortalityTable, rate: float, entry_age: int) -> CommutationColumns:
    """Columns by months, each month of a policy year at 1 - (1 - q)^(1/12) of that year."""
    monthly = np.repeat(monthly_rate(_q_path(table, entry_age)), 12)
    return _columns(monthly, rate, 12, entry_age)
