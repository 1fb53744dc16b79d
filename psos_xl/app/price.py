"""``psos price``: find the catalog, price a scope file, show it, store the snapshot.

    quote, issues = price_file(Path("scopes/acme.xlsx"))
    console.print(render_quote(quote, issues))
    write_snapshot(Path("scopes/acme.xlsx"), quote, catalog_sha256)

The arithmetic is the engine's (:func:`psos_xl.pricing.price`); this module only reads
files, merges issues, renders, and writes the Pricing sheet's two snapshot tables
through the safe write-back (:func:`psos_xl.sync.writeback.write_table`), which touches
nothing else in the workbook and refuses a workbook that is open.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from psos_xl.errors import Code, Issue, WorkbookError, dedupe_issues, has_errors
from psos_xl.models import Catalog, EstimateBasis, Scope
from psos_xl.pricing import Quote, QuoteLine, price
from psos_xl.pricing.money import percent
from psos_xl.workbook import spec

if TYPE_CHECKING:
    from rich.console import RenderableType

    from psos_xl.sync.writeback import WriteResult


def find_catalog(scope_path: Path) -> Path:
    """The catalog of the workspace ``scope_path`` lives in: the nearest ancestor folder
    with psos.toml or a workbook whose marker says catalog."""
    from psos_xl.workspace import Workspace

    ws = Workspace.find(scope_path)
    if ws is None or not ws.catalog_path.is_file():
        where = f"{ws.catalog_path}" if ws is not None else f"any folder above {scope_path}"
        issue = Issue.make(
            Code.CATALOG_NOT_FOUND,
            scope_path.name,
            f"no catalog workbook in {where}; pass --catalog PATH",
        )
        raise WorkbookError(f"no catalog found for {scope_path}", [issue])
    return ws.catalog_path


def _display(path: Path) -> str:
    from psos_xl.workspace import Workspace

    ws = Workspace.find(path)
    return ws.display(path) if ws is not None else path.name


dedupe = dedupe_issues  # one rule for every surface: see errors.dedupe_issues


def load_pair(
    scope_path: Path, catalog_path: Path | None = None
) -> tuple[Scope, Catalog, list[Issue]]:
    """The scope and its catalog, as it counts (its rows with an error left out, as
    sync stores it and validate checks against it), and the readers' issues (scope's
    first). Raises WorkbookError when either workbook cannot be read at all."""
    from psos_xl.loader import counted_catalog, load
    from psos_xl.models import Kind

    catalog_path = catalog_path or find_catalog(scope_path)
    scope, scope_issues = load(scope_path, _display(scope_path), Kind.SCOPE)
    if not isinstance(scope, Scope):
        raise WorkbookError(f"{scope_path} cannot be read as a scope", scope_issues)
    catalog, catalog_issues = load(catalog_path, _display(catalog_path), Kind.CATALOG)
    if not isinstance(catalog, Catalog):
        raise WorkbookError(f"{catalog_path} cannot be read as a catalog", catalog_issues)
    return scope, counted_catalog(catalog, catalog_issues), [*scope_issues, *catalog_issues]


def price_file(
    scope_path: Path,
    catalog_path: Path | None = None,
    basis: EstimateBasis | None = None,
    today: date | None = None,
) -> tuple[Quote, list[Issue]]:
    """Price the scope workbook at ``scope_path`` against its catalog.

    Returns the quote and every issue: the readers' (scope, then catalog) and the
    quote's (errors, then warnings), one per (code, location). Raises WorkbookError when
    either workbook cannot be read at all.
    """
    scope, catalog, issues = load_pair(scope_path, catalog_path)
    quote = price(catalog, scope, basis, today)
    return quote, dedupe([*issues, *quote.issues, *quote.warnings])


def quote_json(quote: Quote, issues: Sequence[Issue]) -> dict[str, Any]:
    """``psos price --json``: the engine's Quote.to_json() with every issue merged in."""
    data = quote.to_json()
    data["issues"] = [i.to_dict() for i in issues]
    return data


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- the terminal view ------------------------------------------------------------------


def _money(value: Any, currency: str = "") -> str:
    text = f"{value:,.2f}"
    return f"{text} {currency}".strip()


