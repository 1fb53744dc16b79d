"""The statements the engine runs for every workbook, built once.

SQLAlchemy caches a statement's compiled form, but building the statement object (and
its cache key) on every call costs more than running it on SQLite; these are built at
import with bound parameters (``p_…``) and only executed per workbook.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from operator import itemgetter
from typing import Any

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
    select,
)
from sqlalchemy import update as update_

from psos_xl import models as m
from psos_xl.sync import store as st

wb, rj, cf = st.workbooks, st.rejects, st.conflicts

# the fact tables each kind's rows go to (store.facts_of)
KIND_TABLES: dict[str, tuple[Table, ...]] = {
    m.Kind.CATALOG.value: (st.roles, st.services, st.complexity, st.risks, st.settings, st.people),
    m.Kind.SCOPE.value: (st.scopes, st.deliverables, st.assumptions, st.overrides),
    m.Kind.TIMESHEET.value: (st.time_entries, st.expenses),
}

RECORD: Select[tuple[object, ...]] = select(wb).where(wb.c.path == bindparam("p_path"))
NEW_RECORD: Insert = insert(wb).values(path=bindparam("p_path"), status="new", dirty=False)
HOLDER: Select[tuple[object, ...]] = select(wb).where(
    wb.c.ident == bindparam("p_ident"),
    wb.c.status.in_(st.HOLDING),
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
INSERT_REJECTS: Insert = insert(rj)
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
    converts: list[Convert | None] = []
    for name in order:
        kind = table.c[name].type
        if isinstance(kind, st.DecimalText):
            converts.append(decimal_text)
        else:
            process = kind.dialect_impl(dialect).bind_processor(dialect)
            is_date = isinstance(kind, Date) and not isinstance(kind, DateTime)
            converts.append(_iso_date(process) if is_date and process is not None else process)
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
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.executemany(bulk.sql, bulk.rows(rows))
        finally:
            cursor.close()
