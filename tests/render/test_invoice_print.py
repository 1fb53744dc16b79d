"""The invoice and the credit note print as a client receives them (LibreOffice → PDF →
text): the firm, the client, the number, the dates, every line, net, tax, gross and the
payment terms, each sheet one page wide, no helper sheet."""

from __future__ import annotations

import billfirm
import pytest
from realclient.soffice import Soffice

from psos_xl.app.invoice import credit_invoice, issue_invoice

from .harness import HELPER_TEXT, Printed, print_all


@pytest.fixture(scope="module")
def printed(soffice: Soffice, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Printed]:
    root = billfirm.build(tmp_path_factory.mktemp("print-invoice") / "firm")
    invoice = issue_invoice(root, "TM-01", billfirm.THROUGH, today=billfirm.ISSUED)
    note = credit_invoice(root, invoice.number or "", today=billfirm.ISSUED)
    assert invoice.xlsx is not None and note.xlsx is not None
    out = tmp_path_factory.mktemp("print-invoice-pdf")
    return print_all({"invoice": invoice.xlsx, "credit": note.xlsx}, soffice, out)


def test_the_invoice_prints_every_figure_on_one_page(printed: dict[str, Printed]) -> None:
    invoice = printed["invoice"]
    assert invoice.sheets == ["Invoice", "Entries"]
    (page,) = invoice.pages_of("Invoice")
    for text in (
        "Billing firm",
        "Invoice INV-2026-0001",
        "Client TM",
        "1 December 2026",  # the invoice date
        "31 December 2026",  # due 30 days later
        "30 November 2026",  # the work up to and including
        "Solution architect (SA), 2 Nov 2026",
        "720.00 EUR",
        "648.00 EUR",
        "3,024.00 EUR",
        "Expense: Travel",
        "4,512.00 EUR",
        "Tax 20.0 %",
        "902.40 EUR",
        "5,414.40 EUR",
        "Payment terms: 30 days net",
    ):
        assert text in page, text
    (entries,) = invoice.pages_of("Entries")
    assert "timesheets/CY-2026-11-16.xlsx!Time!6" in entries
    for text in HELPER_TEXT:
        assert text not in invoice.text


def test_the_credit_note_prints_negative_figures_and_what_it_credits(
    printed: dict[str, Printed],
) -> None:
    page = printed["credit"].pages[0]  # the sheet "Credit note"
    assert len(printed["credit"].pages) == 2
    for text in (
        "Credit note INV-2026-0002",
        "INV-2026-0001",
        "-5,414.40 EUR",
        "reverses invoice INV-2026-0001 in full",
    ):
        assert text in page, text
