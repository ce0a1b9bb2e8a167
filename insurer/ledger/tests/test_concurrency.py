"""Several OS processes appending at once never fork the chain."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from insurer.ledger.models import AuditEvent
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

    sequences = list(AuditEvent.objects.order_by("sequence").values_list("sequence", flat=True))
    assert sequences == list(range(1, WRITERS * EVENTS_EACH + 1))
    assert AuditEvent.objects.values("prev_hash").distinct().count() == WRITERS * EVENTS_EACH  # no fork
    assert verify().ok
