"""The pure side of the Excel functions: ranges in, models and cell values out.

No xlwings and no COM here, so the same code runs under Windows Excel's COM add-in,
in xlwings Lite (Pyodide) and in the tests.

**Ranges.** A UDF receives each table as the 2-D list xlwings passes for
``Table[#All]``: the header row first, blanks as None, numbers as floats, dates as
datetimes (Windows) or serial numbers (Lite). :class:`RangeBook` presents those lists to
:class:`psos_xl.workbook.reader.Book` as if they were the tables of a workbook file, and
the loader reads that book (:func:`psos_xl.loader.load`), so the range path and the file
path share one conversion (columns by header, trimmed and case-insensitive, blank rows
skipped, every bad cell an Issue) and one set of checks. Locations assume each
table sits where psos writes it (a sheet of its name, header in row 3, from column A),
which holds for every workbook psos generates.

**The catalog.** Passed as ranges (Roles, Services, Complexity, Risks, Settings, Actuals),
or read from the workspace given as text (a workspace folder or a catalog file); either
way as it counts, its rows with an error left out (as sync stores a catalog). Where
that text comes from is the caller's business: the ``workspace`` argument (the Pricing
sheet passes the ``PSOS_WORKSPACE`` key of the workbook's ``xlwings.conf`` sheet), else
the ``PSOS_WORKSPACE`` environment variable. A catalog file is read once per change: the
module-level cache is keyed by path and (mtime_ns, size).

**Errors.** Every failure becomes the text ``#PSOS! CODE: message``
(:func:`error_text`), never a traceback.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

from psos_xl import models as m
from psos_xl.errors import Code, Issue, Location, PsosError, WorkbookError, dedupe_issues
from psos_xl.loader import counted_catalog, load
from psos_xl.workbook import cells
from psos_xl.workbook.reader import Book

Grid = list[list[Any]]
WORKSPACE_ENV = "PSOS_WORKSPACE"
SCOPE_DISPLAY = "scope"
CATALOG_DISPLAY = "catalog"
# where psos' writers put a table's header (psos_xl.workbook.styles.HEADER_ROW)
HEADER_ROW = 3
# codes of cell errors that are not workbook issues (documented in docs/excel-setup.md)
ARGUMENT_INVALID = str(Code.ARGUMENT_INVALID)
UDF_FAILED = str(Code.UDF_FAILED)
_MAX_TEXT = 250  # Excel's function wizard and most cells show little more


class UdfError(PsosError):
    """A function cannot give its result; ``code`` is an issue code or a UDF-only code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    @classmethod
    def of(cls, issue: Issue) -> UdfError:
        return cls(str(issue.code), f"{short_location(issue.location)}: {issue.message}")


def short_location(location: Location) -> str:
    """``scope!Deliverables!D5`` → ``Deliverables!D5``: the scope's ranges are the
    caller's own workbook. Catalog ranges keep their ``catalog!`` prefix."""
    if location.workbook == SCOPE_DISPLAY and location.sheet:
        return str(Location(location.sheet, location.cell))
    return str(location)


def error_text(code: str, message: str) -> str:
    """The cell text of a failure: ``#PSOS! CODE: message``, on one line."""
    text = f"#PSOS! {code}: {' '.join(message.split())}"
    return text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 1] + "…"


def issue_text(issue: Issue) -> str:
    """One PSOS_VALIDATE line: ``Deliverables!D5: CODE message``."""
    return f"{short_location(issue.location)}: {issue.code} {issue.message}"


def guarded(body: Callable[[], Any], on_error: Callable[[str], Any] = lambda t: t) -> Any:
    """Run a UDF body; a failure becomes ``#PSOS! CODE: message`` (shaped by ``on_error``,
    e.g. into a 1×1 array), never a traceback in the cell."""
    try:
        return body()
    except UdfError as err:
        return on_error(error_text(err.code, err.message))
    except WorkbookError as err:
        first = next((i for i in err.issues if i.is_error), None)
        code = str(first.code) if first else str(Code.FILE_UNREADABLE)
        return on_error(error_text(code, str(err)))
    except PsosError as err:
        return on_error(error_text(str(Code.CATALOG_NOT_FOUND), str(err)))
    except Exception as err:  # the cell must show a short text, not a traceback
        return on_error(error_text(UDF_FAILED, f"{type(err).__name__}: {err}"))


