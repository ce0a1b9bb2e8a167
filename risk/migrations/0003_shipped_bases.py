"""The bases shipped with the engine (risk/engine/bases/: basiclife, cross_default) become the
approved version 1 of their assumption sets.

They are approved by the system, not by a person: ``system_note`` = "system: shipped reference
basis", no maker and no checker. basiclife reproduces lifelib's BasicTerm_M (a published
reference anyone can check); cross_default is illustrative and its figures are marked
[verify] in its sources: the appointed actuary replaces it by drafting version 2, which a
checker approves (docs/decisions/0013-assumption-sets.md). Not a ledger event: a migration has
no actor; the record itself says who approved it.

``forward`` is idempotent (a name that already has a version is left alone): the test suite
calls it again after a flush, as it does for the other reference data.
"""

from django.db import migrations

SYSTEM_APPROVAL = "system: shipped reference basis"


def forward(apps, schema_editor):
    from django.utils import timezone

    from risk.engine.basis_schema import content_hash, shipped_parameters
    from risk.engine.bases import basis_names

    AssumptionSet = apps.get_model("risk", "AssumptionSet")
    now = timezone.now()
    for name in basis_names():
        if AssumptionSet.objects.filter(name=name).exists():
            continue
        parameters = shipped_parameters(name)
        AssumptionSet.objects.create(
            name=name,
            version=1,
            note=f"Shipped with the engine: risk/engine/bases/{name}/ (sources in the parameters and SOURCE.md).",
            parameters=parameters,
            content_hash=content_hash(parameters),
            status="approved",
            created_at=now,
            updated_at=now,
            submitted_at=now,
            decided_at=now,
            system_note=SYSTEM_APPROVAL,
        )


def backward(apps, schema_editor):
    apps.get_model("risk", "AssumptionSet").objects.filter(version=1, system_note=SYSTEM_APPROVAL).delete()


class Migration(migrations.Migration):
    dependencies = [("risk", "0002_assumption_sets")]

    operations = [migrations.RunPython(forward, backward)]
