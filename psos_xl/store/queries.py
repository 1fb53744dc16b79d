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
time_frame            time per person × day × engagement × billable in a window, as
                      a pandas frame with hours in integer hundredths
expense_items         the stored expenses (:class:`~psos_xl.pricing.booked.ExpenseItem`)
timesheet_weeks       the (person, week) pairs that have a timesheet whose rows count
hours_by_week         hours booked per (person, week), LEAVE and INTERNAL included
approvals_by_week     the latest approval of each person's week (:class:`Approval`)
load_baselines        each engagement's baseline (:class:`~psos_xl.pricing.baseline.Baseline`)
load_revisions        the stored revision lines (:class:`StoredRevision`)
locks, locked_until   every period lock (:class:`Lock`); the day time is locked to
writeback_targets     the workbooks write-back may write: path and the hash sync read
scope_paths           where each engagement's scope is
workbook_states       the workbooks of some statuses: path, kind, status, last read
standing_rejects      every stored reject with its workbook (:class:`Reject`)
standing_conflicts    every conflicted copy with the workbook counted instead
running_runs          the sync runs recorded as still running (:class:`SyncRun`)
last_finished_run     the newest sync run that ended, how it ended
integrity             what is damaged in the store itself (``PRAGMA integrity_check``
                      on SQLite; every table read through on PostgreSQL)
orphan_rows           rows whose workbook the store has no record of
====================  ==============================================================

Only valid rows are stored (sync keeps rejected ones apart), so nothing here filters
rows again; a conflicting copy's rows are never stored.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Table, func, inspect, select, sql
from sqlalchemy.exc import DBAPIError

from psos_xl import models as m
from psos_xl.pricing.baseline import Baseline, lines_from, terms_from
from psos_xl.pricing.booked import Booking, ExpenseItem
from psos_xl.settings import CATALOG_SETTINGS
from psos_xl.store.base import HOLDING
from psos_xl.store.rows import model_of
from psos_xl.store.schema import (
    approvals,
    baselines,
    complexity,
    conflicts,
    deliverables,
    expenses,
    metadata,
    overrides,
    people,
    period_locks,
    rejects,
    revisions,
    risks,
    roles,
    scopes,
    services,
    settings,
    sync_runs,
    time_entries,
    workbooks,
)

