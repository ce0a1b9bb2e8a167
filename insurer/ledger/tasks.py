from celery import shared_task

from insurer.ledger.services import chain_pending, checkpoint_create


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def ledger_checkpoint_task() -> int | None:
    """Scheduled by beat: sign the chain head so a wholesale rewrite is detectable."""
    checkpoint = checkpoint_create()
    return checkpoint.sequence if checkpoint else None


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def ledger_chain_task() -> int:
    """Scheduled by beat every minute: chain events whose writer died before chaining them."""
    return chain_pending()
