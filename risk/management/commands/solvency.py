from django.core.management.base import BaseCommand, CommandError

from risk import runs
from risk.management.commands._common import add_inputs, basis_label, money, run, write_points


class Command(BaseCommand):
    help = (
        "C-ROSS solvency from model points: life-insurance risk (Rule 5) and interest-rate risk capital from "
        "the 16 standard scenarios; with --capital, minimum capital, the core and comprehensive ratios and "
        "the pass test."
    )

    def add_arguments(self, parser):
        add_inputs(parser)
        parser.add_argument(
            "--capital", metavar="FILE.yaml",
            help="capital and the other modules: core_capital, actual_capital, irr_rating, sarmra_score, "
                 "modules {non_life, market, credit}, absorbency_base/cap/k, total_assets_cny, add_ons",
        )  # fmt: skip

    def handle(self, *args, **options):
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
