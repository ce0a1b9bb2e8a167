"""A valuation basis: the assumptions a projection runs on, as one immutable value.

A :class:`Basis` is a mortality table per sex (with a scaling factor), lapse by policy year,
acquisition and maintenance expenses with inflation, commission by policy year, the premium
loading and the curve premiums are priced on. Bases ship as data (``bases/<name>/basis.json``
plus CSV files, each figure with its source); :func:`risk.engine.bases.load_basis` reads them.
On the platform a basis is an approved assumption set: its JSON parameters
(:mod:`risk.engine.basis_schema`) may carry their own mortality tables in ``tables``, which
take precedence over the loader's tables of the same name.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from risk.engine.curves import checked_spot_curve
from risk.engine.tables import MortalityTable, load_table

# What a point's claims decrement is: death (the basis's mortality), an annuitant's death (its
# annuity tables) or critical illness (diagnosis or death: q times critical_illness_incidence).
DECREMENTS = ("death", "annuitant", "critical_illness")


def _frozen(values, name: str) -> np.ndarray:
    arr = np.asarray(values, dtype=float).ravel()
    if arr.size == 0 or not np.all(np.isfinite(arr)):
        raise ValueError(f"basis: {name} must be a non-empty list of numbers")
    arr = arr.copy()
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True)
class Basis:
    name: str
    mortality: dict[str, str]  # sex code ("M"/"F") -> table name for load_table
    lapse_by_policy_year: np.ndarray  # annual rate, index = completed policy years; last value holds
    acquisition_expense: float  # per new policy, at issue
    maintenance_expense: float  # per policy per year, paid monthly, inflated from the valuation date
    inflation_rate: float
    commission_by_policy_year: np.ndarray  # fraction of premium; last value holds
    premium_loading: float  # office premium = (1 + loading) * net premium
    pricing_spot_curve: np.ndarray  # annual spot by year used to price premiums that are not given
    mortality_scaling: float = 1.0
    premium_rounding: int = 2  # decimals, as lifelib rounds premium_pp
    sources: dict[str, str] = field(default_factory=dict)
    tables: dict[str, MortalityTable] = field(default_factory=dict)  # the basis's own tables, by name
    # Optional (decision 0015): the tables annuitants are valued on, sex -> table; and critical
    # illness claims (diagnosis or death) as a multiple of the death table's q.
    annuity_mortality: dict[str, str] = field(default_factory=dict)
    critical_illness_incidence: float | None = None

    def __post_init__(self) -> None:
        if not self.mortality:
            raise ValueError(f"basis {self.name}: no mortality table given")
        object.__setattr__(self, "lapse_by_policy_year", _frozen(self.lapse_by_policy_year, "lapse_by_policy_year"))
        object.__setattr__(
            self, "commission_by_policy_year", _frozen(self.commission_by_policy_year, "commission_by_policy_year")
        )
        curve = checked_spot_curve(self.pricing_spot_curve, f"basis {self.name} pricing curve").copy()
        curve.setflags(write=False)
        object.__setattr__(self, "pricing_spot_curve", curve)
        if np.any((self.lapse_by_policy_year < 0) | (self.lapse_by_policy_year > 1)):
            raise ValueError(f"basis {self.name}: lapse rates must lie in 0..1")
        for label in ("acquisition_expense", "maintenance_expense", "premium_loading", "mortality_scaling"):
            value = getattr(self, label)
            if not np.isfinite(value) or value < 0:
                raise ValueError(f"basis {self.name}: {label} must be a non-negative number, got {value!r}")
        for name, table in self.tables.items():
            if table.name != name:
                raise ValueError(f"basis {self.name}: table {name!r} is named {table.name!r} inside")
        incidence = self.critical_illness_incidence
        if incidence is not None and (not np.isfinite(incidence) or incidence <= 0):
            raise ValueError(f"basis {self.name}: critical_illness_incidence must be a positive number")
        for table in [*self.mortality.values(), *self.annuity_mortality.values()]:
            if table not in self.tables:
                load_table(table)  # refuse a basis naming a table the loader does not know, now, not mid-run

    def table_for_sex(self, sex: str, decrement: str = "death") -> MortalityTable:
        """The table a point of this sex is valued on: the death table, or for ``annuitant``
        the annuity table (critical illness uses the death table, scaled by the projection)."""
        if decrement not in DECREMENTS:
            raise ValueError(f"unknown decrement {decrement!r}; use one of {', '.join(DECREMENTS)}")
        if sex not in self.mortality:
            raise ValueError(f"basis {self.name} has no mortality table for sex {sex!r}")
        name = self.annuity_mortality.get(sex) if decrement == "annuitant" else self.mortality[sex]
        if name is None:
            raise ValueError(f"basis {self.name} has no annuity_mortality table for sex {sex!r}")
        return self.tables[name] if name in self.tables else load_table(name)

    def missing_for(self, sex: str, decrement: str) -> str | None:
        """The basis field a point of this sex and decrement needs and the basis lacks, if any."""
        if decrement == "annuitant" and sex not in self.annuity_mortality:
            return "annuity_mortality"
        if decrement == "critical_illness" and self.critical_illness_incidence is None:
            return "critical_illness_incidence"
        return None

    def lapse_rate(self, policy_year) -> np.ndarray:
        """Annual lapse rate in completed policy year(s) ``policy_year`` (last rate held)."""
        years = np.minimum(np.asarray(policy_year), self.lapse_by_policy_year.size - 1)
        return self.lapse_by_policy_year[years]

    def commission_rate(self, policy_year) -> np.ndarray:
        years = np.minimum(np.asarray(policy_year), self.commission_by_policy_year.size - 1)
        return self.commission_by_policy_year[years]

    def table_names(self) -> list[str]:
        """Distinct tables (death, then annuitant tables), in a fixed order: the projection
        numbers them by this list."""
        death = sorted(set(self.mortality.values()))
        return death + sorted(set(self.annuity_mortality.values()) - set(death))
