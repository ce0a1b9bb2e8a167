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
