"""The statements the engine runs for every workbook, built once, and how they run.

SQLAlchemy caches a statement's compiled form, but building the statement object (and
its cache key) on every call costs more than running it on SQLite; these are built at
import with bound parameters (``p_…``) and only executed per workbook. On SQLite a
:class:`Runner` goes further: each statement is compiled once for the run and executed
on the driver's cursor, with the type conversions SQLAlchemy would apply to its
parameters and results (a workbook's handful of statements otherwise costs more in
SQLAlchemy's execution machinery than in SQLite). Elsewhere it executes them through
SQLAlchemy.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from operator import attrgetter, itemgetter
from typing import Any, get_origin

from sqlalchemy import (
    Connection,
    Date,
    DateTime,
    Delete,
    Dialect,
    Insert,
    Select,
    Table,
    Update,
    bindparam,
    delete,
    insert,
    or_,
    select,
)
from sqlalchemy import update as update_
from sqlalchemy.types import TypeEngine

from psos_xl import models as m
from psos_xl import store as st
from psos_xl.store.rows import joined, plain

wb, rj, cf = st.workbooks, st.rejects, st.conflicts

RECORD: Select[tuple[object, ...]] = select(wb).where(wb.c.path == bindparam("p_path"))
NEW_RECORD: Insert = (
    insert(wb).values(path=bindparam("p_path"), status="new", dirty=False).returning(*wb.c)
)
HOLDER: Select[tuple[object, ...]] = select(wb).where(
    wb.c.ident == bindparam("p_ident"),
    or_(*(wb.c.status == s for s in st.HOLDING)),  # not IN: compiled once, no expansion
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
SET_READ: Update = (
    update_(wb)
    .where(wb.c.id == bindparam("p_id"))
    .values({name: bindparam(f"p_{name}") for name in READ_COLUMNS})
)
REJECTS_OF: Select[tuple[object, ...]] = select(rj).where(rj.c.workbook_id == bindparam("p_id"))
DELETE_REJECTS: Delete = delete(rj).where(rj.c.workbook_id == bindparam("p_id"))
DELETE_CONFLICT: Delete = delete(cf).where(cf.c.conflicting_path == bindparam("p_path"))
DELETE_FACTS: dict[str, Delete] = {
    t.name: delete(t).where(t.c.workbook_id == bindparam("p_id")) for t in st.FACT_TABLES
}
FACT_TABLE: dict[str, Table] = {t.name: t for t in st.FACT_TABLES}
INSERT_FACTS: dict[str, Insert] = {t.name: insert(t) for t in st.FACT_TABLES}


def read_params(workbook_id: int, values: dict[str, object]) -> dict[str, object]:
    """The parameters of SET_READ: ``values`` names every column of READ_COLUMNS."""
    params = {f"p_{name}": values[name] for name in READ_COLUMNS}
    params["p_id"] = workbook_id
    return params


# --- bulk inserts through the driver ---------------------------------------------------

Convert = Callable[[Any], Any]


def decimal_text(value: Any) -> str | None:
    """DecimalText's stored form (``str(Decimal(value))``), without its call chain."""
    if type(value) is Decimal:
        return str(value)
    if value is None:
        return None
    if isinstance(value, float):
        raise TypeError("floats never reach the store; pass a Decimal")
    return str(Decimal(value))


def _iso_date(process: Convert) -> Convert:
    """SQLite's DATE text (``YYYY-MM-DD``, what ``process`` makes) straight from a date."""

    def convert(value: Any) -> Any:
        return value.isoformat() if type(value) is date else process(value)

    return convert


def bind_convert(kind: TypeEngine[Any], dialect: Dialect) -> Convert | None:
    """What SQLAlchemy does to a parameter of type ``kind`` before the driver gets it."""
    if isinstance(kind, st.DecimalText):
        return decimal_text
    process = kind.dialect_impl(dialect).bind_processor(dialect)
    is_date = isinstance(kind, Date) and not isinstance(kind, DateTime)
    return _iso_date(process) if is_date and process is not None else process


