"""Use cases of the valuation engine for the command line (and, later, the jobs and screens):
read the inputs, build the scenario set, project, and shape the figures an actuary reads.

No permission here: these commands read files and print. The one database read is the
basis: ``--basis NAME[:VERSION]`` resolves to an approved assumption set (risk.assumptions;
the latest approved version without a version), and a draft, submitted, rejected, retired or
unknown set is refused, naming it, before anything runs.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from risk.engine.assumptions import Basis
from risk.engine.modelpoints import read_model_points_csv
from risk.engine.projection import ProjectionResult, project
from risk.engine.scenario_set import ScenarioSet
from risk.engine.shocks import (
    UNDER_STRESS_SEPARATOR,
    ShockedScenarios,
    cross_base_curve_in_force,
    cross_standard_scenarios,
    cross_standard_under_stress,
    cross_stress_tests,
    load_shock_table,
    solvency2_life_scenarios,
    user_scenarios,
)
from risk.engine.solvency import (
    CrossSolvencyResult,
    LifeInsuranceRisk,
    cross_interest_rate_risk,
    cross_life_insurance_risk,
    cross_solvency,
)

CURVE_YEARS = 100


class InputError(ValueError):
    """Bad input named by file, row or field; nothing was run."""


def government_curve(path: Path | str) -> dict[int, float]:
    """A government spot curve from CSV ``year,rate`` (annual, decimals: 0.021 = 2.1%)."""
    points: dict[int, float] = {}
    with Path(path).open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or not {"year", "rate"} <= set(reader.fieldnames):
            raise InputError(f"{path}: the curve needs the columns year,rate")
        for row_number, row in enumerate(reader, start=2):
            try:
                year, rate = int(row["year"]), float(row["rate"])
            except ValueError:
                raise InputError(f"{path} row {row_number}: year must be a whole number and rate a decimal") from None
            if not 1 <= year <= 100 or not -0.05 < rate < 0.5:
                raise InputError(f"{path} row {row_number}: year {year} or rate {rate} is out of range")
            points[year] = rate
    return points


def discount_curve(
    basis: Basis, government_curve_file: str | None, on: dt.date | None = None
) -> tuple[np.ndarray, str]:
    """The annual spot curve to discount on, and what it is: the C-ROSS base curve built from a
    government curve (with the shock table in force on ``on``) when one is given, else the
    basis's own curve."""
    if government_curve_file:
        table = load_shock_table("cross", on or dt.date.today())
        curve = cross_base_curve_in_force(table, government_curve(government_curve_file), CURVE_YEARS)
        return curve, f"C-ROSS base curve from {Path(government_curve_file).name}"
    return basis.pricing_spot_curve, f"basis {basis.name} curve"


@dataclass(frozen=True)
class Run:
    result: ProjectionResult
    shocked: ShockedScenarios | None
    curve_label: str
    assumption_set: dict | None = None  # id, name, version, content_hash of the approved set used


def run_valuation(*, model_points: str, basis: str, scenarios: str = "base", government_curve_file: str | None = None,
                  on: dt.date | None = None, engine: str = "numba",
                  scenarios_file: str | None = None) -> Run:  # fmt: skip
    """Project ``model_points`` on the approved assumption set ``basis`` (NAME or NAME:VERSION)
    under ``scenarios``: "base" (the curve only), "cross" (the 16 C-ROSS scenarios), "stress"
    (Attachments 4 and 6) or "user" (base + the user-defined scenarios of ``scenarios_file``,
    YAML, risk/engine/shocks.py ``user_scenarios``). An unknown or unapproved set, and a bad
    scenario file (naming the scenario and field), are refused before anything is projected."""
    from risk import assumptions

    try:
        chosen = assumptions.approved_set(basis)
        chosen_basis = assumptions.engine_basis(chosen)
    except assumptions.UnapprovedBasis as exc:
        raise InputError(str(exc)) from None
    points = read_model_points_csv(model_points)
    curve, label = discount_curve(chosen_basis, government_curve_file, on)
    if scenarios == "user":
        scenario_set, shocked = _user_scenario_set(scenarios_file, curve)
    else:
        scenario_set, shocked = scenario_set_for(scenarios, curve, on)
    result = project(points, chosen_basis, scenario_set, engine=engine, cashflows=False)
    return Run(result=result, shocked=shocked, curve_label=label, assumption_set=chosen.run_reference())


def _user_scenario_set(path: str | None, curve: np.ndarray) -> tuple[ScenarioSet, ShockedScenarios]:
    """Base + the user's scenarios of the YAML file ``path`` (the command's --scenarios)."""
    if not path:
        raise InputError("user scenarios need a scenario file (YAML)")
    try:
        shocked = user_scenario_set(Path(path).read_text(encoding="utf-8"), curve)
    except InputError as exc:
        raise InputError(f"{Path(path).name}: {exc}") from None
    return shocked.scenarios, shocked


