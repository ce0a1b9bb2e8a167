from django.core.management.base import BaseCommand, CommandError

from risk import runs
from risk.engine.solvency import solvency2_interest_rate_risk, solvency2_life_risk
from risk.management.commands._common import add_inputs, basis_label, money, run, write_points


class Command(BaseCommand):
    help = (
        "C-ROSS solvency from model points: life-insurance risk (Rule 5) and interest-rate risk capital from "
        "the 16 standard scenarios; with --capital, minimum capital, the core and comprehensive ratios and "
        "the pass test. --regime solvency2: the Solvency II standard formula life underwriting and "
        "interest-rate SCR instead."
    )

    def add_arguments(self, parser):
        add_inputs(parser)
        parser.add_argument(
            "--capital", metavar="FILE.yaml",
            help="capital and the other modules: core_capital, actual_capital, irr_rating, sarmra_score, "
                 "modules {non_life, market, credit}, absorbency_base/cap/k, total_assets_cny, add_ons",
        )  # fmt: skip
        parser.add_argument(
            "--regime", choices=["cross", "solvency2"], default="cross",
            help="cross (default): C-ROSS Rule 5; solvency2: the Solvency II life and interest-rate SCR",
        )  # fmt: skip

    def handle(self, *args, **options):
        if options["regime"] == "solvency2":
            return self.handle_solvency2(options)
        result = run(options, "cross")
        try:
            figures = runs.solvency_figures(result, options["capital"], options["date"])
        except (runs.InputError, ValueError) as exc:
            raise CommandError(str(exc)) from None
        life = figures.life
        self.stdout.write(
            f"{len(result.result.point_id)} model points, basis {basis_label(result)}, {result.curve_label}"
        )
        self.stdout.write("life insurance risk (Rule 5):")
        for name, capital in life.sub_risks.items():
            self.stdout.write(f"  {name:<22}{money(capital):>20}")
        self.stdout.write(f"  {'loss occurrence':<22}{money(life.loss_occurrence):>20}  (correlated)")
        self.stdout.write(f"  {'expense':<22}{money(life.expense):>20}")
        self.stdout.write(f"  {'lapse':<22}{money(life.lapse):>20}  ({life.lapse_driver})")
        self.stdout.write(f"  {'life insurance risk':<22}{money(life.total):>20}")
        self.stdout.write(f"interest-rate risk (liabilities): {money(figures.interest_rate)}")
        position = figures.position
        if position is not None:
            for name, capital in position.modules.items():
                self.stdout.write(f"module {name:<15}{money(capital):>20}")
            self.stdout.write(f"diversification       {money(-position.diversification):>20}")
            self.stdout.write(f"loss absorbency       {money(-position.loss_absorbency):>20}")
            mc_star, control = money(position.quantifiable_minimum_capital), money(position.control_risk_capital)
            self.stdout.write(f"MC* (size {position.size_factor:.0%})        {mc_star:>20}")
            self.stdout.write(f"control Q={position.control_risk_q:+.3f}      {control:>20}")
            self.stdout.write(f"minimum capital       {money(position.minimum_capital):>20}")
            self.stdout.write(
                f"core solvency ratio {position.solvency_ratio_core:.2%} (≥ 50%), comprehensive "
                f"{position.solvency_ratio_comprehensive:.2%} (≥ 100%), IRR {position.irr_rating} "
                f"(class {position.irr_category}): "
                + ("PASS" if position.passed else "FAIL " + "; ".join(position.failures))
            )
        if options["output"]:
            self.stdout.write(f"wrote {write_points(result, options['output'])} rows to {options['output']}")

    def handle_solvency2(self, options):
        """Solvency II standard formula (Delegated Regulation 2015/35): the life underwriting
        sub-modules from the shock table in force, aggregated with its correlation matrix, and the
        interest-rate SCR (the larger BEL increase of the up and down curves)."""
        if options["capital"]:
            raise CommandError("--capital applies to the C-ROSS regime only")
        figures = solvency2_figures(options)
        life, result, chosen, label, table = figures
        self.stdout.write(
            f"{len(result.point_id)} model points, basis {basis_label(chosen)}, {label}, shock table {table.version}"
        )
        self.stdout.write("Solvency II life underwriting risk:")
        for name, capital in life.sub_modules.items():
            note = f"  ({life.lapse_driver})" if name == "lapse" else ""
            self.stdout.write(f"  {name:<22}{money(capital):>20}{note}")
        self.stdout.write(f"  {'diversification':<22}{money(-life.diversification):>20}")
        self.stdout.write(f"  {'SCR life':<22}{money(life.total):>20}")
        self.stdout.write(f"SCR interest rate (liabilities): {money(solvency2_interest_rate_risk(bel(result)))}")
        if options["output"]:
            run_ = runs.Run(result=result, shocked=None, curve_label=label, assumption_set=chosen.assumption_set)
            self.stdout.write(f"wrote {write_points(run_, options['output'])} rows to {options['output']}")


def bel(result) -> dict:
    return runs.bel_by_scenario(result)


def by_policy(pv: dict) -> dict:
    """Mortality, longevity and catastrophe apply only to the points whose liability they raise
    (Delegated Regulation 2015/35 Art. 137(2), 138(2), 143(2)), as the solvency job does: those
    scenarios' PVs become base + max(shocked − base, 0) point by point."""
    import numpy as np

    out = dict(pv)
    for name in ("mortality", "longevity", "catastrophe"):
        if name in out and "base" in out:
            out[name] = out["base"] + np.maximum(out[name] - out["base"], 0.0)
    return out


def solvency2_figures(options):
    """(Solvency2LifeRisk, projection result, run reference holder, curve label, shock table)."""
    import datetime as dt
    from types import SimpleNamespace

    from risk import assumptions
    from risk.engine.modelpoints import ModelPointError, read_model_points_csv
    from risk.engine.projection import project
    from risk.engine.shocks import load_shock_table, solvency2_life_scenarios

    try:
        chosen = assumptions.approved_set(options["basis"])
        basis = assumptions.engine_basis(chosen)
        points = read_model_points_csv(options["model_points"])
        curve, label = runs.discount_curve(basis, options["government_curve"], options["date"])
        table = load_shock_table("solvency2", options["date"] or dt.date.today())
        shocked = solvency2_life_scenarios(table, curve)
        result = project(points, basis, shocked.scenarios, engine=options["engine"], cashflows=False)
        life = solvency2_life_risk(by_policy(bel(result)), table)
    except (assumptions.UnapprovedBasis, ModelPointError, runs.InputError, FileNotFoundError, ValueError) as exc:
        raise CommandError(str(exc)) from None
    return life, result, SimpleNamespace(assumption_set=chosen.run_reference()), label, table