def render_quote(quote: Quote, issues: Sequence[Issue] = ()) -> RenderableType:
    """A readable view of the quote: lines, totals, price, margin, schedule, issues."""
    from rich.console import Group
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    title = " · ".join(x for x in (quote.engagement, quote.client, quote.title) if x)
    lines = Table(title=title or "Quote", title_justify="left", show_edge=False)
    for header, justify in (
        ("Deliverable", "left"),
        ("SKU", "left"),
        ("Role", "left"),
        ("Basis", "left"),
        ("Hours", "right"),
        ("Rate from", "left"),
        ("Cost", "right"),
        ("List", "right"),
    ):
        lines.add_column(header, justify=justify)  # type: ignore[arg-type]
    for line in quote.lines:
        lines.add_row(*_line_cells(line))
    lines.add_section()
    lines.add_row(
        "Total", "", "", "", f"{quote.hours:,.2f}", "", _money(quote.cost), _money(quote.list)
    )

    totals = Table.grid(padding=(0, 2))
    totals.add_column(style="bold")
    totals.add_column(justify="right")
    billing = str(quote.billing_model) if quote.billing_model else "(none)"
    totals.add_row("Billing model", billing)
    totals.add_row("Estimate basis", str(quote.basis))
    totals.add_row("Rates in force on", quote.rates_on.isoformat())
    totals.add_row("List", _money(quote.list, quote.currency))
    if quote.contingency:
        totals.add_row("Contingency", percent(quote.contingency))
    if quote.discount:
        totals.add_row("Discount", percent(quote.discount))
    totals.add_row("Price", Text(_money(quote.price, quote.currency), style="bold green"))
    totals.add_row("Cost", _money(quote.cost, quote.currency))
    margin = percent(quote.margin) if quote.margin is not None else "undefined"
    low = quote.margin is None or quote.margin < quote.target_margin
    target = f" (target {percent(quote.target_margin)})"
    totals.add_row("Margin", Text(margin + target, style="yellow" if low else ""))

    parts: list[RenderableType] = [lines, Text(""), totals]
    schedule = _schedule(quote)
    if schedule is not None:
        parts += [Text(""), schedule]
    if issues:
        parts.append(Text(""))
        for issue in issues:
            style = "red" if issue.is_error else "yellow"
            where = escape(str(issue.location))
            parts.append(
                Text.from_markup(f"{where}: [{style}]{issue.code}[/] {escape(issue.message)}")
            )
    return Group(*parts)


def _line_cells(line: QuoteLine) -> list[str]:
    return [
        line.deliverable,
        line.sku,
        line.role,
        str(line.basis),
        f"{line.hours:,.2f}",
        line.rate_from.isoformat() if line.rate_from else "no rate",
        _money(line.cost),
        _money(line.list),
    ]


def _schedule(quote: Quote) -> RenderableType | None:
    from rich.table import Table

    if quote.milestones:
        table = Table(title="Payment schedule", title_justify="left", show_edge=False)
        table.add_column("Milestone")
        table.add_column("Price", justify="right")
        for ms in quote.milestones:
            table.add_row(ms.milestone, _money(ms.price, quote.currency))
        return table
    if quote.months:
        table = Table(title="Monthly schedule", title_justify="left", show_edge=False)
        table.add_column("Month")
        table.add_column("Amount", justify="right")
        for month in quote.months:
            table.add_row(month.month, _money(month.amount, quote.currency))
        return table
    return None


# --- the snapshot ---------------------------------------------------------------------


def write_snapshot(
    scope_path: Path,
    quote: Quote,
    catalog_sha256: str,
    priced_at: datetime | None = None,
    both_ways: tuple[Quote, Quote] | None = None,
) -> WriteResult:
    """Store the priced snapshot in the scope's Pricing sheet (PricedLines, then
    PricingInfo, whose PricedAt dates the pair), touching nothing else; its rows are
    :func:`psos_xl.workbook.pricing_sheet.snapshot_rows` (``both_ways``: the scope
    priced on the Catalog and P50 bases, shown beside it).

    Returns the first result that is not ``written``/``unchanged``, else PricingInfo's.
    The lines go first: if PricingInfo then fails, its older PricedAt still says the
    snapshot is not the one just priced.
    """
    from psos_xl.sync.writeback import write_table
    from psos_xl.workbook.pricing_sheet import snapshot_rows

    info, lines = snapshot_rows(quote, catalog_sha256, priced_at, both_ways)
    first = write_table(scope_path, spec.PRICED_LINES.name, spec.PRICED_LINES.headers, lines)
    if not first.ok:
        return first
    return write_table(
        scope_path,
        spec.PRICING_INFO.name,
        spec.PRICING_INFO.headers,
        info,
        expected_sha256=first.sha256,
    )


# --- the command ------------------------------------------------------------------------


def price_command(
    scope: Path, catalog: Path | None = None, as_json: bool = False, write: bool = False
) -> int:
    """The body of ``psos price SCOPE [--catalog PATH] [--json] [--write]``: prints the
    quote (a table, or JSON) and returns the exit code (1 when there is an error).
    Raises PsosError when the command cannot run; the CLI turns it into a message."""
    import json
    import sys

    from rich.console import Console

    catalog_path = catalog or find_catalog(scope)
    quote, issues = price_file(scope, catalog_path)
    if write:
        result = write_snapshot(scope, quote, sha256_file(catalog_path))
        issue = result.issue(_display(scope))
        if issue is not None:
            issues = [*issues, issue]
        elif not as_json:
            Console(stderr=True, highlight=False).print(
                f"Snapshot {result.status}: {scope} (Pricing sheet)"
            )
    if as_json:
        sys.stdout.write(json.dumps(quote_json(quote, issues), indent=2) + "\n")
    else:
        Console(highlight=False, soft_wrap=True).print(render_quote(quote, issues))
    return 1 if has_errors(issues) else 0
