"""Sending and reading notifications."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation

from insurer.notifications.models import Notification

logger = logging.getLogger(__name__)


# A title or body: a plain string (already in its final language), a lazy translation, or a
# callable that builds the text (``lambda: _("… %(x)s") % {...}``) — the last two are
# rendered once per recipient language, so each reader gets their own language rather than
# the language of whoever happened to trigger the notification.
Text = str | Callable[[], str]


def recipient_language(user) -> str:
    """The language to write to ``user`` in: their profile's language when the user model
    (or a ``profile`` attached to it) carries one, else the installation's LANGUAGE_CODE."""
    for holder in (user, getattr(user, "profile", None)):
        language = getattr(holder, "language", "") if holder is not None else ""
        if language:
            return language
    return settings.LANGUAGE_CODE


def _render(text: Text, language: str) -> str:
    if isinstance(text, str):
        return text
    with translation.override(language):
        return str(text()) if callable(text) else str(text)


def notify(*, recipients: Iterable, kind: str, title: Text, body: Text = "", url: str = "") -> list[Notification]:
    """One notification per recipient (duplicates ignored), its title and body rendered in
    the recipient's language; e-mail after commit to those with an address. System-generated:
    no permission check, nothing sensitive in it beyond a title and a link the recipient
    must still be allowed to open."""
    unique = {r.pk: r for r in recipients if r is not None and r.is_active}
    by_language: dict[str, list] = {}
    for recipient in unique.values():
        by_language.setdefault(recipient_language(recipient), []).append(recipient)
    texts = {language: (_render(title, language), _render(body, language)) for language in by_language}
    rows = Notification.objects.bulk_create(
        Notification(recipient=r, kind=kind, title=texts[language][0][:200], body=texts[language][1], url=url)
        for language, group in by_language.items()
        for r in group
    )
    if settings.INSURER_NOTIFY_BY_EMAIL:
        for language, group in by_language.items():
            addresses = [r.email for r in group if r.email]
            if addresses:
                transaction.on_commit(_mailer(*texts[language], url, addresses))
    return rows


def _mailer(title: str, body: str, url: str, addresses: list[str]):
    def send() -> None:
        try:
            send_mail(title, f"{body}\n\n{url}".strip(), None, addresses, fail_silently=False)
        except OSError:  # a mail outage must not undo the business change
            logger.exception("notification e-mail failed: %s", title)

    return send


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
