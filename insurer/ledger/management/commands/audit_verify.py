import json
import sys
import time

from django.core.management.base import BaseCommand

from insurer.ledger.services import verify


class Command(BaseCommand):
    help = "Re-walk the audit ledger's hash chain and its signed checkpoints; name the first bad event."

    def add_arguments(self, parser):
        parser.add_argument("--checkpoints", help="a JSON-lines file of checkpoints kept outside the system")
        parser.add_argument("--public-key", help="the checkpoint public key (base64) the audit committee holds")

    def handle(self, *args, **options):
        external = None
        if options["checkpoints"]:
            with open(options["checkpoints"], encoding="utf-8") as fh:
                external = [json.loads(line) for line in fh if line.strip()]
        started = time.perf_counter()
        report = verify(external_checkpoints=external, public_key_b64=options["public_key"])
        seconds = time.perf_counter() - started
        if report.ok:
            self.stdout.write(
                f"ledger OK: {report.events} events, head #{report.head_sequence}, "
                f"{report.checkpoints_checked} checkpoints verified in {seconds:.2f} s"
                + (f"; {report.pending} newer events not chained yet" if report.pending else "")
            )
            return
        for problem in report.problems:
            self.stderr.write(f"LEDGER BROKEN: {problem}")
        sys.exit(1)
