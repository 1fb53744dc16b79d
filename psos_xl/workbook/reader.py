"""Generic reading of psos workbooks with python-calamine.

A :class:`Book` opens one file, reads its ``_psos`` marker and hands out tables by
name: columns are matched by header (trimmed, case-insensitive), extra and reordered
columns are fine, fully blank rows are skipped, and every cell that cannot be
converted becomes an :class:`~psos_xl.errors.Issue` naming workbook!sheet!cell.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from psos_xl.errors import Code, Issue, Location
from psos_xl.models import Kind, RowRef
from psos_xl.workbook import cells, guard
from psos_xl.workbook.sheetxml import col_letters
from psos_xl.workbook.spec import (
    MARKER_SHEET,
    OUTPUT_KINDS,
    SCHEMA_VERSION,
    Column,
    TableSpec,
    Type,
)

if TYPE_CHECKING:  # python-calamine is imported where a file is opened: xlwings Lite has none
    import python_calamine as pc


def _text(value: Any, _label: str) -> str:
    return value.strip() if type(value) is str else cells.to_text(value)


def _code(value: Any, label: str) -> str:
    return value.strip() if type(value) is str else cells.to_code(value, label)


def _decimal(value: Any, label: str) -> Any:
    # a finite float, as Excel stores every number: the common case, without the checks
    if type(value) is float and value - value == 0:
        return cells.float_to_decimal(value)
    return cells.to_decimal(value, label)


_CONVERT: dict[Type, Callable[[Any, str], Any]] = {
    Type.TEXT: _text,
    Type.CODE: _code,
    Type.CODES: cells.to_codes,
    Type.DECIMAL: _decimal,
    Type.INT: cells.to_int,
    Type.DATE: cells.to_date,
    Type.BOOL: cells.to_bool,
    Type.ANY: lambda v, _label: v,
}


# What a cell reader returns for a blank cell (None, "" or only spaces).
BLANK: Any = object()

# A cell reader turns one raw cell into its typed value, or BLANK, or raises CellError.
CellReader = Callable[[Any, str], Any]


def _read_any_way(raw: Any, label: str, conv: Callable[[Any, str], Any]) -> Any:
    """The general case of every cell reader: the blank check, then the column's converter."""
    if type(raw) is str and len(raw) > cells.MAX_CHARS:
        raise cells.too_long(raw, label)
    return BLANK if cells.is_blank(raw) else conv(raw, label)


# The cell readers below take the common raw type(s) of their column straight and hand
# anything else to _read_any_way, with the same result as _read_any_way would give
# (tests/workbook/test_reader_fast_path.py). They test exact types: python-calamine
# returns exact builtin types. They are chosen once per table, by column type (_READ).


def _read_string(conv: Callable[[Any, str], Any]) -> CellReader:
    """TEXT and CODE cells: a str is trimmed, blank when nothing is left."""

    def read(raw: Any, label: str) -> Any:
        if type(raw) is str and len(raw) <= cells.MAX_CHARS:
            return raw.strip() or BLANK
        return _read_any_way(raw, label, conv)

    return read


def _read_decimal(raw: Any, label: str) -> Any:
    if type(raw) is float and raw - raw == 0:  # a finite float, as Excel stores every number
        return cells.float_to_decimal(raw)
    return _read_any_way(raw, label, cells.to_decimal)


def _read_date(raw: Any, label: str) -> Any:
    kind = type(raw)
    if kind is date:
        return raw
    if kind is datetime:
        return raw.date()
    return _read_any_way(raw, label, cells.to_date)


def _read_bool(raw: Any, label: str) -> Any:
    if type(raw) is str:
        word = cells.BOOL_WORDS.get(raw.strip().casefold())
        if word is not None:
            return word
    elif type(raw) is bool:
        return raw
    return _read_any_way(raw, label, cells.to_bool)


def _read_generic(conv: Callable[[Any, str], Any]) -> CellReader:
    return lambda raw, label: _read_any_way(raw, label, conv)


_READ: dict[Type, CellReader] = {
    Type.TEXT: _read_string(_text),
    Type.CODE: _read_string(_code),
    Type.DECIMAL: _read_decimal,
    Type.DATE: _read_date,
    Type.BOOL: _read_bool,
    **{t: _read_generic(_CONVERT[t]) for t in (Type.CODES, Type.INT, Type.ANY)},
}

# how many rows of a sheet to search for a header row when a table lost its definition
_HEADER_SEARCH_ROWS = 30


def column_letter(index: int) -> str:
    """0-based column index → Excel letters (0 → A, 27 → AB)."""
    return col_letters(index + 1)


def convert(column: Column, raw: Any) -> Any:
    """Convert one non-blank cell value by its column's type (raises CellError)."""
    if type(raw) is str and len(raw) > cells.MAX_CHARS:
        raise cells.too_long(raw, column.header)
    return _CONVERT[column.type](raw, column.header)


@dataclass
class TableRows:
    """What was read from one table: converted rows, each with its lineage."""

    spec: TableSpec
    sheet: str
    header_row: int  # 1-based
    columns: dict[str, str]  # casefolded header → column letter
    location: Location = field(default_factory=lambda: Location(""))  # first header's cell
    rows: list[tuple[RowRef, dict[str, Any]]] = field(default_factory=list)
    rejected: int = 0


