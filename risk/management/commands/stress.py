from django.core.management.base import BaseCommand

from risk.management.commands._common import add_inputs, basis_label, money, run, write_points


class Command(BaseCommand):
    help = (
        "Run the regulator's stress tests (C-ROSS Attachment 4 scenarios 1-3 and the sensitivity, "
        "the Attachment 6 cash-flow test) on model points and print the liability under each against the base; "
        "with --scenarios, the user-defined scenarios of a YAML file instead."
    )

    def add_arguments(self, parser):
        add_inputs(parser)
        parser.add_argument(
            "--scenarios", dest="scenarios_file", metavar="FILE.yaml",
            help="user-defined scenarios (name, source and shocks; docs/actuarial.md) instead of the regulator's",
        )  # fmt: skip

    def handle(self, *args, **options):
        result = run(options, "user" if options.get("scenarios_file") else "stress")
        totals = result.result.totals()
        base = totals.loc["base", "bel"]
        self.stdout.write(
            f"{len(result.result.point_id)} model points, basis {basis_label(result)}, {result.curve_label}"
        )
        self.stdout.write("scenario".ljust(28) + "BEL".rjust(20) + "change vs base".rjust(20))
        for name, row in totals.iterrows():
            self.stdout.write(str(name).ljust(28) + money(row["bel"]).rjust(20) + money(row["bel"] - base).rjust(20))
        for name, shock in (result.shocked.asset_shocks if result.shocked else {}).items():
            self.stdout.write(f"asset side, {name}: {shock}")
        if options["output"]:
            self.stdout.write(f"wrote {write_points(result, options['output'])} rows to {options['output']}")
