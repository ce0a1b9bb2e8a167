"""Home dashboard panels: each app registers the panels it can fill; the home page shows
the ones the user may see. Keeps the platform free of domain imports."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Panel:
    key: str
    template: str
    permission: str | None
    context: Callable  # (request) -> dict
    order: int = 100


_PANELS: dict[str, Panel] = {}


def register(panel: Panel) -> None:
    _PANELS[panel.key] = panel


def panels_for(user) -> list[Panel]:
    panels = [p for p in _PANELS.values() if p.permission is None or user.has_perm(p.permission)]
    return sorted(panels, key=lambda p: p.order)
