"""manage.py solvency --regime solvency2: the Solvency II life underwriting and interest-rate
SCR printed equal the engine's functions on the same points, basis and shock table."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from risk.engine.bases import basis_file, load_basis
from risk.engine.modelpoints import read_model_points_csv
from risk.engine.projection import project
from risk.engine.shocks import load_shock_table, solvency2_life_scenarios
from risk.engine.solvency import solvency2_interest_rate_risk, solvency2_life_risk

pytestmark = pytest.mark.django_db
POINTS = str(basis_file("basiclife", "model_points.csv"))


def _money(value: float) -> str:
    return f"{value:,.2f}"


def test_solvency2_regime_prints_the_engines_scr_life_and_interest():
    out = io.StringIO()
    call_command("solvency", "--model-points", POINTS, "--basis", "basiclife", "--regime", "solvency2",
                 "--date", "2026-06-30", stdout=out)  # fmt: skip
    text = out.getvalue()

    table = load_shock_table("solvency2", dt.date(2026, 6, 30))
    basis = load_basis("basiclife")
    result = project(read_model_points_csv(POINTS), basis, solvency2_life_scenarios(table, basis.pricing_spot_curve)
                     .scenarios, cashflows=False)  # fmt: skip
    bel = {name: result.bel[i] for i, name in enumerate(result.scenario_names)}
    life = solvency2_life_risk(bel, table)
    interest = solvency2_interest_rate_risk(bel)

    assert "10000 model points, basis basiclife v1" in text and f"shock table {table.version}" in text
    assert life.total > 0 and life.sub_modules["mortality"] > 0  # term business: mortality risk bites
    lines = {line.split()[0]: line for line in text.splitlines() if line.startswith("  ")}
    for name, capital in life.sub_modules.items():
        assert _money(capital) in lines[name], name
    assert "SCR life" in text and _money(life.total) in text.split("SCR life")[1].splitlines()[0]
    assert f"SCR interest rate (liabilities): {_money(interest)}" in text
    assert "life insurance risk (Rule 5)" not in text  # not the C-ROSS output


def test_the_default_regime_is_still_cross_and_capital_is_refused_for_solvency2(tmp_path):
    out = io.StringIO()
    call_command("solvency", "--model-points", POINTS, "--basis", "basiclife", stdout=out)
    assert "life insurance risk (Rule 5):" in out.getvalue()
    capital = tmp_path / "capital.yaml"
    capital.write_text("core_capital: 1\n")
    with pytest.raises(CommandError, match="--capital applies to the C-ROSS regime only"):
        call_command("solvency", "--model-points", POINTS, "--basis", "basiclife", "--regime", "solvency2",
                     "--capital", str(capital))  # fmt: skip
