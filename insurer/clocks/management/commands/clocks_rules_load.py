"""Load new rule versions added to insurer/clocks/data/rules.json (existing versions are
never edited: a changed one is refused)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from insurer import audit
from insurer.clocks.models import ClockRule
from insurer.clocks.rules import rules_load


class Command(BaseCommand):
    help = "Load new versions of the regulatory clock rules from the shipped data file."

    @transaction.atomic
    def handle(self, *args, **options):
        created = rules_load(ClockRule)
        for rule in created:
            audit.record_change(
                actor=None,
                action="clock_rule_load",
                obj_type="clocks.clockrule",
                obj_id=str(rule.pk),
                object_repr=str(rule)[:200],
                after={"code": rule.code, "version": rule.version, "effective_from": rule.effective_from.isoformat()},
            )
        self.stdout.write(f"{len(created)} new rule version(s) loaded")
