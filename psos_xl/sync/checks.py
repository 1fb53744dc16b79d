"""Store-aware checks of timesheets: rules that need the scopes sync has stored.

They have the signature of every rule, ``check(timesheet, ctx) -> list[Issue]``; what
they know of the engagements comes from a :class:`SyncContext` (a RuleContext that also
carries the stored scopes). Handed a plain RuleContext they check nothing.

- the engagement exists: a scope with Status Sold, Active or Completed, or LEAVE or
  INTERNAL (for Time and Expenses rows);
- the deliverable belongs to that engagement;
- the role exists in the catalog (when there is one: without it the timesheet rules
  warn CATALOG_NOT_FOUND, and the rows are checked again when a catalog arrives);
- the date is not before the engagement's StartDate.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from psos_xl import models as m
from psos_xl import store as st
from psos_xl.errors import Code, Issue
from psos_xl.models import (
    RESERVED_ENGAGEMENTS,
    Engagement,
    Expense,
    Status,
    TimeEntry,
    Timesheet,
)
from psos_xl.rules import RuleContext, run_rules, unknown
from psos_xl.rules import catalog as catalog_rules
from psos_xl.rules import scope as scope_rules
from psos_xl.rules import timesheet as timesheet_rules

BOOKABLE = frozenset({Status.SOLD.value, Status.ACTIVE.value, Status.COMPLETED.value})


@dataclass(frozen=True)
class SyncContext(RuleContext):
    engagements: Mapping[str, Engagement] = field(default_factory=dict)


def _engagements(ctx: RuleContext) -> Mapping[str, Engagement] | None:
    return ctx.engagements if isinstance(ctx, SyncContext) else None


def _bookable(row: TimeEntry | Expense, known: Mapping[str, Engagement]) -> Engagement | None:
    scope = known.get(row.engagement)
    return scope if scope is not None and scope.status in BOOKABLE else None


def engagement_exists(sheet: Timesheet, ctx: RuleContext) -> list[Issue]:
    """Every Time and Expenses row books to a Sold, Active or Completed engagement,
    or to LEAVE / INTERNAL."""
    known = _engagements(ctx)
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
    known = _engagements(ctx)
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
    known = _engagements(ctx)
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


# --- what makes two workbooks copies of each other -----------------------------------


@dataclass(frozen=True)
class Key:
    """What a workbook is a copy of, if two say the same."""

    ident: str
    person: str | None = None
    week: date | None = None
    engagement: str | None = None


def identity(model: st.Model) -> Key | None:
    if isinstance(model, m.Catalog):
        return Key("catalog")
    if isinstance(model, m.Scope):
        eng = model.info.engagement
        return Key(f"scope:{eng}", engagement=eng) if eng else None
    if model.person and model.week:
        return Key(f"timesheet:{model.person}:{model.week.isoformat()}", model.person, model.week)
    return None


# the role check is the timesheet rules' known_roles, which sync runs with the stored catalog
CHECKS = (engagement_exists, deliverable_of_engagement, date_not_before_start)


def validate(model: st.Model, reader_issues: list[Issue], ctx: RuleContext) -> list[Issue]:
    """Reader issues + the foundation rules + (timesheets) the store-aware checks."""
    ctx = dataclasses.replace(ctx, reported=frozenset(i.location for i in reader_issues))
    found: list[Issue]
    if isinstance(model, m.Catalog):
        found = run_rules(catalog_rules.RULES, model, ctx)
    elif isinstance(model, m.Scope):
        found = run_rules(scope_rules.RULES, model, ctx)
    else:
        found = run_rules(timesheet_rules.RULES, model, ctx) + run_rules(CHECKS, model, ctx)
    return list(dict.fromkeys([*reader_issues, *found]))
