"""A table psos owns (DESIGN §11): where it sits when psos has to add it, and how the
cells psos writes into it look.

    owned = OwnedTable(spec.DELIVERY, title="Scope ACME-01 · Delivery",
                       highlights=(Highlight("Alert", (...)),))
    write_table(path, "Delivery", headers, rows, owned=owned)

Given one, the table patch (:mod:`psos_xl.workbook.patch`) adds the table when the
workbook lacks it (:mod:`psos_xl.workbook.newsheet`), gives every cell it writes the
number format of its column's type (:func:`psos_xl.workbook.styles.number_format`, the
mapping the templates use), widens a column too narrow for what it now holds, and keeps
each highlight's conditional format over the column's data rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from psos_xl.workbook import styles
from psos_xl.workbook.sheetfmt import ensure_rules, widen_columns
from psos_xl.workbook.sheetxml import CellValue, col_letters
from psos_xl.workbook.spec import Column, TableSpec, Type
from psos_xl.workbook.stylesxml import Fill, StylesXml

# Excel's own "bad / neutral" palette, with an orange between them
AMBER = Fill("FFFFEB9C", "FF9C5700")
ORANGE = Fill("FFFFCC99", "FF833C0B")
RED = Fill("FFFFC7CE", "FF9C0006")
MAX_WIDTH = 60.0
_FILTER_BUTTON = 3.0  # a header cell also holds the table's filter button
_PAD = 2.0


@dataclass(frozen=True)
class Highlight:
    """A conditional format on one column: the first rule whose texts one of the cell's
    words contains (case-insensitive) gives the cell its fill."""

    header: str
    rules: tuple[tuple[tuple[str, ...], Fill], ...]


@dataclass(frozen=True)
class OwnedTable:
    """A table psos writes whole: its contract, and the sheet psos adds when it is missing
    (title rows above it as the templates have them, its header at ``header_row``,
    its first column ``first_col``)."""

    spec: TableSpec
    title: str = ""
    help: str = ""
    header_row: int = styles.HEADER_ROW
    first_col: int = 1
    highlights: tuple[Highlight, ...] = ()

    @property
    def sheet(self) -> str:
        return self.spec.sheet

    def column(self, header: str) -> Column | None:
        wanted = header.strip().casefold()
        return next((c for c in self.spec.columns if c.header.casefold() == wanted), None)


def number_format(column: Column | None) -> str | None:
    return styles.number_format(column) if column is not None else None


def typed(column: Column | None, value: CellValue) -> CellValue:
    """``value`` as its cell holds it: ISO text in a date or date-time column becomes a
    date cell (a moment in UTC, without its zone); anything else as it is."""
    if column is None:
        return value
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    if not isinstance(value, str) or column.type not in (Type.DATE, Type.DATETIME):
        return value
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        return value
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.date() if column.type is Type.DATE else moment


def shown(value: CellValue, fmt: str | None) -> str:
    """About what a cell of format ``fmt`` shows for ``value`` (to size its column)."""
    if value is None or isinstance(value, bool):
        return "" if value is None else "TRUE"
    if isinstance(value, datetime | date):
        return (fmt or "yyyy-mm-dd").replace("ddd ", "Mon ")
    if isinstance(value, int | float | Decimal):
        number = float(value)
        if not math.isfinite(number):
            return ""
        if fmt and fmt.endswith("%"):
            places = len(fmt.split(".")[1]) - 1 if "." in fmt else 0
            return f"{number * 100:,.{places}f}%"
        if fmt and "." in fmt:
            places = len(fmt.split(".")[1].rstrip("#")) or 2
            return f"{number:,.{places}f}" if "," in fmt else f"{number:.{places}f}"
        return repr(value) if isinstance(value, float) else str(value)
    return str(value)


def fit_width(header: str, values: list[CellValue], fmt: str | None) -> float:
    """A column width (in characters) that shows ``header`` and every value."""
    longest = max((len(line) for v in values for line in shown(v, fmt).split("\n")), default=0)
    return min(MAX_WIDTH, max(len(header) + _FILTER_BUTTON, longest + _PAD))


def search_formula(texts: tuple[str, ...], top_left: str) -> str:
    """True where the cell at ``top_left`` (relative) contains any of ``texts``."""
    tests = [f'ISNUMBER(SEARCH("{t.replace(chr(34), chr(34) * 2)}",{top_left}))' for t in texts]
    return tests[0] if len(tests) == 1 else f"OR({','.join(tests)})"


@dataclass
class Dressing:
    """How the cells and the sheet of one owned table being written look: the table's
    columns (as the table has them, from column ``c1``) matched to the contract's."""

    owned: OwnedTable
    styles: StylesXml | None
    columns: tuple[str, ...]
    c1: int

    def _formats(self) -> dict[int, str]:
        out: dict[int, str] = {}
        for offset, header in enumerate(self.columns):
            fmt = number_format(self.owned.column(header))
            if fmt is not None:
                out[self.c1 + offset] = fmt
        return out

    def restyle(self, base: dict[int, str]) -> dict[int, str]:
        """The cell styles new cells take: ``base`` (the first old row's, by column),
        each with the number format of its column's type."""
        if self.styles is None:
            return base
        out = dict(base)
        for col, fmt in self._formats().items():
            out[col] = self.styles.with_format(base.get(col), fmt)
        return out

    def typed_rows(self, headers: list[str], rows: list[list[CellValue]]) -> list[list[CellValue]]:
        columns = [self.owned.column(h) for h in headers]
        return [[typed(c, v) for c, v in zip(columns, row, strict=True)] for row in rows]

    def widen(self, xml: str, p: str, values: dict[int, list[CellValue]]) -> str:
        """The sheet's text (up to its rows) with each owned column wide enough for its
        header and ``values`` (by column); a wider column stays as wide."""
        formats = self._formats()
        wants = {}
        for col, vals in values.items():
            header = self.columns[col - self.c1]
            if self.owned.column(header) is not None:
                wants[col] = fit_width(header, vals, formats.get(col))
        return widen_columns(xml, p, wants)

    def highlight(self, xml: str, p: str, first: int, last: int) -> str:
        """The sheet's text (after its rows) with each highlight's conditional format
        over its column's rows ``first``..``last``."""
        if self.styles is None:
            return xml
        for highlight in self.owned.highlights:
            folded = [c.strip().casefold() for c in self.columns]
            if highlight.header.casefold() not in folded:
                continue
            col = self.c1 + folded.index(highlight.header.casefold())
            top = f"{col_letters(col)}{first}"
            rules = [
                (search_formula(texts, top), self.styles.dxf(fill))
                for texts, fill in highlight.rules
            ]
            sqref = top if last == first else f"{top}:{col_letters(col)}{last}"
            xml = ensure_rules(xml, p, sqref, rules)
        return xml
