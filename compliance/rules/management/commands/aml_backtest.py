"""manage.py aml_backtest --version NAME [--shadow] [--json FILE]: a backtest of a stored rule
version over the whole book, printed (alerts per rule, recall and precision per typology
against the planted labels); --shadow also compares it with the live version. The same
computation as the aml_backtest / aml_shadow jobs (the screens queue those)."""

from __future__ import annotations

import json as jsonlib

from django.core.management.base import BaseCommand, CommandError

from compliance.rules import backtest, jobs, selectors
from compliance.rules.models import RuleVersion


def _fmt(value) -> str:
    return "–" if value is None else f"{value:.3f}"


class Command(BaseCommand):
    help = "Backtest a rule version over the whole history against the planted typology labels."

    def create_parser(self, prog_name, subcommand, **kwargs):
        # --version names the rule version here, replacing Django's "print the Django version".
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("--version", required=True, help="rule version name, e.g. rules-v2")
        parser.add_argument("--shadow", action="store_true", help="also compare with the live version")
        parser.add_argument("--json", metavar="FILE", help="write the summary as JSON")

    def handle(self, *args, version, shadow, **options):
        target = options.get("json")
        chosen = RuleVersion.objects.filter(name=version).first()
        if chosen is None:
            names = ", ".join(RuleVersion.objects.values_list("name", flat=True)) or "none"
            raise CommandError(f"no rule version {version!r} (stored: {names})")
        inputs = jobs.book_inputs()
        params = selectors.version_parameters(chosen)
        if shadow:
            live = selectors.live_version()
            if live is None or live.pk == chosen.pk:
                raise CommandError("--shadow compares a candidate with the live version")
            summary = backtest.shadow(inputs, selectors.version_parameters(live), params)
            result, out = summary["candidate"], summary
        else:
            result = out = backtest.backtest(inputs, params)
        w = self.stdout.write
        w(f"{chosen.name} ({params.label}): {result['alerts']:,} alerts, {result['labelled_cases']:,} labelled cases")
        w(f"{'rule':<6}{'alerts':>9}{'on cases':>10}{'precision':>11}{'cases':>7}{'found':>7}{'recall':>8}")
        for rule, r in sorted(result["rules"].items()):
            w(f"{rule:<6}{r['alerts']:>9,}{r['true_alerts']:>10,}{_fmt(r['precision']):>11}{r['cases']:>7}"
              f"{r['found']:>7}{_fmt(r['recall']):>8}")  # fmt: skip
        w(f"precision over all alerts: {_fmt(result['precision'])}")
        if shadow:
            w(f"shadow against {out['live']['catalogue']}: {out['only_live']:,} (rule, policy) alerts only live, "
              f"{out['only_candidate']:,} only in the candidate, {out['both']:,} in both")  # fmt: skip
            for rule, r in sorted(out["rules"].items()):
                w(f"  {rule}: only live {r['only_live']:,}, only candidate {r['only_candidate']:,}, both {r['both']:,}")
        if target:
            with open(target, "w", encoding="utf-8") as fh:
                jsonlib.dump(out, fh, ensure_ascii=False, indent=1)
            w(f"wrote {target}")
