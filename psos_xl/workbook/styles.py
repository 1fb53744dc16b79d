"""How psos workbooks look: title rows, Excel Tables, number formats and dropdowns.

Every data sheet has the same shape: a title in row 1, a one-line instruction in
row 2, the table's header in row 3 and its rows from row 4, with the panes frozen
below the header. Dropdowns always point at a workbook name (``lst_Roles``) that
refers to a column of the hidden ``_lists`` sheet, never at an inline list: Excel
refuses inline lists longer than 255 characters.

Every workbook psos writes goes through :func:`make_printable` (or :func:`printable`,
sheet by sheet) before it is saved: one page wide, header rows repeated, helper sheets
hidden, rows of wrapped text as tall as their text.

openpyxl is imported inside the functions, so importing this module stays cheap.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from decimal import Decimal
from enum import Enum, StrEnum
from typing import TYPE_CHECKING, Any

from psos_xl.workbook.sheetxml import col_letters
from psos_xl.workbook.spec import LISTS_SHEET, MARKER_SHEET, Column, TableSpec, Type

if TYPE_CHECKING:
    from collections.abc import Collection, Sequence

    from openpyxl.cell.cell import Cell
    from openpyxl.workbook import Workbook
    from openpyxl.worksheet.datavalidation import DataValidation
    from openpyxl.worksheet.worksheet import Worksheet

TITLE_ROW = 1
HELP_ROW = 2
HEADER_ROW = 3
FIRST_DATA_ROW = HEADER_ROW + 1
# dropdowns and checks reach this far down a table, so rows added later get them too
VALIDATION_LAST_ROW = 500
TABLE_STYLE = "TableStyleMedium2"
LIST_PREFIX = "lst_"

DATE_FORMAT = "yyyy-mm-dd"
DAY_FORMAT = "ddd yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
MONEY_FORMAT = "#,##0.00"
HOURS_FORMAT = "#,##0.00"
PERCENT_FORMAT = "0.0%"
INT_FORMAT = "0"

# number format of a decimal column, by header; other decimal columns show 0.00
_DECIMAL_FORMATS: dict[str, str] = {
    "CostRate": MONEY_FORMAT,
    "BillRate": MONEY_FORMAT,
    "Amount": MONEY_FORMAT,
    "Cost": MONEY_FORMAT,
    "List": MONEY_FORMAT,
    "Price": MONEY_FORMAT,
    "PriceDelta": MONEY_FORMAT,
    "Revenue": MONEY_FORMAT,  # the margin and burn reports' money and fractions
    "TimeCost": MONEY_FORMAT,
    "Expenses": MONEY_FORMAT,
    "EACCost": MONEY_FORMAT,
    "ForecastPrice": MONEY_FORMAT,
    "BaselinePrice": MONEY_FORMAT,
    "BaselineCost": MONEY_FORMAT,
    "CostToDate": MONEY_FORMAT,
    "Margin": PERCENT_FORMAT,
    "ForecastMargin": PERCENT_FORMAT,
    "HoursPct": PERCENT_FORMAT,
    "CostPct": PERCENT_FORMAT,
    "Uplift": PERCENT_FORMAT,
    "UtilizationTarget": PERCENT_FORMAT,
    "Utilization": PERCENT_FORMAT,
    "MeanAbsErrorPct": PERCENT_FORMAT,
    "BiasPct": PERCENT_FORMAT,
    "BurnPct": PERCENT_FORMAT,
    "Discount": PERCENT_FORMAT,
    "FixedFeeContingency": PERCENT_FORMAT,
    "TargetMargin": PERCENT_FORMAT,
    "PercentComplete": PERCENT_FORMAT,
    "Probability": PERCENT_FORMAT,
    "Quantity": "General",
    "CalibrationPrior": "General",
}

# text that a spreadsheet would take for a formula when typed or re-entered
_FORMULA_START = ("=", "+", "-", "@")

# control characters a worksheet cannot hold (the ones openpyxl refuses)
_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
_FONTS: dict[str, dict[str, Any]] = {
    "title": {"bold": True, "size": 14},
    "help": {"italic": True, "color": "595959"},
    "bold": {"bold": True},
    "note": {"italic": True, "color": "7F7F7F"},
}


def _font(kind: str) -> Any:
    from openpyxl.styles import Font

    return Font(**_FONTS[kind])


def get_column_letter(number: int) -> str:
    """1-based column number → letters (1 → A, 28 → AB)."""
    return col_letters(number)


class Check(StrEnum):
    """How firmly a dropdown holds: refuse other values, warn, or only suggest."""

    STOP = "stop"
    WARN = "warning"
    SUGGEST = "suggest"


def number_format(column: Column) -> str | None:
    if column.type is Type.DATE:
        return DATE_FORMAT
    if column.type is Type.DATETIME:
        return DATETIME_FORMAT
    if column.type is Type.INT:
        return INT_FORMAT
    if column.type is Type.DECIMAL:
        return _DECIMAL_FORMATS.get(column.header, HOURS_FORMAT)
    return None


def decimal_format(key: str) -> str:
    """The number format of a decimal value named ``key`` (a header or a setting key)."""
    return _DECIMAL_FORMATS.get(key, HOURS_FORMAT)


def cell_value(value: Any) -> Any:
    """A model value as a cell holds it: Decimal → int or float (Excel stores doubles),
    bool → Y/N, a list of codes → "A, B", an enum → its value; dates stay dates."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or None
    return value


