"""How ``psos price`` shows a quote on a terminal: lines, totals, price, margin, schedule
and issues, as rich tables."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from psos_xl.errors import Issue
from psos_xl.pricing import Quote, QuoteLine
from psos_xl.pricing.money import percent

if TYPE_CHECKING:
    from rich.console import RenderableType


def _money(value: Any, currency: str = "") -> str:
    text = f"{value:,.2f}"
    return f"{text} {currency}".strip()


def render_quote(quote: Quote, issues: Sequence[Issue] = ()) -> RenderableType:
    """A readable view of the quote: lines, totals, price, margin, schedule, issues."""
    from rich.console import Group
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    from psos_xl.cli.tables import figure, fit, text

    title = " · ".join(x for x in (quote.engagement, quote.client, quote.title) if x)
    lines = Table(
        title=title or "Quote",
        title_justify="left",
        show_edge=False,
        pad_edge=False,
    )
    # the basis of each line only when they differ: else it is said once, below
    mixed = any(str(line.basis) != str(quote.basis) for line in quote.lines)
    text(lines, "Deliverable")
    for header in ("SKU", "Role", "Basis") if mixed else ("SKU", "Role"):
        figure(lines, header, justify="left")  # a code cut short could name another
    figure(lines, "Hours")
    figure(lines, "Rate from", justify="left")
    figure(lines, "Cost")
    figure(lines, "List")
    for line in quote.lines:
        lines.add_row(*_line_cells(line, mixed))
    lines.add_section()
    basis = [""] if mixed else []
    hours = f"{quote.hours:,.2f}"
    lines.add_row("Total", "", "", *basis, hours, "", _money(quote.cost), _money(quote.list))

    fit(lines)
    totals = Table.grid(padding=(0, 2))
    text(totals, "", style="bold")
    figure(totals, "")
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

    parts: list[RenderableType] = [lines, Text(""), fit(totals)]
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


def _line_cells(line: QuoteLine, with_basis: bool) -> list[str]:
    return [
        line.deliverable,
        line.sku,
        line.role,
        *([str(line.basis)] if with_basis else []),
        f"{line.hours:,.2f}",
        line.rate_from.isoformat() if line.rate_from else "no rate",
        _money(line.cost),
        _money(line.list),
    ]


def _schedule(quote: Quote) -> RenderableType | None:
    from rich.table import Table

    from psos_xl.cli.tables import figure, fit, text

    if quote.milestones:
        table = Table(title="Payment schedule", title_justify="left", show_edge=False)
        text(table, "Milestone")
        figure(table, "Price")
        for ms in quote.milestones:
            table.add_row(ms.milestone, _money(ms.price, quote.currency))
        return fit(table)
    if quote.months:
        table = Table(title="Monthly schedule", title_justify="left", show_edge=False)
        figure(table, "Month", justify="left")
        figure(table, "Amount")
        for month in quote.months:
            table.add_row(month.month, _money(month.amount, quote.currency))
        return fit(table)
    return None
