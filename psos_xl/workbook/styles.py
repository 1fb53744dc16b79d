"""How psos workbooks look: title rows, Excel Tables, number formats and dropdowns.

Every data sheet has the same shape: a title in row 1, a one-line instruction in
row 2, the table's header in row 3 and its rows from row 4, with the panes frozen
below the header. Dropdowns always point at a workbook name (``lst_Roles``) that
refers to a column of the hidden ``_lists`` sheet, never at an inline list: Excel
refuses inline lists longer than 255 characters.

openpyxl is imported inside the functions, so importing this module stays cheap.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from enum import Enum, StrEnum
from typing import TYPE_CHECKING, Any

from psos_xl.workbook.sheetxml import col_letters
from psos_xl.workbook.spec import LISTS_SHEET, MARKER_SHEET, Column, TableSpec, Type

if TYPE_CHECKING:
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
HOURS_FORMAT = "0.00"
PERCENT_FORMAT = "0.00%"
INT_FORMAT = "0"

# number format of a decimal column, by header; other decimal columns show 0.00
_DECIMAL_FORMATS: dict[str, str] = {
    "CostRate": MONEY_FORMAT,
    "BillRate": MONEY_FORMAT,
    "Amount": MONEY_FORMAT,
    "Cost": MONEY_FORMAT,
    "List": MONEY_FORMAT,
    "Uplift": PERCENT_FORMAT,
    "UtilizationTarget": PERCENT_FORMAT,
    "MeanAbsErrorPct": PERCENT_FORMAT,
    "BiasPct": PERCENT_FORMAT,
    "BurnPct": PERCENT_FORMAT,
    "Discount": PERCENT_FORMAT,
    "FixedFeeContingency": PERCENT_FORMAT,
    "TargetMargin": PERCENT_FORMAT,
    "PercentComplete": PERCENT_FORMAT,
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
    formula, and it keeps a quote prefix so re-typing it in Excel keeps it text."""
    cell: Cell = ws.cell(row=row, column=col)
    if value == "" or value is None:
        cell.value = None
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


def write_table(ws: Worksheet, spec: TableSpec, rows: list[list[Any]]) -> str:
    """The table ``spec`` on ``ws`` from row HEADER_ROW, as an Excel Table; returns its ref.
    An empty table keeps one blank row, since an Excel Table needs one data row."""
    from openpyxl.worksheet.table import Table, TableStyleInfo

    for j, column in enumerate(spec.columns, start=1):
        put(ws, HEADER_ROW, j, column.header)
        ws.column_dimensions[get_column_letter(j)].width = column.width
    formats = [number_format(c) for c in spec.columns]
    for i, row in enumerate(rows):
        for j, value in enumerate(row, start=1):
            put(ws, FIRST_DATA_ROW + i, j, cell_value(value), formats[j - 1])
    last_row = FIRST_DATA_ROW + max(len(rows), 1) - 1
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
    """A grey note beside a table (outside it, so readers ignore it)."""
    if text:
        put(ws, row, col, text).font = _font("note")


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
