"""Permission-matrix endpoints of rule governance (tests/test_permission_matrix.py)."""

from __future__ import annotations

from insurer.testing.matrix import WRITE, Endpoint


def world(builders) -> dict:
    from django.contrib.auth import get_user_model

    from compliance.engine.parameters import read_document, shipped_catalogues
    from compliance.rules.models import RuleVersion

    maker = get_user_model().objects.create_user(username="matrix-rules-maker", password="x-pass-12345")
    doc = read_document(shipped_catalogues()["rules-v2"])
    candidate = RuleVersion.objects.create(name="matrix-candidate", parameters=doc, note="matrix", status="shadow",
                                           proposed_by=maker)  # fmt: skip
    draft = RuleVersion.objects.create(name="matrix-draft", parameters=doc, note="matrix", proposed_by=maker)
    return {"rule_candidate": candidate, "rule_draft": draft}


VIEW = "compliance_rules.view_ruleversion"
PROPOSE = "compliance_rules.propose_ruleversion"
APPROVE = "compliance_rules.approve_ruleversion"
RUN = "compliance_rules.run_backtest"
ENDPOINTS = [
    Endpoint("compliance_rules:versions", lambda w: "/compliance/rules/", VIEW),
    Endpoint(
        "compliance_rules:version",
        lambda w: f"/compliance/rules/{w['rule_candidate'].pk}/",
        VIEW,
        object_permission=VIEW,
    ),
    Endpoint("compliance_rules:version_new", lambda w: "/compliance/rules/new/", PROPOSE),
    Endpoint(
        "compliance_rules:version_new",
        lambda w: "/compliance/rules/new/",
        PROPOSE,
        kind=WRITE,
        method="post",
        data=lambda w: {"name": "matrix-new", "note": "matrix", "parameters": "not: [valid"},
    ),
    Endpoint(
        "compliance_rules:version_shadow",
        lambda w: f"/compliance/rules/{w['rule_draft'].pk}/shadow/",
        PROPOSE,
        kind=WRITE,
        method="post",
        object_permission=VIEW,
    ),
    Endpoint(
        "compliance_rules:version_backtest",
        lambda w: f"/compliance/rules/{w['rule_candidate'].pk}/backtest/",
        RUN,
        kind=WRITE,
        method="post",
        object_permission=VIEW,
    ),
    Endpoint(
        "compliance_rules:version_shadow_run",
        lambda w: f"/compliance/rules/{w['rule_candidate'].pk}/shadow-run/",
        RUN,
        kind=WRITE,
        method="post",
        object_permission=VIEW,
    ),
    Endpoint(
        "compliance_rules:version_approve",
        lambda w: f"/compliance/rules/{w['rule_candidate'].pk}/approve/",
        APPROVE,
        kind=WRITE,
        method="post",
        object_permission=VIEW,
        data=lambda w: {"comment": "ok"},
    ),
    Endpoint("aml-rule-version-list", lambda w: "/api/v1/aml/rules/", VIEW, api=True),
    Endpoint(
        "aml-rule-version-detail",
        lambda w: f"/api/v1/aml/rules/{w['rule_candidate'].pk}/",
        VIEW,
        api=True,
        object_permission=VIEW,
    ),
    Endpoint(
        "aml-rule-version-list",
        lambda w: "/api/v1/aml/rules/",
        PROPOSE,
        kind=WRITE,
        method="post",
        api=True,
        data=lambda w: {"name": "matrix-api-new", "note": "matrix", "parameters": "not: [valid"},
        content_type="application/json",
    ),
    Endpoint(
        "aml-rule-version-shadow",
        lambda w: f"/api/v1/aml/rules/{w['rule_draft'].pk}/shadow/",
        PROPOSE,
        kind=WRITE,
        method="post",
        api=True,
        object_permission=VIEW,
        content_type="application/json",
    ),
    Endpoint(
        "aml-rule-version-approve",
        lambda w: f"/api/v1/aml/rules/{w['rule_candidate'].pk}/approve/",
        APPROVE,
        kind=WRITE,
        method="post",
        api=True,
        object_permission=VIEW,
        data=lambda w: {"comment": "ok"},
        content_type="application/json",
    ),
]