# --- ranges as a workbook ------------------------------------------------------------


def _is_blank_row(row: Sequence[Any]) -> bool:
    return all(cells.is_blank(v) for v in row)


def as_grid(value: Any) -> Grid | None:
    """What xlwings passed for a range argument, as rows (None when omitted or blank)."""
    if value is None:
        return None
    if not isinstance(value, list | tuple):
        value = [[value]]
    elif value and not isinstance(value[0], list | tuple):
        value = [list(value)]
    grid = [list(row) for row in value]
    if not grid or _is_blank_row(grid[0]):
        return None
    return grid


@dataclass(frozen=True)
class _RangeTable:
    """One range, shaped like the python-calamine table :class:`Book` reads."""

    sheet: str
    start: tuple[int, int]
    columns: list[str]
    rows: Grid

    def to_python(self) -> Grid:
        return self.rows


class RangeBook:
    """Ranges by table name, with the few members :class:`Book` uses of a workbook."""

    def __init__(self, tables: dict[str, Grid | None]) -> None:
        self._tables: dict[str, _RangeTable] = {}
        for name, grid in tables.items():
            if grid is None:
                continue
            width = len(grid[0])
            headers = [cells.to_text(h) for h in grid[0]]
            while width and not headers[width - 1]:
                width -= 1
            body = [(row + [None] * width)[:width] for row in grid[1:]]
            self._tables[name.casefold()] = _RangeTable(
                name, (HEADER_ROW, 0), headers[:width], body
            )

    @property
    def table_names(self) -> list[str]:
        return [t.sheet for t in self._tables.values()]

    @property
    def sheet_names(self) -> list[str]:
        return []  # no sheet to search for a table that lost its definition

    def get_table_by_name(self, name: str) -> _RangeTable:
        return self._tables[name.casefold()]


def book_of(display: str, tables: dict[str, Grid | None]) -> Book:
    workbook = cast(Any, RangeBook(tables))
    return Book(Path(display), display, workbook, marker={"kind": display, "schema": "1"})


def scope_from_ranges(
    scope_info: Any, deliverables: Any, overrides: Any = None, assumptions: Any = None
) -> tuple[m.Scope, list[Issue]]:
    """The scope the ranges hold, read exactly as a scope workbook's tables are."""
    book = book_of(
        SCOPE_DISPLAY,
        {
            "ScopeInfo": as_grid(scope_info),
            "Deliverables": as_grid(deliverables),
            "Overrides": as_grid(overrides),
            "Assumptions": as_grid(assumptions),
        },
    )
    scope, issues = load(book)
    assert isinstance(scope, m.Scope)  # the book's marker says scope
    return scope, issues


@dataclass(frozen=True)
class CatalogRanges:
    """The catalog tables a UDF may receive as ranges (all None: use the workspace)."""

    roles: Any = None
    services: Any = None
    complexity: Any = None
    risks: Any = None
    settings: Any = None
    actuals: Any = None

    def given(self) -> bool:
        return any(as_grid(v) is not None for v in vars(self).values())


def catalog_from_ranges(ranges: CatalogRanges) -> tuple[m.Catalog, list[Issue]]:
    """The catalog the ranges hold, as it counts (its rows with an error left out, as
    sync stores a catalog), and the reader's issues."""
    book = book_of(
        CATALOG_DISPLAY,
        {
            "Roles": as_grid(ranges.roles),
            "Services": as_grid(ranges.services),
            "Complexity": as_grid(ranges.complexity),
            "Risks": as_grid(ranges.risks),
            "Settings": as_grid(ranges.settings),
            "Actuals": as_grid(ranges.actuals),
        },
    )
    catalog, issues = load(book)
    assert isinstance(catalog, m.Catalog)  # the book's marker says catalog
    return counted_catalog(catalog, issues), issues


# --- the workspace catalog, cached -----------------------------------------------------

_CatalogEntry = tuple[int, int, m.Catalog, tuple[Issue, ...]]
_CATALOG_CACHE: dict[str, _CatalogEntry] = {}


