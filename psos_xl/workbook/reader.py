"""Generic reading of psos workbooks with python-calamine.

A :class:`Book` opens one file, reads its ``_psos`` marker and hands out tables by
name: columns are matched by header (trimmed, case-insensitive), extra and reordered
columns are fine, fully blank rows are skipped, and every cell that cannot be
converted becomes an :class:`~psos_xl.errors.Issue` naming workbook!sheet!cell.

What calamine does not say, the package's XML does (:mod:`~psos_xl.workbook.sheetscan`):
a cell holding an error value (``#DIV/0!``, typed or its formula's result) is
CELL_ERROR and its row is left out, never read as blank; a row typed just below a table
that did not grow over it is ROW_OUTSIDE_TABLE; two tables of one name are
TABLE_DUPLICATE. A part that cannot be read raises :class:`PartUnreadableError`: a
workbook is read whole or not at all.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from psos_xl.errors import Code, Issue, Location, WorkbookError
from psos_xl.models import Kind, RowRef
from psos_xl.workbook import cells, guard
from psos_xl.workbook.cellread import BLANK, READ, CellReader
from psos_xl.workbook.sheetscan import ErrorCells, Package
from psos_xl.workbook.sheetxml import Area, col_letters
from psos_xl.workbook.spec import (
    MARKER_SHEET,
    OUTPUT_KINDS,
    SCHEMA_VERSION,
    TableSpec,
)

if TYPE_CHECKING:  # python-calamine is imported where a file is opened: xlwings Lite has none
    import python_calamine as pc


# how many rows of a sheet to search for a header row when a table lost its definition
_HEADER_SEARCH_ROWS = 30


class PartUnreadableError(WorkbookError):
    """A part of an intact package cannot be read (a damaged sheet, an XML error, an
    entity): the workbook as a whole is unreadable for this read. The message names the
    part."""


@dataclass(frozen=True)
class _Found:
    """A table's cells as found: its sheet, header row (1-based), first column (0-based),
    headers and data rows; ``last_row`` (1-based) for an Excel Table, whose rows end
    there, None for one read from its sheet's header row."""

    sheet: str
    header_row: int
    first_col: int
    headers: list[str]
    data: list[list[Any]]
    last_row: int | None = None


def column_letter(index: int) -> str:
    """0-based column index → Excel letters (0 → A, 27 → AB)."""
    return col_letters(index + 1)


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
    # rows left out for an error value, each with the values of its other cells
    error_rows: list[tuple[RowRef, dict[str, Any]]] = field(default_factory=list)