@dataclass(frozen=True)
class Bulk:
    """An insert compiled once for one set of columns: its SQL, the parameter order and
    each column's conversion to what the driver takes."""

    sql: str
    keys: tuple[str, ...]
    converts: tuple[Convert | None, ...]

    def rows(self, rows: Sequence[dict[str, Any]]) -> list[Any]:
        if len(self.keys) < 2:
            return [tuple(r[k] for k in self.keys) for r in rows]
        get = itemgetter(*self.keys)
        todo = [(i, c) for i, c in enumerate(self.converts) if c is not None]
        if not todo:
            return [get(r) for r in rows]
        out: list[Any] = []
        for r in rows:
            values = list(get(r))
            for i, c in todo:
                values[i] = c(values[i])
            out.append(values)
        return out


def bulk_of(table: Table, keys: Sequence[str], dialect: Dialect) -> Bulk | None:
    """``insert(table)`` of ``keys`` compiled for ``dialect``; None when the dialect's
    parameters are not positional (the caller then lets SQLAlchemy execute it)."""
    compiled = insert(table).compile(dialect=dialect, column_keys=list(keys))
    order = compiled.positiontup
    if not compiled.positional or order is None:
        return None
    converts = [bind_convert(table.c[name].type, dialect) for name in order]
    return Bulk(compiled.string, tuple(order), tuple(converts))


