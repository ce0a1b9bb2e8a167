import pytest
from django.core.cache import cache
from django.urls import reverse

from insurer.auth import LOCKOUT_FAILURES

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def _login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_repeated_failures_lock_the_account_even_with_the_right_password(client, cro):
    for _ in range(LOCKOUT_FAILURES):
        assert _login(client, cro.username, "wrong-password").status_code == 200
    response = _login(client, cro.username, "persona-pass-123")
    assert response.status_code == 200
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_good_password_before_the_limit_signs_in(client, cro):
    for _ in range(LOCKOUT_FAILURES - 1):
        _login(client, cro.username, "wrong-password")
    response = _login(client, cro.username, "persona-pass-123")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(cro.pk)
