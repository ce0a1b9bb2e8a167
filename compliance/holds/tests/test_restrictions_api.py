"""The API twin of the holds screens: a payment system reads what is held; an analyst places a
hold (bad input refused by field, a freeze refused: the MLRO's), the placer cannot lift it, a
second analyst does; every write audited; oversight reads only."""

from __future__ import annotations

from compliance.holds.models import Restriction
from insurer.ledger.models import AuditEvent

JSON = "application/json"
URL = "/api/v1/aml/restrictions/"


def test_holds_through_the_api(client, held_policy, free_policy, aml_analyst, second_analyst, internal_auditor):
    client.force_login(aml_analyst)
    bad = client.post(URL, {"kind": "embargo", "target_ref": "NOPE", "reason": " "}, content_type=JSON).json()
    assert {"kind", "target_ref", "reason"} <= set(bad), bad
    freeze = client.post(URL, {"kind": "freeze", "target_ref": held_policy.policy_ref, "reason": "x"},
                         content_type=JSON)  # fmt: skip
    assert freeze.status_code == 403 and not Restriction.objects.exists()
    hold = {"kind": "hold", "target_ref": held_policy.policy_ref, "source": "alert", "source_ref": "AML-0001",
            "reason": "alert under review"}  # fmt: skip
    placed = client.post(URL, hold, content_type=JSON)
    assert placed.status_code == 201, placed.content
    body = placed.json()
    assert (body["kind"], body["policy_ref"], body["active"], body["placed_by"]) == (
        "hold", held_policy.policy_ref, True, aml_analyst.username)  # fmt: skip
    again = client.post(URL, {"kind": "hold", "target_ref": held_policy.policy_ref, "reason": "twice"},
                        content_type=JSON)  # fmt: skip
    assert again.status_code == 400 and "already has an active payout hold" in str(again.json())

    client.force_login(internal_auditor)
    listed = client.get(URL, {"ref": held_policy.policy_ref}).json()["results"]
    assert [r["id"] for r in listed] == [body["id"]] and client.get(URL, {"ref": free_policy.policy_ref}).json()[
        "results"] == []  # fmt: skip
    assert client.post(f"{URL}{body['id']}/lift/", {"reason": "x"}, content_type=JSON).status_code == 403

    client.force_login(aml_analyst)
    own = client.post(f"{URL}{body['id']}/lift/", {"reason": "cleared"}, content_type=JSON)
    assert own.status_code == 403 and "second reviewer" in str(own.json())
    client.force_login(second_analyst)
    lifted = client.post(f"{URL}{body['id']}/lift/", {"reason": "alert closed: not suspicious"}, content_type=JSON)
    assert lifted.status_code == 200 and (lifted.json()["active"], lifted.json()["lifted_by"]) == (
        False, second_analyst.username)  # fmt: skip
    assert client.get(URL).json()["results"] == []  # active only, by default
    assert len(client.get(URL, {"state": "all"}).json()["results"]) == 1
    actions = set(AuditEvent.objects.filter(object_id=str(body["id"]), object_type="compliance_holds.restriction")
                  .values_list("action", "actor_name"))  # fmt: skip
    assert actions == {("restriction_place", aml_analyst.username), ("restriction_lift", second_analyst.username)}
