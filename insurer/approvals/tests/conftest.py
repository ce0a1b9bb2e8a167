"""People with roles for the approval stories: ``person("ann", "claims_supervisor")``
makes a user holding that role (company-wide, or in a department) through a system grant."""

from __future__ import annotations

import pytest


@pytest.fixture
def person(db):
    from django.contrib.auth import get_user_model

    from insurer.access.models import Department
    from insurer.access.services import grant_system

    def make(username: str, *roles: str, department: str | None = None):
        user = get_user_model().objects.create_user(username=username, password="approvals-pass-123")
        scope = Department.objects.get(code=department) if department else None
        for role in roles:
            grant_system(user=user, role=role, reason="approvals test", department=scope)
        return user

    return make


@pytest.fixture
def claims(db):
    from insurer.access.models import Department

    return Department.objects.get(code="CLAIMS")


@pytest.fixture
def submit(claims):
    """Submit a claim payout (or any kind) as ``maker``."""
    from insurer.approvals.services import approval_submit

    def make(maker, amount, kind="claim_payout", **extra):
        values = {
            "object_type": "claims.claim",
            "object_id": "C-1",
            "object_repr": "Claim C-1",
            "department": claims,
            "title": f"Pay claim of {amount}",
        }
        values.update(extra)
        return approval_submit(actor=maker, kind=kind, amount=amount, **values)

    return make


@pytest.fixture
def crew(person):
    """A claims handler (maker), two claims supervisors, two executives, two board members,
    a compliance officer and a CRO."""
    return {
        "maker": person("hana", "claims_handler"),
        "sup": person("sam", "claims_supervisor"),
        "sup2": person("sue", "claims_supervisor"),
        "exe": person("eve", "executive"),
        "exe2": person("ed", "executive"),
        "board": person("bo", "board_member"),
        "board2": person("bea", "board_member"),
        "comp": person("cai", "compliance_officer"),
        "cro": person("cro-li", "cro"),
    }
