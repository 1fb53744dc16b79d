"""``psos invoice list`` and ``psos invoice export``: the invoices issued, for people and
for accounting (DESIGN §14); and what the margin report needs of them.

- :func:`list_invoices`: every invoice and credit note with its totals and status;
- :func:`export_invoices`: one row per invoice line with its references (the invoice,
  the engagement, the rows it bills as ``workbook!sheet!row``), as CSV or JSON, for an
  accounting import; ``--from``/``--to`` select by invoice date;
- :func:`invoiced_amounts`: the net invoiced per engagement, so ``psos report margin``
  shows the work recognised and not invoiced yet (:func:`psos_xl.economics.margin.margin`).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from psos_xl.app.invoice import InvoiceError
from psos_xl.pricing.money import dec_str
from psos_xl.workspace import Workspace, workspace_root

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from psos_xl.store.invoices import StoredInvoice

EXPORT_COLUMNS = (
    "invoice",
    "type",
    "status",
    "issued_on",
    "due_on",
    "through",
    "engagement",
    "client",
    "currency",
    "line",
    "kind",
    "description",
    "quantity",
    "rate",
    "amount",
    "tax_rate",
    "credits",
    "entries",
)
FORMATS = ("csv", "json")


def _stored(root: Path, store_url: str | None, **where: Any) -> list[StoredInvoice]:
    from psos_xl.app.accuracy import open_existing_store
    from psos_xl.store import invoices as si

    ws = Workspace.load(workspace_root(root))
    store = open_existing_store(ws, store_url)
    try:
        with store.connect() as conn:
            return si.load_invoices(conn, **where)
    finally:
        store.close()


def _row(inv: StoredInvoice) -> dict[str, Any]:
    return {
        "number": inv.number,
        "engagement": inv.engagement,
        "client": inv.client,
        "issued_on": inv.issued_on.isoformat(),
        "due_on": inv.due_on.isoformat(),
        "through": inv.through.isoformat(),
        "currency": inv.currency,
        "net": dec_str(inv.net),
        "tax": dec_str(inv.tax),
        "gross": dec_str(inv.gross),
        "status": inv.status,
        "credits": inv.credits,
        "credited_by": inv.credited_by,
        "issued_by": inv.issued_by,
        "path": inv.path,
    }


@dataclass(frozen=True)
class InvoiceList:
    invoices: list[StoredInvoice]

    def to_json(self) -> dict[str, Any]:
        return {"invoices": [_row(inv) for inv in self.invoices]}


def list_invoices(
    root: Path, engagement: str | None = None, store_url: str | None = None
) -> InvoiceList:
    """Every invoice and credit note (of one engagement), by number."""
    return InvoiceList(_stored(root, store_url, engagement=engagement))


def export_rows(
    root: Path,
    issued_from: date | None = None,
    issued_to: date | None = None,
    store_url: str | None = None,
) -> list[dict[str, str]]:
    """One row per invoice line of the invoices issued in the window (all when open)."""
    from psos_xl.app.accuracy import open_existing_store
    from psos_xl.store import invoices as si

    ws = Workspace.load(workspace_root(root))
    store = open_existing_store(ws, store_url)
    try:
        with store.connect() as conn:
            found = si.load_invoices(conn, issued_from=issued_from, issued_to=issued_to)
            lines = si.load_lines(conn, [inv.number for inv in found])
    finally:
        store.close()
    rows = []
    for inv in found:
        kind = "credit note" if inv.credits else "invoice"
        for line in lines[inv.number]:
            rows.append(
                {
                    "invoice": inv.number,
                    "type": kind,
                    "status": inv.status,
                    "issued_on": inv.issued_on.isoformat(),
                    "due_on": inv.due_on.isoformat(),
                    "through": inv.through.isoformat(),
                    "engagement": inv.engagement,
                    "client": inv.client,
                    "currency": inv.currency,
                    "line": str(line.line_no),
                    "kind": line.kind,
                    "description": line.description,
                    "quantity": dec_str(line.quantity),
                    "rate": dec_str(line.rate),
                    "amount": dec_str(line.amount),
                    "tax_rate": dec_str(inv.tax_rate),
                    "credits": inv.credits or "",
                    "entries": " ".join(line.entries),
                }
            )
    return rows


def export_invoices(
    root: Path,
    fmt: str,
    issued_from: date | None = None,
    issued_to: date | None = None,
    store_url: str | None = None,
) -> str:
    """The export as text: CSV with a header row (``entries`` space-separated), or JSON
    ``{"lines": [...]}`` with every figure a string."""
    if fmt not in FORMATS:
        raise InvoiceError(f"--format must be csv or json, got {fmt!r}")
    if issued_from and issued_to and issued_from > issued_to:
        raise InvoiceError("--from is after --to")
    rows = export_rows(root, issued_from, issued_to, store_url)
    if fmt == "json":
        return json.dumps({"lines": rows}, indent=2, ensure_ascii=False) + "\n"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(EXPORT_COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def invoiced_amounts(conn: Connection, through: date | None = None) -> dict[str, Decimal]:
    """The net invoiced per engagement, credit notes included: what a report subtracts
    from the revenue recognised to show work in progress not yet invoiced."""
    from psos_xl.store import invoices as si

    return si.invoiced_amounts(conn, through)
