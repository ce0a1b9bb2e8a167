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


# --- The admin writes to the audit ledger -------------------------------------------------


@pytest.fixture
def operator(client):
    user = get_user_model().objects.create_superuser(username="operator", password="Op-pass-12345!")
    client.force_login(user)
    return user


def _user_form(user, **changes) -> dict:
    from django.utils import timezone

    joined = timezone.localtime(user.date_joined)  # the admin shows and posts local time
    form = {"username": user.username, "first_name": user.first_name, "last_name": user.last_name,
            "email": user.email, "date_joined_0": joined.strftime("%Y-%m-%d"),
            "date_joined_1": joined.strftime("%H:%M:%S"), "is_active": "on"}  # fmt: skip
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def test_making_someone_superuser_in_the_admin_is_a_ledger_event(client, operator):
    from insurer.ledger.models import AuditEvent

    # Whole seconds: the admin form shows and posts date_joined to the second.
    victim = get_user_model().objects.create_user(username="wei", email="wei@example.cn")
    victim.date_joined = victim.date_joined.replace(microsecond=0)
    victim.save()
    response = client.post(f"/admin/auth/user/{victim.pk}/change/",
                           _user_form(victim, is_staff="on", is_superuser="on"))  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.get(action="admin_change")
    assert (event.object_type, event.object_id, event.actor_name) == ("auth.user", str(victim.pk), "operator")
    assert event.changes["before"] == {"is_staff": False, "is_superuser": False}
    assert event.changes["after"] == {"is_staff": True, "is_superuser": True}


def test_a_password_set_in_the_admin_is_recorded_without_the_hash(client, operator):
    from insurer.ledger.models import AuditEvent

    victim = get_user_model().objects.create_user(username="li", password="Old-pass-12345!")
    response = client.post(f"/admin/auth/user/{victim.pk}/password/",
                           {"password1": "New-pass-67890!", "password2": "New-pass-67890!"})  # fmt: skip
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="admin_change", object_id=str(victim.pk))
    victim.refresh_from_db()
    assert victim.check_password("New-pass-67890!")
    assert victim.password not in str(event.changes) and "New-pass" not in str(event.changes)


def test_a_token_minted_in_the_admin_is_recorded_without_its_key(client, operator):
    from rest_framework.authtoken.models import Token

    from insurer.ledger.models import AuditEvent

    integrator = get_user_model().objects.create_user(username="crm-system")
    response = client.post("/admin/authtoken/tokenproxy/add/", {"user": integrator.pk})
    assert response.status_code == 302
    key = Token.objects.get(user=integrator).key
    event = AuditEvent.objects.get(action="admin_add")
    assert event.object_type == "authtoken.tokenproxy" and event.changes["after"]["key"] == "(secret)"
    assert key not in str(event.changes) and key not in event.object_repr + event.object_id


def test_deleting_a_user_in_the_admin_is_recorded(client, operator):
    from insurer.ledger.models import AuditEvent

    leaver = get_user_model().objects.create_user(username="leaver", email="leaver@example.cn")
    assert client.post(f"/admin/auth/user/{leaver.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not get_user_model().objects.filter(pk=leaver.pk).exists()
    event = AuditEvent.objects.get(action="admin_delete")
    assert event.changes["before"]["username"] == "leaver" and event.changes["before"]["password"] == "(secret)"
