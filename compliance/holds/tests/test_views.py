"""The screens: place a hold through the form, see it on the list and the policy page, lift it
as a second reviewer; the placer is offered no lift and refused if they post one."""

from __future__ import annotations

from compliance.holds.models import Restriction


def test_place_list_and_lift_through_the_screens(client, aml_analyst, second_analyst, held_policy):
    client.force_login(aml_analyst)
    response = client.post("/compliance/holds/place/", {"kind": "hold", "target_ref": held_policy.policy_ref,
                                                        "source": "alert", "source_ref": "AML-1",
                                                        "reason": "L03 and L05 on the surrender"})  # fmt: skip
    restriction = Restriction.objects.get()
    assert response.status_code == 302 and response.url == f"/compliance/holds/{restriction.pk}/"
    listing = client.get("/compliance/holds/").content.decode()
    assert held_policy.policy_ref in listing and "L03 and L05" in listing
    page = client.get(f"/compliance/holds/policy/{held_policy.policy_ref}/").content.decode()
    assert 'data-testid="payouts-refused"' in page
    detail = client.get(f"/compliance/holds/{restriction.pk}/").content.decode()
    assert 'data-testid="lift-form"' not in detail  # the placer may not lift
    refused = client.post(f"/compliance/holds/{restriction.pk}/lift/", {"reason": "mine"})
    assert refused.status_code == 403 and "second reviewer" in refused.content.decode()
    client.force_login(second_analyst)
    assert 'data-testid="lift-form"' in client.get(f"/compliance/holds/{restriction.pk}/").content.decode()
    client.post(f"/compliance/holds/{restriction.pk}/lift/", {"reason": "false positive"})
    restriction.refresh_from_db()
    assert not restriction.active and restriction.lifted_by == second_analyst
    page = client.get(f"/compliance/holds/policy/{held_policy.policy_ref}/").content.decode()
    assert 'data-testid="payouts-allowed"' in page


def test_the_form_names_what_is_wrong(client, aml_analyst, held_policy):
    client.force_login(aml_analyst)
    unknown = client.post("/compliance/holds/place/", {"kind": "hold", "target_ref": "P0", "source": "manual",
                                                       "reason": "x"})  # fmt: skip
    assert "No policy or customer has this ref." in unknown.content.decode()
    freeze = client.post("/compliance/holds/place/", {"kind": "freeze", "target_ref": held_policy.policy_ref,
                                                      "source": "manual", "reason": "x"})  # fmt: skip
    assert freeze.status_code == 403 and "Only the MLRO" in freeze.content.decode()
    assert not Restriction.objects.exists()
