"""The scope's ``Pricing`` sheet: live psos functions, and the last priced snapshot.

Layout (the scope writer calls :func:`build_pricing_sheet` once the other sheets exist)::

    A1  title                      A2  what the sheet is
    A4:C8  live block              E4:F5  PricingInfo (Field/Value)   H4:Q5  PricedLines
           label | scope basis | P50 basis
    A10↓  PSOS_VALIDATE's issues (a column that spills down)

The live cells call the psos functions and fall back to the snapshot where the add-in
is absent (a client's copy, LibreOffice, Excel without xlwings)::

    =IFERROR(PSOS_PRICE(ScopeInfo[#All],Deliverables[#All],Overrides[#All],"",psos_workspace),
             IFERROR(INDEX(PricingInfo[Value],MATCH("Price",PricingInfo[Field],0)),"not priced"))

Structured references are written in the file's own form (``Table[#All]``,
``Table[Column]``), which Excel 2010 and LibreOffice 7 both read. ``psos_workspace`` is
a workbook name that looks up the ``PSOS_WORKSPACE`` key of the ``xlwings.conf`` sheet
(added here with ``UDF Modules`` when the workbook has none), so the functions find the
firm's catalog without reaching into the workbook through COM.

The snapshot tables sit side by side with nothing below them: ``psos price --write``
replaces their rows in the package (they may grow downwards freely). Each starts with one
blank row; new rows take that row's number formats. What rows they get is decided here
too (:func:`snapshot_rows`): PricingInfo holds :data:`INFO_FIELDS`, then, for a scope
priced both ways (``psos new scope --like``), :data:`BOTH_WAYS_FIELDS`; PricedLines holds
one row per priced line, in ``spec.PRICED_LINES`` column order.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP
from enum import Enum
from typing import TYPE_CHECKING, Any

from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from psos_xl import models as m
from psos_xl.pricing.quote import MARGIN_PLACES
from psos_xl.workbook import spec
from psos_xl.workbook import styles as st

if TYPE_CHECKING:
    from psos_xl.pricing import Quote, QuoteLine
    from psos_xl.workbook.patch import CellValue

SHEET = "Pricing"
CONF_SHEET = st.CONF_SHEET
UDF_MODULE = "psos_xl.udfs.functions"
WORKSPACE_KEY = "PSOS_WORKSPACE"
WORKSPACE_NAME = "psos_workspace"
NOT_PRICED = "not priced yet"
LIVE_HEADER_ROW = 4
SNAPSHOT_HEADER_ROW = 4
INFO_COL = 5  # E
LINES_COL = 8  # H
CHECKS_ROW = 10
SNAPSHOT_VALUE_FORMAT = "#,##0.00##"
# PricingInfo's Value column: wide enough for a price or the time priced; the catalog's
# hash shrinks to fit it rather than spill over the next table
VALUE_WIDTH = 40
# PricingInfo fields that are fractions, shown as percentages like the live Margin cell
PERCENT_FIELDS = ("Discount", "Margin")
# PricingInfo fields, in the order psos price --write stores them
INFO_FIELDS = (
    "PricedAt",
    "CatalogSha256",
    "Engagement",
    "BillingModel",
    "Basis",
    "Currency",
    "Hours",
    "Cost",
    "List",
    "Discount",
    "Price",
    "Margin",
)
# PricingInfo fields a scope priced both ways adds: (catalog basis, P50 basis) × (price, hours)
BOTH_WAYS_FIELDS = ("PriceCatalog", "PriceCalibrated", "HoursCatalog", "HoursCalibrated")
_SCOPE_ARGS = "ScopeInfo[#All],Deliverables[#All],Overrides[#All]"
_HELP = (
    "Live figures come from the psos functions (Excel with the xlwings add-in, see "
    "docs/excel-setup.md); without them the last snapshot stored by "
    "'psos price --write' is shown."
)
_LABEL_FONT = Font(bold=True)
_NOTE_FONT = Font(italic=True, color="7F7F7F")


def snapshot_ref(field: str) -> str:
    """A formula reading one PricingInfo value by its Field."""
    return f'INDEX(PricingInfo[Value],MATCH("{field}",PricingInfo[Field],0))'


def live_formula(function: str, field: str, basis: str = "") -> str:
    """``=IFERROR(<psos call>, <snapshot value or "not priced yet">)``."""
    call = f'{function}({_SCOPE_ARGS},"{basis}",{WORKSPACE_NAME})'
    fallback = f'IFERROR({snapshot_ref(field)},"{NOT_PRICED}")' if field else '""'
    return f"=IFERROR({call},{fallback})"


def checks_formula() -> str:
    call = f"PSOS_VALIDATE({_SCOPE_ARGS},Assumptions[#All],{WORKSPACE_NAME})"
    return f'=IFERROR({call},"Checks need the psos functions (docs/excel-setup.md)")'


def snapshot_rows(
    quote: Quote,
    catalog_sha256: str,
    priced_at: datetime | None = None,
    both_ways: tuple[Quote, Quote] | None = None,
) -> tuple[list[list[CellValue]], list[list[CellValue]]]:
    """The PricingInfo (Field, Value) and PricedLines rows of the snapshot of ``quote``.

    ``priced_at`` defaults to now (UTC, to the second); ``both_ways`` is the scope priced
    on the Catalog and on the P50 basis, whose prices and hours follow the usual fields.
    """
    when = (priced_at or datetime.now(UTC)).isoformat(timespec="seconds")
    margin = quote.margin
    if margin is not None:
        margin = margin.quantize(MARGIN_PLACES, rounding=ROUND_HALF_UP)
    values: dict[str, CellValue] = {
        "PricedAt": when,
        "CatalogSha256": catalog_sha256,
        "Engagement": quote.engagement,
        "BillingModel": str(quote.billing_model) if quote.billing_model else "",
        "Basis": str(quote.basis),
        "Currency": quote.currency,
        "Hours": quote.hours,
        "Cost": quote.cost,
        "List": quote.list,
        "Discount": quote.discount,
        "Price": quote.price,
        "Margin": margin,
    }
    info: list[list[CellValue]] = [[f, values[f]] for f in INFO_FIELDS]
    if both_ways is not None:
        on_catalog, on_p50 = both_ways
        compared = (on_catalog.price, on_p50.price, on_catalog.hours, on_p50.hours)
        info.extend([f, v] for f, v in zip(BOTH_WAYS_FIELDS, compared, strict=True))
    return info, [line_cells(line) for line in quote.lines]


def line_cells(line: QuoteLine) -> list[CellValue]:
    """One priced line as a PricedLines row (``spec.PRICED_LINES`` column order)."""
    cells: list[CellValue] = []
    for column in spec.PRICED_LINES.columns:
        value = getattr(line, column.field)
        cells.append(str(value) if isinstance(value, Enum) else value)
    return cells


def build_pricing_sheet(wb: Workbook, scope: m.Scope, workspace: str = "") -> Worksheet:
    """Create (or rebuild in place) the scope's Pricing sheet in ``wb``.

    ``workspace`` is written as the ``PSOS_WORKSPACE`` value of a new ``xlwings.conf``
    sheet (blank: the functions use the PSOS_WORKSPACE environment variable).
    """
    ws = _fresh_sheet(wb)
    label = scope.info.engagement or "(new)"
    heading = f"Scope {label}" + (f" · {scope.info.title}" if scope.info.title else "")
    st.title(ws, f"{heading} · Pricing", _HELP)
    _live_block(ws)
    _table(ws, spec.PRICING_INFO, SNAPSHOT_HEADER_ROW, INFO_COL, {"Value": SNAPSHOT_VALUE_FORMAT})
    _value_column(ws)
    _table(ws, spec.PRICED_LINES, SNAPSHOT_HEADER_ROW, LINES_COL, {})
    note = ws.cell(row=SNAPSHOT_HEADER_ROW - 1, column=INFO_COL)
    note.value = "Last priced snapshot (psos price --write): values only"
    note.font = _LABEL_FONT
    _conf_sheet(wb, workspace)
    return ws


def _fresh_sheet(wb: Workbook) -> Worksheet:
    """An empty Pricing sheet where the old one was (before Delivery when new)."""
    if SHEET in wb.sheetnames:
        index = wb.sheetnames.index(SHEET)
        wb.remove(wb[SHEET])
    elif "Delivery" in wb.sheetnames:
        index = wb.sheetnames.index("Delivery")
    else:
        index = len(wb.sheetnames)
    ws: Worksheet = wb.create_sheet(SHEET, index)
    return ws


def _live_block(ws: Worksheet) -> None:
    r = LIVE_HEADER_ROW
    for col, text in enumerate(("Live (psos functions)", "Scope's basis", "P50 basis"), 1):
        ws.cell(row=r, column=col, value=text).font = _LABEL_FONT
    rows: list[tuple[str, str, str, str]] = [
        ("Price", "PSOS_PRICE", "Price", st.MONEY_FORMAT),
        ("Margin", "PSOS_MARGIN", "Margin", st.PERCENT_FORMAT),
    ]
    for i, (text, function, field, fmt) in enumerate(rows, start=1):
        ws.cell(row=r + i, column=1, value=text).font = _LABEL_FONT
        st.put_formula(ws, f"B{r + i}", live_formula(function, field), fmt)
        st.put_formula(ws, f"C{r + i}", live_formula(function, "", "P50"), fmt)
    ws.cell(row=r + 3, column=1, value="Snapshot priced at").font = _LABEL_FONT
    st.put_formula(ws, f"B{r + 3}", f'=IFERROR({snapshot_ref("PricedAt")},"{NOT_PRICED}")')
    ws.cell(row=r + 4, column=1, value="Snapshot catalog").font = _LABEL_FONT
    sha = st.put_formula(ws, f"B{r + 4}", f'=IFERROR({snapshot_ref("CatalogSha256")},"")')
    sha.alignment = Alignment(shrink_to_fit=True)  # the hash, not spilling into the table
    ws.cell(row=CHECKS_ROW - 1, column=1, value="Checks (live)").font = _LABEL_FONT
    cell = st.put_formula(ws, f"A{CHECKS_ROW}", checks_formula())
    cell.alignment = Alignment(wrap_text=False)
    ws.cell(row=CHECKS_ROW - 1, column=2, value="issues spill down column A").font = _NOTE_FONT
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 18
    ws.column_dimensions["C"].width = 18
    ws.column_dimensions["D"].width = 3
    ws.column_dimensions["G"].width = 3


def _table(
    ws: Worksheet, table: spec.TableSpec, header_row: int, first_col: int, formats: dict[str, str]
) -> None:
    """``table`` as an Excel Table at (header_row, first_col) with one blank data row,
    formatted by column (:func:`psos_xl.workbook.styles.number_format`, or ``formats``
    by header)."""
    for j, column in enumerate(table.columns):
        col = first_col + j
        st.embolden(st.put(ws, header_row, col, column.header))
        ws.column_dimensions[get_column_letter(col)].width = st.fit_width(column)
        fmt = formats.get(column.header) or st.number_format(column)
        if fmt:
            ws.cell(row=header_row + 1, column=col).number_format = fmt
    last = get_column_letter(first_col + len(table.columns) - 1)
    ref = f"{get_column_letter(first_col)}{header_row}:{last}{header_row + 1}"
    t = Table(displayName=table.name, ref=ref)
    t.tableStyleInfo = TableStyleInfo(
        name=st.TABLE_STYLE, showRowStripes=True, showColumnStripes=False
    )
    t._initialise_columns()
    for column, header in zip(t.tableColumns, table.headers, strict=True):
        column.name = header
    ws.add_table(t)


def _value_column(ws: Worksheet) -> None:
    """PricingInfo's Value column: wide, long text shrunk to fit (the style of the blank
    row, which the rows ``psos price --write`` stores take), and the fractions shown as
    percentages by a conditional format on the Field beside them."""
    from openpyxl.formatting.rule import Rule
    from openpyxl.styles.differential import DifferentialStyle
    from openpyxl.styles.numbers import NumberFormat

    field, value = get_column_letter(INFO_COL), get_column_letter(INFO_COL + 1)
    ws.column_dimensions[value].width = VALUE_WIDTH
    ws.cell(row=SNAPSHOT_HEADER_ROW + 1, column=INFO_COL + 1).alignment = Alignment(
        shrink_to_fit=True
    )
    first = SNAPSHOT_HEADER_ROW + 1
    fields = ",".join(f'${field}{first}="{f}"' for f in PERCENT_FIELDS)
    percent = DifferentialStyle(numFmt=NumberFormat(numFmtId=10, formatCode=st.PERCENT_FORMAT))
    ws.conditional_formatting.add(
        f"{value}{first}:{value}{st.VALIDATION_LAST_ROW}",
        Rule(type="expression", dxf=percent, formula=[f"OR({fields})"]),
    )


def _conf_sheet(wb: Workbook, workspace: str) -> None:
    """The ``xlwings.conf`` sheet (UDF Modules, PSOS_WORKSPACE) and the name that reads it."""
    if CONF_SHEET not in wb.sheetnames:
        conf = wb.create_sheet(CONF_SHEET)
        rows: list[tuple[str, Any]] = [("UDF Modules", UDF_MODULE), (WORKSPACE_KEY, workspace)]
        for r, (key, value) in enumerate(rows, start=1):
            st.put(conf, r, 1, key)
            st.put(conf, r, 2, value)
        conf.column_dimensions["A"].width = 18
        conf.column_dimensions["B"].width = 60
        conf.sheet_state = "hidden"
    else:
        conf = wb[CONF_SHEET]
        keys = [str(conf.cell(row=r, column=1).value or "") for r in range(1, conf.max_row + 1)]
        if WORKSPACE_KEY not in keys:
            free = next((i for i, k in enumerate(keys, 1) if not k), len(keys) + 1)
            st.put(conf, free, 1, WORKSPACE_KEY)
            st.put(conf, free, 2, workspace)
        elif workspace:  # a workspace named now replaces the one set before; blank keeps it
            st.put(conf, keys.index(WORKSPACE_KEY) + 1, 2, workspace)
    lookup = f"'{CONF_SHEET}'!$A$1:$B$100"
    wb.defined_names[WORKSPACE_NAME] = DefinedName(
        WORKSPACE_NAME, attr_text=f'IFERROR(""&VLOOKUP("{WORKSPACE_KEY}",{lookup},2,FALSE),"")'
    )
