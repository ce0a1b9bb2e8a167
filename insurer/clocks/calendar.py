"""The PRC working-day calendar (pure functions, no Django models).

Working days come from ``chinesecalendar`` (import name ``chinese_calendar``): the State
Council's public holidays *and* the make-up working days (调休) that move a Saturday or a
Sunday into the working week. For a year the library does not cover (it ships the notices
published so far, 2004 to its last year) we fall back to Monday–Friday and say so: every
function that crosses such a year returns a note that the clock stores and shows.

Day-count convention (docs/clocks.md):

- The day the clock starts (the trigger day) is day 0 and never counts.
- ``add_natural_days(start, n)`` is the n-th calendar day after it: "within 10 days" of
  2024-09-26 is 2024-10-06.
- ``add_working_days(start, n)`` is the n-th *working* day after the trigger day, whether
  or not the trigger day itself is a working day: "within 5 working days" of Thu 2024-09-26
  is Wed 2024-10-09 (Fri 27, Sun 29 make-up, Mon 30, National Day off until Mon Oct 7,
  Tue 8, Wed 9).
- The deadline is the *end* of that day in Asia/Shanghai; the callers add the time of day.
- ``working_days_between(a, b)`` counts the working days d with a < d <= b, so that
  ``working_days_between(a, add_working_days(a, n).day) == n``.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import NamedTuple

import chinese_calendar
from chinese_calendar import constants as _data

__all__ = [
    "Count",
    "Day",
    "add_natural_days",
    "add_working_days",
    "add_years",
    "covered_years",
    "fallback_note",
    "is_working_day",
    "working_days_between",
    "years_outside",
]


class Day(NamedTuple):
    day: dt.date
    note: str  # "" when every year crossed is in the official calendar


class Count(NamedTuple):
    days: int
    note: str


@lru_cache(maxsize=1)
def covered_years() -> tuple[int, int]:
    """First and last year of the official holiday calendar the library ships."""
    years = {d.year for d in _data.holidays}
    return min(years), max(years)


def _covered(year: int) -> bool:
    first, last = covered_years()
    return first <= year <= last


def years_outside(*years: int) -> list[int]:
    """The given years the official calendar does not cover, sorted."""
    return sorted({y for y in years if not _covered(y)})


def fallback_note(*years: int) -> str:
    """The warning for the years outside the official calendar ("" if none). English:
    stored with the clock and in the audit trail; screens translate from the years."""
    outside = years_outside(*years)
    if not outside:
        return ""
    first, last = covered_years()
    label = str(outside[0]) if len(outside) == 1 else f"{outside[0]}–{outside[-1]}"
    verb = "is" if len(outside) == 1 else "are"
    return (
        f"{label} {verb} outside the official holiday calendar ({first}–{last}); "
        "working days counted as Monday to Friday only"
    )


def is_working_day(day: dt.date) -> tuple[bool, bool]:
    """(is it a working day, is the year covered by the official calendar).

    Outside the covered years: Monday to Friday, and ``covered`` is False.
    """
    if isinstance(day, dt.datetime):
        day = day.date()
    if _covered(day.year):
        return chinese_calendar.is_workday(day), True
    return day.weekday() < 5, False


def add_natural_days(start: dt.date, n: int, *, roll_forward: bool = False) -> Day:
    """The n-th calendar day after ``start`` (day 0).

    ``roll_forward``: when that day is not a working day, move to the next working day
    (PRC Civil Code art. 203: a period whose last day is a statutory rest day ends on the
    day after the rest). Our clocks do not use it: they keep the stricter date.
    """
    day = start + dt.timedelta(days=n)
    note = ""
    if roll_forward:
        years = {day.year}
        while True:
            working, _ = is_working_day(day)
            if working:
                break
            day += dt.timedelta(days=1)
            years.add(day.year)
        note = fallback_note(*years)
    return Day(day, note)


def add_working_days(start: dt.date, n: int) -> Day:
    """The n-th working day after ``start`` (``start`` is day 0 and never counts; n=0 is
    ``start`` itself)."""
    if n < 0:
        raise ValueError("n must not be negative")
    day, counted, years = start, 0, {start.year}
    while counted < n:
        day += dt.timedelta(days=1)
        years.add(day.year)
        if is_working_day(day)[0]:
            counted += 1
    return Day(day, fallback_note(*years) if n else "")


def working_days_between(start: dt.date, end: dt.date) -> Count:
    """How many working days d satisfy start < d <= end (0 when end <= start)."""
    if end <= start:
        return Count(0, "")
    days, day, years = 0, start, set()
    while day < end:
        day += dt.timedelta(days=1)
        years.add(day.year)
        if is_working_day(day)[0]:
            days += 1
    return Count(days, fallback_note(*years))


def add_years(start: dt.date, n: int) -> Day:
    """The same calendar date n years later (29 February becomes 28 February)."""
    try:
        return Day(start.replace(year=start.year + n), "")
    except ValueError:
        return Day(start.replace(year=start.year + n, day=28), "")
