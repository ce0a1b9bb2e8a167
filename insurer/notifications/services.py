"""Sending and reading notifications."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from insurer.notifications.models import Notification

logger = logging.getLogger(__name__)


def notify(*, recipients: Iterable, kind: str, title: str, body: str = "", url: str = "") -> list[Notification]:
    """One notification per recipient (duplicates ignored); e-mail after commit to those
    with an address. System-generated: no permission check, nothing sensitive in it
    beyond a title and a link the recipient must still be allowed to open."""
    unique = {r.pk: r for r in recipients if r is not None and r.is_active}
    rows = Notification.objects.bulk_create(
        Notification(recipient=r, kind=kind, title=title[:200], body=body, url=url) for r in unique.values()
    )
    addresses = [r.email for r in unique.values() if r.email]
    if addresses and settings.INSURER_NOTIFY_BY_EMAIL:

        def send() -> None:
            try:
                send_mail(title, f"{body}\n\n{url}".strip(), None, addresses, fail_silently=False)
            except OSError:  # a mail outage must not undo the business change
                logger.exception("notification e-mail failed: %s", title)

        transaction.on_commit(send)
    return rows


def mark_read(*, user, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the user's own notifications read (all when no ids are given)."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=list(notification_ids))
    return unread.update(read_at=timezone.now())


def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
