"""The one writer a sync stores through (DESIGN §7, §8).

A :class:`Writer` holds one connection and every write of a run: a workbook's record and
the holder of its identity; its facts replaced (deleted, then inserted with their
lineage: a model's rows, or a timesheet's rows a pool worker converted); its rejects,
each keeping the run it was first seen in; its conflict; its read state; its retirement;
the workbooks marked to be read again because they depend on it; and the run's own
record. Each workbook is a savepoint inside a batch that the caller opens and commits.

How the statements reach the database is chosen once, when the writer is made for a
connection (:func:`open_writer`, through :meth:`psos_xl.store.db.Store.writer`): on
SQLite the fast path, :class:`~psos_xl.store.fast.SqliteDriver`; elsewhere (or when
asked) SQLAlchemy Core, :class:`CoreDriver`. The writer's logic is written once above
either :class:`Driver`, and tests/store/test_fast_path.py holds the two equal.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import date
from typing import Any, Protocol

from sqlalchemy import (
    Connection,
    Insert,
    Table,
    Transaction,
    bindparam,
    delete,
    insert,
    or_,
    select,
    update,
)

from psos_xl import models as m
from psos_xl.errors import Issue
from psos_xl.rules import without_rejected as without_rejected
from psos_xl.store import dependents
from psos_xl.store.base import HOLDING, ConflictRow, RejectRow
from psos_xl.store.fast import PreparedSheet, SqliteDriver, Statement, row_values
from psos_xl.store.rows import Model, facts_of
from psos_xl.store.schema import (
    FACT_TABLES,
    KIND_TABLES,
    conflicts,
    expenses,
    metadata,
    now,
    rejects,
    sync_runs,
    time_entries,
    workbooks,
)

wb, rj, cf = workbooks, rejects, conflicts

# --- the statements run for every workbook, built once ---------------------------------

RECORD = select(wb).where(wb.c.path == bindparam("p_path"))
NEW_RECORD = insert(wb).values(path=bindparam("p_path"), status="new", dirty=False).returning(*wb.c)
HOLDER = select(wb).where(
    wb.c.ident == bindparam("p_ident"),
    or_(*(wb.c.status == s for s in HOLDING)),  # not IN: compiled once, no expansion
    wb.c.id != bindparam("p_id"),
)
# a workbook read and stored (ok) or set aside (conflict): everything about it at once
READ_COLUMNS = (
    "size",
    "mtime_ns",
    "sha256",
    "last_read_at",
    "last_read_run",
    "dirty",
    "retired_at",
    "person",
    "week",
    "engagement",
    "kind",
    "ident",
    "status",
)
SET_READ = (
    update(wb)
    .where(wb.c.id == bindparam("p_id"))
    .values({name: bindparam(f"p_{name}") for name in READ_COLUMNS})
)
REJECTS_OF = select(rj).where(rj.c.workbook_id == bindparam("p_id"))
DELETE_REJECTS = delete(rj).where(rj.c.workbook_id == bindparam("p_id"))
DELETE_CONFLICT = delete(cf).where(cf.c.conflicting_path == bindparam("p_path"))
DELETE_FACTS = {t.name: delete(t).where(t.c.workbook_id == bindparam("p_id")) for t in FACT_TABLES}
TIMESHEET_ROWS = ((time_entries, "entries"), (expenses, "expenses"))


def read_params(workbook_id: int, values: Mapping[str, object]) -> dict[str, object]:
    """The parameters of SET_READ: ``values`` names every column of READ_COLUMNS."""
    params = {f"p_{name}": values[name] for name in READ_COLUMNS}
    params["p_id"] = workbook_id
    return params


# --- how the statements reach the database -----------------------------------------------


class Driver(Protocol):
    """What the writer needs of a database: its prebuilt statements run, rows inserted,
    a savepoint. ``prepares``: it inserts a timesheet's rows converted in a pool worker."""

    prepares: bool

    def execute(self, stmt: Statement, params: Mapping[str, Any]) -> None: ...

    def all(self, stmt: Statement, params: Mapping[str, Any]) -> list[Any]: ...

    def insert(self, table: Table, rows: Sequence[dict[str, Any]]) -> None: ...

    def insert_models(
        self, table: Table, models: Sequence[m.Row], shared: Mapping[str, Any]
    ) -> int: ...

    def insert_prepared(self, sheet: PreparedSheet, lineage: Mapping[str, Any]) -> int: ...

    def savepoint(self) -> AbstractContextManager[None]: ...


