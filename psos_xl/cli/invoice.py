"""``psos invoice``: invoice an engagement, credit an invoice, list and export invoices."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from psos_xl.cli.common import JsonOpt, console, parse_date, print_json

if TYPE_CHECKING:
    from psos_xl.app.invoice import InvoiceResult
    from psos_xl.app.invoices import InvoiceList

_ACTIONS = ("list", "export")


def register(app: typer.Typer) -> None:
    @app.command()
    def invoice(
        target: Annotated[
            str,
            typer.Argument(
                help="The workspace folder (default: here); or 'list' or 'export'.",
                show_default=False,
            ),
        ] = ".",
        directory: Annotated[
            Path | None,
            typer.Argument(
                help="With 'list' or 'export': the workspace folder (default: here).",
                show_default=False,
            ),
        ] = None,
        engagement: Annotated[
            str, typer.Option("--engagement", help="The engagement to invoice (list: only it).")
        ] = "",
        through: Annotated[
            str, typer.Option("--through", help="Invoice what is due up to this day (YYYY-MM-DD).")
        ] = "",
        credit: Annotated[
            str, typer.Option("--credit", help="Credit invoice INV-… whole with a credit note.")
        ] = "",
        pdf: Annotated[
            bool, typer.Option("--pdf", help="Also write a PDF (needs LibreOffice).")
        ] = False,
        by: Annotated[str, typer.Option("--by", help="Who issues the invoice.")] = "",
        fmt: Annotated[str, typer.Option("--format", help="With 'export': csv or json.")] = "csv",
        from_: Annotated[
            str, typer.Option("--from", help="With 'export': first invoice date (YYYY-MM-DD).")
        ] = "",
        to: Annotated[
            str, typer.Option("--to", help="With 'export': last invoice date (YYYY-MM-DD).")
        ] = "",
        store: Annotated[
            str | None, typer.Option(help="Store URL (default: the workspace's).")
        ] = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Invoice what is due on an engagement and not yet invoiced: numbered
        INV-YYYY-NNNN, recorded in the store with the rows it bills, written to invoices/
        (and with --pdf a PDF). --credit INV-… credits an invoice whole; 'psos invoice
        list' lists the invoices; 'psos invoice export' writes one row per line."""
        from psos_xl.app.invoice import InvoiceError, credit_invoice, issue_invoice

        folder = directory or Path()
        if target == "list" and not Path(target).is_dir():
            from psos_xl.app.invoices import list_invoices

            _listing(list_invoices(folder, engagement or None, store), as_json)
            return
        if target == "export" and not Path(target).is_dir():
            from psos_xl.app.invoices import export_invoices

            text = export_invoices(
                folder, fmt, parse_date(from_, "--from"), parse_date(to, "--to"), store
            )
            sys.stdout.write(text)
            return
        root = Path(target)
        if credit:
            result = credit_invoice(root, credit, pdf, by, store_url=store)
        else:
            if not engagement:
                raise InvoiceError("--engagement is required: the engagement to invoice")
            day = parse_date(through, "--through")
            if day is None:
                raise InvoiceError("--through is required: invoice what is due up to this day")
            result = issue_invoice(root, engagement, day, pdf, by, store_url=store)
        if as_json:
            print_json(result.to_json())
        else:
            _show(result)


def _show(result: InvoiceResult) -> None:
    from rich.table import Table

    from psos_xl.cli.tables import figure, fit

    screen = console()
    for note in result.notes:
        console(stderr=True).print(f"[yellow]Note:[/yellow] {note}")
    if result.number is None:
        screen.print(
            f"Nothing due on {result.engagement} through {result.through.isoformat()}: "
            "no invoice written.",
            markup=False,
        )
        return
    what = f"Credit note of {result.credits}" if result.credits else "Invoice"
    table = Table(title=f"{what} {result.number} · {result.engagement} · {result.client}")
    figure(table, "Kind", justify="left")
    table.add_column("Description", overflow="fold")
    for head in ("Quantity", "Rate", "Amount"):
        figure(table, head)
    for line in result.lines:
        table.add_row(
            line.kind.value,
            line.description,
            f"{line.quantity:,.2f}",
            f"{line.rate:,.2f}",
            f"{line.amount:,.2f}",
        )
    money = result.currency
    table.add_row("", "Net", "", "", f"{result.net:,.2f} {money}".strip())
    table.add_row("", "Tax", "", "", f"{result.tax:,.2f} {money}".strip())
    table.add_row("", "Gross", "", "", f"{result.gross:,.2f} {money}".strip())
    screen.print(fit(table))
    screen.print(f"Invoice written: {result.xlsx}", markup=False)
    if result.pdf is not None:
        screen.print(f"PDF written:     {result.pdf}", markup=False)


def _listing(result: InvoiceList, as_json: bool) -> None:
    from rich.table import Table

    from psos_xl.cli.tables import figure, fit

    if as_json:
        print_json(result.to_json())
        return
    screen = console()
    if not result.invoices:
        screen.print("No invoices issued yet.")
        return
    table = Table(title="Invoices")
    for head in ("Invoice", "Engagement", "Issued", "Through"):
        figure(table, head, justify="left")
    for head in ("Net", "Tax", "Gross"):
        figure(table, head)
    figure(table, "Status", justify="left")
    for inv in result.invoices:
        status = inv.status
        if inv.credits:
            status = f"{status} of {inv.credits}"
        elif inv.credited_by:
            status = f"{status} by {inv.credited_by}"
        table.add_row(
            inv.number,
            inv.engagement,
            inv.issued_on.isoformat(),
            inv.through.isoformat(),
            f"{inv.net:,.2f}",
            f"{inv.tax:,.2f}",
            f"{inv.gross:,.2f} {inv.currency}".strip(),
            status,
        )
    screen.print(fit(table))