def put(ws: Worksheet, row: int, col: int, value: Any, fmt: str | None = None) -> Cell:
    """Write one value. Text is always text: a note that begins with '=' is never a
    formula, and it keeps a quote prefix so re-typing it in Excel keeps it text. A blank
    cell still takes ``fmt``, so what is typed into it later shows formatted."""
    cell: Cell = ws.cell(row=row, column=col)
    if value == "" or value is None:
        cell.value = None
        if fmt:
            cell.number_format = fmt
        return cell
    if isinstance(value, str):
        text = _ILLEGAL.sub("", value)
        cell.value = text
        cell.data_type = "s"
        if text.startswith(_FORMULA_START):
            cell.quotePrefix = True
    elif isinstance(value, datetime | date):
        cell.value = value
        cell.number_format = fmt or DATE_FORMAT
        return cell
    else:
        cell.value = value
    if fmt:
        cell.number_format = fmt
    return cell


def put_formula(ws: Worksheet, ref: str, formula: str, fmt: str | None = None) -> Cell:
    cell: Cell = ws[ref]
    cell.value = formula if formula.startswith("=") else f"={formula}"
    if fmt:
        cell.number_format = fmt
    return cell


def title(ws: Worksheet, heading: str, help_text: str) -> None:
    put(ws, TITLE_ROW, 1, heading).font = _font("title")
    if help_text:
        put(ws, HELP_ROW, 1, help_text).font = _font("help")


def table_help(spec: TableSpec) -> str:
    notes = [f"{c.header}: {c.help}" for c in spec.columns if c.help]
    return " ".join([spec.help, *(["(" + "; ".join(notes) + ")"] if notes else [])]).strip()


