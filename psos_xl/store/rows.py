"""Models ↔ rows: what a workbook's model stores, each row with the RowRef it came from.

The writers (:mod:`psos_xl.store.writer`) insert these (:func:`facts_of`, :func:`plain`);
the read side (:mod:`psos_xl.store.queries`) builds models back from them
(:func:`model_of`, the inverse of :func:`plain`).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, TypeVar, get_origin

from pydantic import BaseModel
from sqlalchemy import Table

from psos_xl import models as m
from psos_xl.errors import Location
from psos_xl.settings import CATALOG_SETTINGS
from psos_xl.store.schema import (
    assumptions,
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
)

Model = m.Catalog | m.Scope | m.Timesheet
Fact = tuple[Table, "m.RowRef | None", dict[str, Any]]
ModelT = TypeVar("ModelT", bound=BaseModel)


def ref_of_cell(cell: Location) -> m.RowRef | None:
    """``a.xlsx!ScopeInfo!B7`` → RowRef(a.xlsx, ScopeInfo, 7)."""
    row = cell.row
    return m.RowRef(cell.workbook, cell.sheet, row) if row is not None and cell.sheet else None


def joined(value: Any) -> Any:
    """A list field (codes) as the store keeps it: comma-separated."""
    return ", ".join(str(v) for v in value) if isinstance(value, list) else value


def split(text: str | None) -> list[str]:
    """A list field as the store keeps it (``"A, B"``), back as its codes."""
    return [c.strip() for c in (text or "").split(",") if c.strip()]


def plain(row: m.Row, rename: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A row model's columns: its fields (lists joined, ``rename`` applied), no source."""
    values = {k: joined(v) for k, v in row.__dict__.items() if k != "src"}  # flat: its dump
    for old, new in (rename or {}).items():
        values[new] = values.pop(old)
    return values


@functools.cache
def _fields(model: type[BaseModel]) -> tuple[tuple[str, bool], ...]:
    """A model's fields other than ``src``, each with whether it is a list."""
    return tuple(
        (name, get_origin(info.annotation) is list)
        for name, info in model.model_fields.items()
        if name != "src"
    )


def model_of(row: Any, model: type[ModelT], rename: Mapping[str, str] | None = None) -> ModelT:
    """The model a stored row was made from (the inverse of :func:`plain`): its fields
    by column (``rename``: field → column), list fields split, a NULL left to the
    field's default, and for a row model the RowRef of the row's lineage."""
    columns = row._mapping
    values: dict[str, Any] = {}
    for name, is_list in _fields(model):
        value = columns.get((rename or {}).get(name, name))
        if value is not None:
            values[name] = split(value) if is_list else value
    if "src" in model.model_fields:
        values["src"] = m.RowRef(row.path, row.sheet, row.row_num)
    return model(**values)


def _catalog_facts(cat: m.Catalog) -> list[Fact]:
    facts: list[Fact] = []
    for table, rows in (
        (roles, cat.roles),
        (services, cat.services),
        (complexity, cat.complexity),
        (risks, cat.risks),
        (people, cat.people),
    ):
        facts.extend((table, r.src, plain(r)) for r in rows)
    by_key = {s.key.casefold(): s for s in cat.settings_rows}
    for definition in CATALOG_SETTINGS:
        row = by_key.get(definition.key.casefold())
        if row is not None and getattr(cat.settings, definition.field) is not None:
            value = str(getattr(cat.settings, definition.field))
            facts.append((settings, row.src, {"key": definition.key, "value": value}))
    return facts


def _scope_facts(scope: m.Scope) -> list[Fact]:
    info = scope.info
    eng = {"engagement": info.engagement}
    head = info.model_dump(exclude={"cells"})
    head["risks"] = ", ".join(info.risks)
    facts: list[Fact] = [(scopes, ref_of_cell(info.at("Engagement")), head)]
    facts.extend((deliverables, d.src, {**eng, **plain(d)}) for d in scope.deliverables)
    facts.extend(
        (assumptions, a.src, {**eng, **plain(a, {"id": "assumption_id"})})
        for a in scope.assumptions
    )
    facts.extend((overrides, o.src, {**eng, **plain(o)}) for o in scope.overrides)
    return facts


def _timesheet_facts(sheet: m.Timesheet) -> list[Fact]:
    who = {"person": sheet.person, "week": sheet.week}
    facts: list[Fact] = [(time_entries, e.src, {**plain(e), **who}) for e in sheet.entries]
    facts.extend((expenses, x.src, {**plain(x), **who}) for x in sheet.expenses)
    return facts


def facts_of(model: Model) -> list[Fact]:
    """The fact rows of a model, each with the RowRef it was read from."""
    if isinstance(model, m.Catalog):
        return _catalog_facts(model)
    if isinstance(model, m.Scope):
        return _scope_facts(model)
    return _timesheet_facts(model)
