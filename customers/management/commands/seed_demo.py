"""manage.py seed_demo --size small|medium|large --seed N: load the demo insurer.

Deterministic for (size, seed); see docs/demo-data.md for what is generated and how.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from customers.demo.params import SIZES
from customers.demo.runner import DemoRefused, seed_demo


class Command(BaseCommand):
    help = "Replace the book of business with a generated demo insurer (never in production)."

    def add_arguments(self, parser):
        parser.add_argument("--size", choices=sorted(SIZES), default="small")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--csv", dest="csv_dir", type=Path, help="also write the interchange CSVs to this folder")
        parser.add_argument("--csv-only", action="store_true", help="write the CSVs (needs --csv) but not the database")
        parser.add_argument("--no-logins", action="store_true", help="do not create the demo login per role")
        parser.add_argument("--keep", action="store_true", help="do not wipe the book tables first")

    def handle(self, *args, size, seed, csv_dir, csv_only, no_logins, keep, **options):
        if csv_only and csv_dir is None:
            raise CommandError("--csv-only needs --csv DIR")
        try:
            report = seed_demo(
                size=size, seed=seed, csv_dir=csv_dir, csv_only=csv_only, keep=keep, logins=not no_logins
            )
        except DemoRefused as exc:
            raise CommandError(str(exc)) from exc
        out = self.stdout
        out.write(f"Demo insurer: size {size}, seed {seed}")
        for label, count in report.counts.items():
            out.write(f"  {label:<20} {count:>10,}")
        out.write("Timings:")
        for label, seconds in report.timings:
            out.write(f"  {label:<28} {seconds:8.2f} s")
        out.write(f"  {'total':<28} {report.total_seconds:8.2f} s")
        if csv_dir is not None:
            out.write(f"CSV files written to {csv_dir}")
        if report.logins:
            out.write("")
            out.write("Demo logins (username / password / role):")
            width = max(len(login.username) for login in report.logins)
            for login in report.logins:
                out.write(f"  {login.username:<{width}}  {login.password:<40}  {login.role.name}")
        out.write(self.style.SUCCESS("Demo insurer loaded." if not csv_only else "Demo CSVs written."))
