import pytest
from django.core import mail
from django.urls import reverse

from insurer.notifications.models import Notification
from insurer.notifications.services import mark_read, notify, unread_count

pytestmark = pytest.mark.django_db


def test_notify_each_recipient_once_and_email_after_commit(cro, actuary, settings, django_capture_on_commit_callbacks):
    settings.INSURER_NOTIFY_BY_EMAIL = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    cro.email = "cro@example.cn"
    cro.save()
    with django_capture_on_commit_callbacks(execute=True):
        rows = notify(recipients=[cro, actuary, cro], kind="job_finished", title="Valuation 2026Q3 finished",
                      url="/jobs/1/")  # fmt: skip
    assert len(rows) == 2
    assert [m.to for m in mail.outbox] == [["cro@example.cn"]]
    assert unread_count(cro) == 1


def test_the_centre_lists_only_my_notifications_and_marks_them_read(client, cro, actuary):
    notify(recipients=[cro], kind="clock_breached", title="Claim C1 decision deadline breached")
    notify(recipients=[actuary], kind="job_failed", title="not for the CRO")
    client.force_login(cro)
    page = client.get(reverse("notifications:list")).content.decode()
    assert "Claim C1 decision deadline breached" in page and "not for the CRO" not in page
    client.post(reverse("notifications:read"))
    assert unread_count(cro) == 0 and unread_count(actuary) == 1


def test_mark_read_cannot_touch_someone_elses(cro, actuary):
    (theirs,) = notify(recipients=[actuary], kind="other", title="x")
    assert mark_read(user=cro, notification_ids=[theirs.pk]) == 0
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_titles_are_written_in_the_recipients_language_not_the_actors(access_admin, compliance_officer, settings):
    """An English-speaking administrator requests a grant on a Chinese installation: the
    compliance officer (no language of their own: the installation's) reads Chinese."""
    from django.contrib.auth import get_user_model
    from django.utils import translation

    from insurer.access.services import grant_request

    settings.LANGUAGE_CODE = "zh-hans"
    subject = get_user_model().objects.create_user(username="li-lei", password="x-pass-12345")
    with translation.override("en"):
        grant = grant_request(actor=access_admin, user=subject, role="actuary", reason="joins pricing")
        assert translation.get_language() == "en"  # the actor's language is left as it was
    note = Notification.objects.get(recipient=compliance_officer, kind="grant_requested")
    assert note.title == f"待审核的角色授权：{grant}"


def test_each_recipient_gets_their_own_language(cro, actuary, settings, django_capture_on_commit_callbacks):
    from django.utils import translation
    from django.utils.translation import gettext as _

    settings.INSURER_NOTIFY_BY_EMAIL = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.LANGUAGE_CODE = "zh-hans"
    cro.email, actuary.email = "cro@example.cn", "actuary@example.cn"
    actuary.language = "en"  # what a profile language field would give
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[cro, actuary], kind="grant_requested", title=lambda: _("Role grant to review: %(grant)s")
               % {"grant": "G-1"})  # fmt: skip
    titles = dict(Notification.objects.values_list("recipient__username", "title"))
    assert titles == {cro.username: "待审核的角色授权：G-1", actuary.username: "Role grant to review: G-1"}
    assert sorted((m.to[0], m.subject) for m in mail.outbox) == [
        ("actuary@example.cn", "Role grant to review: G-1"),
        ("cro@example.cn", "待审核的角色授权：G-1"),
    ]
