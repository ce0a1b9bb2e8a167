"""Fixtures of the risk tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def without_shipped_proposal():
    """The maker-checker stories that draft cross_default's next version from version 1 alone:
    the annuitant-table version migration risk/0006 ships submitted (as version 2) is taken
    out, as on an install where the chief actuary has not seen it yet and no other version
    exists (its own test, test_shipped_annuitant_basis.py, keeps it)."""
    from risk.models import AssumptionSet

    AssumptionSet.objects.filter(name="cross_default", status="submitted", maker__isnull=True).delete()
