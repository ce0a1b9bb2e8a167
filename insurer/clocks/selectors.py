"""Reads on clocks, always through insurer.access.restrict (the permission chokepoint)."""

from __future__ import annotations

from django.db.models import QuerySet

from insurer.access import restrict
from insurer.clocks.models import Clock, ClockBreach, ClockRule


def clocks_for(user) -> QuerySet[Clock]:
    return restrict(Clock.objects.all(), user).select_related("rule", "owner", "department", "breach")


def clock_for_detail(user, pk: int) -> QuerySet[Clock]:
    return clocks_for(user).filter(pk=pk).prefetch_related("pauses__paused_by", "pauses__resumed_by", "escalations")


def breaches_for(user) -> QuerySet[ClockBreach]:
    return restrict(ClockBreach.objects.all(), user).select_related(
        "clock__rule", "clock__owner", "explained_by", "signed_off_by"
    )


def rules_for(user) -> QuerySet[ClockRule]:
    return restrict(ClockRule.objects.all(), user)


def clocks_on(user, object_type: str, object_id: str) -> QuerySet[Clock]:
    """The clocks attached to one object (for a domain page's side panel)."""
    return clocks_for(user).filter(object_type=object_type, object_id=str(object_id))