@dataclass
class Book:
    """One opened workbook: its marker and its tables."""

    path: Path
    display: str
    workbook: pc.CalamineWorkbook | None
    marker: dict[str, str] = field(default_factory=dict)
    marker_rows: dict[str, int] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return self.marker.get("kind", "")

    def loc(self, sheet: str, cell: str = "") -> Location:
        return Location(self.display, sheet, cell)

    def marker_loc(self, key: str) -> Location:
        row = self.marker_rows.get(key)
        return self.loc(MARKER_SHEET, f"B{row}") if row else self.loc(MARKER_SHEET)

    def table(self, spec: TableSpec, issues: list[Issue]) -> TableRows | None:
        """Read the table ``spec`` names; missing required table → TABLE_MISSING."""
        assert self.workbook is not None
        try:
            found = self._find(spec, issues)
            if found is not None:
                sheet, header_row, first_col, headers, data = found
                return self._rows(spec, sheet, header_row, first_col, headers, data, issues)
        except Exception as err:  # a damaged part inside an intact package
            issues.append(
                Issue.make(
                    Code.FILE_UNREADABLE,
                    self.loc(spec.sheet),
                    f"the '{spec.name}' table cannot be read ({type(err).__name__}: {err})",
                )
            )
            return None
        if found is None and spec.required:
            issues.append(
                Issue.make(
                    Code.TABLE_MISSING,
                    self.loc(spec.sheet),
                    f"the workbook has no Excel Table named '{spec.name}'",
                )
            )
        return None

    def _find(
        self, spec: TableSpec, issues: list[Issue]
    ) -> tuple[str, int, int, list[str], list[list[Any]]] | None:
        assert self.workbook is not None
        names = {n.casefold(): n for n in (self.workbook.table_names or [])}
        if spec.name.casefold() in names:
            table = self.workbook.get_table_by_name(names[spec.name.casefold()])
            start = table.start or (1, 0)
            return table.sheet, start[0], start[1], list(table.columns), table.to_python()
        return self._find_on_sheet(spec, issues)

    def _find_on_sheet(
        self, spec: TableSpec, issues: list[Issue]
    ) -> tuple[str, int, int, list[str], list[list[Any]]] | None:
        """A table whose definition was lost (pasted over, exported) is still read from
        the header row of its sheet, with a warning."""
        assert self.workbook is not None
        sheets = {n.casefold(): n for n in self.workbook.sheet_names}
        sheet = sheets.get(spec.sheet.casefold())
        if sheet is None:
            return None
        grid = self.workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        wanted = {c.header.casefold() for c in spec.columns if c.required}
        for r, row in enumerate(grid[:_HEADER_SEARCH_ROWS]):
            heads = [cells.to_text(v).casefold() for v in row]
            if wanted and wanted <= set(heads):
                first = next(i for i, h in enumerate(heads) if h)
                last = max(i for i, h in enumerate(heads) if h)
                headers = [cells.to_text(v) for v in row[first : last + 1]]
                data = [line[first : last + 1] for line in grid[r + 1 :]]
                issues.append(
                    Issue.make(
                        Code.TABLE_NOT_A_TABLE,
                        self.loc(sheet, f"{column_letter(first)}{r + 1}"),
                        f"'{spec.name}' is not an Excel Table here; read from its header row",
                    )
                )
                return sheet, r + 1, first, headers, data
        return None

    def _rows(
        self,
        spec: TableSpec,
        sheet: str,
        header_row: int,
        first_col: int,
        headers: list[str],
        data: list[list[Any]],
        issues: list[Issue],
    ) -> TableRows | None:
        by_header: dict[str, int] = {}
        columns: dict[str, str] = {}
        for j, head in enumerate(headers):
            key = cells.to_text(head).casefold()
            if not key:
                continue
            letter = column_letter(first_col + j)
            if key in by_header:
                if any(c.header.casefold() == key for c in spec.columns):
                    issues.append(
                        Issue.make(
                            Code.COLUMN_DUPLICATE,
                            self.loc(sheet, f"{letter}{header_row}"),
                            f"'{spec.name}' has two '{cells.to_text(head)}' columns",
                        )
                    )
                continue
            by_header[key] = j
            columns[key] = letter
        location = self.loc(sheet, f"{column_letter(first_col)}{header_row}")
        out = TableRows(spec, sheet, header_row, columns, location)
        missing = [c for c in spec.columns if c.required and c.header.casefold() not in by_header]
        for col in missing:
            issues.append(
                Issue.make(
                    Code.COLUMN_MISSING,
                    self.loc(sheet, f"{column_letter(first_col)}{header_row}"),
                    f"'{spec.name}' has no '{col.header}' column",
                )
            )
        if missing:
            return out
        plan = [
            (c.field, by_header[c.header.casefold()], _READ[c.type], c.header, c.required)
            for c in spec.columns
            if c.header.casefold() in by_header
        ]
        for number, line in enumerate(data, start=header_row + 1):
            if all(map(cells.is_blank, line)):
                continue
            ref = RowRef(self.display, sheet, number, columns)
            values = _convert_row(plan, line, ref, issues)
            if values is None:
                out.rejected += 1
            else:
                out.rows.append((ref, values))
        return out


