"""Load the rule catalogue C1–C15 (insurer/clocks/data/rules.json)."""

from django.db import migrations


def load(apps, schema_editor):
    from insurer.clocks.rules import rules_load

    rules_load(apps.get_model("clocks", "ClockRule"))


class Migration(migrations.Migration):
    dependencies = [("clocks", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
