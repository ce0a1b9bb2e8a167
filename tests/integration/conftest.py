"""Real Celery worker processes for the integration tests.

The worker is a separate OS process (`celery -A insurer worker`) pointed at the test
database by name and at the same broker as the test process: the filesystem broker in a
temporary folder on the embedded default, Redis when CELERY_BROKER_URL says so (CI).
Tests that use it need `transactional_db`, so what they write is committed and visible.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def celery_worker_process(transactional_db, tmp_path):
    from insurer.celery import app

    # An earlier test of this process may have published a task (e.g. a screening task after a
    # customer was saved), leaving a pooled producer connection bound to the default queue
    # folder: start from fresh pools so this test's tasks reach this test's worker.
    _fresh_broker_pools(app)
    env = {**os.environ, "INSURER_DB_NAME_OVERRIDE": str(connection.settings_dict["NAME"])}
    original_options = dict(app.conf.broker_transport_options or {})
    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        # A private queue folder, so a developer's running `make run` worker cannot steal the task.
        queue, processed = tmp_path / "broker" / "queue", tmp_path / "broker" / "processed"
        queue.mkdir(parents=True)
        processed.mkdir(parents=True)
        app.conf.broker_transport_options = {
            **original_options,
            "data_folder_in": str(queue),
            "data_folder_out": str(queue),
            "processed_folder": str(processed),
        }
        env["INSURER_BROKER_DIR"] = str(tmp_path / "broker")
    else:
        app.connection_for_write().default_channel.client.flushdb()  # an empty queue per test
    log = open(tmp_path / "worker.log", "w+")  # noqa: SIM115 (closed below)
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "insurer",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--hostname",
            f"test-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    _wait_for(lambda: "ready" in (tmp_path / "worker.log").read_text(), 60, "the worker to start", tmp_path)
    try:
        yield worker
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
        log.close()
        app.conf.broker_transport_options = original_options
        _fresh_broker_pools(app)


def _wait_for(condition, seconds: float, what: str, tmp_path: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}; worker log:\n{(tmp_path / 'worker.log').read_text()}")


@pytest.fixture
def wait_for(tmp_path):
    return lambda condition, seconds, what: _wait_for(condition, seconds, what, tmp_path)


class WorkerHandle:
    """One real worker process started by ``celery_workers``."""

    def __init__(self, name: str, process: subprocess.Popen, log_path: Path):
        self.name, self.process, self.log_path = name, process, log_path

    @property
    def hostname(self) -> str:
        return self.name

    def log(self) -> str:
        return self.log_path.read_text()

    def kill(self) -> None:
        """SIGKILL: no shutdown, no acknowledgement, no message given back."""
        self.process.kill()
        self.process.wait(timeout=20)


@pytest.fixture
def celery_workers(transactional_db, tmp_path):
    """A factory of real worker processes on the test database and one shared broker:
    ``start(name, concurrency=1, pool="solo", env=None)`` returns a WorkerHandle once the
    worker is ready; every worker still alive is stopped at the end. The hostname of a
    worker is ``name`` exactly (JobChunk.worker shows it)."""
    from insurer.celery import app

    _fresh_broker_pools(app)  # in case an earlier test left a closed pool behind
    base_env = {**os.environ, "INSURER_DB_NAME_OVERRIDE": str(connection.settings_dict["NAME"])}
    original_options = dict(app.conf.broker_transport_options or {})
    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        queue, processed = tmp_path / "broker" / "queue", tmp_path / "broker" / "processed"
        queue.mkdir(parents=True)
        processed.mkdir(parents=True)
        app.conf.broker_transport_options = {
            **original_options,
            "data_folder_in": str(queue),
            "data_folder_out": str(queue),
            "processed_folder": str(processed),
        }
        base_env["INSURER_BROKER_DIR"] = str(tmp_path / "broker")
    else:
        app.connection_for_write().default_channel.client.flushdb()
    started: list[WorkerHandle] = []
    logs = []

    def start(name: str, *, concurrency: int = 1, pool: str = "solo", env: dict | None = None) -> WorkerHandle:
        log_path = tmp_path / f"worker-{name.replace('@', '-')}.log"
        log = open(log_path, "w+")  # noqa: SIM115 (closed below)
        logs.append(log)
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "insurer", "worker", f"--pool={pool}",
             f"--concurrency={concurrency}", "--loglevel=INFO", "--without-gossip", "--without-mingle",
             "--hostname", name],
            cwd=ROOT, env={**base_env, **(env or {})}, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        handle = WorkerHandle(name, process, log_path)
        started.append(handle)
        deadline = time.monotonic() + 60
        while "ready" not in log_path.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"worker {name} did not start:\n{log_path.read_text()}")
            time.sleep(0.2)
        return handle

    try:
        yield start
    finally:
        for handle in started:
            if handle.process.poll() is None:
                handle.process.terminate()
        for handle in started:
            try:
                handle.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                handle.kill()
        for log in logs:
            log.close()
        app.conf.broker_transport_options = original_options
        _fresh_broker_pools(app)


def _fresh_broker_pools(app) -> None:
    """Close the connections to this test's broker and let the next test open new ones
    (a closed pool refuses to publish, and kombu keeps producer pools per connection)."""
    from kombu import pools

    app.pool.force_close_all()
    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None
