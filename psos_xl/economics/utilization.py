"""Utilization per person and period, the org's, and the bench (DESIGN §13).

Over a window of days ``start``..``end`` (both included), per person and period (a week
from its Monday, or a calendar month; a period is named by its first day and counts only
its days inside the window):

- **capacity**: the person's hours on each day (:func:`~.capacity.capacity_on`:
  CapacityHoursPerWeek ÷ 5 on weekdays between StartDate and EndDate);
- **leave**: hours booked on ``LEAVE``;
- **available**: capacity − leave, at least 0;
- **billable**: hours booked Billable = Y on client engagements (neither LEAVE nor
  INTERNAL);
- **non-billable**: hours booked on ``INTERNAL``, and Billable = N on client engagements;
- **utilization**: billable ÷ available, to the ten-thousandth (None when nothing is
  available), against the person's UtilizationTarget.

The **org** line adds every person's figures up; its target is the people's targets
weighted by their available hours (people without a target left out). The **bench** is
the people still employed on the as-of date whose utilization over the whole window is
under their target and who have no demand ahead: no time booked in the window on an
engagement that is Sold or Active and whose EndDate is empty or not before the as-of day.

Hours are integer hundredths inside the frames (:func:`hundredths`; each stored row
rounded half-up to the hundredth) and Decimals at the edges. Pure: no store, no files.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

import pandas as pd

from psos_xl.economics.capacity import ZERO, capacity_on, employed_on
from psos_xl.economics.completeness import last_complete_week, monday_of
from psos_xl.models import INTERNAL, LEAVE, Engagement, Person, Status

SCALE = 100  # hours are integer hundredths inside the frames
HUNDREDTH = Decimal("0.01")
FRACTION = Decimal("0.0001")  # utilization and the org target: 0.01 %
TIME_COLUMNS = ("person", "date", "engagement", "billable", "hours")
FIGURES = ("capacity", "leave", "available", "billable", "non_billable")
DEMAND = (Status.SOLD.value, Status.ACTIVE.value)
WEEKS_BACK = 4  # the default window: four weeks, or three months, up to --to
MONTHS_BACK = 3


class Period(StrEnum):
    WEEK = "week"
    MONTH = "month"


def hundredths(hours: Decimal) -> int:
    """``hours`` as integer hundredths, half-up."""
    return int((hours * SCALE).to_integral_value(ROUND_HALF_UP))


def hours_of(value: int) -> Decimal:
    """Integer hundredths back to hours, to the hundredth."""
    return (Decimal(int(value)) / SCALE).quantize(HUNDREDTH)


def period_start(day: date, by: Period) -> date:
    """The first day of the period that holds ``day``."""
    return monday_of(day) if by is Period.WEEK else day.replace(day=1)


def _months_before(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def window(
    as_of: date, by: Period, start: date | None = None, end: date | None = None
) -> tuple[date, date]:
    """The days a report covers: ``end`` defaults to the Sunday of the last complete
    week before ``as_of``; ``start`` to the first day of the fourth week (``by`` week)
    or of the third month (``by`` month) counted back from ``end``'s, so the window
    holds four weeks or three months, the last one up to ``end``."""
    last = end or last_complete_week(as_of) + timedelta(days=6)
    if start is not None:
        return start, last
    if by is Period.WEEK:
        return monday_of(last) - timedelta(weeks=WEEKS_BACK - 1), last
    return _months_before(last.replace(day=1), MONTHS_BACK - 1), last


def engagements_ahead(engagements: Iterable[Engagement], as_of: date) -> set[str]:
    """The engagements that are demand ahead on ``as_of``: Sold or Active, and their
    EndDate empty or not before ``as_of``."""
    return {
        e.engagement
        for e in engagements
        if e.status in DEMAND and (e.end_date is None or e.end_date >= as_of)
    }


@dataclass(frozen=True)
class Line:
    """One person × period (or the org's line: ``person`` and ``period`` empty)."""

    person: str
    period: date | None
    capacity: Decimal
    leave: Decimal
    available: Decimal
    billable: Decimal
    non_billable: Decimal
    utilization: Decimal | None
    target: Decimal | None

    @property
    def under_target(self) -> bool:
        return (
            self.utilization is not None
            and self.target is not None
            and self.billable < self.target * self.available
        )

    def to_json(self) -> dict[str, Any]:
        """DESIGN §13's keys: hours to the hundredth and fractions, as strings."""
        return {
            "person": self.person,
            "period": self.period.isoformat() if self.period else None,
            **{name: str(getattr(self, name)) for name in FIGURES},
            "utilization": _text(self.utilization),
            "target": _text(self.target),
        }


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True)
class UtilizationReport:
    """Per person × period (by person, then period), the org's line, and the bench
    (each bench person's line over the whole window, by person)."""

    start: date
    end: date
    by: Period
    lines: list[Line]
    org: Line
    bench: list[Line]


