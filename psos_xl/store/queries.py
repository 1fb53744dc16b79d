"""The read side of the store: every report, check and write-back reads through here.

Each function takes an open connection and returns models, small typed records or plain
values, never rows of a particular backend, so what the store holds is read one way
everywhere. SQLAlchemy Core only; sums of money and hours are exact Decimals, added in
Python (the store keeps them as exact decimal text, which SQL would sum as floats).

====================  ==============================================================
function              what it gives
====================  ==============================================================
load_catalog          the catalog as stored (``m.Catalog``; None before one is read)
load_scopes           the scopes of some statuses as models (``m.Scope`` with
                      deliverables and overrides), keyed and ordered by engagement
load_engagements      every stored scope as the timesheet checks see it
                      (``m.Engagement``)
booked_hours          hours per (engagement, deliverable, role): :data:`Hours`
bookings              time per person × day × engagement × deliverable × role ×
                      billable (:class:`~psos_xl.pricing.booked.Booking`)
expense_items         the stored expenses (:class:`~psos_xl.pricing.booked.ExpenseItem`)
writeback_targets     the workbooks write-back may write: path and the hash sync read
====================  ==============================================================

Only valid rows are stored (sync keeps rejected ones apart), so nothing here filters
rows again; a conflicting copy's rows are never stored.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Table, func, select

from psos_xl import models as m
from psos_xl.pricing.booked import Booking, ExpenseItem
from psos_xl.settings import CATALOG_SETTINGS
from psos_xl.store.base import HOLDING
from psos_xl.store.rows import model_of
from psos_xl.store.schema import (
    complexity,
    deliverables,
    expenses,
    overrides,
    people,
    risks,
    roles,
    scopes,
    services,
    settings,
    time_entries,
    workbooks,
)

__all__ = [
    "Booking",
    "ExpenseItem",
    "Hours",
    "Target",
    "booked_hours",
    "bookings",
    "expense_items",
    "load_catalog",
    "load_engagements",
    "load_scopes",
    "writeback_targets",
]

Hours = dict[tuple[str, str, str], Decimal]  # (engagement, deliverable, role) → hours


@dataclass(frozen=True)
class Target:
    """A workbook write-back may write into: its path in the store and the hash sync read
    (refused when the file no longer hashes to it)."""

    rel: str
    sha256: str


# --- the catalog ----------------------------------------------------------------------


def _models(conn: Connection, table: Table, model: type[Any]) -> list[Any]:
    return [model_of(row, model) for row in conn.execute(select(table).order_by(table.c.id))]


def load_catalog(conn: Connection) -> m.Catalog | None:
    """The catalog as stored (None when no catalog workbook has been read)."""
    held = conn.execute(
        select(workbooks.c.path)
        .where(workbooks.c.kind == m.Kind.CATALOG.value, workbooks.c.status.in_(HOLDING))
        .order_by(workbooks.c.path)
    ).first()
    if held is None:
        return None
    typed = {d.key: d for d in CATALOG_SETTINGS}
    values: dict[str, Any] = {}
    for row in conn.execute(select(settings.c.key, settings.c.value)):
        definition = typed.get(row.key)
        if definition is not None and row.value is not None:
            values[definition.field] = definition.type(row.value)
    return m.Catalog(
        workbook=held.path,
        roles=_models(conn, roles, m.RoleRate),
        services=_models(conn, services, m.ServiceLine),
        complexity=_models(conn, complexity, m.ComplexityLevel),
        risks=_models(conn, risks, m.Risk),
        settings=m.CatalogSettings(**values),
        people=_models(conn, people, m.Person),
    )


# --- the scopes -------------------------------------------------------------------------


def _heads(conn: Connection, statuses: Collection[str] | None) -> dict[str, Any]:
    """The stored ScopeInfo row of each engagement (``statuses``: only those), sorted by
    engagement. Sync stores one scope per engagement; were there two, the first by
    path would count."""
    query = select(scopes).order_by(scopes.c.path, scopes.c.id)
    if statuses is not None:
        query = query.where(scopes.c.status.in_(list(statuses)))
    heads: dict[str, Any] = {}
    for row in conn.execute(query):
        heads.setdefault(row.engagement, row)
    return {eng: heads[eng] for eng in sorted(heads)}


def load_scopes(conn: Connection, statuses: Collection[str] | None = None) -> dict[str, m.Scope]:
    """The stored scopes whose Status is in ``statuses`` (every one when None), keyed by
    engagement in engagement order: ScopeInfo, Deliverables and Overrides, each row in
    its workbook's order with its RowRef. ``Scope.workbook`` is the workbook's path in
    the store."""
    out = {
        eng: m.Scope(workbook=row.path, info=model_of(row, m.ScopeInfo))
        for eng, row in _heads(conn, statuses).items()
    }
    if not out:
        return out
    wanted = list(out)
    for table, field, model in (
        (deliverables, "deliverables", m.Deliverable),
        (overrides, "overrides", m.Override),
    ):
        query = select(table).where(table.c.engagement.in_(wanted)).order_by(table.c.id)
        for row in conn.execute(query):
            getattr(out[row.engagement], field).append(model_of(row, model))
    return out


def load_engagements(conn: Connection) -> dict[str, m.Engagement]:
    """Every stored scope, whatever its Status, as the timesheet checks see it."""
    owned: dict[str, set[str]] = {}
    for row in conn.execute(select(deliverables.c.engagement, deliverables.c.deliverable)):
        owned.setdefault(row.engagement, set()).add(row.deliverable)
    return {
        eng: m.Engagement(
            eng, row.status or "", row.start_date, frozenset(owned.get(eng, ())), row.path
        )
        for eng, row in _heads(conn, None).items()
    }


# --- what was booked ----------------------------------------------------------------------


def booked_hours(conn: Connection, engagements: Collection[str] | None = None) -> Hours:
    """Hours booked per (engagement, deliverable, role), of ``engagements`` (every one,
    LEAVE and INTERNAL included, when None), in key order."""
    t = time_entries
    out: Hours = {}
    if engagements is not None and not engagements:
        return out
    # one row per distinct value, with its count: a few hundred rows for tens of
    # thousands of entries, then multiplied and added exactly in Python
    keys = (t.c.engagement, t.c.deliverable, t.c.role, t.c.hours)
    query = select(*keys, func.count()).group_by(*keys).order_by(*keys)
    if engagements is not None:
        query = query.where(t.c.engagement.in_(list(engagements)))
    for eng, dlv, role, hours, times in conn.execute(query):
        key = (eng, dlv, role)
        out[key] = out.get(key, Decimal(0)) + hours * times
    return out


def bookings(conn: Connection, engagement: str | None = None) -> list[Booking]:
    """The stored time rows (of one ``engagement`` when given), rows that agree in every
    column psos computes with collapsed into one :class:`Booking` with their count;
    sorted by person, date, engagement, deliverable, role and billable."""
    t = time_entries
    keys = (t.c.person, t.c.date, t.c.engagement, t.c.deliverable, t.c.role, t.c.billable)
    query = (
        select(*keys, t.c.hours, func.count()).group_by(*keys, t.c.hours).order_by(*keys, t.c.hours)
    )
    if engagement is not None:
        query = query.where(t.c.engagement == engagement)
    return [Booking(*row) for row in conn.execute(query)]


def expense_items(conn: Connection, engagement: str | None = None) -> list[ExpenseItem]:
    """The stored expenses (of one ``engagement`` when given), by person, date and row."""
    x = expenses
    query = select(
        x.c.person, x.c.date, x.c.engagement, x.c.category, x.c.amount, x.c.currency, x.c.billable
    ).order_by(x.c.person, x.c.date, x.c.id)
    if engagement is not None:
        query = query.where(x.c.engagement == engagement)
    return [
        ExpenseItem(
            r.person, r.date, r.engagement, r.category, r.amount, r.currency or "", r.billable
        )
        for r in conn.execute(query)
    ]


# --- where write-back writes ---------------------------------------------------------------


def writeback_targets(conn: Connection) -> dict[str, Target]:
    """Every workbook whose last read was good (status ``ok``), by path, with its hash."""
    wb = workbooks
    rows = conn.execute(select(wb.c.path, wb.c.sha256).where(wb.c.status == "ok"))
    return {r.path: Target(r.path, r.sha256) for r in rows if r.sha256}
