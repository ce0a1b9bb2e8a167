"""rules-v3, the calibration of L02, L05, L06 and L13, as a draft based on rules-v2: proposed
the way rules-v2 was (the shipped file, validated by the engine's loader); it goes to shadow,
is shadow-run and approved through the rule-governance service like any version."""

from django.db import migrations

NOTE = (
    'L02, L05, L06 and L13 calibrated; no regulatory threshold moves (docs/aml.md, "Calibration rules-v3"). '
    "L02 compares the 5x declared income with single premiums only, as the red flag says. L05: a claim paid to "
    "the life assured or to a beneficiary named on the policy is paid to whom the contract names, not to a third "
    "party (surrenders, refunds and withdrawals unchanged; L09 still flags a beneficiary named just before a "
    "payout). L06: a third party who has paid since the first premium, as the only payer, weighs 15 (below the "
    "review tier) instead of 30; a payer turning up later keeps 30. L13: a listed payer is flagged on its first "
    "premium on a policy, not on every instalment. Medium demo book (seed 1): 5,786 alerts under rules-v2, "
    "2,784 under rules-v3; recall 1.000 on every typology."
)


def forward(apps, schema_editor):
    from compliance.engine.parameters import parse_parameters, read_document, shipped_catalogues

    RuleVersion = apps.get_model("compliance_rules", "RuleVersion")
    files = shipped_catalogues()
    if "rules-v3" not in files or RuleVersion.objects.filter(name="rules-v3").exists():
        return
    doc = read_document(files["rules-v3"])
    parse_parameters(doc)  # never store a catalogue the engine refuses
    RuleVersion.objects.create(
        name="rules-v3", parameters=doc, note=NOTE, status="draft",
        based_on=RuleVersion.objects.filter(name="rules-v2").first(),
    )  # fmt: skip


def backward(apps, schema_editor):
    apps.get_model("compliance_rules", "RuleVersion").objects.filter(
        name="rules-v3", status="draft", proposed_by__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("compliance_rules", "0002_load_rules_v1_v2")]
    operations = [migrations.RunPython(forward, backward)]
