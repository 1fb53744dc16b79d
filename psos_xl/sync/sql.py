"""The statements the engine runs for every workbook, built once.

SQLAlchemy caches a statement's compiled form, but building the statement object (and
its cache key) on every call costs more than running it on SQLite; these are built at
import with bound parameters (``p_…``) and only executed per workbook.
"""

from __future__ import annotations

from sqlalchemy import Delete, Insert, Select, Table, Update, bindparam, delete, insert, select
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
INSERT_FACTS: dict[str, Insert] = {t.name: insert(t) for t in st.FACT_TABLES}


def read_params(workbook_id: int, values: dict[str, object]) -> dict[str, object]:
    """The parameters of SET_READ: ``values`` names every column of READ_COLUMNS."""
    params = {f"p_{name}": values[name] for name in READ_COLUMNS}
    params["p_id"] = workbook_id
    return params
