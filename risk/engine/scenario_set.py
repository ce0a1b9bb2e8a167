"""The contract between the shock builders and the projection: a set of deterministic scenarios.

A scenario is the base assumptions transformed: the projection applies these arrays, in this
order, to the annual rates of the basis before turning them into monthly rates:

    q_annual'     = clip(q_annual * mortality_mult[s, y] + mortality_add[s, y], 0, 1)
    lapse_annual' = clip(max(lapse_annual * lapse_mult[s, y], lapse_floor[s, y]), 0, 1)
    maintenance'  = maintenance * expense_mult[s],  inflation' = inflation + inflation_add[s]
    new business  = policy_count * new_business_mult[s]   (model points with duration < 0)
    discounting   = annual spot curve spot_rates[s, y] (year y applies to months 12y..12y+11)

``y`` is the projection year (0 = the first 12 months from the valuation date), so a
catastrophe shock of +0.0018 for 12 months is ``mortality_add[s, 0] = 0.0018`` and a longevity
factor that grades with time is a row of ``mortality_mult``. Rows are as long as the longest
projection in years; the last value holds beyond the end.

Scenario 0 is, by convention, the base (all multipliers 1, additions 0): capital
requirements are differences against it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class ScenarioSet:
    names: tuple[str, ...]
    spot_rates: np.ndarray  # (S, Y) annual spot rate by projection year
    mortality_mult: np.ndarray  # (S, Y)
    mortality_add: np.ndarray  # (S, Y)
    lapse_mult: np.ndarray  # (S, Y)
    lapse_floor: np.ndarray  # (S, Y) annual, 0 = none
    expense_mult: np.ndarray  # (S,)
    inflation_add: np.ndarray  # (S,)
    new_business_mult: np.ndarray  # (S,)
    sources: dict[str, str] = field(default_factory=dict)  # scenario name -> where its figures come from

    def __post_init__(self) -> None:
        s = len(self.names)
        if s == 0:
            raise ValueError("a scenario set needs at least one scenario (the base)")
        if len(set(self.names)) != s:
            raise ValueError("scenario names must be unique")
        for name in ("spot_rates", "mortality_mult", "mortality_add", "lapse_mult", "lapse_floor"):
            arr = getattr(self, name)
            if arr.ndim != 2 or arr.shape[0] != s:
                raise ValueError(f"{name} must have shape (scenarios={s}, years), got {arr.shape}")
            if arr.shape[1] != self.spot_rates.shape[1]:
                raise ValueError(f"{name} has {arr.shape[1]} years, spot_rates {self.spot_rates.shape[1]}")
            if not np.all(np.isfinite(arr)):
                raise ValueError(f"{name} holds a gap (NaN or infinite value)")
        for name in ("expense_mult", "inflation_add", "new_business_mult"):
            arr = getattr(self, name)
            if arr.shape != (s,):
                raise ValueError(f"{name} must have shape ({s},), got {arr.shape}")
        if np.any(self.spot_rates <= -1):
            raise ValueError("spot_rates must be above -100%")

    @property
    def count(self) -> int:
        return len(self.names)

    @property
    def years(self) -> int:
        return self.spot_rates.shape[1]

    @classmethod
    def base(cls, spot_rates: np.ndarray, name: str = "base") -> ScenarioSet:
        """One scenario: the basis as it is, discounted on ``spot_rates`` (annual, by year)."""
        rates = np.asarray(spot_rates, dtype=float).reshape(1, -1)
        ones, zeros = np.ones_like(rates), np.zeros_like(rates)
        return cls(
            names=(name,),
            spot_rates=rates,
            mortality_mult=ones,
            mortality_add=zeros,
            lapse_mult=ones.copy(),
            lapse_floor=zeros.copy(),
            expense_mult=np.ones(1),
            inflation_add=np.zeros(1),
            new_business_mult=np.ones(1),
        )

    @classmethod
    def stack(cls, sets: list[ScenarioSet]) -> ScenarioSet:
        """Several sets as one (e.g. the base, then each shock); names must stay unique."""
        return cls(
            names=tuple(n for s in sets for n in s.names),
            spot_rates=np.vstack([s.spot_rates for s in sets]),
            mortality_mult=np.vstack([s.mortality_mult for s in sets]),
            mortality_add=np.vstack([s.mortality_add for s in sets]),
            lapse_mult=np.vstack([s.lapse_mult for s in sets]),
            lapse_floor=np.vstack([s.lapse_floor for s in sets]),
            expense_mult=np.concatenate([s.expense_mult for s in sets]),
            inflation_add=np.concatenate([s.inflation_add for s in sets]),
            new_business_mult=np.concatenate([s.new_business_mult for s in sets]),
            sources={k: v for s in sets for k, v in s.sources.items()},
        )
