"""Invoices and credit notes (DESIGN §14), pure: rows and terms in, lines out.

- :mod:`.model`: rows, invoiced rows, lines, drafts and invoice numbers;
- :mod:`.compute`: what is due on an engagement through a day, corrections of rows
  invoiced before, the lines of a credit note, and the work not yet invoiced.

No store, no files: :mod:`psos_xl.app.invoice` reads the store and writes the invoice.
"""

from __future__ import annotations

from psos_xl.billing.compute import Billing, Terms, credit_of, due
from psos_xl.billing.model import (
    Draft,
    Invoiced,
    InvoiceStatus,
    Line,
    LineKind,
    Row,
    number_text,
    parse_number,
)

__all__ = [
    "Billing",
    "Draft",
    "InvoiceStatus",
    "Invoiced",
    "Line",
    "LineKind",
    "Row",
    "Terms",
    "credit_of",
    "due",
    "number_text",
    "parse_number",
]
