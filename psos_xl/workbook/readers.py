"""One reader per workbook kind: path → (model, issues).

Readers never stop at the first problem. A row with a cell that cannot be converted
is left out of the model and reported; the rest of the workbook is still read. A
reader returns ``None`` for the model only when the file cannot be read at all.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from psos_xl import models as m
from psos_xl.errors import Code, Issue, Location
from psos_xl.settings import CATALOG_SETTINGS, CATALOG_SETTINGS_BY_KEY
from psos_xl.workbook import cells, spec
from psos_xl.workbook.reader import Book, TableRows, convert, open_book

M = TypeVar("M", bound=BaseModel)
Model = m.Catalog | m.Scope | m.Timesheet

_ENUM_CODES: dict[str, tuple[type[StrEnum], Code]] = {
    "billing_model": (m.BillingModel, Code.UNKNOWN_BILLING_MODEL),
    "status": (m.Status, Code.UNKNOWN_STATUS),
    "estimate_basis": (m.EstimateBasis, Code.UNKNOWN_ESTIMATE_BASIS),
}


def _build(model: type[M], table: TableRows | None) -> list[M]:
    if table is None:
        return []
    # the model's validator, called as model(src=ref, **values) calls it but without
    # BaseModel.__init__ around it (a third of the time of a row); the row models have
    # no __init__ of their own
    validate = model.__pydantic_validator__.validate_python
    return [validate({"src": ref, **values}) for ref, values in table.rows]


def catalog_from(book: Book, issues: list[Issue]) -> m.Catalog:
    settings_table = book.table(spec.SETTINGS, issues)
    return m.Catalog(
        workbook=book.display,
        roles=_build(m.RoleRate, book.table(spec.ROLES, issues)),
        services=_build(m.ServiceLine, book.table(spec.SERVICES, issues)),
        complexity=_build(m.ComplexityLevel, book.table(spec.COMPLEXITY, issues)),
        risks=_build(m.Risk, book.table(spec.RISKS, issues)),
        settings_rows=[
            m.Setting(src=ref, key=row["key"], value=cells.to_text(row.get("value", "")))
            for ref, row in (settings_table.rows if settings_table else [])
        ],
        settings=_settings(settings_table, issues),
        people=_build(m.Person, book.table(spec.PEOPLE, issues)),
        actuals=_build(m.ActualRow, book.table(spec.ACTUALS, issues)),
    )


def _settings(table: TableRows | None, issues: list[Issue]) -> m.CatalogSettings:
    values: dict[str, Any] = {}
    for ref, row in table.rows if table else []:
        definition = CATALOG_SETTINGS_BY_KEY.get(str(row["key"]).casefold())
        if definition is None:
            issues.append(
                Issue.make(
                    Code.SETTING_UNKNOWN,
                    ref.cell("Key"),
                    f"unknown setting {row['key']!r}; known: "
                    + ", ".join(d.key for d in CATALOG_SETTINGS),
                )
            )
            continue
        raw = row.get("value", "")
        if cells.is_blank(raw):
            continue  # the missing-settings rule reports it; the default applies
        try:
            if definition.type is str:
                values[definition.field] = cells.to_code(raw, definition.key)
            elif definition.type is int:
                values[definition.field] = cells.to_int(raw, definition.key)
            else:
                values[definition.field] = cells.to_decimal(raw, definition.key)
        except cells.CellError as err:
            issues.append(Issue.make(Code.SETTING_INVALID, ref.cell("Value"), err.message))
    return m.CatalogSettings(**values)


def scope_from(book: Book, issues: list[Issue]) -> m.Scope:
    info_table = book.table(spec.SCOPE_INFO, issues)
    deliverables = book.table(spec.DELIVERABLES, issues)
    assumptions = book.table(spec.ASSUMPTIONS, issues)
    return m.Scope(
        workbook=book.display,
        info=_scope_info(info_table, issues),
        deliverables=_build(m.Deliverable, deliverables),
        assumptions=_build(m.Assumption, assumptions),
        overrides=_build(m.Override, book.table(spec.OVERRIDES, issues)),
        delivery=_build(m.DeliveryRow, book.table(spec.DELIVERY, issues)),
        table_cells={
            name: table.location
            for name, table in (
                ("ScopeInfo", info_table),
                ("Deliverables", deliverables),
                ("Assumptions", assumptions),
            )
            if table is not None
        },
    )


def _scope_info(table: TableRows | None, issues: list[Issue]) -> m.ScopeInfo:
    """ScopeInfo is a Field/Value table: each known field is converted by its type."""
    if table is None:
        return m.ScopeInfo()
    known = {name.casefold(): (name, fld, typ) for name, fld, typ, _req in spec.SCOPE_FIELDS}
    values: dict[str, Any] = {}
    where: dict[str, Location] = {}
    for ref, row in table.rows:
        key = str(row.get("field", "")).casefold()
        if key not in known:
            continue  # extra informational fields are allowed
        name, fld, typ = known[key]
        if key in where:
            issues.append(
                Issue.make(
                    Code.DUPLICATE_CODE,
                    ref.cell("Field"),
                    f"{name} is listed twice in ScopeInfo; the first value is used",
                )
            )
            continue
        where[key] = ref.cell("Value")
        raw = row.get("value", "")
        if cells.is_blank(raw):
            continue
        try:
            values[fld] = _scope_value(name, fld, typ, raw)
        except cells.CellError as err:
            issues.append(Issue.make(err.code, ref.cell("Value"), err.message))
    for name, _fld, _typ, _req in spec.SCOPE_FIELDS:
        where.setdefault(name.casefold(), table.location)
    return m.ScopeInfo(cells=where, **values)


def _scope_value(name: str, fld: str, typ: spec.Type, raw: Any) -> Any:
    if fld in _ENUM_CODES:
        enum, code = _ENUM_CODES[fld]
        text = cells.to_text(raw).casefold()
        for member in enum:
            if member.value.casefold() == text:
                return member
        raise cells.CellError(
            code, f"{name} must be one of {', '.join(e.value for e in enum)}, got {raw!r}"
        )
    return convert(spec.Column(name, fld, typ), raw)


def timesheet_from(book: Book, issues: list[Issue]) -> m.Timesheet:
    week = None
    for key in ("person", "week"):
        if not book.marker.get(key):
            issues.append(
                Issue.make(
                    Code.MARKER_KEY_MISSING,
                    book.marker_loc(key),
                    f"the timesheet's '{spec.MARKER_SHEET}' sheet has no {key}",
                )
            )
    if book.marker.get("week"):
        try:
            week = cells.to_date(book.marker["week"], "week")
        except cells.CellError as err:
            issues.append(Issue.make(err.code, book.marker_loc("week"), err.message))
    return m.Timesheet(
        workbook=book.display,
        person=book.marker.get("person", ""),
        week=week,
        entries=_build(m.TimeEntry, book.table(spec.TIME, issues)),
        expenses=_build(m.Expense, book.table(spec.EXPENSES, issues)),
        marker_cells={k: book.marker_loc(k) for k in ("kind", "person", "week")},
    )


_FROM: dict[m.Kind, Callable[[Book, list[Issue]], Model]] = {
    m.Kind.CATALOG: catalog_from,
    m.Kind.SCOPE: scope_from,
    m.Kind.TIMESHEET: timesheet_from,
}


def read_any(path: Path, display: str | None = None) -> tuple[Model | None, list[Issue]]:
    """Read a workbook of whichever kind its marker says (None when unreadable or not psos)."""
    book, issues = open_book(path, display)
    kinds = {k.value: k for k in m.Kind}
    if book.workbook is None or book.kind not in kinds:
        return None, issues
    return _FROM[kinds[book.kind]](book, issues), issues


def _read(path: Path, kind: m.Kind, display: str | None) -> tuple[Any, list[Issue]]:
    book, issues = open_book(path, display)
    if book.workbook is None:
        return None, issues
    if book.kind in {k.value for k in m.Kind} and book.kind != kind.value:
        issues.append(
            Issue.make(
                Code.WRONG_KIND,
                book.marker_loc("kind"),
                f"this is a {book.kind} workbook, expected a {kind.value}",
            )
        )
        return None, issues
    return _FROM[kind](book, issues), issues


def read_catalog(path: Path, display: str | None = None) -> tuple[m.Catalog | None, list[Issue]]:
    return _read(path, m.Kind.CATALOG, display)


def read_scope(path: Path, display: str | None = None) -> tuple[m.Scope | None, list[Issue]]:
    return _read(path, m.Kind.SCOPE, display)


def read_timesheet(
    path: Path, display: str | None = None
) -> tuple[m.Timesheet | None, list[Issue]]:
    return _read(path, m.Kind.TIMESHEET, display)
