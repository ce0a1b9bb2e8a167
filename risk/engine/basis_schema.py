"""A basis as JSON parameters: the schema an assumption set is validated against, the
conversion to and from the engine's :class:`~risk.engine.assumptions.Basis`, its content hash,
and the field-level difference between two versions.

The platform keeps every basis as an assumption set (risk.models.AssumptionSet) whose
``parameters`` follow this schema; the shipped bases (``bases/<name>/``) are converted with
:func:`shipped_parameters` and loaded as the approved version 1 of each set.

Parameters (every number a JSON number; a vector's last value holds beyond its end):

=========================  ==========================================================================
``description``            what the basis is for (text)
``mortality``              sex code ``M`` / ``F`` -> table name (a table of the loader, CL1-CL6,
                           basiclife, or one of ``tables``)
``mortality_scaling``      factor on every q_x (>= 0)
``tables``                 optional: the basis's own tables, ``name -> {min_age, qx, source}``; ``qx``
                           has one row per age from ``min_age``, each row the select rates by
                           years since entry then the ultimate rate (all rows the same length)
``lapse_by_policy_year``   annual lapse rate by completed policy year 0, 1, 2, ... (0..1)
``acquisition_expense``    per new policy, at issue (>= 0)
``maintenance_expense``    per policy per year, paid monthly (>= 0)
``inflation_rate``         of the maintenance expense, a year (> -1)
``commission_by_policy_year``  fraction of premium by policy year (>= 0)
``premium_loading``        office premium = (1 + loading) x net premium (>= 0)
``premium_rounding``       decimals of a priced premium (0-6)
``pricing_spot_curve``     annual spot rate by year 0, 1, 2, ...: premiums are priced on it and,
                           without a government curve, the run discounts on it (> -1)
``sources``                what each figure rests on: name -> text
``annuity_mortality``      optional: sex -> table annuitants are valued on (e.g. CL5 / CL6); annuity
                           points of a sex without one are refused, naming this field
``critical_illness_incidence``  optional: critical illness claims (diagnosis or death) as a multiple
                           of the death table's q (> 0); critical illness is not valued without it
``curve``                  optional: how the basis's curve is built from ``pricing_spot_curve``.
                           ``{"method": "smith_wilson", "ufr": 0.042, "alpha": 0.1,
                           "last_liquid_point": 20, "years": 100}``: the spots up to the last
                           liquid point (default: all of them) fitted by Smith-Wilson and
                           extrapolated to ``years`` (default 100) towards the ultimate forward
                           rate ``ufr``; ``alpha`` (> 0) optional, calibrated as EIOPA does when
                           absent. Without the field the curve is used as given.
=========================  ==========================================================================

The optional fields of decision 0015 and ``curve`` have no default: a basis without them keeps
the JSON, and so the content hash, it had before they existed.

Shock tables are not part of a basis: they are regulation, versioned by effective date
(``data/shocks/``), and the table in force on the valuation date applies (decision 0013).
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from risk.engine.assumptions import Basis
from risk.engine.tables import MortalityTable, UnknownTable, load_table, table_names

SEXES = ("M", "F")
SCALARS = {  # name -> (lowest allowed, strictly above it?)
    "mortality_scaling": (0.0, False),
    "acquisition_expense": (0.0, False),
    "maintenance_expense": (0.0, False),
    "inflation_rate": (-1.0, True),
    "premium_loading": (0.0, False),
}
VECTORS = {  # name -> (lowest, highest, label of an index)
    "lapse_by_policy_year": (0.0, 1.0, "policy year"),
    "commission_by_policy_year": (0.0, None, "policy year"),
    "pricing_spot_curve": (-1.0, None, "year"),
}
REQUIRED = ("mortality", "lapse_by_policy_year", "acquisition_expense", "maintenance_expense", "inflation_rate",
            "commission_by_policy_year", "premium_loading", "pricing_spot_curve")  # fmt: skip
OPTIONAL = ("description", "mortality_scaling", "tables", "premium_rounding", "sources", "annuity_mortality",
            "critical_illness_incidence", "curve")  # fmt: skip
CURVE_METHODS = ("smith_wilson",)
CURVE_FIELDS = ("method", "ufr", "alpha", "last_liquid_point", "years")
FIELDS = (*REQUIRED, *OPTIONAL)
DEFAULTS = {"description": "", "mortality_scaling": 1.0, "tables": {}, "premium_rounding": 2, "sources": {}}
MAX_VECTOR = 200  # policy years or curve years: more is a mistake, not a basis


@dataclass(frozen=True)
class Problem:
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class BasisParametersError(ValueError):
    """Parameters that do not make a basis; ``problems`` names every bad field."""

    def __init__(self, problems: list[Problem], name: str = ""):
        self.problems = problems
        label = f"basis {name}" if name else "basis parameters"
        super().__init__(f"{label} refused: " + "; ".join(str(p) for p in problems))


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check_scalar(params: dict, name: str, problems: list[Problem]) -> None:
    if name not in params:
        return
    value = params[name]
    low, strict = SCALARS[name]
    if not _number(value):
        problems.append(Problem(name, f"{value!r} is not a number"))
    elif value < low or (strict and value == low):
        problems.append(Problem(name, f"{value!r} must be {'above' if strict else 'at least'} {low:g}"))


def _check_vector(params: dict, name: str, problems: list[Problem]) -> None:
    if name not in params:
        return
    values = params[name]
    low, high, label = VECTORS[name]
    if not isinstance(values, list) or not values:
        problems.append(Problem(name, "must be a non-empty list of numbers"))
        return
    if len(values) > MAX_VECTOR:
        problems.append(Problem(name, f"has {len(values)} values; at most {MAX_VECTOR}"))
    for i, value in enumerate(values):
        where = f"{name}[{label} {i}]"
        if not _number(value):
            problems.append(Problem(where, f"{value!r} is not a number"))
        elif value < low or (name == "pricing_spot_curve" and value == low):
            problems.append(Problem(where, f"{value!r} is below {'or at ' if value == low else ''}{low:g}"))
        elif high is not None and value > high:
            problems.append(Problem(where, f"{value!r} is above {high:g}"))


def _check_table(name: str, spec: Any, problems: list[Problem]) -> None:
    where = f"tables.{name}"
    if not isinstance(spec, dict):
        problems.append(Problem(where, "must be an object with min_age, qx and source"))
        return
    unknown = sorted(set(spec) - {"min_age", "qx", "source"})
    if unknown:
        problems.append(Problem(f"{where}.{unknown[0]}", "is not a table field (min_age, qx, source)"))
    min_age, rows = spec.get("min_age"), spec.get("qx")
    if not isinstance(min_age, int) or isinstance(min_age, bool) or not 0 <= min_age <= 120:
        problems.append(Problem(f"{where}.min_age", f"{min_age!r} must be a whole number of years 0-120"))
        min_age = 0
    if not str(spec.get("source") or "").strip():
        problems.append(Problem(f"{where}.source", "say where the table comes from"))
    if not isinstance(rows, list) or not rows:
        problems.append(Problem(f"{where}.qx", "must be a non-empty list of rows, one per age"))
        return
    if not isinstance(rows[0], list) or not rows[0]:
        problems.append(Problem(f"{where}.qx[age {min_age}]", "must be a list of rates (select..., ultimate)"))
        return
    width = len(rows[0])
    for i, row in enumerate(rows):
        at = f"{where}.qx[age {min_age + i}]"
        if not isinstance(row, list) or not row or len(row) != width:
            problems.append(Problem(at, f"must be a list of {width} rates (select..., ultimate)"))
            continue
        for column, q in enumerate(row):
            if not _number(q) or not 0 <= q <= 1:
                problems.append(Problem(at, f"column {column} = {q!r} is not a rate 0..1"))


def problems_in(parameters: Any) -> list[Problem]:
    """Every problem of ``parameters`` against the schema, each naming its field."""
    if not isinstance(parameters, dict):
        return [Problem("parameters", "must be a JSON object of fields")]
    problems: list[Problem] = []
    for name in sorted(set(parameters) - set(FIELDS)):
        problems.append(Problem(name, f"is not a basis field (known: {', '.join(FIELDS)})"))
    for name in REQUIRED:
        if name not in parameters:
            problems.append(Problem(name, "is required"))
    for name in SCALARS:
        _check_scalar(parameters, name, problems)
    for name in VECTORS:
        _check_vector(parameters, name, problems)
    rounding = parameters.get("premium_rounding", 2)
    if not isinstance(rounding, int) or isinstance(rounding, bool) or not 0 <= rounding <= 6:
        problems.append(Problem("premium_rounding", f"{rounding!r} must be a whole number of decimals 0-6"))
    for name in ("description",):
        if not isinstance(parameters.get(name, ""), str):
            problems.append(Problem(name, "must be text"))
    sources = parameters.get("sources", {})
    if not isinstance(sources, dict) or not all(isinstance(v, str) for v in sources.values()):
        problems.append(Problem("sources", "must map a figure's name to the text of its source"))
    tables = parameters.get("tables", {})
    if not isinstance(tables, dict):
        problems.append(Problem("tables", "must map a table name to {min_age, qx, source}"))
        tables = {}
    for name, spec in tables.items():
        _check_table(name, spec, problems)
    for name in ("mortality", "annuity_mortality"):
        if name in parameters:
            _check_sex_tables(name, parameters[name], tables, problems)
    if "curve" in parameters:
        _check_curve(parameters["curve"], parameters.get("pricing_spot_curve"), problems)
    incidence = parameters.get("critical_illness_incidence", 1.0)
    if not _number(incidence) or not incidence > 0:
        problems.append(Problem("critical_illness_incidence", f"{incidence!r} must be a number above 0"))
    return problems


def _check_curve(spec: Any, spot: Any, problems: list[Problem]) -> None:
    """The curve method: each key named in its problem (curve.ufr, curve.alpha, ...)."""
    if not isinstance(spec, dict):
        problems.append(Problem("curve", 'must be an object such as {"method": "smith_wilson", "ufr": 0.042}'))
        return
    for key in sorted(set(spec) - set(CURVE_FIELDS)):
        problems.append(Problem(f"curve.{key}", f"is not a curve field ({', '.join(CURVE_FIELDS)})"))
    if spec.get("method") not in CURVE_METHODS:
        problems.append(Problem("curve.method", f"{spec.get('method')!r} must be one of: {', '.join(CURVE_METHODS)}"))
    ufr = spec.get("ufr")
    if not _number(ufr) or not -0.05 < ufr < 0.2:
        problems.append(Problem("curve.ufr", f"{ufr!r} must be the ultimate forward rate, a number above -0.05 "
                                             "and below 0.2 (0.042 for 4.2 per cent)"))  # fmt: skip
    alpha = spec.get("alpha", 0.1)
    if not _number(alpha) or not 0 < alpha <= 2:
        problems.append(Problem("curve.alpha", f"{alpha!r} must be a number above 0 and at most 2"))
    inputs = len(spot) if isinstance(spot, list) else MAX_VECTOR
    llp = spec.get("last_liquid_point", inputs)
    if not isinstance(llp, int) or isinstance(llp, bool) or not 1 <= llp <= inputs:
        problems.append(Problem("curve.last_liquid_point", f"{llp!r} must be a whole number of years from 1 to the "
                                                           f"{inputs} years of pricing_spot_curve"))  # fmt: skip
    years = spec.get("years", 100)
    if not isinstance(years, int) or isinstance(years, bool) or not 1 <= years <= MAX_VECTOR:
        problems.append(Problem("curve.years", f"{years!r} must be a whole number of years from 1 to {MAX_VECTOR}"))


def _check_sex_tables(name: str, mapping: Any, tables: dict, problems: list[Problem]) -> None:
    if not isinstance(mapping, dict) or not mapping:
        problems.append(Problem(name, "must map a sex (M, F) to a table name"))
        return
    for sex, table in mapping.items():
        if sex not in SEXES:
            problems.append(Problem(f"{name}.{sex}", f"is not a sex code ({', '.join(SEXES)})"))
        elif not isinstance(table, str) or not (table in tables or _known_table(table)):
            known = ", ".join([*table_names(), *sorted(tables)])
            problems.append(Problem(f"{name}.{sex}", f"unknown mortality table {table!r}; known: {known}"))


def _known_table(name: str) -> bool:
    try:
        load_table(name)
    except UnknownTable:
        return False
    return True


def normalised(parameters: dict) -> dict:
    """Valid parameters with the defaults filled in and every rate a float, so that equal
    bases have equal JSON (and equal hashes) whether a figure was typed as 1 or 1.0."""
    problems = problems_in(parameters)
    if problems:
        raise BasisParametersError(problems)
    out = {**DEFAULTS, **parameters}
    for name in SCALARS:
        out[name] = float(out[name])
    for name in VECTORS:
        out[name] = [float(v) for v in out[name]]
    out["tables"] = {
        name: {"min_age": spec["min_age"], "qx": [[float(q) for q in row] for row in spec["qx"]],
               "source": spec["source"].strip()}
        for name, spec in sorted(out["tables"].items())
    }  # fmt: skip
    out["mortality"] = dict(sorted(out["mortality"].items()))
    if "annuity_mortality" in out:
        out["annuity_mortality"] = dict(sorted(out["annuity_mortality"].items()))
    if "critical_illness_incidence" in out:
        out["critical_illness_incidence"] = float(out["critical_illness_incidence"])
    out["sources"] = dict(sorted(out["sources"].items()))
    if "curve" in out:
        curve = out["curve"]
        out["curve"] = {"method": curve["method"], "ufr": float(curve["ufr"]),
                        **({"alpha": float(curve["alpha"])} if "alpha" in curve else {}),
                        **{k: curve[k] for k in ("last_liquid_point", "years") if k in curve}}  # fmt: skip
    return out


DISPLAY_ORDER = ("description", "mortality", "mortality_scaling", "tables", "lapse_by_policy_year",
                 "acquisition_expense", "maintenance_expense", "inflation_rate", "commission_by_policy_year",
                 "premium_loading", "premium_rounding", "pricing_spot_curve", "curve", "annuity_mortality",
                 "critical_illness_incidence", "sources")  # fmt: skip


def ordered(parameters: dict) -> dict:
    """The fields in the schema's reading order (a database may keep JSON keys in its own)."""
    return {**{k: parameters[k] for k in DISPLAY_ORDER if k in parameters}, **parameters}


