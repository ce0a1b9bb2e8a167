"""Role-aware navigation: apps register their pages at start-up; the menu shows only the
pages that exist and that the user may open.

Apps call ``register(...)`` from ``AppConfig.ready``; the platform never imports them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache

from django.urls import NoReverseMatch, reverse

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str  # a lazy translation
    url_name: str
    permission: str | None  # "app.codename"; None = any signed-in user
    section: str  # a lazy translation
    order: int = 100


_ITEMS: dict[str, NavItem] = {}


def register(item: NavItem) -> None:
    _ITEMS[item.key] = item


def items_for(user) -> list[dict]:
    if not getattr(user, "is_authenticated", False):
        return []
    held = user.get_all_permissions()  # once, not one has_perm per menu entry
    superuser = user.is_active and user.is_superuser
    visible = [i for i in _ITEMS.values() if i.permission is None or superuser or i.permission in held]
    visible.sort(key=lambda i: (i.order, str(i.label)))
    items = []
    for item in visible:
        try:
            url = _url(item.url_name)
        except NoReverseMatch:  # registered but not routed: show only what exists (a test catches it)
            logger.warning("navigation item %s names unknown URL %s", item.key, item.url_name)
            continue
        # Plain strings: the menu compares and prints them many times per page.
        items.append({"key": item.key, "label": str(item.label), "url": url, "section": str(item.section)})
    return items


@lru_cache(maxsize=256)
def _url(url_name: str) -> str:
    return reverse(url_name)


def registered() -> list[NavItem]:
    return list(_ITEMS.values())


def navigation(request):
    """Template context processor."""
    return {"nav_items": items_for(getattr(request, "user", None))}
