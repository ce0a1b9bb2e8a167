"""Celery tasks of screening: thin, idempotent, each calls one service."""

from celery import shared_task


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def screen_customers_task(customer_ids: list[int]) -> dict:
    """Onboarding: screen and rate customers just created or changed."""
    from compliance.screening.services import customers_screen, ratings_refresh
    from customers.models import Customer

    counts = customers_screen(customers=Customer.objects.filter(pk__in=customer_ids))
    ratings_refresh(customer_ids=customer_ids)
    return counts


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def onboarding_sweep_task() -> dict:
    """Customers imported in bulk (no save signal) or changed since their last screening."""
    from compliance.screening.services import onboarding_sweep

    return onboarding_sweep()


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def rescreen_changed_entries_task(watchlist_id: int, version: int) -> dict:
    """The book against the entries a list load changed (when no job could be requested)."""
    from compliance.screening.jobs import _entries
    from compliance.screening.services import customers_screen
    from customers.models import Customer

    entries = _entries({"watchlist": watchlist_id, "version": version})
    return customers_screen(customers=Customer.objects.all(), entries=entries, full=False)


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def ratings_refresh_task() -> dict:
    """Nightly: re-rate the whole book, for the inputs with no change time of their own
    (payment methods and amounts of premiums, holdings); only changed ratings are written."""
    from compliance.screening.services import ratings_refresh

    return ratings_refresh()
