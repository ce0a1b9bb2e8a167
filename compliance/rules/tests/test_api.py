"""The API twin of the rule-version screens: read the versions with their backtest and shadow
figures, propose (refused by field), put in shadow, approve (another person, after a shadow
run), each through the service and audited."""

from __future__ import annotations

import pytest

from compliance.rules.models import RuleVersion
from compliance.rules.tests.test_governance import V2_TEXT, _shadow_job
from insurer.ledger.models import AuditEvent

pytestmark = pytest.mark.django_db
JSON = "application/json"


def test_rule_versions_through_the_api(client, shipped_versions, compliance_officer, mlro, internal_auditor):
    v1, v2 = shipped_versions
    client.force_login(internal_auditor)  # oversight reads, never writes
    listed = client.get("/api/v1/aml/rules/").json()["results"]
    assert {(v["name"], v["status"]) for v in listed} == {("rules-v1", "live"), ("rules-v2", "shadow"),
                                                           ("rules-v3", "draft")}  # fmt: skip
    detail = client.get(f"/api/v1/aml/rules/{v2.pk}/").json()
    assert detail["based_on"] == "rules-v1" and detail["parameters"]["rules"]["L11"] and detail["shadow"] is None
    refused = client.post("/api/v1/aml/rules/", {"name": "x", "note": "x", "parameters": V2_TEXT}, content_type=JSON)
    assert refused.status_code == 403

    client.force_login(compliance_officer)
    bad = client.post("/api/v1/aml/rules/", {"name": "co-v9", "note": "copy", "parameters": "not: [valid"},
                      content_type=JSON)  # fmt: skip
    assert bad.status_code == 400 and "Not valid YAML" in bad.json()["errors"]["parameters"][0], bad.json()
    made = client.post("/api/v1/aml/rules/", {"name": "co-v9", "note": "copy of v2", "parameters": V2_TEXT},
                       content_type=JSON)  # fmt: skip
    assert made.status_code == 201 and (made.json()["status"], made.json()["proposed_by"]) == (
        "draft",
        compliance_officer.username,
    )
    mine = RuleVersion.objects.get(name="co-v9")
    shadowed = client.post(f"/api/v1/aml/rules/{mine.pk}/shadow/", content_type=JSON)
    assert shadowed.status_code == 200 and shadowed.json()["status"] == "shadow"

    client.force_login(mlro)
    early = client.post(f"/api/v1/aml/rules/{mine.pk}/approve/", {"comment": "ok"}, content_type=JSON)
    assert early.status_code == 400 and "shadow comparison" in str(early.json())
    _shadow_job(mine, v1, compliance_officer)
    client.force_login(compliance_officer)
    own = client.post(f"/api/v1/aml/rules/{mine.pk}/approve/", {"comment": "mine"}, content_type=JSON)
    assert own.status_code == 403
    client.force_login(mlro)
    live = client.post(f"/api/v1/aml/rules/{mine.pk}/approve/", {"comment": "shadow run reviewed"},
                       content_type=JSON)  # fmt: skip
    assert live.status_code == 200 and (live.json()["status"], live.json()["approved_by"]) == ("live", mlro.username)
    assert live.json()["shadow"]["summary"]["both"] == 2
    assert RuleVersion.objects.get(pk=v1.pk).status == "retired"
    actions = set(AuditEvent.objects.filter(object_id=str(mine.pk)).values_list("action", flat=True))
    assert {"rule_version.propose", "rule_version.shadow", "rule_version.approve"} <= actions
