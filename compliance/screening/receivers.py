"""Reacting to the book without the book importing compliance (docs/aml.md).

- A customer saved one at a time (a form, the admin, a service): screened and rated right
  after the commit, by a task.
- Customers imported in bulk never send a save signal: the onboarding sweep (a beat task
  every few minutes, added to CELERY_BEAT_SCHEDULE here) screens whoever changed since
  their last screening, and re-rates the policyholders whose policies changed since their
  rating; a nightly beat task re-rates the whole book (premium methods and holdings).
- ``customers.signals.book_seeded`` (seed_demo): the demo watch list with planted name
  variants (compliance/screening/demo.py).
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_save

SWEEP_SECONDS = 300


def customer_saved(sender, instance, created, raw=False, **kwargs) -> None:
    if raw:
        return
    from compliance.screening.tasks import screen_customers_task

    pk = instance.pk
    transaction.on_commit(lambda: screen_customers_task.delay([pk]))


def connect() -> None:
    from customers.models import Customer

    post_save.connect(customer_saved, sender=Customer, dispatch_uid="compliance_screening.customer_saved")
    try:
        from customers.signals import book_seeded
    except ImportError:  # pragma: no cover - the signal ships with customers
        book_seeded = None
    if book_seeded is not None:
        from compliance.screening.demo import on_book_seeded

        book_seeded.connect(on_book_seeded, dispatch_uid="compliance_screening.book_seeded")
    schedule = getattr(settings, "CELERY_BEAT_SCHEDULE", None)
    if isinstance(schedule, dict):
        schedule.setdefault(
            "aml-onboarding-sweep",
            {"task": "compliance.screening.tasks.onboarding_sweep_task", "schedule": SWEEP_SECONDS},
        )
        schedule.setdefault(
            "aml-ratings-nightly",
            {"task": "compliance.screening.tasks.ratings_refresh_task", "schedule": 24 * 3600},
        )
