"""Role grants: maker-checker, separation of duties, validity, scope, read-only oversight."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from guardian.shortcuts import assign_perm

from insurer.access import require, restrict
from insurer.access.grants import forget, role_codes, roles_held
from insurer.access.models import Department, RoleGrant, SodException
from insurer.access.selectors import conflicts_report
from insurer.access.services import (
    grant_approve,
    grant_refuse,
    grant_request,
    grant_revoke,
    grant_system,
    sod_exception_decide,
    sod_exception_request,
)
from insurer.ledger.models import AuditEvent
from insurer.notifications.models import Notification

pytestmark = pytest.mark.django_db
TODAY = dt.date.today


@pytest.fixture
def staff():
    return lambda name: get_user_model().objects.create_user(username=name, password="x-pass-12345")


@pytest.fixture
def second_admin(persona_factory):
    from insurer.access.services import grant_system as system

    user = get_user_model().objects.create_user(username="access-admin-2", password="x-pass-12345")
    system(user=user, role="access_admin", reason="second administrator")
    return user


def test_a_grant_takes_effect_only_when_another_person_approves(access_admin, compliance_officer, staff):
    alice = staff("alice")
    grant = grant_request(actor=access_admin, user=alice, role="claims_handler", reason="joins claims")
    assert role_codes(alice) == []
    assert not alice.has_perm("customers.view_customer")
    assert Notification.objects.filter(recipient=compliance_officer, kind="grant_requested").exists()
    with pytest.raises(PermissionDenied, match="maker"):
        grant_approve(actor=access_admin, grant=grant)
    grant_approve(actor=compliance_officer, grant=grant, note="checked with the claims head")
    forget(alice)
    assert role_codes(alice) == ["claims_handler"]
    assert alice.has_perm("customers.view_customer")
    actions = list(AuditEvent.objects.filter(object_type="access.rolegrant").values_list("action", flat=True))
    assert "grant_request" in actions and "grant_approve" in actions


def test_nobody_grants_themselves(access_admin, compliance_officer):
    with pytest.raises(PermissionDenied, match="themselves"):
        grant_request(actor=access_admin, user=access_admin, role="access_admin", reason="me")
    # nor decides a grant of their own role
    grant = grant_request(actor=access_admin, user=compliance_officer, role="risk_officer", reason="cover")
    with pytest.raises(PermissionDenied, match="their own"):
        grant_approve(actor=compliance_officer, grant=grant)


@pytest.mark.parametrize(
    ("held", "requested", "rule"),
    [
        ("internal_auditor", "cro", "SOD-1"),
        ("finance_accountant", "payment_officer", "SOD-3"),
        ("payment_officer", "finance_accountant", "SOD-3"),
        ("underwriter", "claims_handler", "SOD-4"),
        ("it_admin", "claims_handler", "SOD-6"),
        ("access_admin", "underwriter", "SOD-7"),
        ("claims_handler", "access_admin", "SOD-7"),
    ],
)
def test_incompatible_duties_are_refused_naming_the_conflict(held, requested, rule, access_admin, staff):
    bob = staff("bob")
    grant_system(user=bob, role=held, reason="existing role")
    with pytest.raises(ValidationError) as refused:
        grant_request(actor=access_admin, user=bob, role=requested, reason="extra duty")
    message = refused.value.messages[0]
    assert rule in message and "incompatible" in message
    assert not RoleGrant.objects.filter(user=bob, role=requested).exists()


def test_a_pending_request_also_counts_for_conflicts(access_admin, staff):
    carol = staff("carol")
    grant_request(actor=access_admin, user=carol, role="finance_accountant", reason="month end")
    with pytest.raises(ValidationError, match="SOD-3"):
        grant_request(actor=access_admin, user=carol, role="payment_officer", reason="cover")


def test_an_approved_expiring_exception_allows_the_pair(access_admin, compliance_officer, second_admin, staff):
    dan = staff("dan")
    grant_system(user=dan, role="finance_accountant", reason="existing")
    exception = sod_exception_request(actor=access_admin, user=dan, role="payment_officer",
                                      other_role="finance_accountant", reason="two-person branch",
                                      compensating_controls="daily review of payments by the CFO",
                                      valid_to=TODAY() + dt.timedelta(days=90))  # fmt: skip
    with pytest.raises(ValidationError, match="SOD-3"):  # not yet approved
        grant_request(actor=access_admin, user=dan, role="payment_officer", reason="cover")
    with pytest.raises(PermissionDenied):  # the maker may not approve it
        sod_exception_decide(actor=access_admin, exception=exception, approve=True)
    sod_exception_decide(actor=compliance_officer, exception=exception, approve=True)
    grant = grant_request(actor=access_admin, user=dan, role="payment_officer", reason="cover")
    assert grant.sod_exception == exception
    grant_approve(actor=second_admin, grant=grant)
    assert RoleGrant.objects.get(pk=grant.pk).status == "active"


def _approved_exception(access_admin, compliance_officer, user, days: int) -> SodException:
    exception = sod_exception_request(actor=access_admin, user=user, role="payment_officer",
                                      other_role="finance_accountant", reason="two-person branch",
                                      compensating_controls="daily review of payments by the CFO",
                                      valid_to=timezone.localdate() + dt.timedelta(days=days))  # fmt: skip
    return sod_exception_decide(actor=compliance_officer, exception=exception, approve=True)


def test_a_grant_resting_on_an_exception_ends_when_the_exception_does(access_admin, compliance_officer,
                                                                      second_admin, staff):  # fmt: skip
    today = timezone.localdate()
    dan = staff("dan")
    grant_system(user=dan, role="finance_accountant", reason="existing")
    exception = _approved_exception(access_admin, compliance_officer, dan, 90)
    grant = grant_request(actor=access_admin, user=dan, role="payment_officer", reason="cover")  # open-ended asked
    assert grant.valid_to == exception.valid_to == today + dt.timedelta(days=90)
    grant_approve(actor=second_admin, grant=grant)
    assert RoleGrant.objects.get(pk=grant.pk).valid_to == today + dt.timedelta(days=90)
    assert "payment_officer" in {h.role for h in roles_held(dan, today + dt.timedelta(days=90))}
    assert "payment_officer" not in {h.role for h in roles_held(dan, today + dt.timedelta(days=91))}
    assert "finance_accountant" in {h.role for h in roles_held(dan, today + dt.timedelta(days=91))}


def test_a_shorter_grant_keeps_its_end_and_one_starting_after_the_exception_is_refused(
    access_admin, compliance_officer, staff
):
    today = timezone.localdate()
    eve, fay = staff("eve"), staff("fay")
    for user in (eve, fay):
        grant_system(user=user, role="finance_accountant", reason="existing")
        _approved_exception(access_admin, compliance_officer, user, 30)
    grant = grant_request(actor=access_admin, user=eve, role="payment_officer", reason="one week",
                          valid_to=today + dt.timedelta(days=7))  # fmt: skip
    assert grant.valid_to == today + dt.timedelta(days=7)
    with pytest.raises(ValidationError, match="expires on") as refused:
        grant_request(actor=access_admin, user=fay, role="payment_officer", reason="later",
                      valid_from=today + dt.timedelta(days=31))  # fmt: skip
    assert "valid_from" in refused.value.message_dict
    assert not RoleGrant.objects.filter(user=fay, role="payment_officer").exists()


def test_an_exception_is_asked_only_for_a_known_pair_the_matrix_names(access_admin, staff):
    gil = staff("gil")
    asked = {"actor": access_admin, "user": gil, "reason": "r", "compensating_controls": "c",
             "valid_to": timezone.localdate() + dt.timedelta(days=30)}  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        sod_exception_request(role="payment_oficer", other_role="finance_accountant", **asked)
    assert refused.value.message_dict == {"role": ["Unknown role payment_oficer."]}
    with pytest.raises(ValidationError) as refused:
        sod_exception_request(role="actuary", other_role="underwriter", **asked)
    assert refused.value.message_dict["other_role"] == [
        "Actuary and Underwriter are not incompatible duties in the matrix in force: no exception is needed."
    ]
    # Either order of a pair the matrix names is accepted (SOD-5 lists underwriter first).
    sod_exception_request(role="claims_supervisor", other_role="underwriter", **asked)
    assert SodException.objects.filter(user=gil).count() == 1


def test_refusing_an_exception_needs_a_reason(access_admin, compliance_officer, client, staff):
    hal = staff("hal")
    exception = sod_exception_request(actor=access_admin, user=hal, role="underwriter", other_role="claims_handler",
                                      reason="r", compensating_controls="c",
                                      valid_to=timezone.localdate() + dt.timedelta(days=30))  # fmt: skip
    with pytest.raises(ValidationError, match="Say why"):
        sod_exception_decide(actor=compliance_officer, exception=exception, approve=False)
    assert SodException.objects.get(pk=exception.pk).status == "requested"
    client.force_login(compliance_officer)
    page = client.get("/access/sod/").content.decode()
    assert 'name="note"' in page and ">r <span" in page  # the maker's reason is shown to the reviewer
    client.post(f"/access/sod/exceptions/{exception.pk}/decide/", {"decision": "refuse", "note": "no cover needed"})
    assert SodException.objects.get(pk=exception.pk).status == "refused"
    event = AuditEvent.objects.filter(action="sod_exception_refuse").get()
    assert event.reason == "no cover needed"


def test_the_conflicts_report_names_the_exception_that_allows_a_pair(access_admin, compliance_officer,
                                                                     second_admin, staff):  # fmt: skip
    ivy, joe = staff("ivy"), staff("joe")
    for user in (ivy, joe):
        grant_system(user=user, role="finance_accountant", reason="existing")
    exception = _approved_exception(access_admin, compliance_officer, ivy, 60)
    grant_approve(actor=second_admin, grant=grant_request(actor=access_admin, user=ivy, role="payment_officer",
                                                          reason="cover"))  # fmt: skip
    # joe's pair has no exception: a control failure the report must show as such.
    RoleGrant.objects.create(user=joe, role="payment_officer", valid_from=timezone.localdate(), reason="legacy",
                             requested_by="old-system", status="active", decided_by="someone")  # fmt: skip
    report = {row["user"].username: row for row in conflicts_report()}
    assert set(report) == {"ivy", "joe"}
    assert report["ivy"]["exception"] == exception and report["ivy"]["conflict"].rule == "SOD-3"
    assert report["joe"]["exception"] is None


def test_exceptions_must_expire_within_a_year(access_admin, staff):
    with pytest.raises(ValidationError, match="within a year"):
        sod_exception_request(actor=access_admin, user=staff("erin"), role="underwriter",
                              other_role="claims_handler", reason="r", compensating_controls="c",
                              valid_to=TODAY() + dt.timedelta(days=800))  # fmt: skip


def test_validity_dates_bound_the_permissions(staff):
    frank = staff("frank")
    grant_system(user=frank, role="actuary", reason="starts next week", valid_from=TODAY() + dt.timedelta(days=7))
    assert role_codes(frank) == []
    RoleGrant.objects.filter(user=frank).update(valid_from=TODAY() - dt.timedelta(days=30),
                                                valid_to=TODAY() - dt.timedelta(days=1))  # fmt: skip
    forget(frank)
    assert role_codes(frank) == []  # expired yesterday
    RoleGrant.objects.filter(user=frank).update(valid_to=TODAY())
    forget(frank)
    assert role_codes(frank) == ["actuary"]


def test_revoke_and_refuse_need_a_reason_and_end_the_role(access_admin, compliance_officer, staff):
    gina = staff("gina")
    grant = grant_system(user=gina, role="underwriter", reason="r")
    with pytest.raises(ValidationError):
        grant_revoke(actor=access_admin, grant=grant, reason="")
    grant_revoke(actor=access_admin, grant=grant, reason="left the company")
    forget(gina)
    assert role_codes(gina) == []
    pending = grant_request(actor=access_admin, user=gina, role="actuary", reason="r")
    with pytest.raises(ValidationError):
        grant_refuse(actor=compliance_officer, grant=pending, note=" ")
    assert grant_refuse(actor=compliance_officer, grant=pending, note="not needed").status == "refused"


def test_oversight_roles_are_refused_every_write_even_if_a_permission_leaked(internal_auditor):
    assign_perm("access.add_rolegrant", internal_auditor)  # a mistaken direct grant: ignored
    with pytest.raises(PermissionDenied, match=r"access\.add_rolegrant"):
        require(internal_auditor, "access.add_rolegrant")
    internal_auditor.is_superuser = True  # even made superuser by mistake, an auditor never writes
    with pytest.raises(PermissionDenied, match="read-only"):
        require(internal_auditor, "access.add_rolegrant")
    require(internal_auditor, "access.view_rolegrant")  # reading is fine


def test_department_scope_narrows_scoped_models(staff, monkeypatch):
    claims, finance = Department.objects.get(code="CLAIMS"), Department.objects.get(code="FINANCE")
    henry = staff("henry")
    grant_system(user=henry, role="access_admin", reason="claims access admin", department=claims)
    other = staff("ivy")
    in_claims = grant_system(user=other, role="claims_handler", reason="r", department=claims)
    in_finance = grant_system(user=staff("jack"), role="finance_accountant", reason="r", department=finance)
    # RoleGrant declares no scope field: a department-scoped grant reads it company-wide.
    assert restrict(RoleGrant.objects.all(), henry).count() == 3
    # With a scope field the same grant sees only its department's rows.
    monkeypatch.setattr(RoleGrant, "access_scope_field", "department", raising=False)
    visible = set(restrict(RoleGrant.objects.all(), henry).values_list("pk", flat=True))
    assert in_claims.pk in visible and in_finance.pk not in visible
    # A guardian object grant adds one row outside the scope.
    assign_perm("access.view_rolegrant", henry, in_finance)
    assert in_finance.pk in set(restrict(RoleGrant.objects.all(), henry).values_list("pk", flat=True))


def test_screens_show_decision_buttons_only_to_a_checker(client, access_admin, compliance_officer, internal_auditor,
                                                         staff):  # fmt: skip
    grant = grant_request(actor=access_admin, user=staff("kim"), role="actuary", reason="r")
    url = f"/access/grants/{grant.pk}/"
    for user, sees_button in ((access_admin, False), (compliance_officer, True), (internal_auditor, False)):
        client.force_login(user)
        page = client.get(url)
        assert page.status_code == 200
        assert ('data-testid="approve-grant"' in page.content.decode()) is sees_button
    # A forged POST from the maker is refused, and the grant stays requested.
    client.force_login(access_admin)
    assert client.post(f"{url}approve/").status_code == 403
    client.force_login(internal_auditor)
    assert client.post(f"{url}approve/").status_code == 403
    assert RoleGrant.objects.get(pk=grant.pk).status == "requested"
    assert timezone.now()
    assert SodException.objects.count() == 0


def test_holders_of_a_role_respect_scope_and_dates(staff):
    claims = Department.objects.get(code="CLAIMS")
    lee, may, ned = staff("lee"), staff("may"), staff("ned")
    grant_system(user=lee, role="claims_supervisor", reason="r")
    grant_system(user=may, role="claims_supervisor", reason="r", department=claims)
    grant_system(user=ned, role="claims_supervisor", reason="r", valid_from=TODAY() + dt.timedelta(days=3))
    from insurer.access.grants import holders

    assert set(holders("claims_supervisor").values_list("username", flat=True)) == {"lee"}
    assert set(holders("claims_supervisor", department_id=claims.pk).values_list("username", flat=True)) == {
        "lee", "may"}  # fmt: skip


def test_bootstrap_command_grants_the_first_administrator_and_still_checks_conflicts(staff):
    from django.core.management import CommandError, call_command

    olga = staff("olga")
    call_command("access_bootstrap", user="olga", role="access_admin", reason="first administrator")
    forget(olga)
    assert role_codes(olga) == ["access_admin"]
    with pytest.raises(CommandError, match="SOD-7"):
        call_command("access_bootstrap", user="olga", role="payment_officer", reason="also pays")
