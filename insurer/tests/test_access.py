"""The role catalogue and the permission chokepoint."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.http import Http404

from customers.models import Customer
from customers.tests import builders
from insurer import roles
from insurer.access import get_for_user, is_read_permission, require, restrict
from insurer.access.checks import role_permissions_exist
from insurer.services import demo_logins_create, demo_password

pytestmark = pytest.mark.django_db


def test_every_catalogue_permission_exists():
    assert role_permissions_exist() == []
    call_command("check")  # the same check runs with every manage.py command


def test_a_typo_in_the_catalogue_fails_the_system_check(monkeypatch):
    broken = roles.Role("typo", "Typo", roles.MANAGEMENT, ("customers.view_custmer",))
    monkeypatch.setattr(roles, "CATALOGUE", (broken,))
    errors = role_permissions_exist()
    assert [e.id for e in errors] == ["access.E001"]
    assert "customers.view_custmer" in errors[0].msg


def test_oversight_roles_hold_no_write_or_import_permission():
    for role in roles.CATALOGUE:
        if role.read_only:
            perms = roles.permissions_for(role)
            assert not [p for p in perms if not is_read_permission(p)], role.code


def test_restrict_gives_rows_by_role(aml_analyst, board_member, nobody):
    builders.person()
    assert restrict(Customer.objects.all(), aml_analyst).count() == 1
    assert restrict(Customer.objects.all(), board_member).count() == 0
    assert restrict(Customer.objects.all(), nobody).count() == 0


def test_out_of_scope_object_is_404_not_403(aml_analyst, board_member):
    customer = builders.person()
    assert get_for_user(Customer.objects.all(), aml_analyst, customer_ref=customer.customer_ref) == customer
    with pytest.raises(Http404):
        get_for_user(Customer.objects.all(), board_member, customer_ref=customer.customer_ref)


def test_require_names_the_missing_permission(internal_auditor):
    with pytest.raises(PermissionDenied, match=r"customers\.import_book"):
        require(internal_auditor, "customers.import_book")


def test_inactive_users_get_nothing(aml_analyst):
    builders.person()
    aml_analyst.is_active = False
    assert restrict(Customer.objects.all(), aml_analyst).count() == 0


def test_demo_logins_one_per_role_and_they_can_sign_in(client):
    logins = demo_logins_create()
    assert [login.username for login in logins] == [r.code for r in roles.CATALOGUE]
    cro = next(login for login in logins if login.username == "cro")
    assert cro.password == demo_password(roles.BY_CODE["cro"])
    assert client.login(username="cro", password=cro.password)
    again = demo_logins_create()  # idempotent: no second grant
    assert len(again) == len(logins)
    from insurer.access.models import RoleGrant

    assert RoleGrant.objects.filter(user__username="cro").count() == 1
