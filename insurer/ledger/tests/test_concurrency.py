"""Several OS processes appending at once never fork the chain."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from insurer.ledger.models import AuditEvent, ChainLink, PendingEvent
from insurer.ledger.services import verify

ROOT = Path(__file__).resolve().parents[3]
WRITERS, EVENTS_EACH = 4, 40

APPEND_SCRIPT = f"""
import os
from insurer.ledger.services import append
writer = os.environ["LEDGER_TEST_WRITER"]
for i in range({EVENTS_EACH}):
    append(kind="change", actor=None, action="update", object_type="test.thing", object_id=f"{{writer}}-{{i}}")
"""


@pytest.mark.django_db(transaction=True)
def test_four_processes_append_without_forking_the_chain():
    env = {**os.environ, "INSURER_DB_NAME_OVERRIDE": str(connection.settings_dict["NAME"])}
    writers = [
        subprocess.Popen(
            [sys.executable, "manage.py", "shell", "-c", APPEND_SCRIPT],
            cwd=ROOT,
            env={**env, "LEDGER_TEST_WRITER": f"w{n}"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(WRITERS)
    ]
    for writer in writers:
        _out, err = writer.communicate(timeout=180)
        assert writer.returncode == 0, err

    sequences = list(ChainLink.objects.order_by("sequence").values_list("sequence", flat=True))
    assert sequences == list(range(1, WRITERS * EVENTS_EACH + 1))
    assert ChainLink.objects.values("prev_hash").distinct().count() == WRITERS * EVENTS_EACH  # no fork
    assert AuditEvent.objects.count() == WRITERS * EVENTS_EACH and not PendingEvent.objects.exists()
    assert verify().ok


@pytest.mark.django_db(transaction=True)
def test_writers_only_insert_and_the_chainer_process_chains_them_in_order():
    """The production arrangement (INSURER_LEDGER_CHAINING=chainer): four writer processes
    insert, one `manage.py ledger_chainer` process chains; nothing forks, nothing is left."""
    env = {
        **os.environ,
        "INSURER_DB_NAME_OVERRIDE": str(connection.settings_dict["NAME"]),
        "INSURER_LEDGER_CHAINING": "chainer",
    }
    chainer = subprocess.Popen(
        [sys.executable, "manage.py", "ledger_chainer", "--poll", "0.02"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        writers = [
            subprocess.Popen(
                [sys.executable, "manage.py", "shell", "-c", APPEND_SCRIPT],
                cwd=ROOT,
                env={**env, "LEDGER_TEST_WRITER": f"w{n}"},
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for n in range(WRITERS)
        ]
        for writer in writers:
            _out, err = writer.communicate(timeout=180)
            assert writer.returncode == 0, err
        deadline = time.monotonic() + 30
        while PendingEvent.objects.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        chainer.terminate()
        out, err = chainer.communicate(timeout=30)
    assert chainer.returncode == 0, err
    assert f"stopped after chaining {WRITERS * EVENTS_EACH} events" in out

    sequences = list(ChainLink.objects.order_by("sequence").values_list("sequence", flat=True))
    assert sequences == list(range(1, WRITERS * EVENTS_EACH + 1))
    assert ChainLink.objects.values("prev_hash").distinct().count() == WRITERS * EVENTS_EACH
    assert ChainLink.objects.values("event_id").distinct().count() == WRITERS * EVENTS_EACH  # each event once
    assert verify().ok
    # The health check the compose file runs agrees that the chainer kept up.
    check = subprocess.run(
        [sys.executable, "manage.py", "ledger_chainer", "--check", "60"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert check.returncode == 0, check.stderr
    assert "keeping up" in check.stdout


@pytest.mark.django_db
def test_chainer_health_check_fails_while_an_event_waits_and_passes_once_chained(settings):
    """The compose file's health check: an event recorded but not chained (the chainer is
    down) fails it once it has waited longer than the limit; chaining clears it."""
    from django.core.management import CommandError, call_command

    from insurer.ledger.services import append, chain_pending

    settings.INSURER_LEDGER_CHAINING = "chainer"
    event = append(kind="change", actor=None, action="update", object_type="test.thing", object_id="1")
    assert AuditEvent.objects.get(pk=event.pk).hash == ""  # nobody chained it: writers only insert
    time.sleep(0.01)
    with pytest.raises(CommandError, match="oldest unchained event has waited"):
        call_command("ledger_chainer", "--check", "0")
    assert chain_pending() == 1
    call_command("ledger_chainer", "--check", "0")
