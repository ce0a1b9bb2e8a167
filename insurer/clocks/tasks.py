from celery import shared_task

from insurer.clocks.services import clocks_tick


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def clocks_tick_task() -> dict:
    """Scheduled by beat every 5 minutes: fire due escalations, record breaches."""
    result = clocks_tick()
    return {"escalations": result.escalations, "breaches": result.breaches, "closed": result.closed}
