"""What was booked, and what it cost: time at the cost rate in force on its date.

The store hands these records over (:func:`psos_xl.store.queries.bookings`,
:func:`psos_xl.store.queries.expense_items`); reports and write-backs compute with them
here, never in SQL.

A time row costs its hours × the CostRate of its role in force on its date (the catalog's
Roles row with the latest EffectiveFrom on or before it, :meth:`Catalog.rate_for`), rounded
half-up to cents per row, the same rule as pricing's lines, so reports add up to the
cent (DESIGN §13). Hours with no rate in force are kept apart as unpriced rather than
costed at 0. An expense costs its Amount.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from psos_xl.models import Catalog, RoleRate
from psos_xl.pricing.money import ZERO, round2


@dataclass(frozen=True, slots=True)
class Booking:
    """Time rows of one person on one day that agree in every column psos computes with:
    engagement, deliverable (empty for LEAVE and INTERNAL), role, billable and hours.

    ``hours`` is each row's; ``rows`` how many such rows the store holds (usually 1), so
    a per-row figure is ``rows`` × the figure of one row, and the booked hours are
    :attr:`total`.
    """

    person: str
    date: date
    engagement: str
    deliverable: str
    role: str
    billable: bool
    hours: Decimal
    rows: int = 1

    @property
    def total(self) -> Decimal:
        return self.hours * self.rows

    def cost(self, catalog: Catalog | Rates | None) -> Decimal | None:
        """The rows' cost at the CostRate in force on their date, each row rounded half-up
        to cents; None when no rate is in force (or there is no catalog)."""
        if catalog is None:
            return None
        rate = catalog.rate_for(self.role, self.date)
        if rate is None:
            return None
        return round2(self.hours * rate.cost_rate) * self.rows


class Rates:
    """A catalog's rates in force, each role × day looked up once: what a report pricing
    many rows of few days asks (:meth:`Catalog.rate_for`)."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._seen: dict[tuple[str, date], RoleRate | None] = {}

    def rate_for(self, role: str, on: date) -> RoleRate | None:
        key = (role, on)
        if key not in self._seen:
            self._seen[key] = self.catalog.rate_for(role, on)
        return self._seen[key]


@dataclass(frozen=True, slots=True)
class ExpenseItem:
    """One stored Expenses row of a timesheet: its Amount is its cost."""

    person: str
    date: date
    engagement: str
    category: str
    amount: Decimal
    currency: str
    billable: bool


@dataclass
class ActualLine:
    """Time booked on one engagement × deliverable × role (LEAVE / INTERNAL included,
    with an empty deliverable), and its cost."""

    engagement: str
    deliverable: str
    role: str
    hours: Decimal = ZERO
    billable_hours: Decimal = ZERO
    non_billable_hours: Decimal = ZERO
    cost: Decimal = ZERO
    unpriced_hours: Decimal = ZERO  # no cost rate in force on the row's date
    entries: int = 0


def actual_lines(catalog: Catalog | None, bookings: Iterable[Booking]) -> list[ActualLine]:
    """Hours and cost per engagement × deliverable × role, sorted by that key."""
    lines: dict[tuple[str, str, str], ActualLine] = {}
    for b in bookings:
        key = (b.engagement, b.deliverable, b.role)
        line = lines.get(key) or lines.setdefault(key, ActualLine(*key))
        hours = b.total
        line.hours += hours
        line.entries += b.rows
        if b.billable:
            line.billable_hours += hours
        else:
            line.non_billable_hours += hours
        cost = b.cost(catalog)
        if cost is None:
            line.unpriced_hours += hours
        else:
            line.cost += cost
    return [lines[k] for k in sorted(lines)]
