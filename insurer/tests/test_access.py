"""The role catalogue and the permission chokepoint."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import Http404

from customers.models import Customer
from customers.tests import builders
from insurer import roles
from insurer.access import get_for_user, require, restrict
from insurer.services import demo_logins_create, demo_password, roles_sync

pytestmark = pytest.mark.django_db


def test_every_role_becomes_a_group_with_exactly_its_permissions():
    groups = roles_sync()
    assert set(groups) == {r.code for r in roles.CATALOGUE}
    for role in roles.CATALOGUE:
        granted = {f"{p.content_type.app_label}.{p.codename}" for p in groups[role.code].permissions.all()}
        assert granted == set(roles.permissions_for(role)), role.code
        assert set(role.permissions) <= granted
    roles_sync()  # idempotent
    assert Group.objects.filter(name__startswith="role:").count() == len(roles.CATALOGUE)


def test_a_typo_in_the_catalogue_is_an_error_not_a_silent_no_grant(monkeypatch):
    broken = roles.Role("typo", "Typo", roles.MANAGEMENT, ("customers.view_custmer",))
    monkeypatch.setattr("insurer.services.CATALOGUE", (broken,))
    with pytest.raises(ImproperlyConfigured, match=r"customers\.view_custmer"):
        roles_sync()


def test_oversight_roles_hold_no_write_or_import_permission():
    for role in roles.CATALOGUE:
        if role.read_only:
            assert not [p for p in role.permissions if p.split(".")[1].startswith(("add_", "change_", "delete_"))]
            assert "customers.import_book" not in role.permissions


def test_restrict_is_all_or_nothing_by_role_today(aml_analyst, board_member, nobody):
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
    assert demo_logins_create()  # idempotent: run again without duplicates
