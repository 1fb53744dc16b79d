"""The SQLite fast path of the store's writer (:mod:`psos_xl.store.writer`).

A workbook's handful of statements costs more in SQLAlchemy's execution machinery than
in SQLite. So on SQLite the writer runs through a :class:`SqliteDriver`: each of its
statements is compiled once for the run and executed on the driver's cursor, and rows
are inserted with the cursor's executemany, with the type conversions SQLAlchemy would
apply to parameters and results re-implemented here, and only here (:func:`bind_convert`;
tests/store/test_fast_path.py holds the two paths equal). A timesheet's rows can even be
converted in a pool worker, without a connection (:func:`prepare_timesheet`), and sent
back as they are inserted.
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
    insert,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.types import TypeEngine

from psos_xl import models as m
from psos_xl import store as st
from psos_xl.store.rows import joined, plain

SQLITE = sqlite.dialect()  # what a pool worker converts for, with no connection
# a timesheet's tables, and what every row of a timesheet shares beyond its own values:
# the person and week, and the workbook's lineage (its id, path and hash)
TIMESHEET_TABLES: tuple[tuple[Table, type[m.Row], str], ...] = (
    (st.time_entries, m.TimeEntry, "entries"),
    (st.expenses, m.Expense, "expenses"),
)
SHARED = ("person", "week", "workbook_id", "path", "sha256")
Statement = Select[Any] | Insert | Update | Delete  # what the writer runs


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


def row_values(
    row: m.Row, shared: Mapping[str, Any], rename: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The parameters of one model row as a dict: its columns, its source, ``shared``."""
    values = plain(row, rename)
    values["sheet"] = row.src.sheet if row.src else ""
    values["row_num"] = row.src.row if row.src else 0
    return {**values, **shared}


# --- a timesheet's rows converted in a pool worker ---------------------------------------


@dataclass
class PreparedSheet:
    """A timesheet's rows as :class:`SqliteDriver` inserts them, converted where it was
    read (:meth:`RowPlan.heads`): per table, each row's own values, in plan order."""

    person: str
    week: date | None
    heads: dict[str, list[list[Any]]] = field(default_factory=dict)
    columns: dict[str, dict[str, str]] = field(default_factory=dict)  # sheet → header → letter

    @property
    def rows(self) -> int:
        return sum(len(h) for h in self.heads.values())


def prepare_timesheet(sheet: m.Timesheet) -> PreparedSheet:
    """``sheet``'s rows converted for SQLite, with no connection (in a pool worker)."""
    out = PreparedSheet(sheet.person, sheet.week, columns=columns_of(sheet))
    for table, kind, name in TIMESHEET_TABLES:
        plan = plan_of(table, kind, SHARED, SQLITE)
        assert plan is not None  # SQLite's parameters are positional
        out.heads[table.name] = plan.heads(getattr(sheet, name))
    return out


def columns_of(sheet: m.Timesheet) -> dict[str, dict[str, str]]:
    """Where each header of the timesheet's tables is: sheet → header → column letter."""
    out: dict[str, dict[str, str]] = {}
    for _table, _kind, name in TIMESHEET_TABLES:
        rows: list[m.Row] = getattr(sheet, name)
        if rows and rows[0].src is not None:
            out[rows[0].src.sheet] = dict(rows[0].src.columns)
    return out


# --- the driver ----------------------------------------------------------------------------


class SqliteDriver:
    """The writer's statements on SQLite's own cursor (see the module's doc).

    ``all`` returns named tuples holding what SQLAlchemy's rows would; ``savepoint`` is
    one workbook's transaction. The statements it is handed are the writer's module
    constants, each compiled on first use.
    """

    prepares = True  # it inserts a PreparedSheet

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.dialect = conn.dialect
        # the driver's connection, the same for the SQLAlchemy connection's whole life
        self.dbapi: Any = conn.connection.driver_connection
        self.statements: dict[int, tuple[Statement, Prepared]] = {}
        self.bulks: dict[tuple[str, tuple[str, ...]], Bulk] = {}
        self.depth = 0

    def _prepared(self, stmt: Statement) -> Prepared:
        held = self.statements.get(id(stmt))
        if held is not None and held[0] is stmt:
            return held[1]
        prepared = prepare(stmt, self.dialect)
        assert prepared is not None, "SQLite's parameters are positional"
        self.statements[id(stmt)] = (stmt, prepared)
        return prepared

    def execute(self, stmt: Statement, params: Mapping[str, Any]) -> None:
        prepared = self._prepared(stmt)
        self.dbapi.execute(prepared.sql, prepared.params(params))

    def all(self, stmt: Statement, params: Mapping[str, Any]) -> list[Any]:
        """The rows of a select, or of an insert's RETURNING."""
        prepared = self._prepared(stmt)
        return prepared.rows(self.dbapi.execute(prepared.sql, prepared.params(params)).fetchall())

    def insert(self, table: Table, rows: Sequence[dict[str, Any]]) -> None:
        if not rows:
            return
        keys = tuple(rows[0])
        slot = (table.name, keys)
        bulk = self.bulks.get(slot)
        if bulk is None:
            bulk = bulk_of(table, keys, self.dialect)
            assert bulk is not None, "SQLite's parameters are positional"
            self.bulks[slot] = bulk
        if any(len(r) != len(keys) for r in rows):
            self.conn.execute(insert(table), list(rows))  # rows of differing columns
            return
        self._executemany(bulk.sql, bulk.rows(rows))

    def insert_models(
        self,
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
        plan = plan_of(table, kind, list(shared), self.dialect, rename)
        if plan is None or any(r.src is None or type(r) is not kind for r in models):
            self.insert(table, [row_values(r, shared, rename) for r in models])
        else:
            self._executemany(plan.sql, plan.rows(models, shared))
        return len(models)

    def insert_prepared(self, sheet: PreparedSheet, lineage: Mapping[str, Any]) -> int:
        """Insert a timesheet's rows converted by :func:`prepare_timesheet`."""
        shared = {"person": sheet.person, "week": sheet.week, **lineage}
        for table, kind, _name in TIMESHEET_TABLES:
            heads = sheet.heads.get(table.name)
            if heads:
                plan = plan_of(table, kind, SHARED, self.dialect)
                assert plan is not None
                self._executemany(plan.sql, plan.finish(heads, shared))
        return sheet.rows

    def _executemany(self, statement: str, rows: Sequence[Any]) -> None:
        cursor = self.dbapi.cursor()
        try:
            cursor.executemany(statement, rows)
        finally:
            cursor.close()

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A savepoint inside the connection's open transaction: released, or rolled
        back (and the error raised)."""
        self.depth += 1
        name = f"psos_{self.depth}"
        self.dbapi.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            self.dbapi.execute(f"ROLLBACK TO SAVEPOINT {name}")
            self.dbapi.execute(f"RELEASE SAVEPOINT {name}")
            raise
        finally:
            self.depth -= 1
        self.dbapi.execute(f"RELEASE SAVEPOINT {name}")
