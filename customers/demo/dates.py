"""Vectorised calendar arithmetic on numpy datetime64[D] arrays."""

from __future__ import annotations

import numpy as np


def ymd(d: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    months = d.astype("M8[M]")
    years = months.astype("M8[Y]").astype(int) + 1970
    month = months.astype(int) % 12 + 1
    day = (d - months.astype("M8[D]")).astype(int) + 1
    return years, month, day


def add_months(d: np.ndarray, months) -> np.ndarray:
    """Same day of month ``months`` later, clamped to the month's end (31 Jan + 1 = 28/29 Feb)."""
    start = d.astype("M8[M]")
    day = (d - start.astype("M8[D]")).astype(int)
    target = start + np.asarray(months, dtype=np.int64).astype("m8[M]")
    length = ((target + 1).astype("M8[D]") - target.astype("M8[D]")).astype(int)
    return target.astype("M8[D]") + np.minimum(day, length - 1).astype("m8[D]")


def age_at(birth: np.ndarray, on: np.ndarray) -> np.ndarray:
    """Completed years of age on a date."""
    by, bm, bd = ymd(birth)
    oy, om, od = ymd(on)
    before_birthday = (om < bm) | ((om == bm) & (od < bd))
    return oy - by - before_birthday.astype(int)


def months_elapsed(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Whole months from start to end (negative when end < start)."""
    sy, sm, sd = ymd(start)
    ey, em, ed = ymd(end)
    raw = (ey - sy) * 12 + (em - sm)
    return raw - (ed < sd).astype(int) * (raw > 0) + (ed > sd).astype(int) * (raw < 0)


def business_day(d: np.ndarray) -> np.ndarray:
    """Weekends move to the next Monday (counters and bank transfers are booked then)."""
    return np.busday_offset(d.astype("M8[D]"), 0, roll="forward")


def stamp(d: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Local (Asia/Shanghai) datetime64[s] on the business day, between 09:00 and 18:00."""
    seconds = rng.integers(9 * 3600, 18 * 3600, size=len(d))
    return business_day(d).astype("M8[s]") + seconds.astype("m8[s]")
