"""A person's capacity in hours (DESIGN §13).

Capacity on a weekday = CapacityHoursPerWeek ÷ 5 between the person's StartDate and
EndDate (either empty = open); Saturdays and Sundays 0. A week's capacity is the sum of
its days, so a person who starts on a Wednesday owes three days of that week.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from psos_xl.models import Person

ZERO = Decimal(0)
WORKDAYS = 5


def employed_on(person: Person, day: date) -> bool:
    """Whether ``day`` lies between the person's StartDate and EndDate (open ends)."""
    if person.start_date is not None and day < person.start_date:
        return False
    return person.end_date is None or day <= person.end_date


def capacity_on(person: Person, day: date) -> Decimal:
    """Hours ``person`` can work on ``day``."""
    if day.weekday() >= WORKDAYS or not employed_on(person, day):
        return ZERO
    return person.capacity_hours_per_week / WORKDAYS


def week_capacity(person: Person, monday: date) -> Decimal:
    """Hours ``person`` can work in the week that starts on ``monday``."""
    return sum((capacity_on(person, monday + timedelta(days=i)) for i in range(7)), ZERO)
