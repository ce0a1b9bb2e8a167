"""The admin is no back door: oversight roles cannot write through it either."""

import pytest
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.django_db


def test_an_auditor_made_staff_by_mistake_still_cannot_write_in_the_admin(client, internal_auditor):
    internal_auditor.is_staff = True
    internal_auditor.save()
    client.force_login(internal_auditor)
    assert client.get("/admin/auth/user/add/").status_code == 403
    response = client.post("/admin/auth/user/add/", {"username": "backdoor", "password1": "Xx-12345678!",
                                                      "password2": "Xx-12345678!"})  # fmt: skip
    assert response.status_code == 403
    assert not get_user_model().objects.filter(username="backdoor").exists()
    victim = get_user_model().objects.create_user(username="victim")
    assert client.post(f"/admin/auth/user/{victim.pk}/delete/", {"post": "yes"}).status_code == 403
    assert get_user_model().objects.filter(pk=victim.pk).exists()
