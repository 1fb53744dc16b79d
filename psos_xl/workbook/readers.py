"""One reader per workbook kind: path → (model, issues).

Readers never stop at the first problem. A row with a cell that cannot be converted
is left out of the model and reported; the rest of the workbook is still read. A
reader returns ``None`` for the model only when the file cannot be read at all, and a
workbook is read whole or not at all: when one of its parts cannot be read, the
workbook is unreadable, with one issue naming the part.

:func:`parse` is the one place an opened workbook becomes (kind, model, issues, state):
the loader (:mod:`psos_xl.loader`) and sync's read of a file's bytes both call it.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from psos_xl import models as m
from psos_xl.errors import Code, Issue, Location
from psos_xl.settings import CATALOG_SETTINGS, CATALOG_SETTINGS_BY_KEY
from psos_xl.workbook import cells, guard, spec
from psos_xl.workbook.cellread import convert
from psos_xl.workbook.reader import Book, PartUnreadableError, TableRows, read_marker
from psos_xl.workspace import limits_for

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
    for ref, row in table.error_rows:  # a field whose Value holds an error: reported there
        key = str(row.get("field", "")).casefold()
        if key in known:
            where.setdefault(key, ref.cell("Value"))
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
        if not book.marker.get(key) and key not in book.marker_errors:
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


_FROM: dict[str, Callable[[Book, list[Issue]], Model]] = {
    m.Kind.CATALOG.value: catalog_from,
    m.Kind.SCOPE.value: scope_from,
    m.Kind.TIMESHEET.value: timesheet_from,
}

# what a workbook's reading ended in (the states sync records, but the unreadable ones)
OK, INVALID, IGNORED, UNREADABLE = "ok", "invalid", "ignored", "unreadable"

# reading issues that make the workbook unusable as a whole
STRUCTURAL = frozenset(
    {
        Code.TABLE_MISSING,
        Code.TABLE_DUPLICATE,
        Code.COLUMN_MISSING,
        Code.MARKER_INVALID,
        Code.MARKER_KEY_MISSING,
        Code.SCHEMA_UNSUPPORTED,
    }
)


@dataclass
class Loaded:
    """What reading one workbook gave.

    ``state``: ``ok`` (a model to check and count), ``invalid`` (readable but unusable as
    a whole: an unknown kind, a missing table or column, a bad marker; ``model`` is what
    could be read, or None), ``ignored`` (no marker: not a psos workbook, the one issue
    says so; or one of psos' own outputs, with no issue) or ``unreadable`` (its one
    issue says why; ``error`` is the failure when a part of the package could not be
    read).
    """

    kind: str = ""
    model: Model | None = None
    issues: list[Issue] = field(default_factory=list)
    state: str = OK
    marker: dict[str, str] = field(default_factory=dict)
    error: Exception | None = None


def parse(book: Book, expect: m.Kind | None = None) -> Loaded:
    """The model of an opened workbook, by the kind its marker names, and every issue.

    The marker is read from the ``_psos`` sheet unless ``book`` comes with one (the
    ranges of a UDF do). With ``expect``, a workbook of another kind is WRONG_KIND and
    its tables are not read. A part of the package that cannot be read (a damaged
    sheet, an XML or entity error) makes the whole workbook ``unreadable``: its one
    issue names the part, and nothing of it is used.
    """
    try:
        return _parse(book, expect)
    except PartUnreadableError as err:
        issue = unreadable(book.display, err)
        # kept without tracebacks, which would keep the workbook's frames alive
        if err.__cause__ is not None:
            err.__cause__.with_traceback(None)
        error = err.with_traceback(None)
        return Loaded(book.kind, None, [issue], UNREADABLE, dict(book.marker), error)


def _parse(book: Book, expect: m.Kind | None) -> Loaded:
    issues: list[Issue] = []
    if not book.marker:
        read_marker(book, issues)
    marker = dict(book.marker)
    if any(i.code is Code.NOT_PSOS_WORKBOOK for i in issues):
        return Loaded("", None, issues, IGNORED, marker)
    kind = book.kind
    if expect is not None and kind != expect.value and (kind in _FROM or kind in spec.OUTPUT_KINDS):
        issues.append(
            Issue.make(
                Code.WRONG_KIND,
                book.marker_loc("kind"),
                f"this is a {kind} workbook, expected a {expect.value}",
            )
        )
        return Loaded(kind, None, issues, INVALID, marker)
    if kind in spec.OUTPUT_KINDS:
        return Loaded(kind, None, [], IGNORED, marker)
    reader = _FROM.get(kind)
    model = reader(book, issues) if reader is not None else None
    # an error value in the marker leaves the workbook's identity unknown
    bad = model is None or bool(book.marker_errors) or any(i.code in STRUCTURAL for i in issues)
    return Loaded(kind, model, issues, INVALID if bad else OK, marker)


def unreadable(display: str, err: BaseException, consequence: str = "") -> Issue:
    """FILE_UNREADABLE for a file calamine cannot open or parse (``err``), or one with a
    part that cannot be read (:class:`PartUnreadableError`, whose message names the part)."""
    if isinstance(err, PartUnreadableError):
        what = f"{err}; nothing of the workbook is read"
    else:
        what = f"cannot be read as an Excel workbook ({type(err).__name__}: {err})"
    return Issue.make(Code.FILE_UNREADABLE, display, f"{what}{consequence}")


def read(
    path: Path,
    display: str | None = None,
    expect: m.Kind | None = None,
    *,
    limits: guard.Limits | None = None,
    within: Path | None = None,
) -> Loaded:
    """Open and parse the workbook at ``path`` (named ``display`` in issues); a missing
    or unreadable file, or one the guard refuses (over ``limits``, by default those of
    the nearest psos.toml; not a regular file; a link out of ``within``), is a Loaded of
    state ``unreadable`` with its issue."""
    display = display or guard.shown(path.name)
    limits = limits or limits_for(path)
    admitted, refused = guard.admit(path, display, limits, within)
    if admitted is None:
        return Loaded(state=UNREADABLE, issues=refused)
    import python_calamine as pc

    try:
        data = io.BytesIO(admitted.data)
        workbook = pc.CalamineWorkbook.from_filelike(data, load_tables=True)
        return parse(Book(path, display, workbook, source=admitted.data), expect)
    except BaseException as err:  # calamine raises several unrelated types for bad files
        if not guard.parser_failed(err):
            raise
        return Loaded(state=UNREADABLE, issues=[unreadable(display, err)])


def read_any(path: Path, display: str | None = None) -> tuple[Model | None, list[Issue]]:
    """Read a workbook of whichever kind its marker says (None when unreadable or not psos)."""
    loaded = read(path, display)
    return loaded.model, loaded.issues


def _read(path: Path, kind: m.Kind, display: str | None) -> tuple[Any, list[Issue]]:
    loaded = read(path, display, kind)
    return loaded.model, loaded.issues


def read_catalog(path: Path, display: str | None = None) -> tuple[m.Catalog | None, list[Issue]]:
    return _read(path, m.Kind.CATALOG, display)


def read_scope(path: Path, display: str | None = None) -> tuple[m.Scope | None, list[Issue]]:
    return _read(path, m.Kind.SCOPE, display)


def read_timesheet(
    path: Path, display: str | None = None
) -> tuple[m.Timesheet | None, list[Issue]]:
    return _read(path, m.Kind.TIMESHEET, display)
