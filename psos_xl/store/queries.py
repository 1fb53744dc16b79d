"""The read side of the store: every report, check and write-back reads through here.

Each function takes an open connection and returns models or plain values, never rows
of a particular backend, so what the store holds is read one way everywhere.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table, select

from psos_xl import models as m
from psos_xl.settings import CATALOG_SETTINGS
from psos_xl.store.base import HOLDING
from psos_xl.store.schema import (
    complexity,
    people,
    risks,
    roles,
    services,
    settings,
    workbooks,
)


def _src(row: Any) -> m.RowRef:
    return m.RowRef(row.path, row.sheet, row.row_num)


def _models(conn: Connection, table: Table, model: type[Any]) -> list[Any]:
    fields = set(model.model_fields) - {"src"}
    out = []
    for row in conn.execute(select(table).order_by(table.c.id)):
        values = {k: v for k, v in row._mapping.items() if k in fields and v is not None}
        out.append(model(src=_src(row), **values))
    return out


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
