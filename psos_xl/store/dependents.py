"""What other workbooks are checked against, and marking them to be read again.

A timesheet is checked against the stored scopes (its engagements: status, StartDate,
EndDate, deliverables) and the catalog (its roles, its People); a scope against the
catalog (its codes and Currency). When what a stored scope or catalog says of these
changes, the workbooks whose checks it may turn are marked ``dirty``, in the transaction
that stores the change, so a crash cannot lose the mark.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Select, select, union, update

from psos_xl.errors import Code
from psos_xl.models import Kind
from psos_xl.store.schema import (
    complexity,
    deliverables,
    expenses,
    people,
    rejects,
    risks,
    roles,
    scopes,
    services,
    settings,
    time_entries,
    workbooks,
)

# rejects that a change of the scopes, or of the catalog, may clear
ENGAGEMENT_CODES = tuple(
    str(c)
    for c in (
        Code.UNKNOWN_ENGAGEMENT,
        Code.ENGAGEMENT_NOT_BOOKABLE,
        Code.DELIVERABLE_NOT_IN_ENGAGEMENT,
        Code.DATE_BEFORE_START,
        Code.BOOKING_AFTER_CLOSE,
        Code.BOOKING_AFTER_END,
    )
)
ROLE_CODES = (str(Code.UNKNOWN_ROLE), str(Code.CATALOG_NOT_FOUND))
PERSON_CODES = (str(Code.UNKNOWN_PERSON),)


def signature(conn: Connection, workbook_id: int, kind: str) -> dict[str, Any]:
    """What other workbooks are checked against, as one workbook's stored rows say it:
    a scope's engagement (status, StartDate, EndDate, deliverables), the catalog's
    codes, Currency and People."""
    if kind == Kind.SCOPE.value:
        s, d = scopes, deliverables
        owned = conn.execute(
            select(d.c.engagement, d.c.deliverable).where(d.c.workbook_id == workbook_id)
        ).all()
        heads = conn.execute(
            select(s.c.engagement, s.c.status, s.c.start_date, s.c.end_date).where(
                s.c.workbook_id == workbook_id
            )
        ).all()
        return {
            h.engagement: (
                h.status,
                h.start_date,
                sorted(o.deliverable for o in owned if o.engagement == h.engagement),
                h.end_date,
            )
            for h in heads
        }
    if kind == Kind.CATALOG.value:
        out: dict[str, Any] = {}
        for table, col in (
            (roles, roles.c.role),
            (services, services.c.sku),
            (complexity, complexity.c.level),
            (risks, risks.c.code),
        ):
            query = select(col).where(table.c.workbook_id == workbook_id).distinct()
            out[table.name] = sorted(conn.execute(query).scalars())
        currency = select(settings.c.value).where(
            settings.c.workbook_id == workbook_id, settings.c.key == "Currency"
        )
        out["currency"] = sorted(conn.execute(currency).scalars())
        p = people
        staff = select(p.c.person, p.c.start_date, p.c.end_date).where(
            p.c.workbook_id == workbook_id
        )
        out["people"] = sorted((tuple(row) for row in conn.execute(staff)), key=str)
        return out
    return {}


def mark_dependents(
    conn: Connection, kind: str, before: dict[str, Any], after: dict[str, Any]
) -> None:
    """Mark ``dirty`` (read again) the workbooks whose checks a change may turn.

    A scope's change: timesheets with rows on its engagement, or with an engagement
    reject. The catalog's: every scope, and timesheets with a role the catalog no longer
    has or with a role reject; when its People change, the timesheets of the persons
    whose rows changed and those with a person reject (every timesheet when People
    starts or stops listing anyone: the person check turns on or off). Called in the
    transaction that stores the change, so a crash cannot lose the mark.
    """
    if before == after:
        return
    wb, t, x, r = workbooks, time_entries, expenses, rejects
    if kind == Kind.SCOPE.value:
        touched = set(before) | set(after)
        ids = union(
            select(t.c.workbook_id).where(t.c.engagement.in_(touched)),
            select(x.c.workbook_id).where(x.c.engagement.in_(touched)),
            select(r.c.workbook_id).where(r.c.code.in_(ENGAGEMENT_CODES)),
        )
        kinds = [Kind.TIMESHEET.value]
    elif kind == Kind.CATALOG.value:
        ids = union(
            select(t.c.workbook_id).where(t.c.role.not_in(after.get("roles", []))),
            select(r.c.workbook_id).where(r.c.code.in_(ROLE_CODES)),
            select(wb.c.id).where(wb.c.kind == Kind.SCOPE.value),
            *_people_changed(before.get("people", []), after.get("people", [])),
        )
        kinds = [Kind.TIMESHEET.value, Kind.SCOPE.value]
    else:
        return
    conn.execute(
        update(wb)
        .where(wb.c.id.in_(ids.scalar_subquery()), wb.c.kind.in_(kinds), wb.c.status == "ok")
        .values(dirty=True)
    )


def _people_changed(before: list[Any], after: list[Any]) -> list[Select[Any]]:
    """The timesheets whose person checks a change of People may turn."""
    if before == after:
        return []
    wb, t, x, r = workbooks, time_entries, expenses, rejects
    if bool(before) != bool(after):
        return [select(wb.c.id).where(wb.c.kind == Kind.TIMESHEET.value)]
    changed = sorted({row[0] for row in set(map(tuple, before)) ^ set(map(tuple, after))})
    return [
        select(t.c.workbook_id).where(t.c.person.in_(changed)),
        select(x.c.workbook_id).where(x.c.person.in_(changed)),
        select(r.c.workbook_id).where(r.c.code.in_(PERSON_CODES)),
    ]