def canonical_json(parameters: dict) -> str:
    return json.dumps(parameters, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def content_hash(parameters: dict) -> str:
    """SHA-256 of the normalised parameters' canonical JSON: what a run records it used."""
    return hashlib.sha256(canonical_json(normalised(parameters)).encode()).hexdigest()


def basis_from_parameters(name: str, parameters: dict) -> Basis:
    """The engine's Basis; BasisParametersError naming every bad field, before anything runs."""
    try:
        p = normalised(parameters)
    except BasisParametersError as exc:
        raise BasisParametersError(exc.problems, name) from None
    tables = {
        table: MortalityTable(name=table, min_age=spec["min_age"], qx=np.array(spec["qx"]), source=spec["source"])
        for table, spec in p["tables"].items()
    }
    return Basis(
        name=name,
        mortality=dict(p["mortality"]),
        mortality_scaling=p["mortality_scaling"],
        lapse_by_policy_year=np.array(p["lapse_by_policy_year"]),
        acquisition_expense=p["acquisition_expense"],
        maintenance_expense=p["maintenance_expense"],
        inflation_rate=p["inflation_rate"],
        commission_by_policy_year=np.array(p["commission_by_policy_year"]),
        premium_loading=p["premium_loading"],
        premium_rounding=p["premium_rounding"],
        pricing_spot_curve=_curve(p),
        sources=dict(p["sources"]),
        tables=tables,
        annuity_mortality=dict(p.get("annuity_mortality", {})),
        critical_illness_incidence=p.get("critical_illness_incidence"),
    )


def _curve(p: dict) -> np.ndarray:
    """The basis's curve: as given, or fitted by the method of ``curve``. Every run (valuation,
    solvency, stress, and the pricing of premiums not given) reads it from the Basis, so one
    place decides how it is built."""
    spec = p.get("curve")
    if not spec:
        return np.array(p["pricing_spot_curve"])
    from risk.engine.curves import smith_wilson_spots

    try:
        return smith_wilson_spots(
            p["pricing_spot_curve"], ultimate_forward_rate=spec["ufr"], alpha=spec.get("alpha"),
            last_liquid_point=spec.get("last_liquid_point"), years=spec.get("years", 100),
        )  # fmt: skip
    except (ValueError, np.linalg.LinAlgError) as exc:
        raise BasisParametersError([Problem("curve", f"Smith-Wilson could not fit the curve: {exc}")]) from None


def shipped_parameters(name: str) -> dict:
    """The parameters of a basis shipped as files (``bases/<name>/``), normalised."""
    from risk.engine.bases import BASES_DIR, basis_names

    folder = BASES_DIR / name
    if not (folder / "basis.json").exists():
        raise LookupError(f"unknown shipped basis {name!r}; known: {', '.join(basis_names())}")
    spec = json.loads((folder / "basis.json").read_text(encoding="utf-8"))
    if "pricing_curve_file" in spec:
        curve = _column(folder / spec["pricing_curve_file"], "year", "spot_rate")
    else:
        curve = [float(spec["pricing_flat_rate"])]
    return normalised({
        "description": spec.get("description", ""),
        "mortality": dict(spec["mortality"]),
        "mortality_scaling": spec.get("mortality_scaling", 1.0),
        "lapse_by_policy_year": _column(folder / spec["lapse_file"], "policy_year", "lapse_rate"),
        "acquisition_expense": spec["acquisition_expense"],
        "maintenance_expense": spec["maintenance_expense"],
        "inflation_rate": spec["inflation_rate"],
        "commission_by_policy_year": spec["commission_by_policy_year"],
        "premium_loading": spec["premium_loading"],
        "premium_rounding": spec.get("premium_rounding", 2),
        "pricing_spot_curve": curve,
        "sources": dict(spec.get("sources", {})),
    })  # fmt: skip


def _column(path: Path, index: str, value: str) -> list[float]:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    if [int(r[index]) for r in rows] != list(range(len(rows))):
        raise ValueError(f"{path}: {index} must run 0, 1, 2, ... without gaps")
    return [float(r[value]) for r in rows]


# --------------------------------------------------------------------------- differences


@dataclass(frozen=True)
class Change:
    """One field-level difference: ``field`` names it down to the vector index or table row."""

    field: str
    old: Any  # None when added
    new: Any  # None when removed

    @property
    def kind(self) -> str:
        return "added" if self.old is None else "removed" if self.new is None else "changed"


def _vector_changes(name: str, label: str, old: list, new: list) -> list[Change]:
    changes = []
    for i in range(max(len(old), len(new))):
        a = old[i] if i < len(old) else None
        b = new[i] if i < len(new) else None
        if a != b:
            changes.append(Change(f"{name}[{label} {i}]", a, b))
    return changes


def _table_changes(name: str, old: dict | None, new: dict | None) -> list[Change]:
    where = f"tables.{name}"
    if old is None or new is None:
        spec = old or new
        summary = f"ages {spec['min_age']}-{spec['min_age'] + len(spec['qx']) - 1}, {len(spec['qx'][0])} columns"
        return [Change(where, summary if old else None, summary if new else None)]
    changes = []
    if old["source"] != new["source"]:
        changes.append(Change(f"{where}.source", old["source"], new["source"]))
    old_rows = {old["min_age"] + i: row for i, row in enumerate(old["qx"])}
    new_rows = {new["min_age"] + i: row for i, row in enumerate(new["qx"])}
    for age in sorted(set(old_rows) | set(new_rows)):
        a, b = old_rows.get(age), new_rows.get(age)
        if a != b:
            changes.append(Change(f"{where}.qx[age {age}]", a, b))
    return changes


def _mapping_changes(name: str, old: dict, new: dict) -> list[Change]:
    return [
        Change(f"{name}.{key}", old.get(key), new.get(key))
        for key in sorted(set(old) | set(new))
        if old.get(key) != new.get(key)
    ]


def diff_parameters(old: dict, new: dict) -> list[Change]:
    """What changed from ``old`` to ``new``, field by field, in schema order: scalars old -> new,
    vectors and curves index by index, tables row by age, mappings key by key."""
    old, new = {**DEFAULTS, **old}, {**DEFAULTS, **new}
    changes: list[Change] = []
    for name in ("description", *REQUIRED, *[f for f in OPTIONAL if f != "description"]):
        a, b = old.get(name), new.get(name)
        if a == b:
            continue
        if name in VECTORS and isinstance(a, list) and isinstance(b, list):
            changes += _vector_changes(name, VECTORS[name][2], a, b)
        elif name == "tables" and isinstance(a, dict) and isinstance(b, dict):
            for table in sorted(set(a) | set(b)):
                if a.get(table) != b.get(table):
                    changes += _table_changes(table, a.get(table), b.get(table))
        elif (
            name in ("mortality", "annuity_mortality", "sources")
            and isinstance(a or {}, dict)
            and isinstance(b or {}, dict)
        ):  # an optional mapping added or removed shows key by key
            changes += _mapping_changes(name, a or {}, b or {})
        else:
            changes.append(Change(name, a, b))
    return changes
