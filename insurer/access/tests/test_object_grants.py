"""Object grants: one permission on one record, maker-checker, separation of duties,
dates honoured by restrict(), every step in the ledger."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from insurer.access import restrict
from insurer.access.models import Department, ObjectGrant
from insurer.access.object_grants import (
    object_grant_approve,
    object_grant_refuse,
    object_grant_request,
    object_grant_revoke,
    object_grants_sweep,
)
from insurer.access.services import grant_system
from insurer.ledger.models import AuditEvent
from insurer.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def rule_catalogue(db):
    from insurer.clocks.models import ClockRule
    from insurer.clocks.rules import rules_load

    if not ClockRule.objects.exists():
        rules_load(ClockRule)


@pytest.fixture
def world(rule_catalogue, claims_supervisor, access_admin):
    """A claims handler scoped to the Claims department; one clock in Claims, two in Finance;
    two access administrators (maker and checker)."""
    from insurer.clocks.services import clock_start

    claims, finance = Department.objects.get(code="CLAIMS"), Department.objects.get(code="FINANCE")
    make = get_user_model().objects.create_user
    ann = make(username="ann", password="x-pass-12345")
    grant_system(user=ann, role="claims_handler", reason="claims desk", department=claims)
    checker = make(username="access-admin-2", password="x-pass-12345")
    grant_system(user=checker, role="access_admin", reason="second administrator")

    def clock(object_id, department):
        return clock_start(actor=claims_supervisor, rule_code="C1", object_type="claims.claim", object_id=object_id,
                           object_repr=f"Claim {object_id}", department=department)  # fmt: skip

    return {"ann": ann, "maker": access_admin, "checker": checker, "own": clock("CLM-1", claims),
            "other": clock("CLM-2", finance), "third": clock("CLM-3", finance)}  # fmt: skip


def visible(user) -> set[int]:
    from insurer.clocks.models import Clock

    return set(restrict(Clock.objects.all(), user).values_list("pk", flat=True))


def ask(w, days=7, **kw):
    kw.setdefault("permission", "view_clock")
    return object_grant_request(actor=w["maker"], user=w["ann"], object_type="clocks.clock",
                                object_pk=str(w["other"].pk), reason="covers the Finance claim CLM-2",
                                valid_to=timezone.localdate() + dt.timedelta(days=days), **kw)  # fmt: skip


def actions(grant) -> list[str]:
    return list(AuditEvent.objects.filter(object_type="access.objectgrant", object_id=str(grant.pk))
                .order_by("id").values_list("action", flat=True))  # fmt: skip


def test_an_object_grant_shows_one_record_outside_the_scope_only_while_in_force(world, django_assert_num_queries):
    w, today = world, timezone.localdate()
    ann = w["ann"]
    assert visible(ann) == {w["own"].pk}  # her department's clock only
    grant = ask(w)
    assert visible(ann) == {w["own"].pk}  # requested is not granted
    assert Notification.objects.filter(recipient=w["checker"], kind="object_grant_requested").exists()
    assert not Notification.objects.filter(recipient=w["maker"], kind="object_grant_requested").exists()
    object_grant_approve(actor=w["checker"], grant=grant, note="agreed with the Finance head")
    assert visible(ann) == {w["own"].pk, w["other"].pk}  # that one clock, not the third
    # Still one query: the guardian subquery rides inside the list's own SELECT.
    with django_assert_num_queries(1):
        assert len(visible(ann)) == 2
    assert ann.has_perm("clocks.view_clock", w["other"]) and not ann.has_perm("clocks.view_clock", w["third"])
    # The last day still counts; the day after, the sweep ends it.
    assert object_grants_sweep(on=today + dt.timedelta(days=7)).expired == 0
    assert visible(ann) == {w["own"].pk, w["other"].pk}
    assert object_grants_sweep(on=today + dt.timedelta(days=8)).expired == 1
    assert visible(ann) == {w["own"].pk}
    assert ObjectGrant.objects.get(pk=grant.pk).status == "expired"
    assert actions(grant) == ["object_grant_request", "object_grant_approve", "object_grant_expire"]
    event = AuditEvent.objects.get(object_type="access.objectgrant", action="object_grant_approve")
    assert event.actor_name == "access-admin-2"
    assert event.changes["after"]["permission"] == "clocks.view_clock"
    assert event.changes["before"]["status"] == "requested" and event.changes["after"]["status"] == "active"


def test_a_grant_starting_later_counts_from_its_start_date(world):
    w, today = world, timezone.localdate()
    grant = ask(w, valid_from=today + dt.timedelta(days=2))
    object_grant_approve(actor=w["checker"], grant=grant)
    assert visible(w["ann"]) == {w["own"].pk}
    assert object_grants_sweep(on=today + dt.timedelta(days=1)).started == 0
    assert object_grants_sweep(on=today + dt.timedelta(days=2)).started == 1
    assert visible(w["ann"]) == {w["own"].pk, w["other"].pk}


def test_nobody_approves_their_own_request_or_a_grant_for_themselves(world):
    w = world
    grant = ask(w)
    with pytest.raises(PermissionDenied, match="maker"):
        object_grant_approve(actor=w["maker"], grant=grant)
    with pytest.raises(PermissionDenied, match="themselves"):
        object_grant_request(actor=w["maker"], user=w["maker"], object_type="clocks.clock",
                             object_pk=str(w["other"].pk), permission="view_clock", reason="me",
                             valid_to=timezone.localdate())  # fmt: skip
    with pytest.raises(PermissionDenied):  # the claims handler is no access administrator
        object_grant_approve(actor=w["ann"], grant=grant)
    assert ObjectGrant.objects.get(pk=grant.pk).status == "requested"
    assert visible(w["ann"]) == {w["own"].pk}
    assert actions(grant) == ["object_grant_request"]


def test_an_internal_auditor_is_never_given_a_write_permission(world, internal_auditor):
    w = world
    with pytest.raises(ValidationError, match="read-only role Internal auditor") as refused:
        object_grant_request(actor=w["maker"], user=internal_auditor, object_type="clocks.clock",
                             object_pk=str(w["other"].pk), permission="change_clock", reason="help out",
                             valid_to=timezone.localdate())  # fmt: skip
    assert "clocks.change_clock" in refused.value.messages[0]
    assert not ObjectGrant.objects.exists()
    # Reading one record is fine for an auditor.
    grant = object_grant_request(actor=w["maker"], user=internal_auditor, object_type="clocks.clock",
                                 object_pk=str(w["other"].pk), permission="view_clock", reason="sample",
                                 valid_to=timezone.localdate())  # fmt: skip
    assert grant.status == "requested"


def test_refuse_and_revoke_are_audited_and_revoke_takes_effect_at_once(world):
    w = world
    refused = ask(w)
    with pytest.raises(ValidationError, match="Say why"):
        object_grant_refuse(actor=w["checker"], grant=refused, note=" ")
    object_grant_refuse(actor=w["checker"], grant=refused, note="Finance handles it")
    assert actions(refused) == ["object_grant_request", "object_grant_refuse"]
    grant = ask(w)
    object_grant_approve(actor=w["checker"], grant=grant)
    assert w["other"].pk in visible(w["ann"])
    with pytest.raises(ValidationError, match="reason"):
        object_grant_revoke(actor=w["maker"], grant=grant, reason="")
    object_grant_revoke(actor=w["maker"], grant=grant, reason="claim settled")
    assert visible(w["ann"]) == {w["own"].pk}
    assert actions(grant) == ["object_grant_request", "object_grant_approve", "object_grant_revoke"]


def test_bad_input_names_the_field(world):
    w = world
    for kw, field in (({"object_type": "clocks.nothing"}, "object_type"), ({"permission": "fly_clock"}, "permission"),
                      ({"object_pk": "999999"}, "object_pk")):  # fmt: skip
        args = {"object_type": "clocks.clock", "object_pk": str(w["other"].pk), "permission": "view_clock", **kw}
        with pytest.raises(ValidationError) as bad:
            object_grant_request(actor=w["maker"], user=w["ann"], reason="r", valid_to=timezone.localdate(), **args)
        assert field in bad.value.message_dict
    with pytest.raises(ValidationError) as bad:
        ask(w, days=-1)
    assert "valid_to" in bad.value.message_dict
    assert not ObjectGrant.objects.exists()


def test_the_api_twin_runs_the_same_rules(world, internal_auditor):
    from rest_framework.test import APIClient

    w, api = world, APIClient()
    body = {"user": "ann", "object_type": "clocks.clock", "object_pk": str(w["other"].pk), "permission": "view_clock",
            "reason": "covers CLM-2", "valid_to": str(timezone.localdate() + dt.timedelta(days=3))}  # fmt: skip
    api.force_authenticate(w["maker"])
    made = api.post("/api/v1/access/object-grants/request/", body, format="json")
    assert made.status_code == 201 and made.json()["status"] == "requested"
    assert made.json()["permission"] == "clocks.view_clock" and made.json()["object_type"] == "clocks.clock"
    pk = made.json()["id"]
    assert api.post(f"/api/v1/access/object-grants/{pk}/approve/", {}, format="json").status_code == 403  # the maker
    auditor_write = {**body, "user": internal_auditor.username, "permission": "change_clock"}
    refused = api.post("/api/v1/access/object-grants/request/", auditor_write, format="json")
    assert refused.status_code == 400 and "Internal auditor" in str(refused.json())
    api.force_authenticate(w["checker"])
    approved = api.post(f"/api/v1/access/object-grants/{pk}/approve/", {"note": "ok"}, format="json")
    assert approved.status_code == 200 and approved.json()["decided_by"] == "access-admin-2"
    assert visible(w["ann"]) == {w["own"].pk, w["other"].pk}
    listed = api.get("/api/v1/access/object-grants/?status=active").json()["results"]
    assert [row["id"] for row in listed] == [pk]


def test_the_screens_show_decision_buttons_only_to_another_administrator(client, world):
    w = world
    grant = ask(w)
    url = f"/access/object-grants/{grant.pk}/"
    for user, sees in ((w["maker"], False), (w["checker"], True)):
        client.force_login(user)
        page = client.get(url)
        assert page.status_code == 200 and "CLM-2" in page.content.decode()
        assert ('data-testid="approve-object-grant"' in page.content.decode()) is sees
    client.force_login(w["maker"])
    assert client.post(f"{url}approve/").status_code == 403
    client.force_login(w["checker"])
    assert client.post(f"{url}approve/").status_code == 302
    assert ObjectGrant.objects.get(pk=grant.pk).status == "active"
    assert "CLM-2" in client.get("/access/object-grants/").content.decode()


def test_a_permission_only_an_incompatible_role_confers_is_refused_naming_the_rule(world):
    w = world
    pending = ask(w)
    # Only the access administrator approves object grants; SOD-7 keeps that role from anyone
    # holding another, so the claims handler may not receive it even on one request.
    with pytest.raises(ValidationError, match="SOD-7") as refused:
        object_grant_request(actor=w["checker"], user=w["ann"], object_type="access.objectgrant",
                             object_pk=str(pending.pk), permission="approve_objectgrant", reason="help out",
                             valid_to=timezone.localdate())  # fmt: skip
    assert "Access administrator" in refused.value.messages[0] and "Claims handler" in refused.value.messages[0]
    assert ObjectGrant.objects.count() == 1