@dataclass
class Book:
    """One opened workbook: its marker and its tables."""

    path: Path
    display: str
    workbook: pc.CalamineWorkbook | None
    marker: dict[str, str] = field(default_factory=dict)
    marker_rows: dict[str, int] = field(default_factory=dict)
    # the package's bytes (as sync read and hashed them) or file; None: the file at
    # ``path`` when calamine opened one, else no package (the ranges of a UDF)
    source: bytes | Path | None = None
    marker_errors: set[str] = field(default_factory=set)  # marker keys holding an error
    _package: Package | None = field(default=None, init=False, repr=False)

    @property
    def kind(self) -> str:
        return self.marker.get("kind", "")

    def loc(self, sheet: str, cell: str = "") -> Location:
        return Location(self.display, sheet, cell)

    def marker_loc(self, key: str) -> Location:
        row = self.marker_rows.get(key)
        return self.loc(MARKER_SHEET, f"B{row}") if row else self.loc(MARKER_SHEET)

    def package(self) -> Package | None:
        """The workbook's package, to read what calamine does not say (None: none)."""
        if self._package is None:
            source = self.source
            if source is None:
                path = getattr(self.workbook, "path", None)  # set when opened from a file
                source = Path(path) if isinstance(path, str) and path else None
            if source is not None:
                self._package = Package(source)
        return self._package

    def errors(self, sheet: str) -> ErrorCells:
        """The error cells of ``sheet``: row → column (0-based) → the error's text."""
        package = self.package()
        return package.errors(sheet) if package is not None else {}

    def errors_among(self, sheet: str, grid: list[list[Any]]) -> ErrorCells:
        """:meth:`errors`, looked up only when ``grid`` (cells of ``sheet`` as calamine
        read them) holds an empty string: calamine gives an error cell as one, as it
        gives a blank one, so a grid without one holds no error
        (tests/workbook/test_reader_fast_path.py holds the two equal)."""
        return self.errors(sheet) if any("" in line for line in grid) else {}

    def table(self, spec: TableSpec, issues: list[Issue]) -> TableRows | None:
        """Read the table ``spec`` names; missing required table → TABLE_MISSING, two of
        that name → TABLE_DUPLICATE (neither read). Raises :class:`PartUnreadableError`
        when its part cannot be read."""
        assert self.workbook is not None
        try:
            if self._duplicate(spec, issues):
                return None
            found = self._find(spec, issues)
            if found is not None:
                return self._rows(spec, found, issues)
        except Exception as err:  # a damaged part inside an intact package
            raise PartUnreadableError(
                f"the '{spec.name}' table (sheet '{spec.sheet}') cannot be read "
                f"({type(err).__name__}: {err})"
            ) from err
        if spec.required:
            issues.append(
                Issue.make(
                    Code.TABLE_MISSING,
                    self.loc(spec.sheet),
                    f"the workbook has no Excel Table named '{spec.name}'",
                )
            )
        return None

    def _duplicate(self, spec: TableSpec, issues: list[Issue]) -> bool:
        """Whether two Excel Tables carry the name of ``spec`` (TABLE_DUPLICATE, at the
        second one): then neither is read, never silently one of them."""
        assert self.workbook is not None
        key = spec.name.casefold()
        if sum(n.casefold() == key for n in self.workbook.table_names or []) < 2:
            return False
        package = self.package()
        same = [t for t in package.tables() if t.name.casefold() == key] if package else []
        where, first = self.loc(spec.sheet), ""
        if len(same) >= 2:
            second = same[1]
            where = self.loc(second.sheet, f"{col_letters(second.area.c1)}{second.area.r1}")
            first = f" (the first is on sheet '{same[0].sheet}')"
        issues.append(
            Issue.make(
                Code.TABLE_DUPLICATE,
                where,
                f"a second Excel Table is named '{spec.name}'{first}: rename or delete one; "
                "the workbook is not read until then",
            )
        )
        return True

    def _find(self, spec: TableSpec, issues: list[Issue]) -> _Found | None:
        assert self.workbook is not None
        names = {n.casefold(): n for n in (self.workbook.table_names or [])}
        if spec.name.casefold() in names:
            table = self.workbook.get_table_by_name(names[spec.name.casefold()])
            start = table.start or (1, 0)
            data = table.to_python()
            end = getattr(table, "end", None)  # the ranges of a UDF have none
            last = end[0] + 1 if end is not None else start[0] + len(data)
            return _Found(table.sheet, start[0], start[1], list(table.columns), data, last)
        return self._find_on_sheet(spec, issues)

    def _find_on_sheet(self, spec: TableSpec, issues: list[Issue]) -> _Found | None:
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
                return _Found(sheet, r + 1, first, headers, data)
        return None

    def _rows(self, spec: TableSpec, found: _Found, issues: list[Issue]) -> TableRows | None:
        sheet, header_row, first_col = found.sheet, found.header_row, found.first_col
        headers, data = found.headers, found.data
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
            (c.field, by_header[c.header.casefold()], READ[c.type], c.header, c.required)
            for c in spec.columns
            if c.header.casefold() in by_header
        ]
        errors = self.errors_among(sheet, data)
        for number, line in enumerate(data, start=header_row + 1):
            wrong = errors.get(number) if errors else None
            if wrong is not None:
                ref = RowRef(self.display, sheet, number, columns)
                if _error_row(plan, first_col, wrong, line, ref, out, issues):
                    continue
            if all(map(cells.is_blank, line)):
                continue
            ref = RowRef(self.display, sheet, number, columns)
            values = _convert_row(plan, line, ref, issues)
            if values is None:
                out.rejected += 1
            else:
                out.rows.append((ref, values))
        if found.last_row is not None:
            width = max(len(headers), 1)
            area = Area(first_col + 1, header_row, first_col + width, found.last_row)
            self._outside(spec, sheet, area, issues)
        return out

    def _outside(self, spec: TableSpec, sheet: str, area: Area, issues: list[Issue]) -> None:
        """ROW_OUTSIDE_TABLE for each row typed right below the table (a row of formulas
        only, such as a total under it, is the sheet's own and not reported)."""
        package = self.package()
        if package is None:
            return
        first = col_letters(area.c1)
        for below in package.rows_below(sheet, area):
            if below.typed:
                issues.append(
                    Issue.make(
                        Code.ROW_OUTSIDE_TABLE,
                        self.loc(sheet, f"{first}{below.row}"),
                        f"row {below.row} lies just below the '{spec.name}' table, outside "
                        "it, and is not read: resize the table to take it in",
                    )
                )