def user_scenario_set(spec: str, curve: np.ndarray) -> ShockedScenarios:
    """Base + the user-defined scenarios of the YAML text ``spec`` (risk/engine/shocks.py
    ``user_scenarios``): the one validation the command, the stress job's form and its API
    share. A short base curve (a basis's one flat rate) is held to CURVE_YEARS first, as the
    regulator's builders do, so a shock given by year reaches past year 1 instead of being cut
    at the curve's length. InputError names the scenario and the field."""
    curve = np.asarray(curve, dtype=float)
    held = np.concatenate([curve, np.full(max(CURVE_YEARS - curve.size, 0), curve[-1])])
    try:
        shocked = user_scenarios(spec, held)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    for name in shocked.names:
        # The stress job names the capital shocks on a stressed basis "S|C".
        if UNDER_STRESS_SEPARATOR in name:
            raise InputError(f"scenario {name!r}: field 'name' may not contain {UNDER_STRESS_SEPARATOR!r}")
    return shocked


def scenario_set_for(
    scenarios: str, curve: np.ndarray, on: dt.date | None = None, user: str | None = None
) -> tuple[ScenarioSet, ShockedScenarios | None]:
    """ "base": the curve alone; "cross": the 16 C-ROSS scenarios; "stress": Attachments 4 and 6;
    "cross_under_stress": the C-ROSS capital shocks on each stressed basis; "solvency2": the
    Solvency II life and interest scenarios (shock tables in force on ``on``); "user": base +
    the user-defined scenarios of the YAML text ``user``; "user_under_stress": the C-ROSS
    capital shocks on each of those (the stress job's minimum capital after them)."""
    if scenarios in ("user", "user_under_stress"):
        if not user:
            raise InputError("user scenarios need their definition (YAML)")
        shocked = user_scenario_set(user, curve)
        if scenarios == "user_under_stress":
            table = load_shock_table("cross", on or dt.date.today())
            shocked = cross_standard_under_stress(table, shocked.scenarios.spot_rates[0], shocked.scenarios)
        return shocked.scenarios, shocked
    if scenarios == "base":
        return ScenarioSet.base(curve), None
    if scenarios in ("cross", "stress"):
        table = load_shock_table("cross", on or dt.date.today())
        shocked = cross_standard_scenarios(table, curve) if scenarios == "cross" else cross_stress_tests(table, curve)
        return shocked.scenarios, shocked
    if scenarios == "cross_under_stress":  # the stress run's minimum capital after each stress
        shocked = cross_standard_under_stress(load_shock_table("cross", on or dt.date.today()), curve)
        return shocked.scenarios, shocked
    if scenarios == "solvency2":
        shocked = solvency2_life_scenarios(load_shock_table("solvency2", on or dt.date.today()), curve)
        return shocked.scenarios, shocked
    raise InputError(f"scenarios must be base, cross, stress, cross_under_stress or solvency2, not {scenarios!r}")


def bel_by_scenario(result: ProjectionResult) -> dict[str, np.ndarray]:
    return {name: result.bel[i] for i, name in enumerate(result.scenario_names)}


@dataclass(frozen=True)
class SolvencyFigures:
    life: LifeInsuranceRisk
    interest_rate: float
    position: CrossSolvencyResult | None


def solvency_figures(run: Run, capital_file: str | None, on: dt.date | None = None) -> SolvencyFigures:
    """Life-insurance and interest-rate risk capital from a C-ROSS run; with ``capital_file``
    (YAML: core_capital, actual_capital, irr_rating, sarmra_score, other modules, loss
    absorbency, total assets, add-ons) the minimum capital and both ratios."""
    table = load_shock_table("cross", on or dt.date.today())
    pv = bel_by_scenario(run.result)
    life = cross_life_insurance_risk(pv, table)
    interest = cross_interest_rate_risk(pv)
    position = None
    if capital_file:
        spec = _capital_spec(capital_file)
        other = spec.pop("modules", {}) or {}
        market = float(other.get("market", 0.0)) + interest  # interest-rate risk sits in market risk
        modules = {"life": life.total, "non_life": float(other.get("non_life", 0.0)), "market": market,
                   "credit": float(other.get("credit", 0.0))}  # fmt: skip
        try:
            position = cross_solvency(modules, table=table, **spec)
        except TypeError as exc:
            raise InputError(f"{capital_file}: {exc}") from None
    return SolvencyFigures(life=life, interest_rate=interest, position=position)


CAPITAL_FIELDS = {"core_capital", "actual_capital", "irr_rating", "sarmra_score", "absorbency_base",
                  "absorbency_cap", "absorbency_k", "total_assets_cny", "add_ons", "modules"}  # fmt: skip


def _capital_spec(path: str) -> dict:
    try:
        spec = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not valid YAML ({exc})") from None
    if not isinstance(spec, dict):
        raise InputError(f"{path}: expected a mapping of fields")
    unknown = set(spec) - CAPITAL_FIELDS
    if unknown:
        raise InputError(f"{path}: unknown field {sorted(unknown)[0]!r}; known: {', '.join(sorted(CAPITAL_FIELDS))}")
    for required in ("core_capital", "actual_capital", "irr_rating", "sarmra_score"):
        if required not in spec:
            raise InputError(f"{path}: {required} is required")
    return spec
