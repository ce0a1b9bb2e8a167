import datetime as dt
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from compliance import services
from compliance.book import book_frames, screening_hits_frame
from compliance.engine.monitoring import alerts_to_csv, apply_snoozes, monitor
from compliance.engine.ownership import look_through
from compliance.rules.selectors import live_parameters
from compliance.selectors import rule_snoozes_frame
from customers.services import SystemActor


class Command(BaseCommand):
    help = (
        "Run the AML monitoring rules L01-L13 over the whole transaction history of the book and print the "
        "alerts by rule and tier; --export writes them as CSV (alert_id, rule_id, customer_ref, policy_ref, "
        "txn_refs, score, tier, created_at); --save stores them (idempotently) as alerts grouped into cases with "
        "their review clocks and places a payout hold or freeze on the policy of each new hold- or freeze-tier "
        "alert (as the system user aml-monitor); --lvtr-since DATE generates the large-value reports of the "
        "transactions since DATE (needs --actor, whose C13 clocks they start)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--export", metavar="FILE.csv", help="write the alerts as CSV")
        parser.add_argument("--save", action="store_true", help="store the alerts and open cases (idempotent)")
        parser.add_argument("--lvtr-since", metavar="YYYY-MM-DD", help="generate large-value reports since this day")
        parser.add_argument("--actor", metavar="USERNAME", help="the user recorded as running it (default: the OS "
                            "account); needed for --lvtr-since")  # fmt: skip

    def handle(self, *args, **options):
        started = time.perf_counter()
        frames = book_frames()
        loaded = time.perf_counter()
        ownership = look_through(frames["beneficial_owners"], frames["customers"])
        params = live_parameters()  # the live rule version
        alerts = monitor(
            frames["transactions"], frames["policies"], frames["customers"],
            screening_hits=screening_hits_frame(), ownership=ownership, params=params,
        )  # fmt: skip
        # The rule snoozes in force, as the aml_monitoring job applies them.
        alerts = apply_snoozes(alerts, rule_snoozes_frame(), params, as_of=timezone.now())
        done = time.perf_counter()
        self.stdout.write(
            f"{len(frames['transactions']):,} transactions, {len(frames['policies']):,} policies, "
            f"{len(frames['customers']):,} customers: read in {loaded - started:.1f} s, rules in {done - loaded:.1f} s"
        )
        self.stdout.write(f"{len(alerts):,} alerts")
        if len(alerts):
            for tier, count in alerts["tier"].value_counts().sort_index().items():
                self.stdout.write(f"  tier {tier}: {count:,}")
            rules = alerts["rule_ids"].explode().value_counts().sort_index()
            self.stdout.write("  by rule: " + ", ".join(f"{rule} {count:,}" for rule, count in rules.items()))
        if options["export"]:
            alerts_to_csv(alerts, options["export"])
            self.stdout.write(f"wrote {len(alerts):,} alerts to {options['export']}")
        actor = self._actor(options["actor"])
        if options["save"]:
            saved = time.perf_counter()
            run = services.run_start(actor=actor, source="command", rules_version=params.label)
            counts = services.alerts_persist(actor=actor, alerts=alerts, run=run)
            services.run_finish(run, transactions=len(frames["transactions"]))
            self.stdout.write(
                f"saved in {time.perf_counter() - saved:.1f} s (run {run.pk}): {counts['alerts_new']:,} new, "
                f"{counts['alerts_updated']:,} updated, {counts['alerts_unchanged']:,} unchanged; "
                f"{counts['cases_opened']:,} cases opened, {counts['cases_escalated']:,} escalated; "
                f"{counts['holds_placed']:,} holds and {counts['freezes_placed']:,} freezes placed"
            )
        if options["lvtr_since"]:
            if getattr(actor, "pk", None) is None:
                raise CommandError("--lvtr-since needs --actor USERNAME (a user who may start the C13 clocks)")
            try:
                since = dt.date.fromisoformat(options["lvtr_since"])
            except ValueError as exc:
                raise CommandError(f"--lvtr-since: {options['lvtr_since']!r} is not a date (YYYY-MM-DD)") from exc
            counts = services.lvtr_generate(actor=actor, since=since)
            self.stdout.write(
                f"large-value reports {counts['since']}..{counts['until']}: {counts['reportable']:,} reportable, "
                f"{counts['created']:,} new"
            )

    def _actor(self, username):
        if not username:
            return SystemActor.current()
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"--actor: no active user {username!r}")
        return user
