"""Load AML's internal clock rule AML-R (compliance/data/clock_rules.json): the analyst's
5-working-day review of a case. Listed after the platform's rules (position 100+)."""

from pathlib import Path

from django.db import migrations

RULES = Path(__file__).resolve().parent.parent / "data" / "clock_rules.json"


def load(apps, schema_editor):
    from insurer.clocks.rules import rules_load

    model = apps.get_model("clocks", "ClockRule")
    for rule in rules_load(model, RULES):
        rule.position = 100 + rule.position
        rule.save(update_fields=["position"])


class Migration(migrations.Migration):
    dependencies = [("compliance", "0001_initial"), ("clocks", "0003_time_limit_per_clock")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
