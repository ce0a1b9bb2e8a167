"""Permission-matrix endpoints of payout holds and real-time scoring (insurer/testing/matrix.py)."""

from __future__ import annotations

from insurer.testing.matrix import WRITE, Endpoint


def world(builders) -> dict:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from compliance.holds.models import LegalHold, Restriction

    policy = builders.policy()
    placer = get_user_model().objects.create_user(username="matrix-hold-placer")
    restriction = Restriction.objects.create(kind="hold", policy=policy, reason="matrix", source="manual",
                                             placed_by=placer, placed_at=timezone.now())  # fmt: skip
    legal_hold = LegalHold.objects.create(customer=policy.policyholder, reason="matrix", placed_by=placer,
                                          placed_at=timezone.now())  # fmt: skip
    return {"held": policy, "restriction": restriction, "legal_hold": legal_hold}


VIEW = "compliance_holds.view_restriction"
LH = "compliance_holds."
SCORE = {
    "txn_ref": "TMATRIX1",
    "kind": "premium",
    "timestamp": "2026-03-01T10:00:00+08:00",
    "amount": "1500.00",
    "method": "transfer",
}
ENDPOINTS = [
    Endpoint("compliance_holds:list", lambda w: "/compliance/holds/", VIEW),
    Endpoint("compliance_holds:place", lambda w: "/compliance/holds/place/", "compliance_holds.place_hold"),
    Endpoint("compliance_holds:detail", lambda w: f"/compliance/holds/{w['restriction'].pk}/", VIEW,
             object_permission=VIEW),
    Endpoint("compliance_holds:lift", lambda w: f"/compliance/holds/{w['restriction'].pk}/lift/",
             "compliance_holds.lift_hold", kind=WRITE, method="post", object_permission=VIEW,
             data=lambda w: {"reason": "matrix"}),
    Endpoint("compliance_holds:policy", lambda w: f"/compliance/holds/policy/{w['held'].policy_ref}/", VIEW,
             object_permission="customers.view_policy"),
    Endpoint("aml-score", lambda w: "/api/v1/aml/score", "compliance_holds.score_transaction", kind=WRITE,
             method="post", api=True, content_type="application/json",
             data=lambda w: {**SCORE, "policy_ref": w["held"].policy_ref}),
    Endpoint("aml-restriction-list", lambda w: "/api/v1/aml/restrictions/", VIEW, api=True),
    Endpoint("aml-restriction-detail", lambda w: f"/api/v1/aml/restrictions/{w['restriction'].pk}/", VIEW,
             api=True, object_permission=VIEW),
    Endpoint("aml-restriction-list", lambda w: "/api/v1/aml/restrictions/", "compliance_holds.place_hold",
             kind=WRITE, method="post", api=True, content_type="application/json",
             data=lambda w: {"kind": "hold", "target_ref": w["held"].policy_ref, "reason": "matrix"}),
    Endpoint("aml-restriction-lift", lambda w: f"/api/v1/aml/restrictions/{w['restriction'].pk}/lift/",
             "compliance_holds.lift_hold", kind=WRITE, method="post", api=True, object_permission=VIEW,
             content_type="application/json", data=lambda w: {"reason": "matrix"}),
    Endpoint("aml-legal-hold-list", lambda w: "/api/v1/aml/legal-holds/", LH + "view_legalhold", api=True),
    Endpoint("aml-legal-hold-detail", lambda w: f"/api/v1/aml/legal-holds/{w['legal_hold'].pk}/",
             LH + "view_legalhold", api=True, object_permission=LH + "view_legalhold"),
    Endpoint("aml-legal-hold-list", lambda w: "/api/v1/aml/legal-holds/", LH + "add_legalhold", kind=WRITE,
             method="post", api=True, content_type="application/json",
             data=lambda w: {"customer_ref": w["held"].policyholder.customer_ref, "reason": "matrix"}),
    Endpoint("aml-legal-hold-lift", lambda w: f"/api/v1/aml/legal-holds/{w['legal_hold'].pk}/lift/",
             LH + "change_legalhold", kind=WRITE, method="post", api=True, object_permission=LH + "view_legalhold",
             content_type="application/json", data=lambda w: {"reason": "matrix"}),
]  # fmt: skip
