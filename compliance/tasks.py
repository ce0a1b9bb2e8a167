"""Celery tasks of the AML monitoring, scheduled by beat (insurer/settings.py,
CELERY_BEAT_SCHEDULE; docs/aml.md, "Schedule"). Thin and idempotent: beat firing twice on
one day requests one monitoring job and files no large-value report twice."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.db import transaction
from django.utils import timezone

# Late-arriving transaction files are caught by looking back a week; generation never makes
# a report twice, so the overlap costs one read. Today is left to tomorrow's run: a daily
# cash total is only known once the day is over.
LVTR_LOOKBACK_DAYS = 7


def _start_of_today():
    return timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time()))


def monitoring_request_daily() -> int | None:
    """Request today's live ``aml_monitoring`` job as the system user ``aml-monitor`` (it shows
    in the jobs list with who and when), unless one it requested today is queued, running or
    done. Returns the new job's id, or None when today's run was already requested."""
    from compliance.holds.services import monitor_actor
    from compliance.jobs import KIND
    from insurer.jobs.models import Job
    from insurer.jobs.services import job_request

    actor = monitor_actor()
    with transaction.atomic():
        # Serialise two deliveries of the same beat tick on the system user's row.
        type(actor).objects.select_for_update().filter(pk=actor.pk).first()
        today = Job.objects.filter(kind=KIND, requested_by=actor, created_at__gte=_start_of_today()).exclude(
            status__in=[Job.Status.FAILED, Job.Status.CANCELLED]
        )
        if today.exists():
            return None
        return job_request(actor=actor, kind=KIND, parameters={"parts": 1}).pk


def lvtr_generate_daily() -> dict:
    """Generate the large-value reports of the last LVTR_LOOKBACK_DAYS local days up to
    yesterday as ``aml-monitor`` (which starts their C13 clocks); idempotent."""
    from compliance import services
    from compliance.holds.services import monitor_actor

    until = timezone.localdate() - dt.timedelta(days=1)
    since = until - dt.timedelta(days=LVTR_LOOKBACK_DAYS - 1)
    return services.lvtr_generate(actor=monitor_actor(), since=since, until=until)


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def monitoring_daily_task() -> int | None:
    """Scheduled daily by beat: the live monitoring run (alerts, cases, holds and freezes)."""
    return monitoring_request_daily()


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def lvtr_daily_task() -> dict:
    """Scheduled daily by beat: large-value reports with their C13 clocks."""
    return lvtr_generate_daily()
