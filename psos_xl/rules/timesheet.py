"""Rules of a weekly timesheet: the week, each row's date and hours, the day totals,
roles (against the catalog), which engagements take a Deliverable, and, against the
workspace's engagements (``ctx.engagements``; skipped when not known):

- the engagement exists: a scope with Status Sold, Active or Completed, or LEAVE or
  INTERNAL (for Time and Expenses rows);
- the deliverable belongs to that engagement;
- the date is not before the engagement's StartDate;
- a row is not dated after a Completed engagement's EndDate (after a Sold or Active
  one's it is a warning: the engagement runs over its dates);

and, against the catalog's People (skipped when the catalog lists nobody), the
timesheet's person is listed there and employed on each row's date.

The reader has already reported a marker without person or week, Billable values
other than Y/N/TRUE/FALSE and text where a number belongs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from psos_xl.errors import Code, Issue, Location
from psos_xl.models import (
    RESERVED_ENGAGEMENTS,
    Engagement,
    Expense,
    Person,
    Status,
    TimeEntry,
    Timesheet,
)
from psos_xl.rules import BOOKABLE, RuleContext, catalog_missing, fmt, unknown

DAY_HOURS = Decimal(24)
_SKIPPED = "roles"
# day names spelled out here, not by strftime, so messages do not follow the locale
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _day(d: date) -> str:
    return f"{_WEEKDAYS[d.weekday()]} {d.isoformat()}"


def catalog_available(sheet: Timesheet, ctx: RuleContext) -> list[Issue]:
    """A catalog was found to check roles against (a warning when not: the role check
    is skipped)."""
    return catalog_missing(sheet.workbook, ctx, _SKIPPED)


def week_is_monday(sheet: Timesheet, ctx: RuleContext) -> list[Issue]:
    """The marker's week starts on a Monday."""
    week = sheet.week
    if week is None or week.weekday() == 0:
        return []
    monday = date.fromordinal(week.toordinal() - week.weekday())
    return [
        Issue.make(
            Code.WEEK_NOT_MONDAY,
            sheet.marker_cells.get("week") or Location(sheet.workbook, "_psos"),
            f"the week {week.isoformat()} is a {_WEEKDAYS[week.weekday()]}; weeks start on "
            f"Monday ({monday.isoformat()} for this one)",
        )
    ]


def dates_in_week(sheet: Timesheet, ctx: RuleContext) -> list[Issue]:
    """Every Time and Expenses row is dated within the sheet's week."""
    week, end = sheet.week, sheet.week_end
    if week is None or end is None:
        return []
    rows: list[TimeEntry | Expense] = [*sheet.entries, *sheet.expenses]
    return [
        Issue.make(
            Code.DATE_OUTSIDE_WEEK,
            row.at("Date"),
            f"{row.date.isoformat()} is outside the week {week.isoformat()} to {end.isoformat()}",
        )
        for row in rows
        if not week <= row.date <= end
    ]


def _hours_ok(entry: TimeEntry) -> bool:
    return 0 < entry.hours <= DAY_HOURS


def hours_in_range(sheet: Timesheet, ctx: RuleContext) -> list[Issue]:
    """Every Time row's Hours are above 0 and at most 24."""
    return [
        Issue.make(
            Code.HOURS_OUT_OF_RANGE,
            e.at("Hours"),
            f"Hours must be above 0 and at most 24, got {fmt(e.hours)}",
        )
        for e in sheet.entries
        if not _hours_ok(e)
    ]


def day_totals(sheet: Timesheet, ctx: RuleContext) -> list[Issue]:
    """No day adds up to more than 24 hours; the issue sits on the day's last row."""
    by_day: dict[date, list[TimeEntry]] = defaultdict(list)
    for e in sheet.entries:
        if _hours_ok(e):  # a row out of range is HOURS_OUT_OF_RANGE already
            by_day[e.date].append(e)
    issues: list[Issue] = []
    for day, rows in sorted(by_day.items()):
        total = sum((e.hours for e in rows), Decimal(0))
        if total <= DAY_HOURS:
            continue
        last = max(rows, key=lambda e: e.src.row if e.src else 0)
        issues.append(
            Issue.make(
                Code.DAY_OVER_24,
                last.at("Hours"),
                f"{_day(day)} adds up to {fmt(total)} hours over {len(rows)} rows; a day has 24",
            )
        )
    return issues


