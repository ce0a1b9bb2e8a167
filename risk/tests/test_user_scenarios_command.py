"""manage.py stress --scenarios FILE.yaml: the user-defined scenarios (ACT-4's custom ones) on
model points, against the base. A user scenario equal to C-ROSS Rule 5's mortality shock
(+15 per cent) gives the liability the regulator's table gives; a bad file is refused naming
the scenario and the field, before anything is projected."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

pytestmark = pytest.mark.django_db

POINTS = "risk/engine/bases/basiclife/model_points.csv"


def _rows(text: str) -> dict[str, float]:
    rows = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] not in ("scenario",):
            rows[parts[0]] = float(parts[1].replace(",", ""))
    return rows


def test_user_scenarios_are_projected_against_the_base(tmp_path):
    spec = tmp_path / "board.yaml"
    spec.write_text(
        "scenarios:\n"
        "  - {name: mortality_15, source: as Rule 5 mortality, mortality_mult: 1.15}\n"
        "  - {name: rates_down, source: board appetite 2026, spot_shift: -0.01}\n",
        encoding="utf-8",
    )
    out = io.StringIO()
    call_command("stress", "--model-points", POINTS, "--basis", "basiclife", "--scenarios", str(spec), stdout=out)
    user = _rows(out.getvalue())
    assert list(user) == ["base", "mortality_15", "rates_down"]
    assert user["base"] == pytest.approx(-14_489_630.53, abs=0.01)  # lifelib BasicTerm_M: 14,489,630.5346
    cross = io.StringIO()
    call_command("valuation", "--model-points", POINTS, "--basis", "basiclife", "--scenarios", "cross", stdout=cross)
    mortality_row = next(line for line in cross.getvalue().splitlines() if line.startswith("mortality "))
    # The regulator's mortality scenario (shock table cross-2022Q1) through its own path.
    assert user["mortality_15"] == pytest.approx(float(mortality_row.split()[-1].replace(",", "")), abs=0.01)
    assert user["mortality_15"] == pytest.approx(-4_539_019.31, abs=0.01)
    assert user["rates_down"] != user["base"]


def test_a_bad_scenario_file_is_refused_naming_the_scenario_and_field(tmp_path):
    spec = tmp_path / "bad.yaml"
    spec.write_text("scenarios:\n  - {name: pandemic, mortality_add: 0.002}\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"bad\.yaml: scenario 'pandemic': field 'source' is required"):
        call_command("stress", "--model-points", POINTS, "--basis", "basiclife", "--scenarios", str(spec),
                     stdout=io.StringIO())  # fmt: skip
