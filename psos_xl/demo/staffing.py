"""Who worked on what, day by day: the demo firm's timesheets.

Work is planned in quarter-hours. Each deliverable × role gets a target (its estimate
times how delivery went), a window of working days (its phase of the engagement) and is
booked onto the people whose catalog role matches, favouring one person per task so the
timesheets read like real ones. Leave is booked first, INTERNAL fills what is left of each
working day, so nobody logs more than their contracted week.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from psos_xl.demo.engagements import SKU_BIAS, SPANNING_SKUS, Engagement
from psos_xl.models import INTERNAL, LEAVE, Catalog, Expense, Person, Scope, Status, TimeEntry
from psos_xl.models import Timesheet as TimesheetModel

FIRST_WEEK = date(2026, 7, 6)
WEEKS = 17
AS_OF = FIRST_WEEK + timedelta(weeks=WEEKS - 1, days=4)  # the Friday of the last week
QUARTERS = 4  # per hour
DAY = 8 * QUARTERS
OVERTIME_DAY = 10 * QUARTERS
MIN_CHUNK = 4 * QUARTERS  # spread work in pieces of about half a day or more

Key = tuple[str, str]  # (deliverable, role)
Booking = tuple[str, date, str, str]  # (person, day, engagement, deliverable)

_NOTES: dict[str, tuple[str, ...]] = {
    "DISC": ("Workshop", "Workshop preparation", "Interview write-up", "Findings deck"),
    "DESIGN": ("Design session", "Architecture document", "Design review", "API contracts"),
    "CONFIG": ("Sprint work", "Configuration", "Sprint review", "Backlog refinement"),
    "MIGR": ("Extraction scripts", "Mapping rules", "Data cleansing", "Reconciliation"),
    "INTEG": ("Interface build", "Mapping and transformation", "Error handling", "Unit tests"),
    "REPORT": ("Dashboard build", "Data model", "Report review with client", "Measures"),
    "TEST": ("Test execution", "Defect triage", "Test scripts", "Regression run"),
    "TRAIN": ("Training session", "Training material", "Exercises and handouts"),
    "GOLIVE": ("Hypercare", "Cut-over", "Incident follow-up", "Go-live checklist"),
    "PMO": ("Status meeting", "Planning", "Steering committee", "Risk log and reporting"),
}
_INTERNAL_NOTES = (
    "Pre-sales: proposal",
    "Team meeting and admin",
    "Knowledge sharing",
    "Certification training",
    "Recruiting interviews",
    "Internal tooling",
)
_TRAVEL_FARES = ("86.40", "124.00", "148.60", "212.30", "289.00")
_HOTEL_NIGHTS = ("119.00", "134.50", "149.00")
_TRAVELLERS = ("PTR", "EM", "SA", "SC", "TRN")


def workdays(start: date, end: date) -> list[date]:
    """Monday to Friday from ``start`` to ``end``, both included."""
    count = (end - start).days + 1
    days = (start + timedelta(days=i) for i in range(max(count, 0)))
    return [d for d in days if d.weekday() < 5]


def weeks() -> list[date]:
    return [FIRST_WEEK + timedelta(weeks=i) for i in range(WEEKS)]


def to_quarters(hours: Decimal) -> int:
    return int((hours * QUARTERS).to_integral_value(ROUND_HALF_UP))


def _hours(quarters: int) -> Decimal:
    return Decimal(quarters) / QUARTERS


@dataclass
class Demand:
    """Hours to book for one deliverable × role of an engagement."""

    engagement: str
    deliverable: str
    sku: str
    role: str
    quarters: int
    window: list[date]  # where the work belongs
    fallback: list[date]  # where it may spill when the window is full


@dataclass
class Ledger:
    """What each person can still book per day, and what they booked."""

    capacity: dict[str, dict[date, int]]
    leave: dict[tuple[str, date], str] = field(default_factory=dict)
    booked: dict[Booking, int] = field(default_factory=lambda: defaultdict(int))
    used: dict[tuple[str, date], int] = field(default_factory=lambda: defaultdict(int))

    def free(self, person: str, day: date, limit: int = DAY) -> int:
        if not self.capacity[person].get(day, 0):
            return 0  # not a working day, or on leave
        return max(limit - self.used[(person, day)], 0)

    def book(self, person: str, day: date, engagement: str, deliverable: str, q: int) -> None:
        self.booked[(person, day, engagement, deliverable)] += q
        self.used[(person, day)] += q


def _working_pattern(person: Person) -> list[date]:
    """The days a person works in the demo period: part-timers have a four-day week."""
    per_week = int(person.capacity_hours_per_week // 8)
    start = max(FIRST_WEEK, person.start_date or FIRST_WEEK)
    end = min(AS_OF, person.end_date or AS_OF)
    return [d for d in workdays(start, end) if d.weekday() < per_week]


def staff(catalog: Catalog) -> list[Person]:
    """The people who work during the demo period."""
    return [p for p in catalog.people if _working_pattern(p)]


def plan_leave(people: list[Person], rng: random.Random) -> dict[tuple[str, date], str]:
    """A summer holiday week for about half the team and a few sick days."""
    leave: dict[tuple[str, date], str] = {}
    summer = weeks()[3:9]
    for person in people:
        if rng.random() < 0.5:
            monday = rng.choice(summer)
            for day in workdays(monday, monday + timedelta(days=4)):
                leave[(person.person, day)] = "Holiday"
    for person in rng.sample(people, 3):
        day = rng.choice(_working_pattern(person))
        leave.setdefault((person.person, day), "Sick")
    return leave


def new_ledger(people: list[Person], leave: dict[tuple[str, date], str]) -> Ledger:
    capacity = {
        p.person: {d: (0 if (p.person, d) in leave else DAY) for d in _working_pattern(p)}
        for p in people
    }
    return Ledger(capacity, dict(leave))


def _phases(scope: Scope, estimate: dict[Key, Decimal]) -> dict[str, tuple[date, date]]:
    """Each deliverable's phase: deliverables follow each other in list order, each
    taking a share of the engagement in proportion to its hours, overlapping a little."""
    start, end = scope.info.start_date, scope.info.end_date
    assert start is not None and end is not None
    span = (end - start).days
    weight = {
        d.deliverable: sum(
            (h for (dv, _r), h in estimate.items() if dv == d.deliverable), Decimal(0)
        )
        for d in scope.deliverables
    }
    phased = [d.deliverable for d in scope.deliverables if d.sku not in SPANNING_SKUS]
    total = sum((weight[d] for d in phased), Decimal(0)) or Decimal(1)
    pad = span // 12
    out = {d.deliverable: (start, end) for d in scope.deliverables}
    done = Decimal(0)
    for code in phased:
        a = int(span * done / total)
        done += weight[code]
        b = int(span * done / total)
        out[code] = (
            start + timedelta(days=max(a - pad, 0)),
            start + timedelta(days=min(b + pad, span)),
        )
    return out


def demands(
    engagements: list[Engagement], estimates: dict[str, dict[Key, Decimal]], rng: random.Random
) -> list[Demand]:
    """The hours actually worked per deliverable × role, by engagement status."""
    out: list[Demand] = []
    for engagement in engagements:
        scope, burn = engagement.scope, engagement.burn
        info = scope.info
        if info.status not in (Status.COMPLETED, Status.ACTIVE):
            continue
        assert info.start_date is not None and info.end_date is not None
        estimate = estimates[info.engagement]
        phases = _phases(scope, estimate)
        fallback = workdays(max(info.start_date, FIRST_WEEK), min(info.end_date, AS_OF))
        if not fallback:
            continue  # delivered entirely outside the demo weeks
        for d in scope.deliverables:
            for (code, role), hours in estimate.items():
                if code != d.deliverable:
                    continue
                if info.status is Status.COMPLETED:
                    factor = SKU_BIAS.get(d.sku, Decimal(1)) * _noise(rng, 5)
                else:
                    factor = burn.get(code, Decimal(0)) * _noise(rng, 4)
                quarters = to_quarters(hours * factor)
                if quarters <= 0:
                    continue
                first, last = phases[code]
                window = workdays(max(first, FIRST_WEEK), min(last, AS_OF))
                if len(window) < 5:
                    window = fallback[-10:]
                out.append(Demand(info.engagement, code, d.sku, role, quarters, window, fallback))
    out.sort(key=lambda dm: dm.window[0])
    return out


def _noise(rng: random.Random, percent: int) -> Decimal:
    return 1 + Decimal(rng.randint(-percent, percent)) / 100


def allocate(ledger: Ledger, demand: Demand, people: list[str], rng: random.Random) -> None:
    """Book ``demand`` onto ``people`` (all of the demand's role); raises if it cannot fit."""
    order = list(people)
    rng.shuffle(order)
    order.sort(key=lambda p: -sum(ledger.free(p, d) for d in demand.window))
    remaining = demand.quarters
    # 1. in chunks spread evenly over the window, the first person taking what they can
    k = len(demand.window)
    pieces = min(k, max(1, -(-remaining // MIN_CHUNK)))
    chosen = [demand.window[(i * k) // pieces] for i in range(pieces)]
    for i, day in enumerate(chosen):
        want = -(-remaining // (pieces - i))
        remaining -= _take(ledger, demand, order, day, want, DAY)
    # 2. then whatever is free in the window, 3. in the engagement, 4. with overtime
    for days, limit in ((demand.window, DAY), (demand.fallback, DAY)):
        for day in days:
            if remaining <= 0:
                return
            remaining -= _take(ledger, demand, order, day, remaining, limit)
    for day in demand.fallback:
        if remaining <= 0:
            return
        remaining -= _take(ledger, demand, order, day, remaining, OVERTIME_DAY)
    if remaining > 0:
        raise ValueError(
            f"demo plan does not fit: {demand.engagement} {demand.deliverable} {demand.role} "
            f"needs {_hours(remaining)} h more"
        )


def _take(
    ledger: Ledger, demand: Demand, order: list[str], day: date, want: int, limit: int
) -> int:
    taken = 0
    for person in order:
        if taken >= want:
            break
        free = ledger.free(person, day, limit)
        q = min(free, want - taken)
        if q <= 0 or (q < 2 and want - taken >= 2):
            continue
        ledger.book(person, day, demand.engagement, demand.deliverable, q)
        taken += q
    return taken


@dataclass
class Context:
    """What the timesheets need to know about each engagement."""

    skus: dict[tuple[str, str], str]  # (engagement, deliverable) → SKU
    clients: dict[str, str]  # engagement → client
    order: dict[str, int]  # engagement → position, for a stable row order


def build_timesheets(
    people: list[Person], ledger: Ledger, ctx: Context, rng: random.Random
) -> dict[Path, TimesheetModel]:
    """One weekly timesheet per person and week: engagement work, leave, INTERNAL."""
    by_person: dict[str, dict[date, list[tuple[str, str, int]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for (who, day, engagement, deliverable), q in sorted(
        ledger.booked.items(), key=lambda kv: (kv[0][0], kv[0][1], ctx.order[kv[0][2]], kv[0][3])
    ):
        by_person[who][day].append((engagement, deliverable, q))
    out: dict[Path, TimesheetModel] = {}
    for person in people:
        pattern = set(_working_pattern(person))
        for monday in weeks():
            days = [d for d in workdays(monday, monday + timedelta(days=4)) if d in pattern]
            if not days:
                continue
            entries: list[TimeEntry] = []
            for day in days:
                entries.extend(
                    _day_entries(person, day, by_person[person.person][day], ledger, ctx, rng)
                )
            path = Path("timesheets") / person.person / f"{person.person}-{monday}.xlsx"
            out[path] = TimesheetModel(
                workbook=path.name,
                person=person.person,
                week=monday,
                entries=entries,
                expenses=_expenses(person, entries, ctx, rng),
            )
    return out


def _day_entries(
    person: Person,
    day: date,
    work: list[tuple[str, str, int]],
    ledger: Ledger,
    ctx: Context,
    rng: random.Random,
) -> list[TimeEntry]:
    role = person.role
    reason = ledger.leave.get((person.person, day))
    if reason is not None:
        return [
            TimeEntry(
                date=day, engagement=LEAVE, role=role, hours=Decimal(8), billable=False, note=reason
            )
        ]
    entries = [
        TimeEntry(
            date=day,
            engagement=engagement,
            deliverable=deliverable,
            role=role,
            hours=_hours(q),
            billable=True,
            note=rng.choice(_NOTES.get(ctx.skus[(engagement, deliverable)], ("",))),
        )
        for engagement, deliverable, q in work
    ]
    rest = DAY - sum(q for _e, _d, q in work)
    if rest > 0:
        entries.append(
            TimeEntry(
                date=day,
                engagement=INTERNAL,
                role=role,
                hours=_hours(rest),
                billable=False,
                note=rng.choice(_INTERNAL_NOTES),
            )
        )
    return entries


def _expenses(
    person: Person, entries: list[TimeEntry], ctx: Context, rng: random.Random
) -> list[Expense]:
    """Now and then a trip to a client: a fare, sometimes a hotel night."""
    if person.role not in _TRAVELLERS:
        return []
    first_day: dict[str, date] = {}
    for e in entries:
        if e.engagement not in (LEAVE, INTERNAL):
            first_day.setdefault(e.engagement, e.date)
    out: list[Expense] = []
    for engagement, day in first_day.items():
        if rng.random() >= 0.12:
            continue
        client = ctx.clients[engagement]
        out.append(
            Expense(
                date=day,
                engagement=engagement,
                category="Travel",
                amount=Decimal(rng.choice(_TRAVEL_FARES)),
                currency="EUR",
                billable=True,
                note=f"Return trip to {client}",
            )
        )
        if rng.random() < 0.5:
            out.append(
                Expense(
                    date=day,
                    engagement=engagement,
                    category="Lodging",
                    amount=Decimal(rng.choice(_HOTEL_NIGHTS)),
                    currency="EUR",
                    billable=True,
                    note="Hotel, one night",
                )
            )
    return out
