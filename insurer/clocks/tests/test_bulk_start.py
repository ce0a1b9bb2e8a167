"""Starting many clocks at once (clock_start_many, clock_start_many_for): the same clocks and
the same audit events as starting them one at a time, in a number of queries that does not
grow with the clocks, and a hash chain that stays whole when bulk and single writers run in
several processes at once."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from insurer.clocks import services
from insurer.clocks.models import Clock
from insurer.clocks.services import ClockError, ClockTarget
from insurer.clocks.tests.conftest import shanghai
from insurer.ledger.models import AuditEvent, ChainLink, PendingEvent
from insurer.ledger.services import chain_pending, verify

ROOT = Path(__file__).resolve().parents[3]
EOD = (23, 59, 59, 999999)
pytestmark = pytest.mark.django_db

# Start times across the PRC holidays (the due dates are in test_services.py, by hand).
STARTS = [
    (2024, 9, 26, 15, 0),  # C13 due 2024-10-09: Sun 29 Sep counts
    (2024, 9, 26, 9, 0),  # the same day: the same due date
    (2025, 1, 24, 11, 0),  # due 2025-02-07
    (2026, 2, 13, 11, 0),  # due 2026-02-27
]
DUE = [(2024, 10, 9), (2024, 10, 9), (2025, 2, 7), (2026, 2, 27)]


def _targets(prefix: str):
    return [
        ClockTarget("compliance.largevaluereport", f"{prefix}{i}", f"LVTR {prefix}{i}", shanghai(*start))
        for i, start in enumerate(STARTS)
    ]


FIELDS = ("rule_id", "started_at", "due_at", "base_due_at", "next_escalation_at", "calendar_note", "status")


def test_bulk_start_makes_the_clocks_and_audit_events_a_single_start_makes(staff, at):
    analyst = staff("aml_analyst")
    at(2026, 11, 28, 10, 0)
    bulk = services.clock_start_many(actor=analyst, rule_code="C13", objects=_targets("B"))
    single = [
        services.clock_start(actor=analyst, rule_code="C13", object_type=t.object_type, object_id=f"S{i}",
                             object_repr=f"LVTR S{i}", started_at=t.started_at)
        for i, t in enumerate(_targets("S"))
    ]  # fmt: skip
    assert [c.due_at for c in bulk] == [shanghai(*d, *EOD) for d in DUE]
    stored = Clock.objects.in_bulk([c.pk for c in bulk + single])
    for b, s in zip(bulk, single, strict=True):
        assert [getattr(stored[b.pk], f) for f in FIELDS] == [getattr(stored[s.pk], f) for f in FIELDS]
        assert (stored[b.pk].owner, stored[b.pk].started_by) == (analyst, analyst)
        event_b = AuditEvent.objects.get(object_type="clocks.clock", object_id=str(b.pk))
        event_s = AuditEvent.objects.get(object_type="clocks.clock", object_id=str(s.pk))
        assert (event_b.action, event_b.actor_name, event_b.actor_roles) == ("clock_start", analyst.username,
                                                                            ["aml_analyst"])  # fmt: skip
        changes_b, changes_s = dict(event_b.changes), dict(event_s.changes)
        assert changes_b.pop("object") == f"compliance.largevaluereport:{b.object_id}"
        assert changes_s.pop("object") == f"compliance.largevaluereport:{s.object_id}"
        assert changes_b == changes_s  # rule, version, started_at, time limit, note, after-state
    chain_pending()  # what runs after the commit (a test's transaction never commits)
    assert ChainLink.objects.count() == AuditEvent.objects.count() and verify().ok


def test_bulk_start_costs_the_same_queries_for_4_or_40_clocks(staff, at):
    analyst = staff("aml_analyst")
    at(2026, 11, 28, 10, 0)
    counts = []
    for n in (1, 1, 10):  # the first call also fills per-process caches (the actor's roles)
        targets = [ClockTarget(t.object_type, f"{len(counts)}-{t.object_id}-{k}", "", t.started_at)
                   for k in range(n) for t in _targets("Q")]  # fmt: skip
        with CaptureQueriesContext(connection) as ctx:
            clocks = services.clock_start_many(actor=analyst, rule_code="C13", objects=targets)
        assert len(clocks) == 4 * n and all(c.pk for c in clocks)
        counts.append(len(ctx.captured_queries))
    assert counts[1] == counts[2]
    assert AuditEvent.objects.filter(action="clock_start").count() == 48  # one event per clock


def test_bulk_start_without_the_permission_or_with_a_bad_object_writes_nothing(staff, at):
    at(2026, 11, 28, 10, 0)
    with pytest.raises(PermissionDenied):
        services.clock_start_many(actor=staff("internal_auditor"), rule_code="C13", objects=_targets("X"))
    bad = [*_targets("Y"), ClockTarget("largevaluereport", "9")]
    with pytest.raises(ClockError, match=r"app\.model"):
        services.clock_start_many(actor=staff("aml_analyst"), rule_code="C13", objects=bad)
    future = [ClockTarget("compliance.case", "1", "", shanghai(2026, 12, 1, 0, 0))]
    with pytest.raises(ClockError, match="future"):
        services.clock_start_many_for(triggered_by=None, rule_code="AML-R", objects=future)
    assert not Clock.objects.exists() and not AuditEvent.objects.filter(action="clock_start").exists()


def test_bulk_start_for_a_platform_service_records_the_triggering_user(staff):
    analyst = staff("aml_analyst")
    clocks = services.clock_start_many_for(
        triggered_by=None, rule_code="AML-R", objects=[ClockTarget("compliance.case", "7", "AMLC-000007")]
    )
    assert clocks[0].started_by is None and clocks[0].rule.code == "AML-R"
    assert AuditEvent.objects.get(action="clock_start").actor_name == "system"
    assert analyst  # the grant exists; the system start needs none


BULK_SCRIPT = """
import os
from insurer.ledger.services import append, append_many
writer = os.environ["LEDGER_TEST_WRITER"]
for i in range(10):
    append_many([dict(kind="change", actor=None, action="bulk", object_type="test.thing",
                      object_id=f"{writer}-{i}-{k}") for k in range(7)])
    append(kind="change", actor=None, action="single", object_type="test.thing", object_id=f"{writer}-{i}")
"""


@pytest.mark.django_db(transaction=True)
def test_bulk_and_single_appends_from_four_processes_never_fork_the_chain():
    env = {**os.environ, "INSURER_DB_NAME_OVERRIDE": str(connection.settings_dict["NAME"])}
    writers = [
        subprocess.Popen([sys.executable, "manage.py", "shell", "-c", BULK_SCRIPT], cwd=ROOT,
                         env={**env, "LEDGER_TEST_WRITER": f"w{n}"}, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
        for n in range(4)
    ]  # fmt: skip
    for writer in writers:
        _out, err = writer.communicate(timeout=180)
        assert writer.returncode == 0, err
    total = 4 * 10 * 8
    assert list(ChainLink.objects.order_by("sequence").values_list("sequence", flat=True)) == list(range(1, total + 1))
    assert ChainLink.objects.values("prev_hash").distinct().count() == total  # no fork
    assert AuditEvent.objects.count() == total and not PendingEvent.objects.exists()
    # Within one bulk append the events are chained in the order they were given.
    first = ChainLink.objects.filter(event__object_id__startswith="w0-0-").order_by("sequence")
    assert [link.event.object_id for link in first.select_related("event")] == [f"w0-0-{k}" for k in range(7)]
    assert verify().ok
