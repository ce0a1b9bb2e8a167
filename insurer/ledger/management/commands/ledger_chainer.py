import signal
import threading

from django.core.management.base import BaseCommand, CommandError

from insurer.ledger import chainer


class Command(BaseCommand):
    help = (
        "Give recorded audit events their place in the chain as they commit "
        "(run one per database when INSURER_LEDGER_CHAINING=chainer)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--poll", type=float, default=0.05, help="seconds between looks when idle")
        parser.add_argument(
            "--check",
            type=float,
            metavar="SECONDS",
            help="health check: fail if an event has waited longer than SECONDS to be chained",
        )

    def handle(self, *args, **options):
        if options["check"] is not None:
            lag = chainer.lagging_seconds()
            if lag > options["check"]:
                limit = options["check"]
                raise CommandError(f"the oldest unchained event has waited {lag:.0f} s (limit {limit:.0f} s)")
            self.stdout.write(f"ledger chainer keeping up: oldest unchained event {lag:.1f} s old")
            return
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        self.stdout.write("ledger chainer: running")
        self.stdout.flush()
        total = chainer.run(poll_seconds=options["poll"], stop=stop)
        self.stdout.write(f"ledger chainer: stopped after chaining {total} events")
