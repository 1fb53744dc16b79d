"""Rules of a weekly timesheet: the week, each row's date and hours, the day totals,
roles (against the catalog) and which engagements take a Deliverable.

The reader has already reported a marker without person or week, Billable values
other than Y/N/TRUE/FALSE and text where a number belongs.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from psos_xl.errors import Code, Issue, Location
from psos_xl.models import RESERVED_ENGAGEMENTS, Expense, TimeEntry, Timesheet
from psos_xl.rules import RuleContext, catalog_missing, fmt, unknown

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


RULES = (
    catalog_available,
    week_is_monday,
    dates_in_week,
    hours_in_range,
    day_totals,
    known_roles,
    deliverables_where_needed,
    amounts_positive,
)