def catalog_path_for(workspace: str) -> Path:
    """The catalog file ``workspace`` names: a catalog workbook, or a folder inside a
    workspace (whose catalog is used)."""
    from psos_xl.workspace import Workspace

    path = Path(workspace).expanduser()
    if path.is_file():
        return path
    if not path.is_dir():
        raise UdfError(str(Code.CATALOG_NOT_FOUND), f"no such workspace folder: {workspace}")
    ws = Workspace.find(path)
    if ws is None or not ws.catalog_path.is_file():
        raise UdfError(str(Code.CATALOG_NOT_FOUND), f"no catalog workbook in {workspace}")
    return ws.catalog_path


def load_catalog(path: Path) -> tuple[m.Catalog, tuple[Issue, ...]]:
    """The catalog at ``path`` as it counts, read again only when the file changed
    (mtime or size)."""
    try:
        stat = path.stat()
    except OSError as err:
        raise UdfError(str(Code.CATALOG_NOT_FOUND), f"cannot open {path}: {err}") from None
    key = str(path.resolve())
    hit = _CATALOG_CACHE.get(key)
    if hit is not None and hit[0] == stat.st_mtime_ns and hit[1] == stat.st_size:
        return hit[2], hit[3]
    catalog, issues = load(path, None, m.Kind.CATALOG)
    if not isinstance(catalog, m.Catalog):
        first = next((i for i in issues if i.is_error), None)
        raise UdfError(
            str(first.code) if first else str(Code.CATALOG_NOT_FOUND),
            f"{path.name} cannot be used as the catalog" + (f": {first.message}" if first else ""),
        )
    counted = counted_catalog(catalog, issues)
    _CATALOG_CACHE[key] = (stat.st_mtime_ns, stat.st_size, counted, tuple(issues))
    return counted, tuple(issues)


def workspace_text(workspace: Any) -> str:
    """The workspace argument, else the PSOS_WORKSPACE environment variable."""
    text = "" if cells.is_blank(workspace) else cells.to_text(workspace)
    return text or os.environ.get(WORKSPACE_ENV, "").strip()


def resolve_catalog(workspace: Any, ranges: CatalogRanges) -> tuple[m.Catalog, list[Issue]]:
    """The catalog a UDF prices against, and the issues worth showing about it: the
    reader's issues for ranges passed in; none for a workspace catalog, which
    ``psos validate`` checks once rather than every cell that prices against it."""
    if ranges.given():
        return catalog_from_ranges(ranges)
    text = workspace_text(workspace)
    if not text:
        raise UdfError(
            str(Code.CATALOG_NOT_FOUND),
            "no catalog: pass its tables as ranges, or set PSOS_WORKSPACE "
            "(xlwings.conf sheet or environment) to the workspace folder",
        )
    catalog, _issues = load_catalog(catalog_path_for(text))
    return catalog, []


# --- arguments and results ----------------------------------------------------------------


def basis_arg(value: Any) -> m.EstimateBasis | None:
    """An optional estimate basis argument: blank → the scope's own."""
    if cells.is_blank(value):
        return None
    text = cells.to_text(value).casefold()
    for member in m.EstimateBasis:
        if member.value.casefold() == text:
            return member
    allowed = ", ".join(b.value for b in m.EstimateBasis)
    raise UdfError(str(Code.UNKNOWN_ESTIMATE_BASIS), f"basis must be {allowed}, got {value!r}")


def text_arg(value: Any, label: str) -> str:
    if cells.is_blank(value):
        raise UdfError(str(Code.VALUE_REQUIRED), f"{label} is required")
    try:
        return cells.to_code(value, label)
    except cells.CellError as err:
        raise UdfError(str(err.code), err.message) from None


def date_arg(value: Any, label: str) -> date:
    if cells.is_blank(value):
        raise UdfError(str(Code.VALUE_REQUIRED), f"{label} is required")
    try:
        return cells.to_date(value, label)
    except cells.CellError as err:
        raise UdfError(str(err.code), err.message) from None


def number(value: Decimal | None) -> float | None:
    """A Decimal as the double a cell holds: only here, at the edge, after rounding."""
    return None if value is None else float(value)


def cell_date(value: date | None) -> datetime | None:
    return None if value is None else datetime(value.year, value.month, value.day)


def first_error(issues: Sequence[Issue]) -> Issue | None:
    return next((i for i in issues if i.is_error), None)


dedupe = dedupe_issues  # one rule for every surface: see errors.dedupe_issues