def write_table(
    ws: Worksheet, spec: TableSpec, rows: list[list[Any]], formatted_rows: int = 1
) -> str:
    """The table ``spec`` on ``ws`` from row HEADER_ROW, as an Excel Table; returns its ref.

    An empty table keeps one blank row, since an Excel Table needs one data row. Every
    data cell, blank or not, carries its column's number format, and so do the blank
    cells below the table down to ``formatted_rows`` data rows: what is typed there
    later (where Excel grows the table) shows formatted. Text too long for its column
    wraps (:func:`printable` gives the row the height it needs)."""
    from openpyxl.worksheet.table import Table, TableStyleInfo

    for j, column in enumerate(spec.columns, start=1):
        embolden(put(ws, HEADER_ROW, j, column.header))
        ws.column_dimensions[get_column_letter(j)].width = fit_width(column)
    formats = [number_format(c) for c in spec.columns]
    count = max(len(rows), 1)
    blank: list[Any] = [None] * len(spec.columns)
    for i in range(max(count, formatted_rows)):
        row = rows[i] if i < len(rows) else blank
        for j, (column, value) in enumerate(zip(spec.columns, row, strict=False), start=1):
            cell = put(ws, FIRST_DATA_ROW + i, j, cell_value(value), formats[j - 1])
            if isinstance(cell.value, str) and text_lines(cell.value, fit_width(column)) > 1:
                wrap(cell)
    last_row = FIRST_DATA_ROW + count - 1
    ref = f"A{HEADER_ROW}:{get_column_letter(len(spec.columns))}{last_row}"
    table = Table(displayName=spec.name, ref=ref)
    table.tableStyleInfo = TableStyleInfo(
        name=TABLE_STYLE, showRowStripes=True, showColumnStripes=False
    )
    table._initialise_columns()
    for column, header in zip(table.tableColumns, spec.headers, strict=True):
        column.name = header
    ws.add_table(table)
    ws.freeze_panes = f"A{FIRST_DATA_ROW}"
    return ref


def column_range(spec: TableSpec, header: str, last_row: int = VALIDATION_LAST_ROW) -> str:
    """A1 range of a column's data cells down to ``last_row`` (dropdowns, checks)."""
    letter = column_letter(spec, header)
    return f"{letter}{FIRST_DATA_ROW}:{letter}{last_row}"


def column_letter(spec: TableSpec, header: str) -> str:
    return get_column_letter(spec.headers.index(header) + 1)


def note(ws: Worksheet, row: int, col: int, text: str) -> None:
    """A grey note beside a table (outside it, so readers ignore it); a long one wraps."""
    if text:
        cell = put(ws, row, col, text)
        cell.font = _font("note")
        wrap(cell, indent=1)


def wrap(cell: Cell, indent: int = 0) -> None:
    """Wrap the cell's text, top-aligned (:func:`printable` sizes the row to fit it)."""
    from openpyxl.styles import Alignment

    horizontal = "left" if indent else None  # an indent needs a side to count from
    cell.alignment = Alignment(wrap_text=True, vertical="top", horizontal=horizontal, indent=indent)


def bold(ws: Worksheet, row: int, col: int, value: Any) -> Cell:
    cell = put(ws, row, col, value)
    cell.font = _font("bold")
    return cell


def embolden(cell: Cell) -> None:
    cell.font = _font("bold")


# --- dropdowns and checks -------------------------------------------------------------


def list_name(key: str) -> str:
    return f"{LIST_PREFIX}{key}"


def dropdown(
    ws: Worksheet,
    sqref: str,
    formula: str,
    check: Check,
    prompt: str = "",
    error: str = "",
) -> DataValidation:
    """A list dropdown over ``sqref`` whose values come from ``formula`` (a list name
    or a formula returning a range). SUGGEST lets anything be typed ("A, B" in a
    Risks cell); WARN asks before accepting a value off the list; STOP refuses it."""
    from openpyxl.worksheet.datavalidation import DataValidation

    dv = DataValidation(
        type="list",
        formula1=formula,
        allow_blank=True,
        showErrorMessage=check is not Check.SUGGEST,
        errorStyle="warning" if check is Check.WARN else "stop",
    )
    if check is not Check.SUGGEST:
        dv.errorTitle = "Not on the list"
        dv.error = error or "Pick a value from the dropdown list."
    if prompt:
        dv.promptTitle = prompt[:32]
        dv.prompt = prompt[:255]
        dv.showInputMessage = True
    dv.add(sqref)
    ws.add_data_validation(dv)
    return dv


