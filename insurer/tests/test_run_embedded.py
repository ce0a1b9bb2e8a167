"""`make run` starts a worker that also runs the beat schedule (clock ticks, ledger
checkpoints, job recovery): without it those never happen in the embedded product."""

import os
import subprocess
import time

from insurer.management.commands.run_embedded import worker_command


def test_the_worker_of_make_run_runs_the_beat_schedule_under_var(tmp_path):
    command = worker_command(tmp_path)
    assert command[command.index("-A") + 1 : command.index("worker") + 1] == ["insurer", "worker"]
    assert "--beat" in command and f"--schedule={tmp_path / 'celerybeat-schedule'}" in command

    env = {**os.environ, "INSURER_VAR_DIR": str(tmp_path), "INSURER_BROKER_DIR": str(tmp_path / "broker")}
    log = tmp_path / "worker.log"
    with log.open("w") as out:
        worker = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + 90
        while "beat: Starting" not in log.read_text() and time.monotonic() < deadline and worker.poll() is None:
            time.sleep(0.5)
        assert "beat: Starting" in log.read_text(), log.read_text()[-3000:]
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert list(tmp_path.glob("celerybeat-schedule*")), "beat keeps its schedule under the var folder"
