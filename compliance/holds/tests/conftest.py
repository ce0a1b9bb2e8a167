"""A small book with one policy to hold, the people who place and lift restrictions."""

from __future__ import annotations

import pytest

from customers.tests import builders


@pytest.fixture
def held_policy(db):
    return builders.policy(policy_ref="P7000000001")


@pytest.fixture
def free_policy(db):
    return builders.policy(policy_ref="P7000000002")


@pytest.fixture
def second_analyst(db):
    """Another AML analyst: the second reviewer who lifts what the first placed."""
    from django.contrib.auth import get_user_model

    from insurer.access.services import grant_system

    user = get_user_model().objects.create_user(username="analyst-two", password="persona-pass-123")
    grant_system(user=user, role="aml_analyst", reason="second reviewer")
    return user


@pytest.fixture
def second_mlro(db):
    from django.contrib.auth import get_user_model

    from insurer.access.services import grant_system

    user = get_user_model().objects.create_user(username="mlro-two", password="persona-pass-123")
    grant_system(user=user, role="mlro", reason="deputy MLRO")
    return user