class CoreDriver:
    """The statements through SQLAlchemy Core: any database (PostgreSQL), and the plain
    path the SQLite fast path is held equal to."""

    prepares = False

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.inserts: dict[str, Insert] = {}

    def execute(self, stmt: Statement, params: Mapping[str, Any]) -> None:
        self.conn.execute(stmt, dict(params))

    def all(self, stmt: Statement, params: Mapping[str, Any]) -> list[Any]:
        return list(self.conn.execute(stmt, dict(params)).all())

    def insert(self, table: Table, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            stmt = self.inserts.setdefault(table.name, insert(table))
            self.conn.execute(stmt, list(rows))

    def insert_models(
        self, table: Table, models: Sequence[m.Row], shared: Mapping[str, Any]
    ) -> int:
        self.insert(table, [row_values(r, shared) for r in models])
        return len(models)

    def insert_prepared(self, sheet: PreparedSheet, lineage: Mapping[str, Any]) -> int:
        raise TypeError("rows converted for SQLite go to the SQLite driver only")

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        with self.conn.begin_nested():
            yield


def open_writer(conn: Connection, fast: bool = True) -> Writer:
    """The writer on ``conn``: through the SQLite fast path where it applies (SQLite,
    unless ``fast`` is False), else through SQLAlchemy Core."""
    sqlite = conn.dialect.name == "sqlite" and conn.dialect.positional
    return Writer(conn, SqliteDriver(conn) if fast and sqlite else CoreDriver(conn))


# --- what of a model is stored ------------------------------------------------------------


class ReadStat(Protocol):
    """A workbook as it was read: its stat and content hash."""

    size: int
    mtime_ns: int
    sha256: str


class Identity(Protocol):
    """What a workbook is a copy of, if two say the same (a sync's Key)."""

    @property
    def ident(self) -> str: ...
    @property
    def person(self) -> str | None: ...
    @property
    def week(self) -> date | None: ...
    @property
    def engagement(self) -> str | None: ...


# --- the writer ---------------------------------------------------------------------------


class Transactions:
    """A run's transactions on one connection: the batch, a workbook's savepoint in it,
    and the run's own record (``sync_runs``), each in a transaction of its own."""

    def __init__(self, conn: Connection, driver: Driver) -> None:
        self.conn = conn
        self.driver = driver
        self.run_id = 0
        self._batch: Transaction | None = None

    def begin(self) -> bool:
        """Open a batch unless one is open; whether this opened one."""
        if self._batch is not None:
            return False
        self._batch = self.conn.begin()
        return True

    def savepoint(self) -> AbstractContextManager[None]:
        """One workbook's transaction inside the batch: released, or rolled back (and
        the error raised)."""
        assert self._batch is not None
        return self.driver.savepoint()

    @property
    def in_batch(self) -> bool:
        return self._batch is not None

    def commit(self) -> None:
        batch, self._batch = self._batch, None
        if batch is not None:
            batch.commit()

    def start_run(self, host: str, pid: int) -> int:
        """Record a run as started, closing as failed the runs the lock proves dead:
        on PostgreSQL any (its lock spans every machine), elsewhere ``host``'s (a
        folder's lock file may not hold across machines on a network share)."""
        assert self._batch is None
        with self.conn.begin():
            stale = sync_runs.c.status == "running"
            if self.conn.dialect.name != "postgresql":
                stale = stale & (sync_runs.c.host == host)
            self.conn.execute(
                update(sync_runs).where(stale).values(status="failed", finished_at=now())
            )
            new = self.conn.execute(
                insert(sync_runs).values(started_at=now(), status="running", pid=pid, host=host)
            )
            ident = new.inserted_primary_key
            assert ident is not None
        self.run_id = int(ident[0])
        return self.run_id

    def finish_run(self, status: str, counts: Mapping[str, int]) -> None:
        """Record the run's end; a batch left open by a failure is rolled back first."""
        self._batch = None
        if self.conn.in_transaction():
            self.conn.rollback()
        with self.conn.begin():
            self.conn.execute(
                update(sync_runs)
                .where(sync_runs.c.id == self.run_id)
                .values(finished_at=now(), status=status, counts=json.dumps(dict(counts)))
            )


class Writer(Transactions):
    """Every write of one sync run, on one connection (see the module's doc).

    A workbook's record is a row with attribute access (SQLAlchemy's Row, or a named
    tuple of the same values); status ``new`` is a record made in this transaction.
    """

    def __init__(self, conn: Connection, driver: Driver) -> None:
        super().__init__(conn, driver)
        self.prepares = driver.prepares  # it takes a timesheet's rows a worker converted

    # --- what the run reads ----------------------------------------------------------------

    def known(self) -> dict[str, Any]:
        """Every workbook the store has a record of, by path."""
        return {r.path: r for r in self.conn.execute(select(wb))}

    def dirty(self, kind: str) -> list[str]:
        """The paths of the workbooks of ``kind`` marked to be read again, in order."""
        query = select(wb.c.path).where(
            wb.c.dirty.is_(True), wb.c.kind == kind, wb.c.status != "retired"
        )
        return list(self.conn.execute(query.order_by(wb.c.path)).scalars())

    def standing(self) -> tuple[list[RejectRow], list[ConflictRow]]:
        """Every reject and conflict the store holds, in the order they were stored."""
        found = select(rj.c.code, rj.c.severity, rj.c.location, rj.c.message)
        copies = select(cf.c.ident, cf.c.person, cf.c.week, cf.c.kept_path, cf.c.conflicting_path)
        return (
            [tuple(r) for r in self.conn.execute(found.order_by(rj.c.id))],
            [tuple(r) for r in self.conn.execute(copies.order_by(cf.c.id))],
        )

    # --- one workbook --------------------------------------------------------------------

    def record(self, rel: str) -> Any:
        """The workbook's record; a ``new`` one when the store has never seen the path
        (it then has no rows, rejects or conflicts)."""
        rec = self._first(RECORD, {"p_path": rel})
        return rec if rec is not None else self._first(NEW_RECORD, {"p_path": rel})

    def holder(self, ident: str, own_id: int) -> Any:
        """The other workbook whose rows count for ``ident``, if any."""
        return self._first(HOLDER, {"p_ident": ident, "p_id": own_id})

    def _first(self, stmt: Statement, params: Mapping[str, Any]) -> Any:
        rows = self.driver.all(stmt, params)
        return rows[0] if rows else None

    def update(self, rec: Any, **values: Any) -> None:
        self.conn.execute(update(wb).where(wb.c.id == rec.id).values(**values))

    def read_state(self, read: ReadStat) -> dict[str, Any]:
        """The record's values of a workbook read in this run."""
        return {
            "size": read.size,
            "mtime_ns": read.mtime_ns,
            "sha256": read.sha256,
            "last_read_at": now(),
            "last_read_run": self.run_id,
            "dirty": False,
            "retired_at": None,
        }

    def set_read(self, rec: Any, read: ReadStat, key: Identity, kind: str, status: str) -> None:
        """Record a workbook read and stored (``ok``) or set aside (``conflict``)."""
        values = {
            **self.read_state(read),
            "person": key.person,
            "week": key.week,
            "engagement": key.engagement,
            "kind": kind,
            "ident": key.ident,
            "status": status,
        }
        self.driver.execute(SET_READ, read_params(rec.id, values))

    def replace_facts(self, rec: Any, rel: str, sha256: str, rows: Model | PreparedSheet) -> int:
        """Delete the workbook's rows, insert ``rows`` with their lineage (the workbook,
        its path and content hash); how many were inserted."""
        self._delete_facts(rec)
        return self.add_facts(rec, rel, sha256, rows)

    def timesheet_rows(self, workbook_id: int) -> list[tuple[str, dict[str, Any]]]:
        """The stored time and expense rows of one workbook: (table name, row)."""
        out: list[tuple[str, dict[str, Any]]] = []
        for table, _ in TIMESHEET_ROWS:
            query = select(table).where(table.c.workbook_id == workbook_id).order_by(table.c.id)
            out.extend((table.name, dict(r._mapping)) for r in self.conn.execute(query))
        return out

    def freezes(self) -> tuple[date | None, dict[tuple[str, date], Any]]:
        """What holds timesheet rows: the day time is locked to, the approvals by week."""
        from psos_xl.store.queries import approvals_by_week, locked_until

        return locked_until(self.conn), approvals_by_week(self.conn)

    def delete_rows(self, table_name: str, ids: Sequence[int]) -> None:
        """Delete the fact rows ``ids`` of one table."""
        if ids:
            table = metadata.tables[table_name]
            self.conn.execute(delete(table).where(table.c.id.in_(list(ids))))

    def add_facts(self, rec: Any, rel: str, sha256: str, rows: Model | PreparedSheet) -> int:
        """Insert ``rows`` with their lineage beside what the workbook has; how many."""
        lineage = {"workbook_id": rec.id, "path": rel, "sha256": sha256}
        if isinstance(rows, PreparedSheet):
            return self.driver.insert_prepared(rows, lineage)
        if isinstance(rows, m.Timesheet):  # the many: rows straight from their models
            who = {"person": rows.person, "week": rows.week, **lineage}
            return sum(
                self.driver.insert_models(table, getattr(rows, name), who)
                for table, name in TIMESHEET_ROWS
            )
        grouped: dict[Table, list[dict[str, Any]]] = {}
        for table, src, values in facts_of(rows):
            values.update(lineage)
            values["sheet"] = src.sheet if src else ""
            values["row_num"] = src.row if src else 0
            grouped.setdefault(table, []).append(values)
        for table, values_of in grouped.items():
            self.driver.insert(table, values_of)
        return sum(len(v) for v in grouped.values())

    def _delete_facts(self, rec: Any) -> None:
        """A workbook's rows are stored with status ok and kept only while it is ok,
        invalid or unreadable, in the tables of its recorded kind."""
        if rec.status in HOLDING:
            for table in KIND_TABLES.get(rec.kind or "", FACT_TABLES):
                self.driver.execute(DELETE_FACTS[table.name], {"p_id": rec.id})

    def replace_rejects(self, rec: Any, rel: str, issues: Iterable[Issue]) -> None:
        """The workbook's rejects are now ``issues``; one it had keeps its first run."""
        first: dict[tuple[str, str, str], int] = {}
        if rec.status != "new":
            first = {
                (row.location, row.code, row.message): row.first_seen_run
                for row in self.driver.all(REJECTS_OF, {"p_id": rec.id})
            }
            self.driver.execute(DELETE_REJECTS, {"p_id": rec.id})
        rows = [
            {
                "workbook_id": rec.id,
                "path": rel,
                "location": str(i.location),
                "code": str(i.code),
                "severity": str(i.severity),
                "message": i.message,
                "first_seen_run": first.get((str(i.location), str(i.code), i.message), self.run_id),
                "last_seen_run": self.run_id,
            }
            for i in issues
        ]
        self.driver.insert(rj, rows)

    def conflict_of(self, path: str) -> Any:
        """The conflict recorded for the copy at ``path``, if any."""
        return self.conn.execute(select(cf).where(cf.c.conflicting_path == path)).first()

    def add_conflict(self, key: Identity, kept_path: str, path: str, run: int) -> None:
        """Record the workbook at ``path`` as a copy of the one at ``kept_path``."""
        self.conn.execute(
            insert(cf).values(
                ident=key.ident,
                person=key.person,
                week=key.week,
                kept_path=kept_path,
                conflicting_path=path,
                run=run,
            )
        )

    def clear_conflict(self, path: str) -> None:
        self.driver.execute(DELETE_CONFLICT, {"p_path": path})

    def free_copies(self, kept_path: str) -> None:
        """The copies that waited on ``kept_path`` are read again: one may now count."""
        waiting = select(cf.c.conflicting_path).where(cf.c.kept_path == kept_path)
        self.conn.execute(update(wb).where(wb.c.path.in_(waiting)).values(dirty=True))

    def drop(self, rec: Any) -> None:
        """Delete a workbook's rows, rejects and conflict; wake what depended on it."""
        before = self.signature(rec.id, rec.kind or "")
        self._delete_facts(rec)
        self.driver.execute(DELETE_REJECTS, {"p_id": rec.id})
        self.clear_conflict(rec.path)
        if rec.status in HOLDING:
            self.free_copies(rec.path)
        self.mark_dependents(rec.kind or "", before, {})

    def retire(self, rec: Any) -> None:
        """A workbook that left the folder: dropped, its record kept as ``retired``."""
        self.drop(rec)
        self.update(
            rec,
            status="retired",
            retired_at=now(),
            ident=None,
            dirty=False,
            size=None,
            mtime_ns=None,
            sha256=None,
        )

    def signature(self, workbook_id: int, kind: str) -> dict[str, Any]:
        return dependents.signature(self.conn, workbook_id, kind)

    def mark_dependents(self, kind: str, before: dict[str, Any], after: dict[str, Any]) -> None:
        dependents.mark_dependents(self.conn, kind, before, after)
