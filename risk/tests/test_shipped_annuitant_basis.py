"""cross_default version 2, shipped by migration risk/0006 submitted for approval: version 1
plus the annuitant tables CL5/CL6. A checker approves it through the service (audited); from
then on annuities are valued on CL5 (men) and CL6 (women), checked against the monthly
commutation columns of those tables from the data file."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from insurer.ledger.models import AuditEvent
from risk import assumptions
from risk.engine.commutation import monthly_commutation
from risk.engine.modelpoints import model_points_from_frame
from risk.engine.projection import project
from risk.engine.scenario_set import ScenarioSet
from risk.engine.tables import load_table
from risk.models import AssumptionSet

pytestmark = pytest.mark.django_db

BASICLIFE_POINTS = "risk/engine/bases/basiclife/model_points.csv"


def shipped_v2() -> AssumptionSet:
    return AssumptionSet.objects.get(name="cross_default", version=2)


def test_version_2_is_shipped_submitted_naming_the_annuitant_tables_and_runs_keep_version_1(chief_actuary):
    v1, v2 = AssumptionSet.objects.get(name="cross_default", version=1), shipped_v2()
    assert (v2.status, v2.parent, v2.maker, v2.checker, v2.system_note) == ("submitted", v1, None, None, "")
    assert v2.approved_by_label == "" and "CL5 (male) / CL6 (female)" in v2.note
    changes = {(c.field, c.old, c.new) for c in assumptions.diff(v1, v2)}
    assert ("annuity_mortality.M", None, "CL5") in changes and ("annuity_mortality.F", None, "CL6") in changes
    # Nothing else of the basis changes: only the annuitant tables and their source.
    assert {c.field.split(".")[0] for c in assumptions.diff(v1, v2)} == {"annuity_mortality", "sources"}
    assert "critical_illness_incidence" not in v2.parameters  # no published incidence table
    assert assumptions.approved_set("cross_default") == v1
    # The checker finds it on the screens, with its diff and the approve button.
    client = Client()
    client.force_login(chief_actuary)
    page = client.get(f"/risk/assumptions/{v2.pk}/").content.decode()
    assert 'data-testid="approve"' in page and "annuity_mortality.M" in page and "CL5" in page
    with pytest.raises(CommandError, match="cross_default v2 is submitted for approval, not approved"):
        call_command(
            "valuation", "--model-points", BASICLIFE_POINTS, "--basis", "cross_default:2", stdout=io.StringIO()
        )


def test_running_the_migration_again_adds_nothing():
    import importlib

    from django.apps import apps

    importlib.import_module("risk.migrations.0006_cross_default_annuitant_tables").forward(apps, None)
    assert AssumptionSet.objects.filter(name="cross_default").count() == 2


def annuitant(sex: str) -> pd.DataFrame:
    """12,000 a year paid monthly in advance for life from 65, bought by a single premium."""
    return pd.DataFrame({
        "point_id": [1], "age_at_entry": [65], "sex": [sex], "policy_term": [105 + 1 - 65], "policy_count": [1.0],
        "sum_assured": [0.0], "duration_mth": [0], "premium_term": [0], "premium_pp": [0.0],
        "annuity_pp": [12_000.0], "annuity_start": [0], "annuity_frequency": [12], "decrement": ["annuitant"],
    })  # fmt: skip


@pytest.mark.parametrize(("sex", "table", "death_table"), [("M", "CL5", "CL1"), ("F", "CL6", "CL2")])
def test_approved_by_a_checker_annuities_are_valued_on_cl5_and_cl6(chief_actuary, sex, table, death_table):
    v2 = assumptions.assumption_set_approve(actor=chief_actuary, assumption_set=shipped_v2(), comment="CL5/CL6")
    assert (v2.status, v2.checker, assumptions.approved_set("cross_default")) == ("approved", chief_actuary, v2)
    event = AuditEvent.objects.get(object_type="risk.assumptionset", object_id=str(v2.pk))
    assert (event.action, event.actor_id) == ("assumption_set_approve", chief_actuary.pk)

    basis = assumptions.engine_basis(v2)
    rate = 0.025  # cross_default's pricing curve, on which a run without a government curve discounts
    assert list(basis.pricing_spot_curve) == [rate]
    result = project(model_points_from_frame(annuitant(sex)), basis, ScenarioSet.base(np.full(45, rate)))
    # PV of the payments = 1,000 x the monthly annuity-due at 65 on the annuitant table, at 2.5 per cent
    # (monthly columns from the CL data file: each month of a year of age at 1 - (1 - q)^(1/12)).
    on_annuitant_table = 1_000 * monthly_commutation(load_table(table), rate, 65).annuity_due(0)
    assert float(result.pv["pv_annuities"][0, 0]) == pytest.approx(on_annuitant_table, rel=1e-9)
    # ... which is more than on the death table version 1 used: annuitants live longer.
    assert on_annuitant_table > 1.05 * 1_000 * monthly_commutation(load_table(death_table), rate, 65).annuity_due(0)