# per present column: model field, index in the row, cell reader, header, required
_Plan = list[tuple[str, int, CellReader, str, bool]]


def _convert_row(
    plan: _Plan, line: list[Any], ref: RowRef, issues: list[Issue]
) -> dict[str, Any] | None:
    """The row's non-blank values by field; None when a cell is wrong (each one reported)."""
    values: dict[str, Any] = {}
    ok = True
    width = len(line)
    for fld, j, read, header, required in plan:
        try:
            value = read(line[j] if j < width else "", header)
        except cells.CellError as err:
            issues.append(Issue.make(err.code, ref.cell(header), err.message))
            ok = False
            continue
        if value is BLANK:
            if required:
                issues.append(
                    Issue.make(Code.VALUE_REQUIRED, ref.cell(header), f"{header} is required")
                )
                ok = False
        else:
            values[fld] = value
    return values if ok else None


def open_book(
    path: Path,
    display: str | None = None,
    *,
    limits: guard.Limits = guard.DEFAULT,
    within: Path | None = None,
) -> tuple[Book, list[Issue]]:
    """Open ``path`` and read its marker. The Book's workbook is None when unreadable
    (or refused by the guard: over ``limits``, not a regular file, a link out of ``within``)."""
    display = display or guard.shown(path.name)
    admitted, issues = guard.admit(path, display, limits, within)
    if admitted is None:
        return Book(path, display, None), issues
    import python_calamine as pc

    try:
        data = io.BytesIO(admitted.data)
        workbook = pc.CalamineWorkbook.from_filelike(data, load_tables=True)
    except BaseException as err:  # calamine raises several unrelated types for bad files
        if not guard.parser_failed(err):
            raise
        issues.append(
            Issue.make(
                Code.FILE_UNREADABLE,
                display,
                f"cannot be read as an Excel workbook ({type(err).__name__}: {err})",
            )
        )
        return Book(path, display, None), issues
    book = Book(path, display, workbook)
    try:
        read_marker(book, issues)
    except BaseException as err:  # a damaged marker sheet inside an intact package
        if not guard.parser_failed(err):
            raise
        issues.append(
            Issue.make(
                Code.FILE_UNREADABLE,
                display,
                f"the '{MARKER_SHEET}' sheet cannot be read ({type(err).__name__}: {err})",
            )
        )
        book.workbook = None
    return book, issues


def read_marker(book: Book, issues: list[Issue]) -> None:
    """Read the ``_psos`` sheet into ``book.marker`` (NOT_PSOS_WORKBOOK when there is none)."""
    assert book.workbook is not None
    sheets = {n.casefold(): n for n in book.workbook.sheet_names}
    name = sheets.get(MARKER_SHEET)
    if name is None:
        issues.append(
            Issue.make(
                Code.NOT_PSOS_WORKBOOK,
                book.display,
                f"no hidden '{MARKER_SHEET}' sheet: not a psos workbook "
                "(create one with 'psos new')",
            )
        )
        return
    grid = book.workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
    for r, row in enumerate(grid, start=1):
        if not row or cells.is_blank(row[0]):
            continue
        key = cells.to_text(row[0]).casefold()
        value = row[1] if len(row) > 1 else ""
        if isinstance(value, str) and len(value) > cells.MAX_CHARS:
            too_long = cells.too_long(value, key)
            issues.append(
                Issue.make(too_long.code, book.loc(MARKER_SHEET, f"B{r}"), too_long.message)
            )
            continue
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        book.marker[key] = cells.to_text(value)
        if key == "week" and not cells.is_blank(value) and not isinstance(value, str):
            # not a date: kept as text, and the timesheet reader reports NOT_A_DATE at its cell
            with contextlib.suppress(cells.CellError):
                book.marker[key] = cells.to_date(value, key).isoformat()
        book.marker_rows[key] = r
    if "kind" in book.marker:
        book.marker["kind"] = book.marker["kind"].casefold()
    kinds = {k.value for k in Kind}
    if book.kind not in kinds | OUTPUT_KINDS:
        issues.append(
            Issue.make(
                Code.MARKER_INVALID,
                book.marker_loc("kind"),
                f"kind must be one of {', '.join(sorted(kinds))}, got {book.kind!r}",
            )
        )
    schema = book.marker.get("schema", "")
    if not schema.isdigit():
        issues.append(
            Issue.make(
                Code.MARKER_INVALID,
                book.marker_loc("schema"),
                f"schema must be a whole number, got {schema!r}",
            )
        )
    elif int(schema) > SCHEMA_VERSION:
        issues.append(
            Issue.make(
                Code.SCHEMA_UNSUPPORTED,
                book.marker_loc("schema"),
                f"schema {schema} is newer than this psos_xl reads ({SCHEMA_VERSION}): upgrade",
            )
        )
