from celery import shared_task

from insurer.access.object_grants import object_grants_sweep


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def object_grants_sweep_task() -> dict:
    """Scheduled by beat every 5 minutes: object grants start and end on their dates."""
    result = object_grants_sweep()
    return {"started": result.started, "expired": result.expired}