def known_roles(sheet: Timesheet, ctx: RuleContext) -> list[Issue]:
    """Every Time row's Role is in the catalog's Roles."""
    if ctx.catalog is None:
        return []
    roles = ctx.catalog.role_codes()
    return [
        Issue.make(Code.UNKNOWN_ROLE, e.at("Role"), unknown("role", e.role, roles, "Roles"))
        for e in sheet.entries
        if e.role not in roles
    ]


def deliverables_where_needed(sheet: Timesheet, ctx: RuleContext) -> list[Issue]:
    """A client engagement row names a Deliverable; a LEAVE or INTERNAL row does not."""
    issues: list[Issue] = []
    for e in sheet.entries:
        if e.engagement in RESERVED_ENGAGEMENTS:
            if e.deliverable:
                issues.append(
                    Issue.make(
                        Code.DELIVERABLE_NOT_ALLOWED,
                        e.at("Deliverable"),
                        f"{e.engagement} time takes no Deliverable; clear {e.deliverable!r}",
                    )
                )
        elif not e.deliverable:
            reserved = [r for r in RESERVED_ENGAGEMENTS if r.casefold() == e.engagement.casefold()]
            hint = f" (for {reserved[0]} time write the code {reserved[0]})" if reserved else ""
            issues.append(
                Issue.make(
                    Code.DELIVERABLE_REQUIRED,
                    e.at("Deliverable"),
                    f"time on engagement {e.engagement!r} needs a Deliverable{hint}",
                )
            )
    return issues


def amounts_positive(sheet: Timesheet, ctx: RuleContext) -> list[Issue]:
    """Every expense Amount is above zero."""
    return [
        Issue.make(
            Code.AMOUNT_NEGATIVE,
            x.at("Amount"),
            f"the {x.category} expense of {x.date.isoformat()} has amount {fmt(x.amount)}; "
            "it must be above 0",
        )
        for x in sheet.expenses
        if x.amount <= 0
    ]


# --- against the workspace's engagements -----------------------------------------------


def _bookable(row: TimeEntry | Expense, known: Mapping[str, Engagement]) -> Engagement | None:
    scope = known.get(row.engagement)
    return scope if scope is not None and scope.status in BOOKABLE else None


def engagement_exists(sheet: Timesheet, ctx: RuleContext) -> list[Issue]:
    """Every Time and Expenses row books to a Sold, Active or Completed engagement,
    or to LEAVE / INTERNAL."""
    known = ctx.engagements
    if known is None:
        return []
    issues: list[Issue] = []
    rows: list[TimeEntry | Expense] = [*sheet.entries, *sheet.expenses]
    for row in rows:
        if row.engagement in RESERVED_ENGAGEMENTS or _bookable(row, known):
            continue
        scope = known.get(row.engagement)
        if scope is None:
            pool = [*known, *RESERVED_ENGAGEMENTS]
            text = unknown("engagement", row.engagement, pool, "any scope")
            issues.append(Issue.make(Code.UNKNOWN_ENGAGEMENT, row.at("Engagement"), text))
        else:
            issues.append(
                Issue.make(
                    Code.ENGAGEMENT_NOT_BOOKABLE,
                    row.at("Engagement"),
                    f"engagement {row.engagement!r} is {scope.status or 'without a Status'} "
                    f"in {scope.workbook or 'its scope'}; time and expenses book only to "
                    "Sold, Active or Completed engagements",
                )
            )
    return issues


def deliverable_of_engagement(sheet: Timesheet, ctx: RuleContext) -> list[Issue]:
    """A Time row's Deliverable is one of its engagement's deliverables."""
    known = ctx.engagements
    if known is None:
        return []
    issues: list[Issue] = []
    for e in sheet.entries:
        scope = _bookable(e, known)
        if scope is None or not e.deliverable or e.deliverable in scope.deliverables:
            continue
        owners = sorted(k for k, s in known.items() if e.deliverable in s.deliverables)
        hint = f"; it belongs to {', '.join(owners)}" if owners else ""
        text = unknown("deliverable", e.deliverable, scope.deliverables, e.engagement)
        issues.append(
            Issue.make(Code.DELIVERABLE_NOT_IN_ENGAGEMENT, e.at("Deliverable"), text + hint)
        )
    return issues