def utilization(
    people: Iterable[Person],
    time: pd.DataFrame,
    start: date,
    end: date,
    by: Period,
    as_of: date,
    ahead: Collection[str] = (),
) -> UtilizationReport:
    """The report over ``start``..``end``. ``time`` has :data:`TIME_COLUMNS` (hours in
    hundredths; rows outside the window are left out); ``ahead`` the engagements that
    are demand ahead (:func:`engagements_ahead`)."""
    staff = {p.person: p for p in people}
    time = time.loc[(time["date"] >= start) & (time["date"] <= end)]
    booked = _booked(time, by)
    frame = _capacity(staff.values(), start, end, by).join(booked, how="outer")
    frame = frame.fillna(0).astype("int64")
    frame["available"] = (frame["capacity"] - frame["leave"]).clip(lower=0)
    frame = frame[(frame[list(FIGURES)] != 0).any(axis=1)].sort_index()
    targets = {code: p.utilization_target for code, p in staff.items()}
    lines = [
        _line(person, period, row, targets.get(person))
        for (person, period), row in frame.iterrows()
    ]
    per_person = frame.groupby(level="person").sum()
    busy = set(time.loc[time["engagement"].isin(list(ahead)), "person"]) if len(time) else set()
    bench = [
        line
        for person, row in per_person.iterrows()
        if person not in busy
        and person in staff
        and employed_on(staff[person], as_of)
        and (line := _line(str(person), None, row, targets.get(str(person)))).under_target
    ]
    return UtilizationReport(start, end, by, lines, _org(per_person, targets), bench)


def _booked(rows: pd.DataFrame, by: Period) -> pd.DataFrame:
    """Leave, billable and non-billable hundredths per (person, period)."""
    kind = pd.Series("non_billable", index=rows.index)
    kind[rows["engagement"] == LEAVE] = "leave"
    kind[(rows["engagement"] != LEAVE) & (rows["engagement"] != INTERNAL) & rows["billable"]] = (
        "billable"
    )
    starts = {day: period_start(day, by) for day in rows["date"].unique()}
    keyed = pd.DataFrame(
        {
            "person": rows["person"],
            "period": rows["date"].map(starts),
            "kind": kind,
            "hours": rows["hours"].astype("int64"),
        }
    )
    sums = keyed.groupby(["person", "period", "kind"])["hours"].sum().unstack("kind")
    return sums.reindex(columns=["leave", "billable", "non_billable"])


def _capacity(people: Iterable[Person], start: date, end: date, by: Period) -> pd.DataFrame:
    """Capacity hundredths per (person, period), each period's days inside the window
    summed exactly before rounding."""
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    records = []
    for person in people:
        totals: dict[date, Decimal] = {}
        for day in days:
            key = period_start(day, by)
            totals[key] = totals.get(key, ZERO) + capacity_on(person, day)
        records += [(person.person, key, hundredths(hours)) for key, hours in totals.items()]
    frame = pd.DataFrame(records, columns=["person", "period", "capacity"])
    return frame.set_index(["person", "period"])


def _ratio(part: Decimal, whole: Decimal) -> Decimal | None:
    return None if whole == 0 else (part / whole).quantize(FRACTION, ROUND_HALF_UP)


def _line(person: str, period: date | None, row: pd.Series, target: Decimal | None) -> Line:
    figures = {name: hours_of(row[name]) for name in FIGURES}
    return Line(
        person=person,
        period=period,
        **figures,
        utilization=_ratio(figures["billable"], figures["available"]),
        target=target,
    )


def _org(per_person: pd.DataFrame, targets: dict[str, Decimal | None]) -> Line:
    """Every person's figures added up; the target weighted by available hours."""
    totals = per_person.sum() if len(per_person) else pd.Series(0, index=list(FIGURES))
    weighted, weight = ZERO, ZERO
    for person, available in per_person["available"].items():
        target = targets.get(str(person))
        if target is not None:
            weighted += target * hours_of(available)
            weight += hours_of(available)
    return replace(_line("", None, totals, None), target=_ratio(weighted, weight))


def by_person(lines: Iterable[Line]) -> list[Line]:
    """Each person's lines added up over the window (``period`` empty), by person: the
    figures of a chart of utilization by person against target."""
    totals: dict[str, dict[str, Decimal]] = {}
    targets: dict[str, Decimal | None] = {}
    for line in lines:
        sums = totals.setdefault(line.person, dict.fromkeys(FIGURES, ZERO))
        for name in FIGURES:
            sums[name] += getattr(line, name)
        targets[line.person] = line.target
    return [
        Line(
            person=person,
            period=None,
            **sums,
            utilization=_ratio(sums["billable"], sums["available"]),
            target=targets[person],
        )
        for person, sums in sorted(totals.items())
    ]
