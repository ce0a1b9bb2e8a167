"""The demo's rule-governance history, written when seed_demo loads a book (through
``customers.signals.book_seeded``, after the planted cases' labels are stored), so that the
rule-version screens show a real sequence rather than three untouched rows:

- the demo MLRO runs the shadow comparison of rules-v2 (the L11 calibration, in shadow since
  the migration) against the live rules-v1, then approves rules-v2: it goes live, rules-v1 is
  retired (maker ≠ checker holds: the migration, not the MLRO, proposed it);
- the demo AML analyst backtests rules-v3 (the L02/L05/L06/L13 calibration, a draft), so its
  page shows what it would change before anyone puts it in shadow.

Every step goes through the governance and job services (permission checks, audit events,
Job rows with their summaries), computed here in this process: the approval needs the shadow
run finished, and a worker may not be running while seeding. Only on the small and medium
books (about 20 s on medium); on the large one the three engine runs would add minutes, so its
history is left to the screens. A book seeded again keeps the history it has: nothing is
approved twice, and the draft's backtest is run again on the new book.
"""

from __future__ import annotations

import logging
import time

from django.contrib.auth import get_user_model

from compliance.rules.models import RuleVersion

log = logging.getLogger(__name__)
INLINE_SIZES = ("small", "medium")
WAIT_SECONDS = 600  # for a chunk a running worker claimed first
APPROVAL_NOTE = (
    "Demo history: shadow run against rules-v1 reviewed. Only L11 alerts differ (habitual cheque payers no longer "
    "alert); every planted L11 case is still found."
)


def demo_user(role_code: str):
    """The demo login of a role (username = role code, as insurer.services.demo_logins_create
    makes it): created here without a usable password when seeding comes first; the logins
    step then sets its password and finds the role already granted."""
    from insurer.access.grants import role_codes
    from insurer.access.services import grant_system
    from insurer.roles import BY_CODE

    user, created = get_user_model().objects.get_or_create(username=role_code)
    if created:
        user.first_name = str(BY_CODE[role_code].name)
        user.set_unusable_password()
        user.save()
    if role_code not in role_codes(user):
        grant_system(user=user, role=role_code, reason="demo login (embedded profile)")
    return user


def run_job_here(*, actor, kind: str, parameters: dict):
    """Request a job and compute it in this process, through the job services (the Job row,
    its chunk, its audit events and summary are the worker's own). A worker that later
    receives the queued messages finds the job finished and does nothing."""
    from insurer.jobs.models import Job
    from insurer.jobs.services import job_chunk_run, job_request, job_start

    job = job_request(actor=actor, kind=kind, parameters=parameters)
    job_start(job.pk)
    for index in job.chunks.values_list("index", flat=True):
        job_chunk_run(job.pk, index, worker="seed_demo")  # "busy": a running worker took it first
    deadline = time.monotonic() + WAIT_SECONDS
    job.refresh_from_db()
    while job.is_active and time.monotonic() < deadline:
        time.sleep(0.5)
        job.refresh_from_db()
    if job.status != Job.Status.SUCCEEDED:
        raise RuntimeError(f"demo {kind} job {job.pk} ended {job.status}: {job.error}")
    return job


def governance_history(*, size: str) -> dict:
    """Write the history above; returns what it did (also logged)."""
    from compliance.rules.services import rule_version_approve

    done: dict = {"size": size}
    if size not in INLINE_SIZES:
        done["skipped"] = "large book: run the shadow and backtests from the rule-version screens"
        log.info("demo rule governance: %s", done)
        return done
    versions = {v.name: v for v in RuleVersion.objects.filter(name__in=["rules-v1", "rules-v2", "rules-v3"])}
    v1, v2, v3 = (versions.get(n) for n in ("rules-v1", "rules-v2", "rules-v3"))
    if v1 is not None and v2 is not None and (v1.status, v2.status) == ("live", "shadow"):
        mlro = demo_user("mlro")
        shadow = run_job_here(actor=mlro, kind="aml_shadow", parameters={"candidate": v2.name, "live": v1.name})
        rule_version_approve(actor=mlro, version=v2, comment=APPROVAL_NOTE)
        done["shadow_job"], done["approved"] = shadow.pk, v2.name
    if v3 is not None and v3.status == RuleVersion.Status.DRAFT:
        backtest = run_job_here(actor=demo_user("aml_analyst"), kind="aml_backtest", parameters={"version": v3.name})
        done["backtest_job"] = backtest.pk
    log.info("demo rule governance: %s", done)
    return done
