"""Role-aware navigation: apps register their pages at start-up; the menu shows only the
pages that exist and that the user may open.

Apps call ``register(...)`` from ``AppConfig.ready``; the platform never imports them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse


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
    visible = [i for i in _ITEMS.values() if i.permission is None or user.has_perm(i.permission)]
    visible.sort(key=lambda i: (i.order, str(i.label)))
    return [{"key": i.key, "label": i.label, "url": reverse(i.url_name), "section": i.section} for i in visible]


def navigation(request):
    """Template context processor."""
    return {"nav_items": items_for(getattr(request, "user", None))}