def date_not_before_start(sheet: Timesheet, ctx: RuleContext) -> list[Issue]:
    """A Time row is not dated before its engagement's StartDate."""
    known = ctx.engagements
    if known is None:
        return []
    issues: list[Issue] = []
    for e in sheet.entries:
        scope = _bookable(e, known)
        if scope is None or scope.start_date is None or e.date >= scope.start_date:
            continue
        issues.append(
            Issue.make(
                Code.DATE_BEFORE_START,
                e.at("Date"),
                f"{e.date.isoformat()} is before {e.engagement}'s StartDate "
                f"{scope.start_date.isoformat()}",
            )
        )
    return issues


def booked_before_close(sheet: Timesheet, ctx: RuleContext) -> list[Issue]:
    """A Time or Expenses row is not dated after its engagement's EndDate: an error on a
    Completed engagement (BOOKING_AFTER_CLOSE: closed work does not change), a warning
    on a Sold or Active one (BOOKING_AFTER_END: it runs over its dates)."""
    known = ctx.engagements
    if known is None:
        return []
    issues: list[Issue] = []
    rows: list[TimeEntry | Expense] = [*sheet.entries, *sheet.expenses]
    for row in rows:
        scope = _bookable(row, known)
        if scope is None or scope.end_date is None or row.date <= scope.end_date:
            continue
        end = scope.end_date.isoformat()
        if scope.status == Status.COMPLETED.value:
            code = Code.BOOKING_AFTER_CLOSE
            text = (
                f"{row.date.isoformat()} is after {row.engagement}'s EndDate {end}, and "
                f"{row.engagement} is Completed: closed work takes no more time or expenses"
            )
        else:
            code = Code.BOOKING_AFTER_END
            text = (
                f"{row.date.isoformat()} is after {row.engagement}'s EndDate {end}; "
                f"the engagement runs over its dates (move its EndDate in "
                f"{scope.workbook or 'its scope'} if that is agreed)"
            )
        issues.append(Issue.make(code, row.at("Date"), text))
    return issues


def _employed(person: Person, day: date) -> str:
    """Why ``person`` may not book on ``day`` ("" when they may)."""
    if person.start_date is not None and day < person.start_date:
        return f"starts on {person.start_date.isoformat()} (People StartDate)"
    if person.end_date is not None and day > person.end_date:
        return f"left on {person.end_date.isoformat()} (People EndDate)"
    return ""


def person_may_book(sheet: Timesheet, ctx: RuleContext) -> list[Issue]:
    """The timesheet's person is in the catalog's People and employed on each Time and
    Expenses row's date (People StartDate to EndDate, both included); every other row
    is UNKNOWN_PERSON at its Date. Skipped without a catalog, or when the catalog lists
    no People (a firm that does not keep them)."""
    catalog = ctx.catalog
    if catalog is None or not catalog.people or not sheet.person:
        return []
    rows: list[TimeEntry | Expense] = [*sheet.entries, *sheet.expenses]
    listed = next((p for p in catalog.people if p.person == sheet.person), None)
    if listed is None:
        codes = [p.person for p in catalog.people]
        where = f"the catalog's People ({catalog.workbook})" if catalog.workbook else "People"
        text = unknown("person", sheet.person, codes, where)
        return [
            Issue.make(
                Code.UNKNOWN_PERSON,
                row.at("Date"),
                f"{text}: this timesheet's person may not book",
            )
            for row in rows
        ]
    issues: list[Issue] = []
    for row in rows:
        why = _employed(listed, row.date)
        if why:
            issues.append(
                Issue.make(
                    Code.UNKNOWN_PERSON,
                    row.at("Date"),
                    f"{sheet.person} {why}, so is not employed on {row.date.isoformat()}",
                )
            )
    return issues


RULES = (
    catalog_available,
    week_is_monday,
    dates_in_week,
    hours_in_range,
    day_totals,
    known_roles,
    deliverables_where_needed,
    amounts_positive,
    engagement_exists,
    deliverable_of_engagement,
    date_not_before_start,
    booked_before_close,
    person_may_book,
)
