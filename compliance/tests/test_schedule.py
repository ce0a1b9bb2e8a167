"""Beat runs the live AML monitoring and the large-value reports daily, as the system user
aml-monitor; a second firing on the same day adds nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from compliance import tasks
from compliance.jobs import KIND
from compliance.models import LargeValueReport
from customers.tests import builders
from insurer.clocks.models import Clock
from insurer.jobs.models import Job
from insurer.ledger.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_beat_schedules_the_monitoring_run_and_the_large_value_reports_daily():
    schedule = settings.CELERY_BEAT_SCHEDULE
    monitoring, lvtr = schedule["aml-monitoring-daily"], schedule["aml-lvtr-daily"]
    assert monitoring["schedule"] == crontab(minute=0, hour=2)
    assert lvtr["schedule"] == crontab(minute=30, hour=1)
    for entry, function in ((monitoring, tasks.monitoring_daily_task), (lvtr, tasks.lvtr_daily_task)):
        task = import_string(entry["task"])
        assert task is function and task.name == entry["task"]  # a registered Celery task of that name


def test_the_task_requests_the_monitoring_job_as_the_system_user_once_a_day():
    job_id = tasks.monitoring_daily_task()
    job = Job.objects.get(pk=job_id)
    assert job.kind == KIND and job.requested_by.username == "aml-monitor" and job.parameters == {"parts": 1}
    assert not job.requested_by.has_usable_password()
    request = AuditEvent.objects.get(action="job.request")
    assert request.actor_name == "aml-monitor" and request.object_id == str(job.pk)
    assert tasks.monitoring_daily_task() is None  # beat fired twice: still one job today
    assert Job.objects.filter(kind=KIND).count() == 1
    Job.objects.filter(pk=job.pk).update(status=Job.Status.FAILED, finished_at=timezone.now())
    assert tasks.monitoring_daily_task() not in (None, job.pk)  # a failed run is requested again


def test_the_daily_large_value_reports_cover_the_last_week_to_yesterday_once():
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    policy = builders.policy(holder=builders.person())
    at = timezone.make_aware(dt.datetime.combine(yesterday, dt.time(10)))
    cash = builders.transaction(on=policy, amount="60000", method="cash", when=at)
    builders.transaction(on=policy, amount="70000", method="cash", when=at + dt.timedelta(days=1))  # today: tomorrow
    old = at - dt.timedelta(days=tasks.LVTR_LOOKBACK_DAYS)  # 8 days ago: outside the window
    builders.transaction(on=policy, amount="80000", method="cash", when=old)
    counts = tasks.lvtr_daily_task()
    assert (counts["since"], counts["until"]) == (str(yesterday - dt.timedelta(days=6)), str(yesterday))
    assert counts["created"] == 1
    report = LargeValueReport.objects.get()
    assert report.transaction == cash
    clock = Clock.objects.get(pk=report.clock_id)
    assert clock.rule.code == "C13" and clock.started_at == cash.timestamp
    assert tasks.lvtr_daily_task()["created"] == 0 and LargeValueReport.objects.count() == 1