# per present column: model field, index in the row, cell reader, header, required
_Plan = list[tuple[str, int, CellReader, str, bool]]


def _error_row(
    plan: _Plan,
    first_col: int,
    wrong: dict[int, str],
    line: list[Any],
    ref: RowRef,
    out: TableRows,
    issues: list[Issue],
) -> bool:
    """A row with error values in the columns read: CELL_ERROR at each, its other cells
    checked too, the row left out (True). False when its errors lie only in columns the
    reader ignores: the row is read as any other."""
    hit = [p for p in plan if first_col + p[1] in wrong]
    if not hit:
        return False
    for _fld, j, _read, header, _required in hit:
        issues.append(
            Issue.make(
                Code.CELL_ERROR,
                ref.cell(header),
                f"{header} holds the error {wrong[first_col + j]}: fix its formula or type "
                "the value; the row is left out",
            )
        )
    rest = [p for p in plan if p not in hit]
    # the row's other cells, unless nothing else is in it (only the error to report)
    values: dict[str, Any] | None = {}
    if not all(cells.is_blank(line[j]) for _f, j, *_ in rest if j < len(line)):
        values = _convert_row(rest, line, ref, issues)
    out.rejected += 1
    out.error_rows.append((ref, values or {}))
    return True


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
    book = Book(path, display, workbook, source=admitted.data)
    try:
        read_marker(book, issues)
    except PartUnreadableError as err:  # a damaged marker sheet inside an intact package
        issues.append(Issue.make(Code.FILE_UNREADABLE, display, str(err)))
        book.workbook = None
    except BaseException as err:  # a panic in the parser, which pyo3 raises outside Exception
        if not guard.parser_failed(err):
            raise
        message = f"the '{MARKER_SHEET}' sheet cannot be read ({type(err).__name__}: {err})"
        issues.append(Issue.make(Code.FILE_UNREADABLE, display, message))
        book.workbook = None
    return book, issues


def read_marker(book: Book, issues: list[Issue]) -> None:
    """Read the ``_psos`` sheet into ``book.marker`` (NOT_PSOS_WORKBOOK when there is
    none; CELL_ERROR at a cell holding an error value, its key then in
    ``book.marker_errors``). Raises :class:`PartUnreadableError` when the sheet cannot
    be read."""
    assert book.workbook is not None
    try:
        _read_marker(book, issues)
    except Exception as err:  # a damaged marker sheet inside an intact package
        raise PartUnreadableError(
            f"the '{MARKER_SHEET}' sheet cannot be read ({type(err).__name__}: {err})"
        ) from err


def _read_marker(book: Book, issues: list[Issue]) -> None:
    assert book.workbook is not None
    if not book.workbook.sheet_names:
        # every workbook Excel or LibreOffice saves has a sheet: a package without one
        # (its workbook part lost) is damaged, not a workbook without a marker, and must
        # not retire the rows it held
        raise PartUnreadableError("the package holds no workbook part with a sheet")
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
    errors = book.errors_among(name, grid)
    for r, row in enumerate(grid, start=1):
        wrong = errors.get(r, {})
        if 0 in wrong:
            issues.append(_marker_error(book.loc(name, f"A{r}"), "a key", wrong[0]))
            continue
        if not row or cells.is_blank(row[0]):
            continue
        key = cells.to_text(row[0]).casefold()
        if 1 in wrong:
            issues.append(_marker_error(book.loc(name, f"B{r}"), repr(key), wrong[1]))
            book.marker_errors.add(key)
            book.marker_rows[key] = r
            continue
        value = row[1] if len(row) > 1 else ""
        if isinstance(value, str) and len(value) > cells.MAX_CHARS:
            too_long = cells.too_long(value, key)
            issues.append(Issue.make(too_long.code, book.loc(name, f"B{r}"), too_long.message))
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
    if book.kind not in kinds | OUTPUT_KINDS and "kind" not in book.marker_errors:
        issues.append(
            Issue.make(
                Code.MARKER_INVALID,
                book.marker_loc("kind"),
                f"kind must be one of {', '.join(sorted(kinds))}, got {book.kind!r}",
            )
        )
    schema = book.marker.get("schema", "")
    if "schema" in book.marker_errors:
        return
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


def _marker_error(where: Location, what: str, error: str) -> Issue:
    return Issue.make(
        Code.CELL_ERROR,
        where,
        f"the marker's {what} holds the error {error}: the workbook is not read until it is fixed",
    )
