"""Valuation bases shipped as data: ``<name>/basis.json`` plus CSV files, sources named inside.

``basis.json`` keys: mortality (sex -> table), mortality_scaling, lapse_file (CSV
policy_year,lapse_rate), acquisition_expense, maintenance_expense, inflation_rate,
commission_by_policy_year, premium_loading, premium_rounding, and either pricing_curve_file
(CSV year,spot_rate) or pricing_flat_rate; sources (what each figure rests on).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

from risk.engine.assumptions import Basis

BASES_DIR = Path(__file__).resolve().parent


def basis_names() -> list[str]:
    return sorted(p.parent.name for p in BASES_DIR.glob("*/basis.json"))


def _column(path: Path, index: str, value: str) -> np.ndarray:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    keys = [int(r[index]) for r in rows]
    if keys != list(range(len(keys))):
        raise ValueError(f"{path}: {index} must run 0, 1, 2, ... without gaps")
    return np.array([float(r[value]) for r in rows])


def load_basis(name: str) -> Basis:
    folder = BASES_DIR / name
    if not (folder / "basis.json").exists():
        raise LookupError(f"unknown basis {name!r}; known: {', '.join(basis_names())}")
    spec = json.loads((folder / "basis.json").read_text(encoding="utf-8"))
    if "pricing_curve_file" in spec:
        curve = _column(folder / spec["pricing_curve_file"], "year", "spot_rate")
    else:
        curve = np.array([float(spec["pricing_flat_rate"])])
    return Basis(
        name=spec["name"],
        mortality=dict(spec["mortality"]),
        mortality_scaling=float(spec.get("mortality_scaling", 1.0)),
        lapse_by_policy_year=_column(folder / spec["lapse_file"], "policy_year", "lapse_rate"),
        acquisition_expense=float(spec["acquisition_expense"]),
        maintenance_expense=float(spec["maintenance_expense"]),
        inflation_rate=float(spec["inflation_rate"]),
        commission_by_policy_year=spec["commission_by_policy_year"],
        premium_loading=float(spec["premium_loading"]),
        premium_rounding=int(spec.get("premium_rounding", 2)),
        pricing_spot_curve=curve,
        sources=dict(spec.get("sources", {})),
    )


def basis_file(name: str, filename: str) -> Path:
    """A data file shipped with a basis (e.g. basiclife's model_points.csv)."""
    path = BASES_DIR / name / filename
    if not path.exists():
        raise LookupError(f"basis {name!r} ships no file {filename!r}")
    return path
