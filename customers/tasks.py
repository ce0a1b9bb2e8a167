"""Celery tasks of the book of business: thin, idempotent, call one service."""

from celery import shared_task

from customers.summary import book_summary_refresh


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def book_summary_refresh_task(trigger: str = "schedule") -> int:
    """Rebuild the dashboard figures; returns the new snapshot's id."""
    return book_summary_refresh(trigger=trigger).pk
