"""Permission-matrix endpoints of the assumption set screens (risk/views_assumptions.py),
added to the risk app's ENDPOINTS by risk/tests/matrix.py.

Readers of valuations read assumption sets; actuaries and the chief actuary draft; the chief
actuary and the CRO approve, reject and retire. Editing and submitting a draft belong to its
maker alone (a user of the world, not a persona): every persona is refused."""

from __future__ import annotations

import json

from insurer.roles import CATALOGUE
from insurer.testing.matrix import WRITE, Endpoint

VIEW = "risk.view_assumptionset"
DRAFT = "risk.draft_assumptions"
APPROVE = "risk.approve_assumptions"
ALL = frozenset(r.code for r in CATALOGUE)


def assumption_world(requester) -> dict:
    """cross_default v1 (shipped, approved) and three later versions by a maker of the world:
    a draft, a submitted version and an approved one (checked by the requester)."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from risk.engine.basis_schema import content_hash
    from risk.models import AssumptionSet

    maker = get_user_model().objects.create_user(username="matrix-assumption-maker", password="x-pass-12345")
    base = AssumptionSet.objects.get(name="cross_default", version=1)
    made = {}
    for version, (key, status, loading) in enumerate(
        [("assumption_approved", "approved", 0.36), ("assumption_submitted", "submitted", 0.37),
         ("assumption_draft", "draft", 0.38)], start=90
    ):  # fmt: skip
        parameters = {**base.parameters, "premium_loading": loading}
        made[key] = AssumptionSet.objects.create(
            name="cross_default", version=version, parent=base, note="matrix", parameters=parameters,
            content_hash=content_hash(parameters), status=status, maker=maker,
            submitted_at=timezone.now() if status != "draft" else None,
            checker=requester if status == "approved" else None,
            decided_at=timezone.now() if status == "approved" else None,
        )  # fmt: skip
    return {"assumption_base": base, **made}


def _new_version(w) -> dict:
    return {"parameters": json.dumps({**w["assumption_base"].parameters, "premium_loading": 0.4}), "note": "matrix"}


def _url(key: str, action: str = ""):
    return lambda w: f"/risk/assumptions/{w[key].pk}/{action + '/' if action else ''}"


ASSUMPTION_ENDPOINTS = [
    Endpoint("risk:assumptions", lambda w: "/risk/assumptions/", VIEW),
    Endpoint(
        "risk:assumption_compare",
        lambda w: f"/risk/assumptions/compare/?old={w['assumption_base'].pk}&new={w['assumption_draft'].pk}",
        VIEW,
    ),
    Endpoint("risk:assumption", _url("assumption_submitted"), VIEW, object_permission=VIEW),
    Endpoint("risk:assumption_new", _url("assumption_base", "new"), DRAFT, object_permission=VIEW),
    Endpoint("risk:assumption_new", _url("assumption_base", "new"), DRAFT, kind=WRITE, method="post",
             object_permission=VIEW, data=_new_version),
    # A draft is its maker's: nobody else edits or submits it.
    Endpoint("risk:assumption_edit", _url("assumption_draft", "edit"), DRAFT, object_permission=VIEW, refuses=ALL),
    Endpoint("risk:assumption_edit", _url("assumption_draft", "edit"), DRAFT, kind=WRITE, method="post",
             object_permission=VIEW, refuses=ALL, data=_new_version),
    Endpoint("risk:assumption_submit", _url("assumption_draft", "submit"), DRAFT, kind=WRITE, method="post",
             object_permission=VIEW, refuses=ALL),
    Endpoint("risk:assumption_approve", _url("assumption_submitted", "approve"), APPROVE, kind=WRITE,
             method="post", object_permission=VIEW),
    Endpoint("risk:assumption_reject", _url("assumption_submitted", "reject"), APPROVE, kind=WRITE, method="post",
             object_permission=VIEW, data=lambda w: {"comment": "not yet"}),
    Endpoint("risk:assumption_retire", _url("assumption_approved", "retire"), APPROVE, kind=WRITE, method="post",
             object_permission=VIEW, data=lambda w: {"comment": "superseded"}),
]  # fmt: skip