def number_check(
    ws: Worksheet, sqref: str, kind: str, low: str, high: str, error: str
) -> DataValidation:
    """A decimal/date range check (``kind`` "decimal" or "date")."""
    from openpyxl.worksheet.datavalidation import DataValidation

    dv = DataValidation(
        type=kind,
        operator="between",
        formula1=low,
        formula2=high,
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="stop",
    )
    dv.errorTitle = "Out of range"
    dv.error = error[:255]
    dv.add(sqref)
    ws.add_data_validation(dv)
    return dv


# --- the hidden sheets ----------------------------------------------------------------


def write_lists(wb: Workbook, columns: dict[str, list[str]]) -> dict[str, str]:
    """The hidden ``_lists`` sheet: one column per list, header in row 1, values below,
    each under a workbook name ``lst_<key>``. Returns key → name. An empty list still
    gets one (blank) cell, so its name always refers to a range."""
    from openpyxl.workbook.defined_name import DefinedName

    ws = wb.create_sheet(LISTS_SHEET)
    ws.sheet_state = "hidden"
    names: dict[str, str] = {}
    for j, (key, values) in enumerate(columns.items(), start=1):
        letter = get_column_letter(j)
        put(ws, 1, j, key)
        for i, value in enumerate(values, start=2):
            put(ws, i, j, value)
        last = 1 + max(len(values), 1)
        name = list_name(key)
        wb.defined_names[name] = DefinedName(
            name, attr_text=f"'{LISTS_SHEET}'!${letter}$2:${letter}${last}"
        )
        names[key] = name
        ws.column_dimensions[letter].width = max(12, min(40, len(key) + 2))
    return names


def define_range(wb: Workbook, name: str, sheet: str, ref: str) -> str:
    from openpyxl.workbook.defined_name import DefinedName

    wb.defined_names[name] = DefinedName(name, attr_text=f"'{sheet}'!{ref}")
    return name


def write_marker(wb: Workbook, items: list[tuple[str, Any]]) -> None:
    """The hidden ``_psos`` sheet that identifies the workbook: key/value rows in A:B."""
    ws = wb.create_sheet(MARKER_SHEET)
    ws.sheet_state = "hidden"
    for r, (key, value) in enumerate(items, start=1):
        put(ws, r, 1, key)
        put(ws, r, 2, value)


# --- printing -------------------------------------------------------------------------

CONF_SHEET = "xlwings.conf"
# sheets that hold what psos and xlwings read, never what a person reads or prints
HELPER_SHEETS = (MARKER_SHEET, LISTS_SHEET, CONF_SHEET)
# column-width units a portrait page holds before the print shrinks below ~75 %
PORTRAIT_WIDTH = 130
DEFAULT_WIDTH = 8.43
DATE_WIDTH = 13  # a yyyy-mm-dd date with room beside it  # Excel's width of a column nobody sized
LINE_POINTS = 15.0  # the height of one line of 11-point text
# characters of text per unit of column width, on the safe side (LibreOffice often
# stands in DejaVu Sans, wider than Calibri, for the default font)
_CHARS_PER_UNIT = 1.2
_BOLD = 0.8  # bold text takes this much less per line
_LAST_ROW = 1048576  # a print area to the sheet's last row prints the rows in use


def hide_helper_sheets(wb: Workbook) -> None:
    """Hide ``_psos``, ``_lists`` and ``xlwings.conf``: nothing there is to read or print."""
    for ws in wb.worksheets:
        if ws.title in HELPER_SHEETS:
            ws.sheet_state = "hidden"


def make_printable(wb: Workbook, header: str = "&F") -> None:
    """Every visible sheet of ``wb`` set up for print by :func:`printable` (title rows:
    the header row of the sheet's first table), the helper sheets hidden."""
    hide_helper_sheets(wb)
    for ws in wb.worksheets:
        if ws.sheet_state == "visible":
            tables = sorted(ws.tables.values(), key=lambda t: _bounds(t.ref)[1])
            top = _bounds(tables[0].ref)[1] if tables else None
            printable(ws, title_row=top, header=header)


