"""Personas shared by every test: one user per role of the catalogue (insurer/roles.py),
each holding that role company-wide through a system grant, plus someone with no role.
Tests read like stories: `def test_...(client, aml_analyst)`."""

from __future__ import annotations

import pytest

from insurer.roles import CATALOGUE


@pytest.fixture
def roles(db):
    """The role catalogue (roles are code-reviewed data; grants give them to users)."""
    from insurer.roles import BY_CODE

    return BY_CODE


def _persona(roles, code: str):
    from django.contrib.auth import get_user_model

    from insurer.access.services import grant_system

    user = get_user_model().objects.create_user(username=f"{code}-persona", password="persona-pass-123")
    if code in roles:
        grant_system(user=user, role=code, reason="test persona")
    return user


def _make_fixture(code: str):
    @pytest.fixture
    def persona(roles):
        return _persona(roles, code)

    persona.__name__ = code
    persona.__doc__ = f"A user holding only the {code} role."
    return persona


for _role in CATALOGUE:
    globals()[_role.code] = _make_fixture(_role.code)


@pytest.fixture
def nobody(roles):
    """A signed-in user with no role at all."""
    return _persona(roles, "nobody")


@pytest.fixture
def persona_factory(roles):
    """Make a persona for any role code (for parametrised permission matrices)."""
    return lambda code: _persona(roles, code)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """PBKDF2 at production strength costs ~0.3 s a login; tests need no such strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# Reference data the migrations load (departments and the incompatible-duties matrix, the
# clock rules, the first authorisation matrix, the shipped bases as approved assumption sets and
# cross_default's annuitant-table version submitted for approval).
# Django's flush empties every table after a transactional test, so it is loaded again after
# each flush, as a fresh database has it.
REFERENCE_DATA = [
    ("insurer.access.migrations.0002_matrix_and_departments", "forward"),
    ("insurer.clocks.migrations.0003_time_limit_per_clock", "load"),
    ("insurer.approvals.migrations.0002_seed_matrix_v1", "forward"),
    ("risk.migrations.0003_shipped_bases", "forward"),
    ("risk.migrations.0006_cross_default_annuitant_tables", "forward"),
]


def _reload_reference_data() -> None:
    import importlib

    from django.apps import apps as registry

    for module, function in REFERENCE_DATA:
        getattr(importlib.import_module(module), function)(registry, None)


@pytest.fixture(autouse=True, scope="session")
def _flush_past_the_ledger_triggers():
    """Transactional tests empty every table afterwards (Django's flush); the ledger's
    append-only triggers refuse that, so lift them for the flush alone, then reload the
    reference data the migrations put in."""
    from django.core.management.commands import flush

    from insurer.ledger.maintenance import triggers_disabled

    original = flush.Command.handle

    def handle(self, *args, **options):
        with triggers_disabled():
            result = original(self, *args, **options)
        _reload_reference_data()
        return result

    flush.Command.handle = handle
    yield
    flush.Command.handle = original
