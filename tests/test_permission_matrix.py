"""The permission matrix (PLT-3): every page and API endpoint, for every persona.

Each app lists its endpoints in ``<app>/tests/matrix.py`` (ENDPOINTS and a ``world``
builder); this suite checks that every routed URL name is listed (or deliberately exempt),
then runs each endpoint for every role of the catalogue, a user with no role, and an
anonymous visitor, comparing the status with what the catalogue implies
(insurer.testing.matrix.expected). Writes run inside a savepoint that is rolled back, so
each persona meets the same state.
"""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from customers.tests import builders
from insurer.access.services import grant_system
from insurer.roles import CATALOGUE, permissions_for
from insurer.testing.matrix import expected

# Routes that are not business endpoints: sign-in and language, health, API docs, the admin
# (superusers only; its own permission checks are tested in insurer/tests/test_admin.py).
EXEMPT = {"login", "logout", "set_language", "healthz", "api-root", "api-schema", "api-docs", "api-redoc"}


def _matrix_modules():
    for config in apps.get_app_configs():
        try:
            yield importlib.import_module(f"{config.name}.tests.matrix")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.tests.matrix" and exc.name != f"{config.name}.tests":
                raise


MODULES = list(_matrix_modules())
ENDPOINTS = [e for m in MODULES for e in m.ENDPOINTS]


def _route_names(patterns=None, namespace=None) -> set[str]:
    names = set()
    for p in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(p, URLResolver):
            if p.namespace == "admin":
                continue
            names |= _route_names(p.url_patterns, p.namespace or namespace)
        elif isinstance(p, URLPattern) and p.name:
            names.add(f"{namespace}:{p.name}" if namespace else p.name)
    return names


def test_every_routed_endpoint_is_in_the_matrix():
    listed = {e.name for e in ENDPOINTS}
    missing = sorted(_route_names() - listed - EXEMPT)
    assert not missing, f"endpoints missing from a tests/matrix.py: {missing}"


@pytest.fixture
def world(db):
    built = {}
    for module in MODULES:
        built.update(module.world(builders))
    return built


@pytest.fixture
def personas(db):
    users = {}
    for role in CATALOGUE:
        user = get_user_model().objects.create_user(username=f"matrix-{role.code}", password="x-pass-12345")
        grant_system(user=user, role=role.code, reason="permission matrix")
        users[role.code] = (user, set(permissions_for(role)), role.read_only)
    users["nobody"] = (get_user_model().objects.create_user(username="matrix-nobody"), set(), False)
    return users


def _call(endpoint, world, user, url=None):
    client = APIClient() if endpoint.api else Client()
    if user is not None:
        client.force_login(user)
    url = url or endpoint.url(world)
    kwargs = {}
    if endpoint.method != "get":
        data = endpoint.data(world)
        if endpoint.content_type == "application/json":
            kwargs = {"data": data, "format": "json"}
        elif endpoint.content_type:
            kwargs = {"data": data, "content_type": endpoint.content_type}
        else:
            kwargs = {"data": data}
    savepoint = transaction.savepoint()
    try:
        return getattr(client, endpoint.method)(url, **kwargs).status_code
    finally:
        transaction.savepoint_rollback(savepoint)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: f"{e.method}:{e.name}")
def test_endpoint_for_every_persona(endpoint, world, personas):
    mismatches = []
    for code, (user, permissions, read_only) in personas.items():
        status = _call(endpoint, world, user)
        want = expected(endpoint, code, permissions, read_only)
        good = status in endpoint.allowed_statuses() if want == "ok" else status == int(want)
        if not good:
            mismatches.append(f"{code}: got {status}, expected {want}")
    anonymous = _call(endpoint, world, None)
    if endpoint.api:
        if anonymous not in (401, 403):
            mismatches.append(f"anonymous: got {anonymous}, expected 401/403")
    elif anonymous not in (302, 403):  # the login redirect (403 for POST-only views refusing the method first)
        mismatches.append(f"anonymous: got {anonymous}, expected a redirect to sign in")
    assert not mismatches, "\n".join(mismatches)


SCOPED = [e for e in ENDPOINTS if e.scoped_url is not None]


def test_department_scoped_models_have_scoped_cases():
    """Every app whose objects belong to departments registers out-of-scope cases."""
    assert {e.name.split(":")[0] for e in SCOPED if ":" in e.name} >= {"approvals", "clocks"}


@pytest.mark.parametrize("endpoint", SCOPED, ids=lambda e: f"{e.method}:{e.name}")
def test_objects_of_another_department_are_404_for_department_grants(endpoint, world):
    """For every role the endpoint allows company-wide: granted in another department, the
    object does not exist for you (404); granted in the object's department, it behaves as the
    company-wide grant does."""
    home, other = world["scope_home"], world["scope_other"]
    url = endpoint.scoped_url(world)
    checked, mismatches = 0, []
    for role in CATALOGUE:
        if expected(endpoint, role.code, set(permissions_for(role)), role.read_only) != "ok":
            continue
        for where, department in (("other", other), ("home", home)):
            user = get_user_model().objects.create_user(username=f"scope-{where}-{role.code}")
            grant_system(user=user, role=role.code, reason="permission matrix: scope", department=department)
            status = _call(endpoint, world, user, url)
            if where == "other" and status != 404:
                mismatches.append(f"{role.code} in {department.code}: got {status}, expected 404")
            elif where == "home" and status not in endpoint.allowed_statuses():
                mismatches.append(f"{role.code} in {department.code}: got {status}, expected it allowed")
        checked += 1
    assert checked, f"no role may use {endpoint.name}: the scoped case checks nothing"
    assert not mismatches, "\n".join(mismatches)