def printable(
    ws: Worksheet,
    title_row: int | None = None,
    header: str = "&F",
    span_rows: tuple[int, ...] = (TITLE_ROW, HELP_ROW),
    one_page: bool = False,
    last_col: int | None = None,
) -> None:
    """Set ``ws`` up to print as a finance team would send it.

    One page wide (as many pages down as the rows need; ``one_page`` fits the sheet on
    a single page), ``title_row`` repeated on every page, landscape when the printed
    columns are wider than a portrait page holds, the print area on the columns in use
    (down to the sheet's last row, so rows added later print too; ``last_col`` widens
    it, to a chart beside the cells, say), the file and sheet
    in the page header and "Page n of N" in the footer. The text of ``span_rows`` (the
    title and the instruction above a table) spans the printed columns and wraps, and
    every row holding wrapped text gets the height that text needs: neither Excel nor
    LibreOffice sizes the rows of a generated file.
    """
    last_col = max(_last_column(ws), last_col or 1)
    for row in span_rows:
        _span(ws, row, last_col)
    fit_row_heights(ws)
    width = sum(column_width(ws, c) for c in range(1, last_col + 1))
    setup = ws.page_setup
    setup.orientation = "portrait" if width <= PORTRAIT_WIDTH else "landscape"
    setup.fitToWidth = 1
    setup.fitToHeight = 1 if one_page else 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_area = f"A1:{get_column_letter(last_col)}{_LAST_ROW}"
    if title_row is not None:
        ws.print_title_rows = f"{title_row}:{title_row}"
    ws.oddHeader.left.text = header
    ws.oddHeader.right.text = "&A"
    ws.oddFooter.center.text = "Page &P of &N"


def fit_width(column: Column) -> int:
    """The column's width, widened where its bold header or a date would not fit."""
    header = math.ceil(len(column.header) / (_CHARS_PER_UNIT * _BOLD)) + 1
    return max(column.width, header, DATE_WIDTH if column.type is Type.DATE else 0)


def column_width(ws: Worksheet, col: int) -> float:
    dims = ws.column_dimensions.get(get_column_letter(col))
    if dims is None or not dims.customWidth or dims.width is None:
        return DEFAULT_WIDTH
    return float(dims.width)


def text_lines(text: str, width: float, size: float = 11.0, bold: bool = False) -> int:
    """How many lines ``text`` wraps to in a column ``width`` units wide (words kept
    whole, as Excel and LibreOffice wrap), for a font of ``size`` points."""
    per_line = max(1, int(width * _CHARS_PER_UNIT * 11.0 / size * (_BOLD if bold else 1)))
    lines = 0
    for paragraph in text.split("\n"):
        used, count = 0, 1
        for word in paragraph.split():
            need = len(word) if used == 0 else used + 1 + len(word)
            if need <= per_line:
                used = need
                continue
            if used:
                count += 1
            while len(word) > per_line:  # a word longer than a line is broken
                word = word[per_line:]
                count += 1
            used = len(word)
        lines += count
    return max(lines, 1)


def fit_row_heights(ws: Worksheet) -> None:
    """Give each row holding wrapped text the height its longest wrapped cell needs
    (a row already taller keeps its height)."""
    spans = {
        (r.min_row, r.min_col): sum(column_width(ws, c) for c in range(r.min_col, r.max_col + 1))
        for r in ws.merged_cells.ranges
    }
    for row in ws.iter_rows():
        need = 0.0
        for cell in row:
            if not isinstance(cell.value, str) or not cell.alignment.wrap_text:
                continue
            width = spans.get((cell.row, cell.column)) or column_width(ws, cell.column)
            size = float(cell.font.sz or 11.0)
            lines = text_lines(cell.value, width, size, bool(cell.font.b))
            need = max(need, lines * LINE_POINTS * size / 11.0 + 2)
        if need > LINE_POINTS * 1.5:
            dims = ws.row_dimensions[row[0].row]
            dims.height = max(need, dims.height or 0)
            _align_top(row)


