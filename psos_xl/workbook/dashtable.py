"""The tables of the dashboard workbook: a report's JSON rows as an Excel Table, at any
place on a sheet, with its number formats, its alerts as conditional formats, and the
cell ranges its charts read.

A column is named by the report's JSON key (DESIGN §13) and shows under its header in
psos' formats (DESIGN §11: hours and money ``#,##0.00``, fractions ``0.0%``). Rows are
taken as ``--json`` prints them (Decimals as strings, dates as ISO text) or with the
Decimals and dates themselves. Only values are written, never a formula, so no cell can
show an error value; the conditional formats guard every comparison with ``ISNUMBER``,
so a blank never lights up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from psos_xl.workbook import styles as st
from psos_xl.workbook.spec import Column, Type

if TYPE_CHECKING:
    from openpyxl.chart import Reference
    from openpyxl.worksheet.worksheet import Worksheet

Row = Mapping[str, Any]
HOURS = st.HOURS_FORMAT
MONEY = st.MONEY_FORMAT
PERCENT = st.PERCENT_FORMAT
# Excel's own "bad / neutral" palette, with an orange between them (as the Alert column
# of a scope's Delivery sheet: psos_xl.workbook.owned)
AMBER = ("FFFFEB9C", "FF9C5700")
ORANGE = ("FFFFCC99", "FF833C0B")
RED = ("FFFFC7CE", "FF9C0006")


@dataclass(frozen=True)
class Col:
    """A column of a dashboard table: the report's JSON ``key``, shown under ``header``."""

    key: str
    header: str
    type: Type = Type.TEXT
    fmt: str | None = None
    width: int = 12

    @property
    def column(self) -> Column:
        return Column(self.header, self.key, self.type, width=self.width)


@dataclass(frozen=True)
class Alert:
    """A conditional format over one column's data cells: ``formula`` is an Excel
    expression on the first data row in which ``{Header}`` stands for that row's cell of
    the column so headed (``AND(ISNUMBER({Gap}),{Gap}<0)``)."""

    header: str
    formula: str
    fill: tuple[str, str]


@dataclass(frozen=True)
class Placed:
    """A table as written: its sheet, columns, header cell and number of data rows."""

    ws: Worksheet
    cols: tuple[Col, ...]
    row: int  # the header's row
    col: int  # the first column's number
    count: int  # data rows (0: the one blank row an Excel Table needs)

    @property
    def last_col(self) -> int:
        return self.col + len(self.cols) - 1

    @property
    def last_row(self) -> int:
        return self.row + max(self.count, 1)

    def letter(self, header: str) -> str:
        index = [c.header for c in self.cols].index(header)
        return st.get_column_letter(self.col + index)

    def ref(self, header: str, with_header: bool = True) -> Reference:
        """The column's cells for a chart: its header (the series' name) and its data."""
        from openpyxl.chart import Reference

        index = self.col + [c.header for c in self.cols].index(header)
        top = self.row if with_header else self.row + 1
        return Reference(self.ws, min_col=index, min_row=top, max_row=self.last_row)


def number(raw: Any) -> Decimal | None:
    """A figure as a report gives it (a Decimal, or its text in ``--json``); None when
    blank. Text that is no number raises ValueError."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool):
        raise ValueError(f"not a number: {raw!r}")
    if isinstance(raw, Decimal):
        return raw
    try:
        return Decimal(str(raw))
    except InvalidOperation:
        raise ValueError(f"not a number: {raw!r}") from None


def day(raw: Any) -> date | None:
    if raw is None or raw == "":
        return None
    return raw if isinstance(raw, date) else date.fromisoformat(str(raw))


def cell(col: Col, raw: Any) -> Any:
    """The value a cell of ``col`` holds for ``raw``."""
    if col.type is Type.DECIMAL:
        return st.cell_value(number(raw))
    if col.type is Type.DATE:
        return day(raw)
    if col.type is Type.ANY and not isinstance(raw, bool | str):
        return st.cell_value(raw)
    if col.type is Type.ANY and isinstance(raw, str):
        try:
            return st.cell_value(number(raw))
        except ValueError:
            return raw
    return st.cell_value(raw)


def write(
    ws: Worksheet,
    name: str,
    cols: Sequence[Col],
    rows: Sequence[Row],
    row: int = st.HEADER_ROW,
    col: int = 1,
    alerts: Sequence[Alert] = (),
) -> Placed:
    """``rows`` as the Excel Table ``name`` with its header at (``row``, ``col``); the
    columns sized, formatted and highlighted by ``alerts``."""
    from openpyxl.worksheet.table import Table, TableStyleInfo

    for j, c in enumerate(cols):
        st.embolden(st.put(ws, row, col + j, c.header))
        letter = st.get_column_letter(col + j)
        ws.column_dimensions[letter].width = max(
            st.fit_width(c.column), st.column_width(ws, col + j)
        )
    for i, values in enumerate(rows or [{}], start=1):
        for j, c in enumerate(cols):
            fmt = c.fmt or st.number_format(c.column)
            st.put(ws, row + i, col + j, cell(c, values.get(c.key)), fmt)
    placed = Placed(ws, tuple(cols), row, col, len(rows))
    first, last = st.get_column_letter(col), st.get_column_letter(placed.last_col)
    table = Table(displayName=name, ref=f"{first}{row}:{last}{placed.last_row}")
    table.tableStyleInfo = TableStyleInfo(
        name=st.TABLE_STYLE, showRowStripes=True, showColumnStripes=False
    )
    table._initialise_columns()
    for column, c in zip(table.tableColumns, cols, strict=True):
        column.name = c.header
    ws.add_table(table)
    for alert in alerts:
        highlight(placed, alert)
    return placed


def highlight(placed: Placed, alert: Alert) -> None:
    """``alert`` as a conditional format on its column's data cells."""
    from openpyxl.formatting.rule import Rule
    from openpyxl.styles import Font, PatternFill
    from openpyxl.styles.differential import DifferentialStyle

    first = placed.row + 1
    refs = {c.header: f"${placed.letter(c.header)}{first}" for c in placed.cols}
    formula = alert.formula
    for header, ref in sorted(refs.items(), key=lambda kv: -len(kv[0])):
        formula = formula.replace("{" + header + "}", ref)
    background, text = alert.fill
    style = DifferentialStyle(
        fill=PatternFill(bgColor=background, fill_type="solid"), font=Font(color=text)
    )
    letter = placed.letter(alert.header)
    placed.ws.conditional_formatting.add(
        f"{letter}{first}:{letter}{placed.last_row}",
        Rule(type="expression", dxf=style, formula=[formula], stopIfTrue=True),
    )


def below(value: str, limit: str) -> str:
    """An alert formula: the cell ``{value}`` is a number under ``limit`` (a number or
    another ``{Header}``)."""
    guards = [f"ISNUMBER({value})"]
    if limit.startswith("{"):
        guards.append(f"ISNUMBER({limit})")
    return f"AND({','.join(guards)},{value}<{limit})"


def at_least(value: str, limit: str) -> str:
    return f"AND(ISNUMBER({value}),{value}>={limit})"


def contains(value: str, text: str) -> str:
    """An alert formula: the cell ``{value}`` holds ``text`` (case-insensitive)."""
    return f'ISNUMBER(SEARCH("{text}",{value}))'
