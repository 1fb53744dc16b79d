"""How ``psos quote`` issues, answers and lists quotes on a terminal (or as JSON)."""

from __future__ import annotations

from pathlib import Path

from psos_xl.cli.common import console, print_json


def issue(
    scope: Path,
    out: Path | None,
    pdf: bool,
    hours: bool,
    catalog: Path | None,
    store: str | None,
    as_json: bool,
) -> None:
    from psos_xl.app.quote import build_quote

    files = build_quote(
        scope, out or scope.parent, catalog_path=catalog, pdf=pdf, show_hours=hours, store_url=store
    )
    issued = files.issued
    if as_json:
        print_json(
            {
                "number": issued.number if issued else None,
                "version": f"v{issued.version}" if issued else None,
                "status": issued.status.value if issued else None,
                "reused": issued.reused if issued else False,
                "valid_until": issued.valid_until.isoformat() if issued else None,
                "price": str(files.quote.price),
                "xlsx": str(files.xlsx),
                "pdf": str(files.pdf) if files.pdf else None,
                "warnings": files.warnings,
            }
        )
        return
    screen = console()
    warn = console(stderr=True)
    for text in files.warnings:
        warn.print(f"[yellow]Warning:[/yellow] {text}")
    if issued is not None:
        how = "unchanged since it was issued" if issued.reused else "issued"
        screen.print(
            f"Quote {issued.label} ({how}, {issued.status.value}, valid until "
            f"{issued.valid_until.isoformat()})",
            markup=False,
        )
    screen.print(f"Quote written: {files.xlsx}", markup=False)
    if files.pdf is not None:
        screen.print(f"PDF written:   {files.pdf}", markup=False)


def answer(
    directory: Path, number: str, accept: bool, by: str, store: str | None, as_json: bool
) -> None:
    from psos_xl.app.quotes import answer_quote

    result = answer_quote(directory, number, accept, by, store_url=store)
    if as_json:
        print_json(result.to_json())
        return
    screen = console()
    screen.print(
        f"{result.number} v{result.version} {result.status.value.lower()} "
        f"({result.engagement}), recorded by {result.by}",
        markup=False,
    )
    if accept and result.scope_status == "Sold":
        screen.print(f"{result.engagement}: Status is now Sold", markup=False)
    if result.baseline:
        screen.print(f"{result.engagement}: baseline is now this version", markup=False)
    for text in result.warnings:
        console(stderr=True).print(f"[yellow]Warning:[/yellow] {text}")


def listing(directory: Path, engagement: str | None, store: str | None, as_json: bool) -> None:
    from rich.table import Table

    from psos_xl.app.quotes import list_quotes
    from psos_xl.cli.tables import figure, fit

    result = list_quotes(directory, engagement, store_url=store)
    if as_json:
        print_json(result.to_json())
        return
    screen = console()
    if not result.quotes:
        screen.print("No quotes issued yet.")
        return
    table = Table(title="Quotes")
    figure(table, "Quote", justify="left")
    figure(table, "Version", justify="left")
    figure(table, "Engagement", justify="left")  # a code: never folded
    for head in ("Issued", "Valid until", "Price"):
        figure(table, head, justify="right" if head == "Price" else "left")
    figure(table, "Status", justify="left")
    for q in result.quotes:
        table.add_row(
            q.number,
            f"v{q.version}",
            q.engagement,
            q.issued_at.date().isoformat(),
            q.valid_until.isoformat(),
            f"{q.price:,.2f} {q.currency}".strip(),
            q.status.value,
        )
    screen.print(fit(table))
    both = Table(title="Quoted vs delivered")
    figure(both, "Engagement", justify="left")
    figure(both, "Quote", justify="left")
    for head in ("Quoted h", "Quoted price", "Delivered h", "Delivered price"):
        figure(both, head)
    for e in result.engagements:
        both.add_row(
            e.engagement,
            e.quote,
            f"{e.quoted_hours:,.2f}",
            f"{e.quoted_price:,.2f}",
            f"{e.delivered_hours:,.2f}",
            f"{e.delivered_price:,.2f}",
        )
    screen.print(fit(both))