def _align_top(row: tuple[Cell, ...]) -> None:
    """Top-align a tall row's cells, so its figures sit beside the first line of text."""
    from copy import copy

    for cell in row:
        if cell.value is not None and cell.alignment.vertical is None:
            alignment = copy(cell.alignment)
            alignment.vertical = "top"
            cell.alignment = alignment


def _span(ws: Worksheet, row: int, last_col: int) -> None:
    """Merge the text of column A of ``row`` across the printed columns, wrapped."""
    cell = ws.cell(row=row, column=1)
    if not isinstance(cell.value, str) or last_col < 2:
        return
    if any(ws.cell(row=row, column=c).value is not None for c in range(2, last_col + 1)):
        return
    if any(row in (r.min_row, r.max_row) and r.min_col == 1 for r in ws.merged_cells.ranges):
        return
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=last_col)
    from openpyxl.styles import Alignment

    cell.alignment = Alignment(wrap_text=True, vertical="top")


def _last_column(ws: Worksheet) -> int:
    """The last column holding a value or a table (a title's overflow does not count)."""
    last = 1
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is not None and cell.column > last:
                last = cell.column
    for table in ws.tables.values():
        last = max(last, _bounds(table.ref)[2])
    return last


def _bounds(ref: str) -> tuple[int, int, int, int]:
    """(min_col, min_row, max_col, max_row) of an A1 range."""
    from openpyxl.utils.cell import range_boundaries

    min_col, min_row, max_col, max_row = range_boundaries(ref)
    return int(min_col or 1), int(min_row or 1), int(max_col or 1), int(max_row or 1)


def band_header(
    ws: Worksheet, row: int, headers: Sequence[str], right: Collection[str] = ()
) -> None:
    """The header band of a client document (a quote, an invoice): bold on light blue
    over a thin blue rule, text wrapped at the bottom; the ``right`` headers (over
    figures) aligned right."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    fill = PatternFill("solid", fgColor="DDEBF7")
    line = Border(bottom=Side(style="thin", color="5B9BD5"))
    for col, text in enumerate(headers, start=1):
        cell = ws.cell(row=row, column=col, value=text)
        cell.font = Font(bold=True)
        cell.fill = fill
        cell.border = line
        cell.alignment = Alignment(
            horizontal="right" if text in right else None, wrap_text=True, vertical="bottom"
        )


def put_value(ws: Worksheet, row: int, col: int, value: Any) -> Any:
    """``value`` written as a value: text that starts like a formula stays text (never
    run as one), a Decimal is a number, an empty text an empty cell."""
    cell = ws.cell(row=row, column=col)
    if isinstance(value, Decimal):
        cell.value = float(value)
    elif isinstance(value, str) and value.startswith(("=", "+", "-", "@")):
        cell.value = value
        cell.data_type = "s"
        cell.quotePrefix = True
    else:
        cell.value = value if value != "" else None
    return cell


def document_layout(ws: Worksheet, firm: str, title_row: int | None) -> None:
    """A client document's sheet (a quote, an invoice) printed like every psos workbook
    (:func:`printable`: one page wide, rows sized to their wrapped text), on A4 with the
    firm's name in the page header, centred, and no gridlines."""
    from openpyxl.worksheet.page import PageMargins

    printable(ws, title_row=title_row, header=firm, span_rows=())
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_margins = PageMargins(
        left=0.6, right=0.6, top=0.9, bottom=0.8, header=0.35, footer=0.35
    )
    ws.print_options.gridLines = False
    ws.print_options.horizontalCentered = True
    ws.sheet_view.showGridLines = False
