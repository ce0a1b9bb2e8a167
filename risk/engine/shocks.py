"""Regulatory shock tables (versioned by effective date) and the builders that turn them and a
base annual spot curve into a ``ScenarioSet`` for the projection.

Tables live in ``data/shocks/*.yaml``: one file per basis and version, with ``basis``,
``version``, ``effective_from`` and ``figures``; every figure is ``{value, source}`` plus
``verify: true`` and a ``note`` where the figure comes from a secondary source or is not yet
confirmed. ``load_shock_table(basis, on)`` picks the version in force on a date.

What the projection models and what it does not: it applies mortality, lapse, expense,
inflation, new business and the discount curve (see ``scenario_set``). Morbidity, medical,
other loss-occurrence, disability, recovery and annuity-revision shocks have no field there, so
the scenarios for those risks leave the mortality-only projection unchanged (their capital is
0 for products without the risk, which is correct) and carry the shock as
``ShockedScenarios.product_factors[name]`` (e.g. ``{"morbidity_mult": array by year}``) for
product models that have the rate. Asset-side shocks (equities, defaults, maturing fixed
income) are returned as ``AssetShock`` values keyed by scenario name.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from .cross_curve import (
    RateStressTable,
    cross_adverse_curve,
    cross_base_curve,
    maturities_for,
    parallel_shift,
    solvency2_rate_curve,
)
from .scenario_set import ScenarioSet

SHOCK_DATA_DIR = Path(__file__).resolve().parent / "data" / "shocks"
BASES = ("cross", "solvency2")

CROSS_STANDARD_SCENARIOS = (
    "base",
    "mortality",
    "catastrophe",
    "longevity",
    "morbidity",
    "medical",
    "other_loss",
    "expense",
    "lapse_type1_up",
    "lapse_type1_down",
    "lapse_type2_up",
    "lapse_type2_down",
    "mass_lapse",
    "rate_up",
    "rate_down",
    "stress3_rate_down",
)


# --------------------------------------------------------------------------- shock tables


@dataclass(frozen=True)
class Figure:
    value: Any
    source: str
    verify: bool = False
    note: str = ""


@dataclass(frozen=True)
class CorrelationMatrix:
    """A named correlation matrix, refused unless symmetric, unit-diagonal and positive definite
    (a matrix that is not positive definite can make √(v·M·vᵀ) imaginary or understate risk)."""

    names: tuple[str, ...]
    matrix: np.ndarray
    source: str = ""

    def __post_init__(self) -> None:
        m = np.asarray(self.matrix, dtype=float)
        n = len(self.names)
        if m.shape != (n, n):
            raise ValueError(f"correlation matrix must be {n}x{n} for {self.names}, got {m.shape}")
        if len(set(self.names)) != n:
            raise ValueError("correlation matrix names must be unique")
        check_correlation_matrix(m, self.names)
        object.__setattr__(self, "matrix", m)
        object.__setattr__(self, "names", tuple(self.names))

    def vector(self, values: Mapping[str, float]) -> np.ndarray:
        unknown = set(values) - set(self.names)
        if unknown:
            raise ValueError(f"no correlation for {sorted(unknown)}; the matrix covers {self.names}")
        return np.array([float(values.get(n, 0.0)) for n in self.names])

    def aggregate(self, values: Mapping[str, float]) -> float:
        """√(v·M·vᵀ) over the named capitals (missing names count as 0)."""
        v = self.vector(values)
        return float(np.sqrt(max(v @ self.matrix @ v, 0.0)))


def check_correlation_matrix(matrix: np.ndarray, names: tuple[str, ...] | None = None) -> np.ndarray:
    """Eigenvalues of a correlation matrix after checking symmetry, unit diagonal, |ρ| ≤ 1 and
    positive definiteness; raises ValueError naming the offending entry."""
    m = np.asarray(matrix, dtype=float)
    label = names or tuple(str(i) for i in range(m.shape[0]))
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        raise ValueError(f"correlation matrix must be square, got {m.shape}")
    asym = np.argwhere(~np.isclose(m, m.T, atol=1e-12))
    if asym.size:
        i, j = asym[0]
        raise ValueError(f"correlation matrix is not symmetric at ({label[i]}, {label[j]})")
    off_diag = np.flatnonzero(~np.isclose(np.diag(m), 1.0))
    if off_diag.size:
        raise ValueError(f"correlation matrix diagonal for {label[off_diag[0]]} is not 1")
    if np.any(np.abs(m) > 1):
        i, j = np.argwhere(np.abs(m) > 1)[0]
        raise ValueError(f"correlation ({label[i]}, {label[j]}) is outside [-1, 1]")
    eigenvalues = np.linalg.eigvalsh(m)
    if eigenvalues.min() <= 0:
        raise ValueError(f"correlation matrix is not positive definite (smallest eigenvalue {eigenvalues.min():.4g})")
    return eigenvalues


@dataclass(frozen=True)
class ShockTable:
    basis: str
    version: str
    effective_from: date
    source: str
    figures: Mapping[str, Figure]
    path: Path | None = None

    def figure(self, name: str) -> Figure:
        try:
            return self.figures[name]
        except KeyError:
            raise ValueError(f"shock table {self.version} has no figure '{name}'") from None

    def value(self, name: str) -> Any:
        return self.figure(name).value

    def number(self, name: str) -> float:
        value = self.value(name)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"shock table {self.version}: figure '{name}' must be a number, got {value!r}")
        return float(value)

    def rate_stress(self, name: str = "interest_rate_stress") -> RateStressTable:
        fig = self.figure(name)
        v = fig.value
        return RateStressTable(np.array(v["maturities"]), np.array(v["up"]), np.array(v["down"]), fig.source)

    def correlation(self, name: str) -> CorrelationMatrix:
        fig = self.figure(name)
        try:
            return CorrelationMatrix(tuple(fig.value["names"]), np.array(fig.value["matrix"], dtype=float), fig.source)
        except ValueError as exc:
            raise ValueError(f"shock table {self.version}, figure '{name}': {exc}") from None

    @property
    def figures_to_verify(self) -> tuple[str, ...]:
        return tuple(name for name, fig in self.figures.items() if fig.verify)

    def cite(self, *names: str) -> str:
        return f"{self.version}: " + "; ".join(self.figure(n).source for n in names)


def parse_shock_table(data: Mapping[str, Any], path: Path | None = None) -> ShockTable:
    """A shock table from its YAML mapping, refusing a figure without a value or a source."""
    where = f" in {path.name}" if path else ""
    for key in ("basis", "version", "effective_from", "source", "figures"):
        if key not in data:
            raise ValueError(f"shock table{where}: missing field '{key}'")
    if data["basis"] not in BASES:
        raise ValueError(f"shock table{where}: field 'basis' must be one of {BASES}, got {data['basis']!r}")
    effective = data["effective_from"]
    if not isinstance(effective, date):
        try:
            effective = date.fromisoformat(str(effective))
        except ValueError:
            raise ValueError(f"shock table{where}: field 'effective_from' is not a date: {effective!r}") from None
    figures: dict[str, Figure] = {}
    for name, raw in dict(data["figures"]).items():
        if not isinstance(raw, Mapping) or "value" not in raw:
            raise ValueError(f"shock table{where}: figure '{name}' has no value")
        if not str(raw.get("source") or "").strip():
            raise ValueError(f"shock table{where}: figure '{name}' has no source")
        figures[name] = Figure(
            raw["value"], str(raw["source"]).strip(), bool(raw.get("verify", False)), raw.get("note", "") or ""
        )
    return ShockTable(data["basis"], str(data["version"]), effective, str(data["source"]).strip(), figures, path)


@functools.lru_cache(maxsize=8)
def shock_table_versions(basis: str, directory: Path = SHOCK_DATA_DIR) -> tuple[ShockTable, ...]:
    """Every version of a basis's shock table, oldest first."""
    if basis not in BASES:
        raise ValueError(f"basis must be one of {BASES}, got {basis!r}")
    tables = []
    for path in sorted(Path(directory).glob("*.yaml")):
        with path.open(encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
        if data.get("basis") == basis:
            tables.append(parse_shock_table(data, path))
    tables.sort(key=lambda t: t.effective_from)
    dates = [t.effective_from for t in tables]
    if len(set(dates)) != len(dates):
        raise ValueError(f"two {basis} shock tables take effect on the same date")
    return tuple(tables)


def load_shock_table(basis: str, on: date, directory: Path = SHOCK_DATA_DIR) -> ShockTable:
    """The version of ``basis``'s shock table in force on ``on`` (latest effective_from <= on)."""
    in_force = [t for t in shock_table_versions(basis, Path(directory)) if t.effective_from <= on]
    if not in_force:
        raise ValueError(f"no {basis} shock table is in force on {on.isoformat()}")
    return in_force[-1]


# --------------------------------------------------------------------------- scenario builders


@dataclass(frozen=True)
class AssetShock:
    """Asset-side shocks that the liability projection does not apply (for the ALM side)."""

    equity_change: float = 0.0  # e.g. -0.20 for equities -20%
    fixed_income_default_loss: float = 0.0  # share of fixed income lost to defaults
    maturing_fixed_income_loss: float = 0.0  # share of maturing fixed income lost
    source: str = ""


@dataclass(frozen=True)
class ShockedScenarios:
    """A scenario set for the projection plus the parts it does not model."""

    scenarios: ScenarioSet
    table_version: str
    product_factors: Mapping[str, Mapping[str, np.ndarray]] = field(default_factory=dict)
    asset_shocks: Mapping[str, AssetShock] = field(default_factory=dict)

    @property
    def names(self) -> tuple[str, ...]:
        return self.scenarios.names


# Scenario rows are by projection year and the contract holds the last value beyond the end, so a
# short base curve (a basis's flat pricing rate is one value) would hold a first-year shock (the
# catastrophe, the mass lapse) for ever and shock every maturity as if it were 1 year. The
# builders therefore work on the curve held flat to at least this many years.
SHOCK_CURVE_YEARS = 100


def full_curve(base_spot: np.ndarray, years: int = SHOCK_CURVE_YEARS) -> np.ndarray:
    """``base_spot`` with its last rate held to at least ``years`` years (longer curves unchanged)."""
    curve = np.asarray(base_spot, dtype=float).ravel()
    if curve.size == 0:
        raise ValueError("base_spot: the curve is empty")
    return curve if curve.size >= years else np.concatenate([curve, np.full(years - curve.size, curve[-1])])


def _by_year(value: float | np.ndarray, years: int) -> np.ndarray:
    return np.broadcast_to(np.asarray(value, dtype=float), (years,)).reshape(1, years).copy()


def shocked_scenario(
    name: str,
    base_spot: np.ndarray,
    *,
    source: str,
    spot_rates: np.ndarray | None = None,
    mortality_mult: float | np.ndarray = 1.0,
    mortality_add: float | np.ndarray = 0.0,
    lapse_mult: float | np.ndarray = 1.0,
    lapse_floor: float | np.ndarray = 0.0,
    expense_mult: float = 1.0,
    inflation_add: float = 0.0,
    new_business_mult: float = 1.0,
) -> ScenarioSet:
    """One scenario: the base with the given transformations (arrays by projection year)."""
    base = ScenarioSet.base(base_spot if spot_rates is None else spot_rates, name)
    y = base.years
    return replace(
        base,
        mortality_mult=_by_year(mortality_mult, y),
        mortality_add=_by_year(mortality_add, y),
        lapse_mult=_by_year(lapse_mult, y),
        lapse_floor=_by_year(lapse_floor, y),
        expense_mult=np.array([float(expense_mult)]),
        inflation_add=np.array([float(inflation_add)]),
        new_business_mult=np.array([float(new_business_mult)]),
        sources={name: source},
    )


def first_months(value: float, months: int, years: int, otherwise: float) -> np.ndarray:
    """A by-year row holding ``value`` for the first ``months`` months (whole years only: the
    projection applies one value per year)."""
    if months % 12:
        raise ValueError(f"a shock period of {months} months does not fit the yearly rows of the scenario set")
    row = np.full(years, float(otherwise))
    row[: months // 12] = value
    return row


def cross_longevity_factors(table: ShockTable, years: int) -> np.ndarray:
    """1 + SF(t) by projection year, t = y + 1: 0.97^t to 10, then ×0.98 a year to 20, ×0.99 to 30,
    flat after (≈ −26.3%, −39.8%, −45.5% at t = 10, 20, 30)."""
    t = maturities_for(years)
    a = table.number("longevity_annual_factor_to_10")
    b = table.number("longevity_annual_factor_10_to_20")
    c = table.number("longevity_annual_factor_20_to_30")
    return a ** np.minimum(t, 10) * b ** np.clip(t - 10, 0, 10) * c ** np.clip(t - 20, 0, 10)


def cross_morbidity_trend_factors(table: ShockTable, years: int, sex: str) -> np.ndarray:
    """1 + SF(t) for the morbidity trend shock, SF = (1+k)^min(t,10) − 1 with k by sex."""
    if sex not in ("male", "female"):
        raise ValueError(f"sex must be 'male' or 'female', got {sex!r}")
    k = table.number(f"morbidity_trend_k_{sex}")
    return (1.0 + k) ** np.minimum(maturities_for(years), 10)


def cross_interest_scenarios(
    table: ShockTable, base_spot: np.ndarray, *, multiplier: float = 1.0, prefix: str = "rate"
) -> ScenarioSet:
    """The C-ROSS rate up and down scenarios: r·(1 + multiplier·stress(t))."""
    base_spot = full_curve(base_spot)
    stress = table.rate_stress()
    source = table.cite("interest_rate_stress") + (f" x {multiplier:g}" if multiplier != 1 else "")
    sets = [
        shocked_scenario(
            f"{prefix}_{d}",
            base_spot,
            spot_rates=cross_adverse_curve(base_spot, stress, d, multiplier=multiplier),
            source=source,
        )
        for d in ("up", "down")
    ]
    return ScenarioSet.stack(sets)


def cross_rule5_scenarios(table: ShockTable, base_spot: np.ndarray) -> ShockedScenarios:
    """Base + the Rule 5 life insurance shocks (12 scenarios after the base)."""
    _require_basis(table, "cross")
    base_spot = full_curve(base_spot)
    y = np.asarray(base_spot).size
    n = table.number
    lapse1, lapse2 = n("lapse_type_i_shock"), n("lapse_type_ii_shock")
    mass_months = int(n("mass_lapse_months"))
    sets = [
        ScenarioSet.base(base_spot, "base"),
        shocked_scenario(
            "mortality", base_spot, mortality_mult=1 + n("mortality_shock"), source=table.cite("mortality_shock")
        ),
        shocked_scenario(
            "catastrophe",
            base_spot,
            mortality_add=first_months(n("catastrophe_mortality_add"), int(n("catastrophe_months")), y, 0.0),
            source=table.cite("catastrophe_mortality_add", "catastrophe_months"),
        ),
        shocked_scenario(
            "longevity",
            base_spot,
            mortality_mult=cross_longevity_factors(table, y),
            source=table.cite(
                "longevity_annual_factor_to_10", "longevity_annual_factor_10_to_20", "longevity_annual_factor_20_to_30"
            ),
        ),
        # morbidity, medical and other loss occurrence: no effect on the mortality-only
        # projection; the factor travels in product_factors
        shocked_scenario("morbidity", base_spot, source=table.cite("morbidity_shock", "morbidity_trend_k_male")),
        shocked_scenario("medical", base_spot, source=table.cite("medical_shock")),
        shocked_scenario("other_loss", base_spot, source=table.cite("other_loss_shock")),
        shocked_scenario(
            "expense",
            base_spot,
            expense_mult=1 + n("maintenance_expense_shock"),
            source=table.cite("maintenance_expense_shock"),
        ),
        shocked_scenario("lapse_type1_up", base_spot, lapse_mult=1 + lapse1, source=table.cite("lapse_type_i_shock")),
        shocked_scenario("lapse_type1_down", base_spot, lapse_mult=1 - lapse1, source=table.cite("lapse_type_i_shock")),
        shocked_scenario("lapse_type2_up", base_spot, lapse_mult=1 + lapse2, source=table.cite("lapse_type_ii_shock")),
        shocked_scenario(
            "lapse_type2_down", base_spot, lapse_mult=1 - lapse2, source=table.cite("lapse_type_ii_shock")
        ),
        shocked_scenario(
            "mass_lapse",
            base_spot,
            lapse_mult=first_months(1 + n("mass_lapse_shock"), mass_months, y, 1.0),
            lapse_floor=first_months(n("mass_lapse_floor_annual"), mass_months, y, 0.0),
            source=table.cite("mass_lapse_shock", "mass_lapse_months", "mass_lapse_floor_annual"),
        ),
    ]
    ones = np.ones(y)
    factors = {
        "morbidity": {
            "morbidity_mult": ones * (1 + n("morbidity_shock")),
            "morbidity_trend_mult_male": cross_morbidity_trend_factors(table, y, "male"),
            "morbidity_trend_mult_female": cross_morbidity_trend_factors(table, y, "female"),
        },
        "medical": {"medical_loss_ratio_mult": ones * (1 + n("medical_shock"))},
        "other_loss": {"other_loss_mult": ones * (1 + n("other_loss_shock"))},
    }
    return ShockedScenarios(ScenarioSet.stack(sets), table.version, factors)


def cross_base_curve_in_force(table: ShockTable, government_spot, years: int) -> np.ndarray:
    """The C-ROSS base curve with the ultimate rate, blend years and spread of ``table`` (the
    versioned figures with their sources), not the function's defaults."""
    _require_basis(table, "cross")
    blend_start, blend_end = table.value("curve_blend_years")
    return cross_base_curve(
        government_spot, years, ultimate_rate=table.number("ultimate_rate"), blend_start=int(blend_start),
        blend_end=int(blend_end), spread=table.number("curve_spread"),
    )  # fmt: skip


def cross_standard_scenarios(table: ShockTable, base_spot: np.ndarray) -> ShockedScenarios:
    """The standard 16-scenario C-ROSS set (names in ``CROSS_STANDARD_SCENARIOS``): base, the
    12 Rule 5 shocks, rate up/down and stress scenario 3 (rate down with parameters × 130%)."""
    base_spot = full_curve(base_spot)
    rule5 = cross_rule5_scenarios(table, base_spot)
    stress3 = cross_adverse_curve(
        base_spot, table.rate_stress(), "down", multiplier=table.number("stress3_adverse_multiplier")
    )
    sets = [
        rule5.scenarios,
        cross_interest_scenarios(table, base_spot),
        shocked_scenario(
            "stress3_rate_down",
            base_spot,
            spot_rates=stress3,
            source=table.cite("interest_rate_stress", "stress3_adverse_multiplier"),
        ),
    ]
    scenarios = ScenarioSet.stack(sets)
    if scenarios.names != CROSS_STANDARD_SCENARIOS:
        raise ValueError(f"standard set out of order: {scenarios.names}")
    return ShockedScenarios(scenarios, table.version, rule5.product_factors)


def cross_stress_tests(
    table: ShockTable, base_spot: np.ndarray, *, reserve_spot: np.ndarray | None = None
) -> ShockedScenarios:
    """Attachment 4 stress scenarios 1-3 and the sensitivity, and the Attachment 6 cash-flow test.

    The sensitivity moves the 750-day reserve curve by −50 bp: pass it as ``reserve_spot``
    (the base curve is used when it is not given)."""
    _require_basis(table, "cross")
    base_spot = full_curve(base_spot)
    if reserve_spot is not None:
        reserve_spot = full_curve(reserve_spot, base_spot.size)
    n = table.number
    s1 = {
        "mortality_mult": 1 + n("stress1_mortality_shock"),
        "lapse_mult": 1 + n("stress1_lapse_shock"),
        "expense_mult": 1 + n("stress1_expense_shock"),
    }
    s1_source = table.cite(
        "stress1_new_business_high", "stress1_mortality_shock", "stress1_lapse_shock", "stress1_expense_shock"
    )
    sensitivity_curve = base_spot if reserve_spot is None else reserve_spot
    stress3 = cross_adverse_curve(base_spot, table.rate_stress(), "down", multiplier=n("stress3_adverse_multiplier"))
    sets = [
        ScenarioSet.base(base_spot, "base"),
        shocked_scenario(
            "stress1_new_business_high",
            base_spot,
            new_business_mult=n("stress1_new_business_high"),
            source=s1_source,
            **s1,
        ),
        shocked_scenario(
            "stress1_new_business_low",
            base_spot,
            new_business_mult=n("stress1_new_business_low"),
            source=s1_source,
            **s1,
        ),
        shocked_scenario(
            "stress2_rate_up_50bp",
            base_spot,
            spot_rates=parallel_shift(base_spot, n("stress2_curve_shift")),
            source=table.cite("stress2_curve_shift", "stress2_equity_change", "stress2_fixed_income_default_loss"),
        ),
        shocked_scenario(
            "stress3_rate_down", base_spot, spot_rates=stress3, source=table.cite("stress3_adverse_multiplier")
        ),
        shocked_scenario(
            "sensitivity_rate_down_50bp",
            base_spot,
            spot_rates=parallel_shift(sensitivity_curve, n("sensitivity_curve_shift")),
            source=table.cite("sensitivity_curve_shift", "sensitivity_equity_change"),
        ),
        shocked_scenario(
            "cash_flow_test",
            base_spot,
            new_business_mult=1 + n("cash_flow_test_new_business_change"),
            lapse_mult=n("cash_flow_test_lapse_mult"),
            lapse_floor=n("cash_flow_test_lapse_floor"),
            source=table.cite(
                "cash_flow_test_new_business_change", "cash_flow_test_lapse_mult", "cash_flow_test_lapse_floor"
            ),
        ),
    ]
    y = np.asarray(base_spot).size
    morbidity = np.ones(y) * (1 + n("stress1_morbidity_shock"))
    factors = {
        name: {"morbidity_mult": morbidity} for name in ("stress1_new_business_high", "stress1_new_business_low")
    }
    assets = {
        "stress2_rate_up_50bp": AssetShock(
            equity_change=n("stress2_equity_change"),
            fixed_income_default_loss=n("stress2_fixed_income_default_loss"),
            source=table.cite("stress2_equity_change", "stress2_fixed_income_default_loss"),
        ),
        "sensitivity_rate_down_50bp": AssetShock(
            equity_change=n("sensitivity_equity_change"), source=table.cite("sensitivity_equity_change")
        ),
        "cash_flow_test": AssetShock(
            maturing_fixed_income_loss=n("cash_flow_test_maturing_fixed_income_loss"),
            source=table.cite("cash_flow_test_maturing_fixed_income_loss"),
        ),
    }
    return ShockedScenarios(ScenarioSet.stack(sets), table.version, factors, assets)


# Scenarios the Rule 5 and interest-rate capital need (stress3_rate_down is a stress, not a shock).
CROSS_CAPITAL_SCENARIOS = tuple(n for n in CROSS_STANDARD_SCENARIOS if n != "stress3_rate_down")
UNDER_STRESS_SEPARATOR = "|"


def cross_standard_under_stress(
    table: ShockTable, base_spot: np.ndarray, stressed: ScenarioSet | None = None
) -> ShockedScenarios:
    """The C-ROSS capital shocks projected on each stressed basis, so that the minimum capital
    can be recomputed after each regulator's stress (Attachment 4, Attachment 6).

    For each stress scenario S (``cross_stress_tests`` without its base) and each capital shock C
    (``CROSS_CAPITAL_SCENARIOS``, base included), one scenario named ``"S|C"``: C built on S's
    curve (so rate up/down shock the stressed curve), then S's other transforms composed with
    C's in the contract's order (S applied first, then C):

        mortality: (q·mS + aS)·mC + aC  = q·(mS·mC) + (aS·mC + aC)
        lapse:     max(max(l·mS, fS)·mC, fC) = max(l·(mS·mC), max(fS·mC, fC))   (mC ≥ 0)
        expenses ×(eS·eC), inflation +(iS + iC), new business ×(nS·nC)

    which is exact, not an approximation. "S|base" is S itself. ``stressed`` replaces the
    regulator's stresses by another set whose first scenario is the base (the user-defined
    scenarios of ``user_scenarios``), so their minimum capital is recomputed the same way."""
    _require_basis(table, "cross")
    stressed = cross_stress_tests(table, base_spot).scenarios if stressed is None else stressed
    sets = []
    for i, stress in enumerate(stressed.names):
        if i == 0:
            continue  # the base: the plain 16 scenarios are the run's own
        shocks = cross_standard_scenarios(table, stressed.spot_rates[i]).scenarios
        keep = [shocks.names.index(n) for n in CROSS_CAPITAL_SCENARIOS]
        m_s, a_s = stressed.mortality_mult[i], stressed.mortality_add[i]
        l_s, f_s = stressed.lapse_mult[i], stressed.lapse_floor[i]
        m_c, l_c = shocks.mortality_mult[keep], shocks.lapse_mult[keep]
        sets.append(
            ScenarioSet(
                names=tuple(f"{stress}{UNDER_STRESS_SEPARATOR}{shocks.names[k]}" for k in keep),
                spot_rates=shocks.spot_rates[keep],
                mortality_mult=m_s * m_c,
                mortality_add=a_s * m_c + shocks.mortality_add[keep],
                lapse_mult=l_s * l_c,
                lapse_floor=np.maximum(f_s * l_c, shocks.lapse_floor[keep]),
                expense_mult=stressed.expense_mult[i] * shocks.expense_mult[keep],
                inflation_add=stressed.inflation_add[i] + shocks.inflation_add[keep],
                new_business_mult=stressed.new_business_mult[i] * shocks.new_business_mult[keep],
                sources={
                    f"{stress}{UNDER_STRESS_SEPARATOR}{shocks.names[k]}": (
                        f"{stressed.sources.get(stress, '')} + {shocks.sources.get(shocks.names[k], '')}"
                    )
                    for k in keep
                },
            )
        )
    return ShockedScenarios(ScenarioSet.stack(sets), table.version)


def solvency2_interest_scenarios(table: ShockTable, base_spot: np.ndarray) -> ScenarioSet:
    _require_basis(table, "solvency2")
    base_spot = full_curve(base_spot)
    stress = table.rate_stress()
    kwargs = {
        "min_increase": table.number("interest_rate_up_min_increase"),
        "negative_rates_unchanged": bool(table.value("interest_rate_down_negative_rates_unchanged")),
    }
    source = table.cite("interest_rate_stress", "interest_rate_up_min_increase")
    return ScenarioSet.stack(
        [
            shocked_scenario(
                f"rate_{d}", base_spot, spot_rates=solvency2_rate_curve(base_spot, stress, d, **kwargs), source=source
            )
            for d in ("up", "down")
        ]
    )


def solvency2_life_scenarios(
    table: ShockTable, base_spot: np.ndarray, *, mass_lapse_business: str = "retail"
) -> ShockedScenarios:
    """Base, the Solvency II life underwriting shocks and the interest up/down scenarios.

    Approximations forced by the scenario-set contract (reported as gaps): the lapse-down cap
    (a decrease of at most 20 pp) is exact only while base lapse ≤ 40%/year, because the
    contract has no additive lapse term; the instantaneous mass lapse is applied as a
    first-year lapse floor of 40% (70% non-retail), i.e. max(base, 40%) rather than 40% plus
    the base lapses."""
    _require_basis(table, "solvency2")
    base_spot = full_curve(base_spot)
    if mass_lapse_business not in ("retail", "non_retail"):
        raise ValueError(f"mass_lapse_business must be 'retail' or 'non_retail', got {mass_lapse_business!r}")
    n = table.number
    y = np.asarray(base_spot).size
    mass = f"mass_lapse_{mass_lapse_business}"
    sets = [
        ScenarioSet.base(base_spot, "base"),
        shocked_scenario(
            "mortality", base_spot, mortality_mult=1 + n("mortality_shock"), source=table.cite("mortality_shock")
        ),
        shocked_scenario(
            "longevity", base_spot, mortality_mult=1 + n("longevity_shock"), source=table.cite("longevity_shock")
        ),
        shocked_scenario("disability", base_spot, source=table.cite("disability_first_year_shock", "recovery_shock")),
        shocked_scenario(
            "lapse_up", base_spot, lapse_mult=1 + n("lapse_up_shock"), source=table.cite("lapse_up_shock")
        ),
        shocked_scenario(
            "lapse_down",
            base_spot,
            lapse_mult=1 + n("lapse_down_shock"),
            source=table.cite("lapse_down_shock", "lapse_down_max_decrease"),
        ),
        shocked_scenario(
            "mass_lapse", base_spot, lapse_floor=first_months(n(mass), 12, y, 0.0), source=table.cite(mass)
        ),
        shocked_scenario(
            "expense",
            base_spot,
            expense_mult=1 + n("expense_shock"),
            inflation_add=n("expense_inflation_add"),
            source=table.cite("expense_shock", "expense_inflation_add"),
        ),
        shocked_scenario("revision", base_spot, source=table.cite("revision_shock")),
        shocked_scenario(
            "catastrophe",
            base_spot,
            mortality_add=first_months(n("catastrophe_mortality_add"), int(n("catastrophe_months")), y, 0.0),
            source=table.cite("catastrophe_mortality_add"),
        ),
        solvency2_interest_scenarios(table, base_spot),
    ]
    disability = np.full(y, 1 + n("disability_later_shock"))
    disability[0] = 1 + n("disability_first_year_shock")
    factors = {
        "disability": {"disability_mult": disability, "recovery_mult": np.full(y, 1 + n("recovery_shock"))},
        "revision": {"annuity_benefit_mult": np.full(y, 1 + n("revision_shock"))},
    }
    return ShockedScenarios(ScenarioSet.stack(sets), table.version, factors)


def _require_basis(table: ShockTable, basis: str) -> None:
    if table.basis != basis:
        raise ValueError(f"this builder needs a {basis} shock table, got {table.basis} ({table.version})")


# --------------------------------------------------------------------------- user-defined scenarios

# field -> (kind, lower bound, upper bound); "by_year" fields take a number or a list by year
_USER_FIELDS: dict[str, tuple[str, float, float]] = {
    "mortality_mult": ("by_year", 0.0, np.inf),
    "mortality_add": ("by_year", -1.0, 1.0),
    "lapse_mult": ("by_year", 0.0, np.inf),
    "lapse_floor": ("by_year", 0.0, 1.0),
    "expense_mult": ("scalar", 0.0, np.inf),
    "inflation_add": ("scalar", -0.5, 0.5),
    "new_business_mult": ("scalar", 0.0, np.inf),
    "spot_shift": ("scalar", -0.5, 0.5),
    "spot_mult": ("scalar", -1.0, 10.0),
    "spot_rates": ("by_year", -0.99, 1.0),
    "equity_change": ("scalar", -1.0, 10.0),
    "fixed_income_default_loss": ("scalar", 0.0, 1.0),
    "maturing_fixed_income_loss": ("scalar", 0.0, 1.0),
}
_ASSET_FIELDS = ("equity_change", "fixed_income_default_loss", "maturing_fixed_income_loss")


def user_scenarios(spec: Mapping[str, Any] | list | str | Path, base_spot: np.ndarray) -> ShockedScenarios:
    """Base + user-defined scenarios from a dict, a list of dicts, YAML text or a YAML file.

    Each scenario: ``name`` (required), ``source`` (required: where the figures come from), and
    any of the fields in ``_USER_FIELDS``. A by-year list shorter than the curve holds its last
    value (the contract's convention); at most one of spot_rates / spot_shift / spot_mult.
    Errors name the scenario and the field."""
    items = _user_items(spec)
    base_spot = np.asarray(base_spot, dtype=float)
    years = base_spot.size
    sets, assets, seen = [ScenarioSet.base(base_spot, "base")], {}, {"base"}
    for position, item in enumerate(items, start=1):
        if not isinstance(item, Mapping):
            raise ValueError(f"scenario {position}: must be a mapping of fields, got {type(item).__name__}")
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"scenario {position}: field 'name' is required and must be text")
        label = f"scenario '{name}'"
        if name in seen:
            raise ValueError(f"{label}: field 'name' repeats an existing scenario name")
        seen.add(name)
        unknown = sorted(set(item) - set(_USER_FIELDS) - {"name", "source"})
        if unknown:
            raise ValueError(
                f"{label}: unknown field '{unknown[0]}' (allowed: name, source, {', '.join(_USER_FIELDS)})"
            )
        source = item.get("source")
        if not isinstance(source, str) or not source.strip():
            raise ValueError(f"{label}: field 'source' is required (say where the figures come from)")
        values = {key: _user_value(label, key, item[key], years) for key in item if key in _USER_FIELDS}
        curve_fields = [k for k in ("spot_rates", "spot_shift", "spot_mult") if k in values]
        if len(curve_fields) > 1:
            raise ValueError(f"{label}: field '{curve_fields[1]}' conflicts with '{curve_fields[0]}' (give one)")
        spot = None
        if "spot_rates" in values:
            spot = values.pop("spot_rates")
        elif "spot_shift" in values:
            spot = base_spot + values.pop("spot_shift")
        elif "spot_mult" in values:
            spot = base_spot * (1 + values.pop("spot_mult"))
        if spot is not None and np.any(spot <= -1):
            raise ValueError(f"{label}: field '{curve_fields[0]}' takes a rate to -100% or below")
        asset = {k: values.pop(k) for k in _ASSET_FIELDS if k in values}
        if asset:
            assets[name] = AssetShock(**asset, source=source)
        sets.append(shocked_scenario(name, base_spot, spot_rates=spot, source=source, **values))
    return ShockedScenarios(ScenarioSet.stack(sets), "user", {}, assets)


def _user_items(spec: Mapping[str, Any] | list | str | Path) -> list:
    if isinstance(spec, Path):
        spec = spec.read_text(encoding="utf-8")
    if isinstance(spec, str):
        try:
            spec = yaml.safe_load(spec)
        except yaml.YAMLError as exc:
            raise ValueError(f"user scenarios: not valid YAML ({exc})") from None
    if isinstance(spec, Mapping):
        spec = spec.get("scenarios", [spec])
    if not isinstance(spec, list) or not spec:
        raise ValueError("user scenarios: field 'scenarios' must be a non-empty list")
    return spec


def _user_value(label: str, key: str, raw: Any, years: int) -> Any:
    kind, low, high = _USER_FIELDS[key]
    if kind == "scalar" and isinstance(raw, list | tuple):
        raise ValueError(f"{label}: field '{key}' takes one number, not a list")
    values = raw if isinstance(raw, list | tuple) else [raw]
    if not values:
        raise ValueError(f"{label}: field '{key}' is an empty list")
    if len(values) > years:
        raise ValueError(f"{label}: field '{key}' has {len(values)} years, the curve {years}")
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int | float) or not np.isfinite(v):
            raise ValueError(f"{label}: field '{key}' must be a number, got {v!r}")
        if not low <= v <= high:
            raise ValueError(f"{label}: field '{key}' must be between {low:g} and {high:g}, got {v!r}")
    if kind == "scalar":
        return float(values[0])
    row = np.full(years, float(values[-1]))
    row[: len(values)] = values
    return row
