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
        scope: Annotated[
            Path | None,
            typer.Argument(
                help="The scope workbook to quote; or 'list'; or, with --accept/--decline, "
                "the workspace folder (default: here).",
                show_default=False,
            ),
        ] = None,
        directory: Annotated[
            Path | None,
            typer.Argument(
                help="With 'list': the workspace folder (default: here).", show_default=False
            ),
        ] = None,
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
        accept: Annotated[
            str, typer.Option("--accept", help="Record that the client accepted quote Q-….")
        ] = "",
        decline: Annotated[
            str, typer.Option("--decline", help="Record that the client declined quote Q-….")
        ] = "",
        by: Annotated[str, typer.Option("--by", help="Who records the client's answer.")] = "",
        engagement: Annotated[
            str | None, typer.Option("--engagement", help="With 'list': only this engagement.")
        ] = None,
        store: Annotated[
            str | None, typer.Option(help="Store URL (default: the workspace's).")
        ] = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Issue the client quote of a scope: numbered Q-YYYY-NNNN, versioned, recorded in
        the store, written as a workbook (and with --pdf a PDF). 'psos quote list' lists
        the quotes; --accept/--decline record the client's answer."""
        from psos_xl.cli import quote_view

        if accept or decline:
            if accept and decline:
                raise typer.BadParameter("give --accept or --decline, not both")
            quote_view.answer(scope or Path(), accept or decline, bool(accept), by, store, as_json)
        elif scope is not None and scope.as_posix() == "list" and not scope.is_file():
            quote_view.listing(directory or Path(), engagement, store, as_json)
        elif scope is None:
            raise typer.BadParameter("give the scope workbook to quote (or 'list')")
        else:
            quote_view.issue(scope, out, pdf, hours, catalog, store, as_json)
