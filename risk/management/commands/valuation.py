from django.core.management.base import BaseCommand

from risk.management.commands._common import add_inputs, basis_label, money, run, write_points


class Command(BaseCommand):
    help = (
        "Project model points on a basis and print the aggregate present values "
        "(premiums, claims, expenses, commissions, net cash flow) and the best-estimate liability."
    )

    def add_arguments(self, parser):
        add_inputs(parser)
        parser.add_argument(
            "--scenarios", choices=["base", "cross", "stress"], default="base",
            help="base (default), the 16 C-ROSS scenarios, or the stress tests",
        )  # fmt: skip

    def handle(self, *args, **options):
        result = run(options, options["scenarios"])
        totals = result.result.totals()
        self.stdout.write(
            f"{len(result.result.point_id)} model points, basis {basis_label(result)}, "
            f"discounted on {result.curve_label}"
        )
        columns = list(totals.columns)
        self.stdout.write("scenario".ljust(22) + "".join(c.rjust(20) for c in columns))
        for name, row in totals.iterrows():
            self.stdout.write(str(name).ljust(22) + "".join(money(row[c]).rjust(20) for c in columns))
        if options["output"]:
            rows = write_points(result, options["output"])
            self.stdout.write(f"wrote {rows} rows to {options['output']}")
