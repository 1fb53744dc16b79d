"""Missing and short timesheets (DESIGN §12 "Completeness").

For every person in People with capacity, every week from the later of their StartDate
and the workspace's ``track_from`` to the last complete week:

- no timesheet for the person and week: ``MISSING_TIMESHEET``;
- a timesheet booking fewer hours than the week's capacity (LEAVE and INTERNAL hours
  count): ``SHORT_WEEK``.

A week is complete once its Sunday has passed: as of a Monday the week before it is the
last complete one. Without ``track_from`` and without a StartDate, tracking starts at
the first week any timesheet of the workspace covers (before it the firm kept time
elsewhere); with no timesheet at all there is nothing to start from and no gap.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from psos_xl.economics.capacity import ZERO, week_capacity
from psos_xl.errors import Code
from psos_xl.models import Person

WEEK = timedelta(weeks=1)
CENT = Decimal("0.01")
PersonWeek = tuple[str, date]


@dataclass(frozen=True)
class Gap:
    """One person × week that is missing or short: what was booked against capacity."""

    person: str
    week: date
    code: Code
    booked: Decimal
    capacity: Decimal

    def to_json(self) -> dict[str, str]:
        """DESIGN §13's keys; hours to the hundredth, as strings."""
        return {
            "person": self.person,
            "week": self.week.isoformat(),
            "code": self.code.value,
            "booked": str(self.booked.quantize(CENT)),
            "capacity": str(self.capacity.quantize(CENT)),
        }


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def last_complete_week(as_of: date) -> date:
    """The Monday of the last week whose Sunday lies before ``as_of``."""
    return monday_of(as_of) - WEEK


def _first_week(person: Person, track_from: date | None, first_seen: date | None) -> date | None:
    starts = [d for d in (person.start_date, track_from) if d is not None]
    if not starts:
        return first_seen
    return monday_of(max(starts))


def completeness(
    people: Iterable[Person],
    timesheets: Iterable[PersonWeek],
    booked: Mapping[PersonWeek, Decimal],
    as_of: date,
    track_from: date | None = None,
) -> list[Gap]:
    """The gaps of ``people`` up to the last complete week before ``as_of``, by person
    then week. ``timesheets`` are the (person, Monday) pairs that have a timesheet;
    ``booked`` the hours booked per (person, Monday)."""
    have = set(timesheets)
    first_seen = min((week for _, week in have), default=None)
    last = last_complete_week(as_of)
    gaps: list[Gap] = []
    for person in sorted(people, key=lambda p: p.person):
        week = _first_week(person, track_from, first_seen)
        if week is None:
            continue
        ends = monday_of(person.end_date) if person.end_date is not None else last
        while week <= min(last, ends):
            capacity = week_capacity(person, week)
            if capacity > ZERO:
                key = (person.person, week)
                hours = booked.get(key, ZERO)
                if key not in have:
                    gaps.append(Gap(person.person, week, Code.MISSING_TIMESHEET, hours, capacity))
                elif hours < capacity:
                    gaps.append(Gap(person.person, week, Code.SHORT_WEEK, hours, capacity))
            week += WEEK
    return gaps
