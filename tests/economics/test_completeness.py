"""Missing and short weeks per person (DESIGN §12 "Completeness"), and capacity (§13)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from psos_xl.economics import completeness, last_complete_week, week_capacity
from psos_xl.economics.capacity import capacity_on
from psos_xl.errors import Code
from psos_xl.models import Person

MON = date(2026, 10, 5)
W2, W3, W4 = date(2026, 10, 12), date(2026, 10, 19), date(2026, 10, 26)


def person(code: str = "LM", hours: str = "40", **dates: date) -> Person:
    return Person(person=code, role="DEV", capacity_hours_per_week=Decimal(hours), **dates)


def test_capacity_is_a_fifth_of_the_week_on_weekdays_while_employed() -> None:
    lm = person(start_date=date(2026, 10, 7), end_date=date(2026, 10, 15))
    assert capacity_on(lm, date(2026, 10, 6)) == 0  # before StartDate
    assert capacity_on(lm, date(2026, 10, 7)) == Decimal(8)
    assert capacity_on(lm, date(2026, 10, 10)) == 0  # Saturday
    assert week_capacity(lm, MON) == Decimal(24)  # Wednesday to Friday
    assert week_capacity(lm, W2) == Decimal(32)  # Monday to Thursday
    assert week_capacity(person(hours="37.5"), MON) == Decimal("37.5")


def test_a_week_is_complete_once_its_sunday_has_passed() -> None:
    assert last_complete_week(date(2026, 10, 19)) == W2  # a Monday: last week is done
    assert last_complete_week(date(2026, 10, 18)) == MON  # a Sunday: this week is not
    assert last_complete_week(date(2026, 10, 24)) == W2


def test_missing_and_short_weeks_with_what_was_booked() -> None:
    lm, pk = person("LM"), person("PK", "20")
    have = {("LM", MON), ("LM", W3), ("PK", MON), ("PK", W2), ("PK", W3)}
    booked = {
        ("LM", MON): Decimal(40),
        ("LM", W3): Decimal("32.5"),
        ("PK", MON): Decimal(20),
        ("PK", W2): Decimal(25),  # more than capacity is no gap
        ("PK", W3): Decimal(20),
    }
    gaps = completeness([pk, lm], have, booked, as_of=date(2026, 10, 26))
    assert [(g.person, g.week, g.code, g.booked, g.capacity) for g in gaps] == [
        ("LM", W2, Code.MISSING_TIMESHEET, Decimal(0), Decimal(40)),
        ("LM", W3, Code.SHORT_WEEK, Decimal("32.5"), Decimal(40)),
    ]
    assert gaps[0].to_json() == {
        "person": "LM",
        "week": "2026-10-12",
        "code": "MISSING_TIMESHEET",
        "booked": "0.00",
        "capacity": "40.00",
    }


def test_weeks_start_at_the_later_of_start_date_and_track_from() -> None:
    late = person("NEW", start_date=date(2026, 10, 14))  # a Wednesday of W2
    gaps = completeness([late], set(), {}, as_of=W4, track_from=MON)
    assert [(g.week, g.capacity) for g in gaps] == [(W2, Decimal(24)), (W3, Decimal(40))]
    tracked = completeness([person()], set(), {}, as_of=W4, track_from=W3)
    assert [g.week for g in tracked] == [W3]


def test_without_start_date_or_track_from_tracking_starts_at_the_first_timesheet() -> None:
    have = {("PK", W2)}
    gaps = completeness([person("LM"), person("PK")], have, {("PK", W2): Decimal(40)}, as_of=W4)
    assert [(g.person, g.week) for g in gaps] == [("LM", W2), ("LM", W3), ("PK", W3)]
    assert completeness([person("LM")], set(), {}, as_of=W4) == []


def test_no_gap_after_end_date_or_without_capacity() -> None:
    gone = person("OLD", end_date=date(2026, 10, 6))  # leaves on W1's Tuesday
    idle = person("ZERO", "0")
    gaps = completeness([gone, idle], set(), {}, as_of=W4, track_from=MON)
    assert [(g.person, g.week, g.capacity) for g in gaps] == [("OLD", MON, Decimal(16))]
