"""The invoice workbook (and its PDF through LibreOffice), written to ``invoices/``.

Two printable sheets: ``Invoice`` (the firm, the client, number, dates, the lines, net,
tax, gross and the payment terms) and ``Entries`` (each line's rows, as
``workbook!sheet!row``, so every figure is traced to what was booked), and the hidden
``_psos`` marker of kind ``invoice``: sync and validate pass over the file. Values only,
no formulas, so every spreadsheet shows the same.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from psos_xl.billing import InvoiceStatus, Line
from psos_xl.pricing.money import percent
from psos_xl.workbook.styles import band_header, document_layout, put_value

if TYPE_CHECKING:
    from psos_xl.store.invoices import StoredInvoice
    from psos_xl.workspace import Workspace

_TITLE = 18
_RATE_FORMAT = "#,##0.00##"
_QTY_FORMAT = "#,##0.00"
FIGURES = ("Quantity", "Unit price", "Amount")  # headers over figures: aligned right


def write_invoice(
    ws: Workspace, inv: StoredInvoice, lines: list[Line], pdf: bool
) -> tuple[Path, Path | None]:
    """Write ``invoices/<number>.xlsx`` (and with ``pdf`` its PDF); the paths written."""
    from psos_xl.app.quote import to_pdf

    out_dir = ws.root / (Path(inv.path).parent if inv.path else Path("invoices"))
    out_dir.mkdir(parents=True, exist_ok=True)
    xlsx = out_dir / f"{inv.number}.xlsx"
    wb = invoice_workbook(inv, lines, ws.name, ws.payment_terms_days)
    tmp = xlsx.with_name(f".{xlsx.name}.tmp")
    try:
        wb.save(tmp)
        tmp.replace(xlsx)
    finally:
        tmp.unlink(missing_ok=True)
    return xlsx, to_pdf(xlsx, out_dir) if pdf else None


def invoice_workbook(inv: StoredInvoice, lines: list[Line], firm: str, terms_days: int) -> Any:
    """The openpyxl Workbook of invoice (or credit note) ``inv``."""
    import openpyxl

    from psos_xl.workbook.spec import SCHEMA_VERSION, OutputKind
    from psos_xl.workbook.styles import write_marker

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    _invoice_sheet(wb, inv, lines, firm, terms_days)
    _entries_sheet(wb, lines, firm)
    write_marker(
        wb,
        [
            ("kind", OutputKind.INVOICE.value),
            ("schema", SCHEMA_VERSION),
            ("engagement", inv.engagement),
            ("invoice", inv.number),
        ],
    )
    wb.active = 0
    return wb


def money_format(currency: str) -> str:
    return f'#,##0.00 "{currency}"' if currency else "#,##0.00"


def _long_date(d: date) -> str:
    return f"{d.day} {d.strftime('%B')} {d.year}"


def _invoice_sheet(
    wb: Any, inv: StoredInvoice, lines: list[Line], firm: str, terms_days: int
) -> None:
    from openpyxl.styles import Alignment, Border, Font, Side

    credit_note = inv.status == InvoiceStatus.CREDIT_NOTE.value
    title = "Credit note" if credit_note else "Invoice"
    fmt = money_format(inv.currency)
    ws = wb.create_sheet(title)
    for letter, width in zip("ABCD", (62, 12, 16, 18), strict=True):
        ws.column_dimensions[letter].width = width
    put_value(ws, 1, 1, firm or title).font = Font(bold=True, size=_TITLE)
    put_value(ws, 2, 1, f"{title} {inv.number}").font = Font(bold=True, size=13)
    head: list[tuple[str, Any]] = [
        (f"{title} number", inv.number),
        (f"{title} date", inv.issued_on),
        ("Due date", inv.due_on),
        ("Client", inv.client),
        ("Engagement", inv.engagement),
        ("Work up to and including", inv.through),
        ("Currency", inv.currency),
    ]
    if inv.credits:
        head.append(("Credits invoice", inv.credits))
    r = 4
    for label, value in head:
        put_value(ws, r, 1, label).font = Font(bold=True)
        cell = put_value(ws, r, 2, value)
        if isinstance(value, date):
            cell.number_format = "d mmmm yyyy"
        cell.alignment = Alignment(horizontal="left")
        ws.merge_cells(start_row=r, start_column=2, end_row=r, end_column=4)
        r += 1
    r += 1
    top = r
    band_header(ws, r, ["Description", "Quantity", "Unit price", "Amount"], FIGURES)
    for line in lines:
        r += 1
        put_value(ws, r, 1, line.description).alignment = Alignment(wrap_text=True, vertical="top")
        for col, value, number_format in (
            (2, line.quantity, _QTY_FORMAT),
            (3, line.rate, _RATE_FORMAT),
            (4, line.amount, fmt),
        ):
            cell = put_value(ws, r, col, value)
            cell.number_format = number_format
            cell.alignment = Alignment(vertical="top")
    rule = Border(top=Side(style="thin", color="808080"))
    rate = percent(inv.tax_rate) if inv.tax_rate else "0 %"
    r += 1
    for label, value, bold in (
        ("Net", inv.net, False),
        (f"Tax {rate}", inv.tax, False),
        ("Total due" if not credit_note else "Total credited", inv.gross, True),
    ):
        r += 1
        label_cell = put_value(ws, r, 3, label)
        label_cell.font = Font(bold=bold)
        label_cell.alignment = Alignment(horizontal="right")
        cell = put_value(ws, r, 4, value)
        cell.number_format = fmt
        cell.font = Font(bold=bold)
        if bold:
            label_cell.border = rule
            cell.border = rule
    r += 2
    terms = (
        f"This credit note reverses invoice {inv.credits} in full."
        if credit_note
        else f"Payment terms: {terms_days} days net. Please pay {inv.gross:,.2f} "
        f"{inv.currency} by {_long_date(inv.due_on)}, quoting {inv.number}."
    )
    put_value(ws, r, 1, terms.strip()).alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=4)
    ws.freeze_panes = None
    document_layout(ws, firm, top)


def _entries_sheet(wb: Any, lines: list[Line], firm: str) -> None:
    from openpyxl.styles import Alignment

    ws = wb.create_sheet("Entries")
    for letter, width in zip("ABC", (8, 12, 70), strict=True):
        ws.column_dimensions[letter].width = width
    band_header(ws, 1, ["Line", "Kind", "Entry"])
    r = 1
    for no, line in enumerate(lines, start=1):
        for ref in line.entries or [""]:
            r += 1
            put_value(ws, r, 1, no).alignment = Alignment(horizontal="left")
            put_value(ws, r, 2, line.kind.value)
            put_value(ws, r, 3, ref or "(no time entries: billed by the terms of the engagement)")
    ws.freeze_panes = "A2"
    document_layout(ws, firm, 1)