@dataclass
class Inserter:
    """Inserts many rows at once: on a positional driver (SQLite) through the DBAPI
    cursor's executemany with the statement compiled once per set of columns, else
    through SQLAlchemy."""

    cache: dict[tuple[str, tuple[str, ...]], Bulk | None] = field(default_factory=dict)

    def __call__(self, conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
        if not rows:
            return
        keys = tuple(rows[0])
        slot = (table.name, keys)
        if slot not in self.cache:
            self.cache[slot] = bulk_of(table, keys, conn.dialect)
        bulk = self.cache[slot]
        if bulk is None or any(len(r) != len(keys) for r in rows):
            conn.execute(INSERT_FACTS.get(table.name, insert(table)), list(rows))
            return
        _executemany(conn, bulk.sql, bulk.rows(rows))

    def models(
        self,
        conn: Connection,
        table: Table,
        models: Sequence[m.Row],
        shared: Mapping[str, Any],
        rename: Mapping[str, str] | None = None,
    ) -> int:
        """Insert model rows (their fields named as ``table``'s columns, after
        ``rename``) with the values they all share; the number of rows inserted."""
        if not models:
            return 0
        kind = type(models[0])
        plan = plan_of(table, kind, list(shared), conn.dialect, rename)
        if plan is None or any(r.src is None or type(r) is not kind for r in models):
            self(conn, table, [_as_dict(r, shared, rename or {}) for r in models])
        else:
            _executemany(conn, plan.sql, plan.rows(models, shared))
        return len(models)

    def heads(
        self,
        conn: Connection,
        table: Table,
        kind: type[m.Row],
        heads: list[list[Any]],
        shared: Mapping[str, Any],
    ) -> int:
        """Insert rows a pool worker made with :meth:`RowPlan.heads` (SQLite only)."""
        if not heads:
            return 0
        plan = plan_of(table, kind, list(shared), conn.dialect)
        assert plan is not None, "heads are made for a positional driver only"
        _executemany(conn, plan.sql, plan.finish(heads, shared))
        return len(heads)


def _as_dict(row: m.Row, shared: Mapping[str, Any], rename: Mapping[str, str]) -> dict[str, Any]:
    values = plain(row, rename)
    values["sheet"] = row.src.sheet if row.src else ""
    values["row_num"] = row.src.row if row.src else 0
    return {**values, **shared}


def _executemany(conn: Connection, statement: str, rows: Sequence[Any]) -> None:
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(statement, rows)
    finally:
        cursor.close()


# --- model rows straight to a bulk insert ------------------------------------------------


@dataclass(frozen=True)
class RowPlan:
    """How rows of one model class become one table's insert parameters on a positional
    driver, without a dict per row: the model's fields and the row's source read in one
    call, each converted as SQLAlchemy would, then the values every row shares (the
    workbook's lineage; a timesheet's person and week)."""

    sql: str
    get: Callable[[Any], tuple[Any, ...]]
    converts: tuple[tuple[int, Convert], ...]
    shared: tuple[str, ...]
    shared_converts: tuple[Convert | None, ...]
    order: Callable[[list[Any]], tuple[Any, ...]]  # into the statement's parameter order

    def rows(self, models: Sequence[Any], shared: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        return self.finish(self.heads(models), shared)

    def heads(self, models: Sequence[Any]) -> list[list[Any]]:
        """Each row's own values, converted (what a pool worker sends back)."""
        get, converts = self.get, self.converts
        out: list[list[Any]] = []
        for model in models:
            values = list(get(model))
            for i, convert in converts:
                if values[i] is not None:
                    values[i] = convert(values[i])
            out.append(values)
        return out

    def finish(self, heads: list[list[Any]], shared: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """The parameters of the rows with ``heads``: the shared values added, in order."""
        tail = [
            shared[k] if c is None or shared[k] is None else c(shared[k])
            for k, c in zip(self.shared, self.shared_converts, strict=True)
        ]
        order = self.order
        return [order(values + tail) for values in heads]


_PLANS: dict[tuple[str, type[Any], tuple[str, ...], str], RowPlan | None] = {}


def plan_of(
    table: Table,
    model: type[m.Row],
    shared: Sequence[str],
    dialect: Dialect,
    rename: Mapping[str, str] | None = None,
) -> RowPlan | None:
    """The plan of ``model`` rows into ``table`` (fields named as its columns, after
    ``rename``), made once per process."""
    rename = rename or {}
    slot = (table.name, model, tuple(shared), dialect.name)
    if slot not in _PLANS:
        fields = [f for f in model.model_fields if f != "src"]
        columns = [rename.get(f, f) for f in fields]
        lists = frozenset(
            rename.get(f, f) for f in fields if get_origin(model.model_fields[f].annotation) is list
        )
        _PLANS[slot] = row_plan(table, columns, list(shared), dialect, fields, lists)
    return _PLANS[slot]


def row_plan(
    table: Table,
    fields: Sequence[str],
    shared: Sequence[str],
    dialect: Dialect,
    attrs: Sequence[str] | None = None,
    lists: frozenset[str] = frozenset(),
) -> RowPlan | None:
    """The plan of rows whose attributes ``attrs`` (by default ``fields``) go to the
    columns ``fields`` (those in ``lists`` hold lists, stored comma-separated), with the
    row's source to ``sheet`` and ``row_num``, and the ``shared`` values; None when the
    dialect's parameters are not positional."""
    columns = [*fields, "sheet", "row_num", *shared]
    compiled = insert(table).compile(dialect=dialect, column_keys=columns)
    if not compiled.positional or sorted(compiled.positiontup or ()) != sorted(columns):
        return None
    order = itemgetter(*(columns.index(name) for name in compiled.positiontup or ()))
    get = attrgetter(*(attrs or fields), "src.sheet", "src.row")
    converts: list[tuple[int, Convert]] = []
    for i, name in enumerate([*fields, "sheet", "row_num"]):
        bind = bind_convert(table.c[name].type, dialect)
        if name in lists:
            converts.append((i, _then(joined, bind)))
        elif bind is not None:
            converts.append((i, bind))
    tail = tuple(bind_convert(table.c[name].type, dialect) for name in shared)
    return RowPlan(compiled.string, get, tuple(converts), tuple(shared), tail, order)


def _then(first: Convert, second: Convert | None) -> Convert:
    if second is None:
        return first
    return lambda value: second(first(value))


# --- single statements through the driver ------------------------------------------------

Statement = Select[Any] | Insert | Update | Delete


@dataclass(frozen=True)
class Prepared:
    """A statement compiled once for a positional driver: its SQL, each parameter's key
    (or the constant the statement holds) and conversion, and its result's row type
    with each column's conversion."""

    sql: str
    keys: tuple[str, ...]
    constants: Mapping[str, Any]
    converts: tuple[Convert | None, ...]
    row: Callable[..., Any] | None
    results: tuple[Convert | None, ...]

    def params(self, given: Mapping[str, Any]) -> list[Any]:
        out: list[Any] = []
        for key, convert in zip(self.keys, self.converts, strict=True):
            value = given[key] if key in given else self.constants[key]
            out.append(value if convert is None or value is None else convert(value))
        return out

    def rows(self, raw: Sequence[Sequence[Any]]) -> list[Any]:
        assert self.row is not None
        make, results = self.row, self.results
        return [
            make(*(v if c is None or v is None else c(v) for v, c in zip(r, results, strict=True)))
            for r in raw
        ]


def _row_type(names: list[str]) -> Callable[..., Any]:
    return namedtuple("StoredRow", names, rename=True)


def prepare(stmt: Statement, dialect: Dialect) -> Prepared | None:
    """``stmt`` compiled for ``dialect``; None when its parameters are not positional."""
    compiled = stmt.compile(dialect=dialect)
    order = compiled.positiontup
    if not compiled.positional or order is None:
        return None
    converts = tuple(bind_convert(compiled.binds[name].type, dialect) for name in order)
    constants = {k: v for k, v in compiled.params.items() if v is not None}
    row: Callable[..., Any] | None = None
    results: tuple[Convert | None, ...] = ()
    if isinstance(stmt, Select) or stmt._returning:
        columns = list(stmt.selected_columns if isinstance(stmt, Select) else stmt.exported_columns)
        row = _row_type([str(c.key) for c in columns])
        results = tuple(
            c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns
        )
    return Prepared(compiled.string, tuple(order), constants, converts, row, results)


class Runner:
    """Runs the prebuilt statements on one connection (see the module's doc).

    ``all``/``first`` return rows with attribute access (SQLAlchemy's Row, or a named
    tuple of the same values on SQLite); ``savepoint`` is one workbook's transaction.
    """

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.raw = conn.dialect.name == "sqlite"
        # the driver's connection, the same for the SQLAlchemy connection's whole life
        self.dbapi: Any = conn.connection.driver_connection if self.raw else None
        self.cache: dict[int, Prepared | None] = {}
        self.depth = 0

    def _prepared(self, stmt: Statement) -> Prepared | None:
        key = id(stmt)  # the statements are module constants: their ids are stable
        if key not in self.cache:
            self.cache[key] = prepare(stmt, self.conn.dialect) if self.raw else None
        return self.cache[key]

    def execute(self, stmt: Statement, params: Mapping[str, Any] | None = None) -> None:
        prepared = self._prepared(stmt)
        if prepared is None:
            self.conn.execute(stmt, dict(params or {}))
            return
        self.dbapi.execute(prepared.sql, prepared.params(params or {}))

    def all(self, stmt: Statement, params: Mapping[str, Any] | None = None) -> list[Any]:
        """The rows of a select, or of an insert's RETURNING."""
        prepared = self._prepared(stmt)
        if prepared is None:
            return list(self.conn.execute(stmt, dict(params or {})).all())
        raw = self.dbapi.execute(prepared.sql, prepared.params(params or {})).fetchall()
        return prepared.rows(raw)

    def first(self, stmt: Statement, params: Mapping[str, Any] | None = None) -> Any:
        rows = self.all(stmt, params)
        return rows[0] if rows else None

    @contextmanager
    def savepoint(self) -> Iterator[Connection]:
        """A savepoint inside the connection's open transaction: released, or rolled
        back (and the error raised)."""
        if not self.raw:
            with self.conn.begin_nested():
                yield self.conn
            return
        self.depth += 1
        name = f"psos_{self.depth}"
        self._run(f"SAVEPOINT {name}")
        try:
            yield self.conn
        except BaseException:
            self._run(f"ROLLBACK TO SAVEPOINT {name}")
            self._run(f"RELEASE SAVEPOINT {name}")
            raise
        finally:
            self.depth -= 1
        self._run(f"RELEASE SAVEPOINT {name}")

    def _run(self, text: str) -> None:
        self.dbapi.execute(text)
