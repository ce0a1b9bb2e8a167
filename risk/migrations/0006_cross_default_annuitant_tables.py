"""A new version of the shipped ``cross_default`` basis that values annuitants on the annuitant
tables of the China Life Insurance Mortality Tables 2010-2013 (CL5 male, CL6 female) instead of
the non-annuity CL1/CL2: version 1's parameters plus ``annuity_mortality`` and its source.

It is loaded **submitted for approval, not approved**. Version 1 was approved by the system
because it was the reference shipped with the engine (migration 0003); changing an approved
basis is a new version that a checker approves (decisions 0013 and 0015: "adding them is a new
version, approved maker-checker"), and a migration has no actor to be that checker. So the
chief actuary or the CRO reviews the diff on /risk/assumptions/ and approves or rejects it
through ``risk.assumptions`` (audited); until then runs naming ``cross_default`` keep using
version 1. No maker is recorded (the note says it was shipped with the engine); the service's
maker-checker rule still holds, since no user drafted it.

``critical_illness_incidence`` is not given: no published critical-illness incidence table is
in the repository, and inventing one would be worse than leaving critical illness not valued.

``forward`` is idempotent (a version with the same parameters already there, or no version 1,
leaves it alone): the test suite calls it again after a flush, as it does for 0003.
"""

from django.db import migrations

NOTE = (
    "Shipped with the engine (migration risk/0006) for approval: version 1 plus annuity_mortality "
    "CL5 (male) / CL6 (female), the annuitant tables of the China Life Insurance Mortality Tables "
    "2010-2013, so annuities are valued on annuitant mortality rather than CL1/CL2 (docs/actuarial.md, "
    "Product kinds valued; decision 0015). Nothing else changes. Critical-illness incidence is not "
    "given: no published table is in the repository."
)
ANNUITANT_SOURCE = (
    "China Life Insurance Mortality Tables (2010-2013), CL5 male / CL6 female, annuity business "
    "(China Association of Actuaries); insurer/reference/mortality/SOURCE.md"
)


def proposal(v1_parameters: dict) -> dict:
    from risk.engine.basis_schema import normalised

    sources = {**v1_parameters.get("sources", {}), "annuity_mortality": ANNUITANT_SOURCE}
    return normalised({**v1_parameters, "annuity_mortality": {"M": "CL5", "F": "CL6"}, "sources": sources})


def forward(apps, schema_editor):
    from django.db.models import Max
    from django.utils import timezone

    from risk.engine.basis_schema import content_hash

    AssumptionSet = apps.get_model("risk", "AssumptionSet")
    v1 = AssumptionSet.objects.filter(name="cross_default", version=1).first()
    if v1 is None:
        return
    parameters = proposal(v1.parameters)
    digest = content_hash(parameters)
    if AssumptionSet.objects.filter(name="cross_default", content_hash=digest).exists():
        return
    version = AssumptionSet.objects.filter(name="cross_default").aggregate(v=Max("version"))["v"] + 1
    now = timezone.now()
    AssumptionSet.objects.create(
        name="cross_default", version=version, parent=v1, note=NOTE, parameters=parameters, content_hash=digest,
        status="submitted", created_at=now, updated_at=now, submitted_at=now,
    )  # fmt: skip


def backward(apps, schema_editor):
    # Only the proposal as shipped: once decided (approved or rejected) it is a record, kept.
    apps.get_model("risk", "AssumptionSet").objects.filter(
        name="cross_default", note=NOTE, status="submitted", maker__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("risk", "0005_capital_positions")]

    operations = [migrations.RunPython(forward, backward)]
