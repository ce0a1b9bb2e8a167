"""What the valuation, solvency and stress commands share: their inputs and the error they raise."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from django.core.management.base import CommandError

from risk import runs
from risk.engine.modelpoints import ModelPointError


def add_inputs(parser) -> None:
    parser.add_argument("--model-points", required=True, metavar="FILE.csv", help="model_points.csv (interchange.md)")
    parser.add_argument(
        "--basis", required=True, metavar="NAME[:VERSION]",
        help="an approved assumption set, e.g. basiclife or cross_default:2 (default: its latest approved version)",
    )  # fmt: skip
    parser.add_argument(
        "--government-curve", metavar="FILE.csv", help="government spot curve (year,rate); default: the basis's curve"
    )
    parser.add_argument("--date", type=dt.date.fromisoformat, help="valuation date (selects the shock tables in force)")
    parser.add_argument("--output", metavar="FILE.csv", help="write the results per model point and scenario")
    parser.add_argument(
        "--engine", choices=["numba", "numpy"], default="numba", help="numba (default) or the plain-numpy reference"
    )


def run(options, scenarios: str) -> runs.Run:
    try:
        return runs.run_valuation(
            model_points=options["model_points"],
            basis=options["basis"],
            scenarios=scenarios,
            government_curve_file=options["government_curve"],
            on=options["date"],
            engine=options["engine"],
            scenarios_file=options.get("scenarios_file"),
        )
    except (ModelPointError, runs.InputError, FileNotFoundError, ValueError) as exc:
        raise CommandError(str(exc)) from None


def basis_label(run_: runs.Run) -> str:
    """The approved set a run used: name, version and the start of its content hash."""
    ref = run_.assumption_set or {}
    return f"{ref.get('name')} v{ref.get('version')} (sha256 {str(ref.get('content_hash'))[:12]})"


def write_points(run_: runs.Run, path: str) -> int:
    frames = [run_.result.points(i).assign(scenario=name) for i, name in enumerate(run_.result.scenario_names)]
    frame = pd.concat(frames).reset_index()
    frame = frame[["scenario", "point_id", *[c for c in frame.columns if c not in ("scenario", "point_id")]]]
    frame.to_csv(path, index=False, float_format="%.6f")
    return len(frame)


def money(value: float) -> str:
    return f"{value:,.2f}"
