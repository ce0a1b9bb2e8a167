"""The shipped catalogues as rule versions: rules-v1 live (what monitoring ran before rule
governance existed) and rules-v2, the L11 calibration, as the candidate in shadow."""

from django.db import migrations
from django.utils import timezone

NOTES = {
    "rules-v1": "The catalogue shipped with the engine (compliance/engine/data/rules-v1.yaml): the defaults of "
    "shared/spec/regulation-aml.md. Live from the start.",
    "rules-v2": "L11 calibrated: a cash-equivalent (cheque) premium alerts from CNY 50,000 or when it is the first "
    "after at least 3 premiums paid otherwise, instead of every cheque premium (95,795 of the 128,492 alerts on the "
    "large demo book were L11 on habitual cheque payers). Everything else as rules-v1.",
}


def forward(apps, schema_editor):
    from compliance.engine.parameters import parse_parameters, read_document, shipped_catalogues

    RuleVersion = apps.get_model("compliance_rules", "RuleVersion")
    files = shipped_catalogues()
    now = timezone.now()
    previous = None
    for name, status in (("rules-v1", "live"), ("rules-v2", "shadow")):
        if name not in files or RuleVersion.objects.filter(name=name).exists():
            continue
        doc = read_document(files[name])
        parse_parameters(doc)  # never store a catalogue the engine refuses
        previous = RuleVersion.objects.create(
            name=name, parameters=doc, note=NOTES[name], status=status, based_on=previous,
            approved_at=now if status == "live" else None,
        )  # fmt: skip


def backward(apps, schema_editor):
    apps.get_model("compliance_rules", "RuleVersion").objects.filter(
        name__in=["rules-v1", "rules-v2"], proposed_by__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("compliance_rules", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
