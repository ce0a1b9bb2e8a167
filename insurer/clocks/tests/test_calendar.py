"""The PRC working-day calendar on real State Council holiday notices (2024–2026).

Each expectation was checked against chinesecalendar's data before it was written here;
the library agrees with the published notices for these years (docs/clocks.md)."""

import datetime as dt

import pytest

from insurer.clocks import calendar as cal
from insurer.clocks.calendar import add_natural_days, add_working_days, is_working_day, working_days_between

D = dt.date


def working(day):
    return is_working_day(day)[0]


# (holiday days off, make-up working days) per notice.
NOTICES = {
    "Spring Festival 2024": ([D(2024, 2, 10) + dt.timedelta(i) for i in range(8)], [D(2024, 2, 4), D(2024, 2, 18)]),
    "National Day 2024": ([D(2024, 10, 1) + dt.timedelta(i) for i in range(7)], [D(2024, 9, 29), D(2024, 10, 12)]),
    "Spring Festival 2025": ([D(2025, 1, 28) + dt.timedelta(i) for i in range(8)], [D(2025, 1, 26), D(2025, 2, 8)]),
    "National Day 2025": ([D(2025, 10, 1) + dt.timedelta(i) for i in range(8)], [D(2025, 9, 28), D(2025, 10, 11)]),
    "Spring Festival 2026": ([D(2026, 2, 15) + dt.timedelta(i) for i in range(9)], [D(2026, 2, 14), D(2026, 2, 28)]),
    "National Day 2026": ([D(2026, 10, 1) + dt.timedelta(i) for i in range(7)], [D(2026, 9, 20), D(2026, 10, 10)]),
}


@pytest.mark.parametrize("name", NOTICES)
def test_holidays_are_off_and_make_up_weekend_days_are_working(name):
    off, make_up = NOTICES[name]
    assert [d for d in off if working(d)] == []
    assert all(d.weekday() >= 5 for d in make_up), "make-up days fall on a Saturday or Sunday"
    assert all(working(d) for d in make_up)
    assert all(is_working_day(d)[1] for d in off + make_up), "covered by the official calendar"


def test_make_up_days_by_weekday():
    assert D(2024, 2, 4).strftime("%a") == "Sun" and D(2024, 10, 12).strftime("%a") == "Sat"
    assert D(2025, 2, 8).strftime("%a") == "Sat" and D(2025, 9, 28).strftime("%a") == "Sun"
    assert D(2026, 2, 14).strftime("%a") == "Sat" and D(2026, 2, 28).strftime("%a") == "Sat"
    # An ordinary weekend next to them is still off.
    assert not working(D(2024, 10, 13)) and not working(D(2026, 3, 1))


def test_mid_autumn_2026_is_off():
    assert not working(D(2026, 9, 25))  # Fri, Mid-Autumn Festival


def test_five_working_days_from_thursday_before_national_day_2024():
    # Fri 27 (1), Sun 29 make-up (2), Mon 30 (3), Oct 1–7 off, Tue 8 (4), Wed 9 (5).
    assert add_working_days(D(2024, 9, 26), 5) == (D(2024, 10, 9), "")
    assert add_working_days(D(2024, 9, 26), 2).day == D(2024, 9, 29)


def test_working_days_across_spring_festival_2025():
    # Fri 2025-01-24: Sun 26 make-up (1), Mon 27 (2), Jan 28–Feb 4 off, Wed 5 (3), Thu 6 (4), Fri 7 (5), Sat 8 (6).
    assert add_working_days(D(2025, 1, 24), 5).day == D(2025, 2, 7)
    assert add_working_days(D(2025, 1, 24), 6).day == D(2025, 2, 8)


def test_working_days_across_spring_festival_2024():
    # Thu 2024-02-08: Fri 9 (1), Feb 10–17 off, Sun 18 make-up (2), Mon 19 (3).
    assert add_working_days(D(2024, 2, 8), 3).day == D(2024, 2, 19)


def test_working_days_across_national_day_2025_and_2026():
    # Fri 2025-09-26: Sun 28 (1), Mon 29 (2), Tue 30 (3), Oct 1–8 off, Thu 9 (4), Fri 10 (5), Sat 11 (6).
    assert add_working_days(D(2025, 9, 26), 5).day == D(2025, 10, 10)
    assert add_working_days(D(2025, 9, 26), 6).day == D(2025, 10, 11)
    # Mon 2026-09-28: Tue 29 (1), Wed 30 (2), Oct 1–7 off, Thu 8 (3), Fri 9 (4), Sat 10 make-up (5).
    assert add_working_days(D(2026, 9, 28), 5).day == D(2026, 10, 10)


def test_working_days_across_spring_festival_2026():
    # Fri 2026-02-13: Sat 14 make-up (1), Feb 15–23 off, Tue 24 (2) … Fri 27 (5), Sat 28 make-up (6).
    assert add_working_days(D(2026, 2, 13), 5).day == D(2026, 2, 27)
    assert add_working_days(D(2026, 2, 13), 6).day == D(2026, 2, 28)


def test_trigger_day_is_day_zero_even_on_a_holiday():
    assert add_working_days(D(2024, 10, 3), 0).day == D(2024, 10, 3)
    assert add_working_days(D(2024, 10, 3), 1).day == D(2024, 10, 8)


def test_natural_days_ignore_holidays_unless_rolled_forward():
    assert add_natural_days(D(2024, 9, 26), 10).day == D(2024, 10, 6)
    # Civil Code art. 203 option: a last day on a rest day moves to the next working day.
    assert add_natural_days(D(2024, 9, 26), 10, roll_forward=True).day == D(2024, 10, 8)
    assert add_natural_days(D(2024, 9, 19), 10, roll_forward=True).day == D(2024, 9, 29)  # make-up Sunday


def test_working_days_between_inverts_add():
    for start in (D(2024, 9, 26), D(2025, 1, 24), D(2026, 2, 13)):
        for n in range(0, 12):
            assert working_days_between(start, add_working_days(start, n).day).days == n
    assert working_days_between(D(2024, 10, 1), D(2024, 10, 7)).days == 0
    assert working_days_between(D(2024, 10, 7), D(2024, 10, 1)).days == 0


def test_fallback_outside_the_official_calendar_says_so():
    first, last = cal.covered_years()
    assert first <= 2024 and last >= 2026
    assert is_working_day(D(2031, 1, 1)) == (True, False)  # New Year's Day: unknown, counted as working
    assert is_working_day(D(2031, 1, 4)) == (False, False)  # a Saturday
    result = add_working_days(D(2031, 1, 2), 3)  # Thu → Fri 3, Mon 6, Tue 7
    assert result.day == D(2031, 1, 7)
    assert result.note.startswith("2031 is outside the official holiday calendar")
    assert "Monday to Friday" in result.note
    crossing = add_working_days(D(last, 12, 30), 5)
    assert str(last + 1) in crossing.note
    assert add_working_days(D(2024, 9, 26), 5).note == ""


def test_add_years_keeps_the_date_and_handles_29_february():
    assert cal.add_years(D(2024, 2, 29), 5).day == D(2029, 2, 28)
    assert cal.add_years(D(2024, 3, 1), 10).day == D(2034, 3, 1)
