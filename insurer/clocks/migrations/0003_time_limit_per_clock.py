"""Clocks whose time limit is set by their starter (rule A1, approval steps), and the
roles a clock tells besides its rule's; loads rule A1 from data/rules.json."""

from django.db import migrations, models


def load(apps, schema_editor):
    from insurer.clocks.rules import rules_load

    rules_load(apps.get_model("clocks", "ClockRule"))


class Migration(migrations.Migration):
    dependencies = [("clocks", "0002_load_rules")]

    operations = [
        migrations.AddField(
            model_name="clockrule",
            name="limit_per_clock",
            field=models.BooleanField(default=False, verbose_name="time limit set per clock"),
        ),
        migrations.AddField(
            model_name="clock",
            name="time_limit",
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name="time limit"),
        ),
        migrations.AddField(
            model_name="clock",
            name="extra_notify",
            field=models.JSONField(blank=True, default=list, verbose_name="also told"),
        ),
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
