"""Timings of the job machinery, from settings (INSURER_JOBS_*) or the environment."""

from __future__ import annotations

import os

from django.conf import settings


def _seconds(name: str, default: float) -> float:
    return float(getattr(settings, name, None) or os.environ.get(name, "") or default)


def heartbeat_seconds() -> float:
    """How often a worker running a chunk stamps the chunk's heartbeat."""
    return _seconds("INSURER_JOBS_HEARTBEAT_SECONDS", 10)


def stale_seconds() -> float:
    """A running chunk whose heartbeat is older than this has lost its worker: it may be
    reclaimed (by a redelivered message or by the recovery sweep)."""
    return max(_seconds("INSURER_JOBS_STALE_SECONDS", 60), 2 * heartbeat_seconds())


def requeue_pending_seconds() -> float:
    """A pending chunk (or queued job) whose message was sent longer ago than this is sent
    again by the recovery sweep, in case the message was lost (duplicates are harmless)."""
    return _seconds("INSURER_JOBS_REQUEUE_PENDING_SECONDS", 900)
