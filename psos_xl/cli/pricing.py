"""Pricing commands: price, quote."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from psos_xl.cli.common import JsonOpt, console, print_json

CatalogOpt = Annotated[
    Path | None, typer.Option(help="Catalog to price against (default: the workspace's).")
]


def register(app: typer.Typer) -> None:
    @app.command()
    def price(
        scope: Annotated[Path, typer.Argument(help="The scope workbook to price.")],
        catalog: CatalogOpt = None,
        write: Annotated[
            bool,
            typer.Option("--write", help="Store the priced snapshot in the scope's Pricing sheet."),
        ] = False,
        as_json: JsonOpt = False,
    ) -> None:
        """Price a scope: lines, totals, price, margin and schedule; exit 1 on an error."""
        from psos_xl.app.price import price_scope
        from psos_xl.cli.price_view import render_quote

        priced = price_scope(scope, catalog, write=write)
        if as_json:
            print_json(priced.to_json())
        else:
            if priced.snapshot is not None:
                console(stderr=True).print(
                    f"Snapshot {priced.snapshot}: {scope} (Pricing sheet)", markup=False
                )
            console().print(render_quote(priced.quote, priced.issues))
        raise typer.Exit(priced.exit_code)

    @app.command()
    def quote(
        scope: Annotated[Path, typer.Argument(help="The scope workbook to quote.")],
        out: Annotated[
            Path | None,
            typer.Option(help="Folder for the quote files (default: beside the scope)."),
        ] = None,
        pdf: Annotated[
            bool, typer.Option("--pdf", help="Also write a PDF (needs LibreOffice).")
        ] = False,
        hours: Annotated[
            bool, typer.Option("--hours", help="Show each deliverable's hours by role.")
        ] = False,
        catalog: CatalogOpt = None,
    ) -> None:
        """Write the client quote workbook (and with --pdf its PDF) for a scope."""
        from psos_xl.app.quote import build_quote

        files = build_quote(
            scope, out or scope.parent, catalog_path=catalog, pdf=pdf, show_hours=hours
        )
        screen = console()
        screen.print(f"Quote written: {files.xlsx}")
        if files.pdf is not None:
            screen.print(f"PDF written:   {files.pdf}")
