import json

from django.core.management.base import BaseCommand

from insurer.ledger import signing
from insurer.ledger.models import Checkpoint
from insurer.ledger.services import checkpoint_create, checkpoint_export


class Command(BaseCommand):
    help = "Sign the ledger's head now, print the public key, or export every checkpoint as JSON lines."

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--public-key", action="store_true", help="print the public key and its fingerprint")
        group.add_argument("--export", metavar="FILE", help="write every checkpoint to FILE (JSON lines)")

    def handle(self, *args, **options):
        if options["public_key"]:
            self.stdout.write(f"{signing.public_key_b64()}  fingerprint {signing.fingerprint()}")
            return
        if options["export"]:
            with open(options["export"], "w", encoding="utf-8") as fh:
                for cp in Checkpoint.objects.order_by("sequence"):
                    fh.write(json.dumps(checkpoint_export(cp)) + "\n")
            self.stdout.write(f"exported {Checkpoint.objects.count()} checkpoints to {options['export']}")
            return
        cp = checkpoint_create()
        self.stdout.write(f"signed checkpoint #{cp.sequence} {cp.hash}" if cp else "ledger is empty; nothing to sign")
