"""The beat task on a real Celery worker process: a clock past its due time is breached
once, however many ticks run."""

import pytest

from insurer.clocks import services
from insurer.clocks.models import Clock, ClockBreach
from insurer.clocks.tasks import clocks_tick_task
from insurer.clocks.tests.conftest import shanghai
from insurer.notifications.models import Notification
from tests.integration.conftest import celery_worker_process, wait_for  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_tick_task_on_a_worker_breaches_once(celery_worker_process, wait_for, staff, tmp_path):  # noqa: F811
    handler = staff("claims_handler")
    overdue = services.clock_start(actor=handler, rule_code="C4", object_type="claims.claim", object_id="CLM-77",
                                   object_repr="Claim CLM-77", started_at=shanghai(2024, 9, 26, 10, 0))  # fmt: skip
    running = services.clock_start(actor=handler, rule_code="C1", object_type="claims.claim", object_id="CLM-78")
    clocks_tick_task.delay()
    wait_for(lambda: ClockBreach.objects.filter(clock=overdue).exists(), 60, "the breach")
    clocks_tick_task.delay()
    clocks_tick_task.delay()

    def ticks_done() -> int:
        log = (tmp_path / "worker.log").read_text()
        return sum(1 for line in log.splitlines() if "clocks_tick_task" in line and "succeeded" in line)

    wait_for(lambda: ticks_done() == 3, 60, "three ticks")
    wait_for(lambda: Clock.objects.get(pk=overdue.pk).status == Clock.Status.BREACHED, 30, "the status")
    assert ClockBreach.objects.filter(clock=overdue).count() == 1
    assert Notification.objects.filter(kind="clock_breached", recipient=handler).count() == 1
    assert Clock.objects.get(pk=running.pk).status == Clock.Status.RUNNING
