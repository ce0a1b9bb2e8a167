"""A job's finished and failed notifications come out in the recipient's language, not the
language of the worker or request that happened to finish it (insurer.notifications.notify
renders a callable once per recipient language)."""

from __future__ import annotations

import pytest
from django.utils import translation

from insurer.jobs import registry, services
from insurer.jobs.tests import kinds
from insurer.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def test_kind():
    kind = kinds.register()
    yield kind
    registry._KINDS.pop(kinds.NAME, None)


def test_job_finished_and_failed_are_written_in_the_recipients_language(actuary, settings):
    settings.LANGUAGE_CODE = "zh-hans"  # the actuary has no language of their own: the installation's
    with translation.override("en"):  # the worker runs in English
        job = services.job_request(actor=actuary, kind=kinds.NAME, parameters={"n": 1000, "chunks": 4})
        services.job_start(job.pk)
        for i in range(4):
            services.job_chunk_run(job.pk, i, worker="w1")
        failing = services.job_request(actor=actuary, kind=kinds.NAME, parameters={"n": 1000, "chunks": 4})
        services.job_fail(failing.pk, error="worker lost")
        assert translation.get_language() == "en"
    done = Notification.objects.get(recipient=actuary, kind="job_finished")
    assert done.title == f"作业 {job} 已完成" and done.body.startswith("共 4 个分片，用时 ")
    failed = Notification.objects.get(recipient=actuary, kind="job_failed")
    assert failed.title == f"作业 {failing} 失败" and failed.body == "worker lost"