__all__ = [
    "Approval",
    "Booking",
    "Conflict",
    "ExpenseItem",
    "Hours",
    "Lock",
    "Reject",
    "StoredRevision",
    "SyncRun",
    "Target",
    "WorkbookState",
    "approvals_by_week",
    "booked_hours",
    "bookings",
    "expense_items",
    "hours_by_week",
    "integrity",
    "last_finished_run",
    "load_baselines",
    "load_catalog",
    "load_engagements",
    "load_revisions",
    "load_scopes",
    "locked_until",
    "locks",
    "orphan_rows",
    "running_runs",
    "scope_paths",
    "standing_conflicts",
    "standing_rejects",
    "time_frame",
    "timesheet_weeks",
    "workbook_states",
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
            eng,
            row.status or "",
            row.start_date,
            frozenset(owned.get(eng, ())),
            row.path,
            row.end_date,
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


def time_frame(conn: Connection, start: date, end: date) -> Any:
    """The time booked from ``start`` to ``end`` (both included) as a pandas DataFrame of
    :data:`psos_xl.economics.utilization.TIME_COLUMNS`: one row per person × date ×
    engagement × billable, ``hours`` in integer hundredths (each stored row's hours
    rounded half-up to the hundredth, then added), sorted by those keys."""
    import pandas as pd

    from psos_xl.economics.utilization import TIME_COLUMNS, hundredths

    t = time_entries
    keys = (t.c.person, t.c.date, t.c.engagement, t.c.billable)
    query = (
        select(*keys, t.c.hours, func.count().label("times"))
        .where(t.c.date >= start, t.c.date <= end)
        .group_by(*keys, t.c.hours)
    )
    frame = pd.read_sql(query, conn, coerce_float=False)  # keep the Decimals
    columns = list(TIME_COLUMNS)
    if frame.empty:
        return pd.DataFrame(
            {c: pd.Series(dtype="int64" if c == "hours" else object) for c in columns}
        )
    # a few distinct values of hours however many rows: each converted once
    exact = {h: hundredths(h) for h in set(frame["hours"])}
    frame["hours"] = frame["hours"].map(exact).astype("int64") * frame["times"].astype("int64")
    frame["billable"] = frame["billable"].astype(bool)
    summed = frame.groupby(columns[:-1], as_index=False, sort=True)["hours"].sum()
    return summed[columns].reset_index(drop=True)


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


def timesheet_weeks(conn: Connection) -> set[tuple[str, date]]:
    """(person, week) of every timesheet whose rows count (read, invalid rows left out,
    or unreadable with its last good rows); a conflicted copy is not one more."""
    w = workbooks
    query = select(w.c.person, w.c.week).where(
        w.c.kind == "timesheet",
        w.c.status.in_(HOLDING),
        w.c.person.is_not(None),
        w.c.week.is_not(None),
    )
    return {(person, week) for person, week in conn.execute(query)}


def hours_by_week(conn: Connection) -> dict[tuple[str, date], Decimal]:
    """Hours booked per (person, week) on any engagement, LEAVE and INTERNAL included."""
    t = time_entries
    keys = (t.c.person, t.c.week, t.c.hours)
    out: dict[tuple[str, date], Decimal] = {}
    for person, week, hours, times in conn.execute(
        select(*keys, func.count()).group_by(*keys).order_by(*keys)
    ):
        out[(person, week)] = out.get((person, week), Decimal(0)) + hours * times
    return out


# --- approvals and period locks ----------------------------------------------------------


@dataclass(frozen=True)
class Approval:
    """The latest approval of one person's week: the content it fixed, who, when."""

    person: str
    week: date
    path: str
    content_sha256: str
    approved_by: str
    approved_at: datetime


@dataclass(frozen=True)
class Lock:
    """One ``psos lock``: time up to ``until`` closed by ``locked_by`` at ``locked_at``."""

    until: date
    locked_by: str
    locked_at: datetime


def approvals_by_week(conn: Connection) -> dict[tuple[str, date], Approval]:
    """The latest approval of each (person, week)."""
    a = approvals
    out: dict[tuple[str, date], Approval] = {}
    for r in conn.execute(select(a).order_by(a.c.id)):
        out[(r.person, r.week)] = Approval(
            r.person, r.week, r.path, r.content_sha256, r.approved_by, r.approved_at
        )
    return out


def locks(conn: Connection) -> list[Lock]:
    """Every lock, oldest first (the audit trail)."""
    p = period_locks
    query = select(p.c.until, p.c.locked_by, p.c.locked_at).order_by(p.c.id)
    return [Lock(*row) for row in conn.execute(query)]


def locked_until(conn: Connection) -> date | None:
    """The day up to which time is locked (the latest lock's), None when never locked."""
    return conn.execute(select(func.max(period_locks.c.until))).scalar()


# --- baselines and revisions -------------------------------------------------------------


@dataclass(frozen=True)
class StoredRevision:
    """One line of a stored revision (what the scope's Revisions table shows)."""

    engagement: str
    revision: int
    detected_at: datetime
    terms_sha256: str
    deliverable: str
    change: str
    hours_delta: Decimal
    price_delta: Decimal
    change_order: str


def load_baselines(conn: Connection) -> dict[str, Baseline]:
    """Every engagement's baseline, by engagement."""
    b = baselines
    return {
        r.engagement: Baseline(
            r.engagement,
            r.terms_sha256,
            terms_from(r.terms),
            lines_from(r.lines),
            r.hours,
            r.cost,
            r.price,
        )
        for r in conn.execute(select(b))
    }


def load_revisions(conn: Connection, engagement: str | None = None) -> list[StoredRevision]:
    """The stored revision lines (of one ``engagement``), by engagement, number, row."""
    v = revisions
    query = select(v).order_by(v.c.engagement, v.c.revision, v.c.id)
    if engagement is not None:
        query = query.where(v.c.engagement == engagement)
    return [
        StoredRevision(
            r.engagement,
            r.revision,
            r.detected_at,
            r.terms_sha256,
            r.deliverable,
            r.change,
            r.hours_delta,
            r.price_delta,
            r.change_order or "",
        )
        for r in conn.execute(query)
    ]


# --- where write-back writes ---------------------------------------------------------------


def writeback_targets(conn: Connection) -> dict[str, Target]:
    """Every workbook whose last read was good (status ``ok``), by path, with its hash."""
    wb = workbooks
    rows = conn.execute(select(wb.c.path, wb.c.sha256).where(wb.c.status == "ok"))
    return {r.path: Target(r.path, r.sha256) for r in rows if r.sha256}


def scope_paths(conn: Connection) -> dict[str, str]:
    """Where each engagement's scope is: engagement → path, of the scopes read whole."""
    wb = workbooks
    query = select(wb.c.engagement, wb.c.path).where(wb.c.kind == "scope", wb.c.status == "ok")
    return {engagement: path for engagement, path in conn.execute(query) if engagement}


# --- the state of the folder, as the last sync left it --------------------------------------


@dataclass(frozen=True)
class WorkbookState:
    """A workbook's record: its path in the store, kind, status (:mod:`.schema`) and
    when it was last read."""

    path: str
    kind: str | None
    status: str
    last_read_at: datetime | None


@dataclass(frozen=True)
class Reject:
    """A stored issue of a workbook, reported on every sync until it is fixed."""

    path: str
    code: str
    severity: str
    location: str
    message: str


@dataclass(frozen=True)
class Conflict:
    """A conflicted copy: a second workbook for ``ident``; ``kept_path`` is counted."""

    ident: str
    person: str | None
    week: date | None
    kept_path: str
    conflicting_path: str


@dataclass(frozen=True)
class SyncRun:
    """One recorded sync run (``status``: running, ok, issues or failed)."""

    id: int
    started_at: datetime
    finished_at: datetime | None
    status: str
    pid: int
    host: str | None


def workbook_states(conn: Connection, statuses: Collection[str]) -> list[WorkbookState]:
    """The workbooks whose status is in ``statuses``, by path."""
    wb = workbooks
    query = (
        select(wb.c.path, wb.c.kind, wb.c.status, wb.c.last_read_at)
        .where(wb.c.status.in_(list(statuses)))
        .order_by(wb.c.path)
    )
    return [WorkbookState(*row) for row in conn.execute(query)]


def standing_rejects(conn: Connection, severity: str | None = None) -> list[Reject]:
    """The stored rejects (of one ``severity`` when given), by workbook path, then in
    the order they were stored (the workbook's order)."""
    rj = rejects
    query = select(rj.c.path, rj.c.code, rj.c.severity, rj.c.location, rj.c.message)
    if severity is not None:
        query = query.where(rj.c.severity == severity)
    return [Reject(*row) for row in conn.execute(query.order_by(rj.c.path, rj.c.id))]


def standing_conflicts(conn: Connection) -> list[Conflict]:
    """Every conflicted copy the store holds, by the copy's path."""
    cf = conflicts
    query = select(
        cf.c.ident, cf.c.person, cf.c.week, cf.c.kept_path, cf.c.conflicting_path
    ).order_by(cf.c.conflicting_path)
    return [Conflict(*row) for row in conn.execute(query)]


def _runs(conn: Connection, query: Any) -> list[SyncRun]:
    r = sync_runs
    columns = (r.c.id, r.c.started_at, r.c.finished_at, r.c.status, r.c.pid, r.c.host)
    return [SyncRun(*row) for row in conn.execute(query.with_only_columns(*columns))]


def running_runs(conn: Connection) -> list[SyncRun]:
    """The runs recorded as running, newest first: one live sync, or runs that were
    killed (their process gone, the lock free)."""
    r = sync_runs
    return _runs(conn, select(r).where(r.c.status == "running").order_by(r.c.id.desc()))


def last_finished_run(conn: Connection) -> SyncRun | None:
    """The newest run that ended (ok, issues or failed); None before any did."""
    r = sync_runs
    query = select(r).where(r.c.status != "running").order_by(r.c.id.desc()).limit(1)
    found = _runs(conn, query)
    return found[0] if found else None


# --- the store itself --------------------------------------------------------------------


def _message(err: Exception) -> str:
    orig = getattr(err, "orig", None)
    return str(orig if orig is not None else err).strip().splitlines()[0]


def integrity(conn: Connection) -> list[str]:
    """What is damaged in the store, one line per problem (empty: sound): a psos table
    that is missing, then on SQLite what ``PRAGMA integrity_check`` finds; on PostgreSQL
    a table that cannot be read through, an index left invalid, or pages whose checksum
    failed (with no extension: what the catalog and the statistics say)."""
    present = set(inspect(conn).get_table_names())
    problems = [
        f"table {t.name} is missing" for t in metadata.sorted_tables if t.name not in present
    ]
    try:
        if conn.dialect.name == "sqlite":
            found = [str(row[0]) for row in conn.exec_driver_sql("PRAGMA integrity_check")]
            return problems + [p for p in found if p != "ok"]
        if conn.dialect.name == "postgresql":
            return problems + _postgres_integrity(conn, present)
    except DBAPIError as err:
        problems.append(_message(err))
    return problems


def _postgres_integrity(conn: Connection, present: set[str]) -> list[str]:
    problems: list[str] = []
    for t in metadata.sorted_tables:
        if t.name not in present:
            continue
        try:
            with conn.begin_nested():  # a failed read must not abort the rest
                conn.execute(select(func.count()).select_from(t)).scalar()
        except DBAPIError as err:
            problems.append(f"table {t.name} cannot be read: {_message(err)}")
    index, cls = (
        sql.table("pg_index", *map(sql.column, ("indexrelid", "indrelid", "indisvalid"))),
        sql.table("pg_class", *map(sql.column, ("oid", "relname", "relnamespace"))),
    )
    owner = cls.alias("owner")
    invalid = (
        select(cls.c.relname)
        .select_from(
            index.join(cls, cls.c.oid == index.c.indexrelid).join(
                owner, owner.c.oid == index.c.indrelid
            )
        )
        .where(
            index.c.indisvalid.is_(False),
            owner.c.relname.in_([t.name for t in metadata.sorted_tables]),
            owner.c.relnamespace == func.to_regnamespace(func.current_schema()),
        )
        .order_by(cls.c.relname)
    )
    problems += [f"index {name} is invalid" for name in conn.execute(invalid).scalars()]
    stats = sql.table("pg_stat_database", sql.column("datname"), sql.column("checksum_failures"))
    failures = conn.execute(
        select(stats.c.checksum_failures).where(stats.c.datname == func.current_database())
    ).scalar()
    if failures:
        problems.append(f"{failures} page(s) failed their checksum")
    return problems


def orphan_rows(conn: Connection) -> list[str]:
    """Rows that point at a workbook the store has no record of, per table (``PRAGMA
    foreign_key_check`` on SQLite; PostgreSQL enforces the keys, so it has none)."""
    if conn.dialect.name != "sqlite":
        return []
    counts: dict[str, int] = {}
    for row in conn.exec_driver_sql("PRAGMA foreign_key_check"):
        counts[str(row[0])] = counts.get(str(row[0]), 0) + 1
    return [f"{n} row(s) of {name}" for name, n in sorted(counts.items())]
