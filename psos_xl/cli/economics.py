"""``psos report margin`` and ``psos report burn`` (DESIGN §13), registered on
:data:`psos_xl.cli.learn.report_app` beside ``psos report utilization``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from psos_xl.cli.common import JsonOpt, PsosTyper, console, parse_date, print_json
from psos_xl.cli.reports import AsOfOpt, StoreOpt

if TYPE_CHECKING:
    from decimal import Decimal

    from psos_xl.app.margin import BurnResult, MarginResult

XlsxOpt = Annotated[
    Path | None, typer.Option("--xlsx", help="Also write the report as a workbook.")
]
DirArg = Annotated[Path, typer.Argument(help="The workspace folder.")]


def register(report_app: PsosTyper) -> None:
    """Add ``psos report margin`` and ``psos report burn`` to ``report_app``."""

    @report_app.command("margin")
    def report_margin(
        directory: DirArg = Path(),
        as_of: AsOfOpt = "",
        store: StoreOpt = None,
        as_json: JsonOpt = False,
        xlsx: XlsxOpt = None,
    ) -> None:
        """Per Sold, Active and Completed engagement: revenue recognised, cost and margin to
        date; EAC hours and cost, forecast margin; the price sold and the price now."""
        from psos_xl.app.margin import workspace_margin

        result = workspace_margin(directory, parse_date(as_of, "--as-of"), store, xlsx)
        if as_json:
            print_json(result.to_json())
            return
        render_margin(result)
        if result.xlsx is not None:
            console().print(f"Wrote {result.xlsx}")

    @report_app.command("burn")
    def report_burn(
        directory: DirArg = Path(),
        as_of: AsOfOpt = "",
        store: StoreOpt = None,
        as_json: JsonOpt = False,
        xlsx: XlsxOpt = None,
    ) -> None:
        """Hours and money burnt against the baseline per engagement and deliverable; the
        lines with an alert (≥80 / 90 / 100 %, EAC over budget). --json lists every line."""
        from psos_xl.app.margin import workspace_burn

        result = workspace_burn(directory, parse_date(as_of, "--as-of"), store, xlsx)
        if as_json:
            print_json(result.to_json())
            return
        render_burn(result)
        if result.xlsx is not None:
            console().print(f"Wrote {result.xlsx}")


def _pct(value: Decimal | None) -> str:
    """A fraction as a percentage to the tenth, half-up."""
    from decimal import ROUND_HALF_UP, Decimal

    return "–" if value is None else f"{(value * 100).quantize(Decimal('0.1'), ROUND_HALF_UP)} %"


def _money(value: Decimal | None) -> str:
    return "–" if value is None else f"{value:,.2f}"


def render_margin(result: MarginResult) -> None:
    """A rich table per engagement, then the totals line."""
    from rich import box
    from rich.table import Table

    from psos_xl.cli.tables import figure, fit, text

    report = result.report
    table = Table(box=box.SIMPLE_HEAD, title=f"Margin as of {result.as_of.isoformat()}")
    figure(table, "Engagement", justify="left")  # codes: short, never folded
    figure(table, "Model", justify="left")
    for head in ("Revenue", "Cost", "Margin", "EAC h", "EAC cost", "Forecast"):
        figure(table, head)
    figure(table, "Sold at")
    figure(table, "Price now")
    figure(table, "Not invoiced")
    text(table, "Scope")
    for x in report.lines:
        low = x.margin is not None and x.margin < 0
        table.add_row(
            x.engagement,
            x.billing_model,
            _money(x.revenue),
            _money(x.cost),
            f"[red]{_pct(x.margin)}[/red]" if low else _pct(x.margin),
            f"{x.eac_hours:,.2f}",
            _money(x.eac_cost),
            _pct(x.forecast_margin),
            _money(x.baseline_price),
            _money(x.price),
            _money(x.uninvoiced),
            x.workbook,
        )
    out = console()
    if not report.lines:
        out.print("No Sold, Active or Completed engagement in the store.")
        return
    out.print(fit(table))
    t = report.totals
    out.print(
        f"All: revenue {_money(t.revenue)}, cost {_money(t.cost)} "
        f"({_money(t.time_cost)} time, {_money(t.expenses)} expenses), margin {_pct(t.margin)}; "
        f"at completion {_money(t.eac_cost)} cost for {_money(t.forecast_price)}: "
        f"forecast margin {_pct(t.forecast_margin)}; invoiced {_money(t.invoiced)}, "
        f"not invoiced yet {_money(t.uninvoiced)}."
    )


def render_burn(result: BurnResult) -> None:
    """The lines with an alert as a rich table (engagement lines have no deliverable),
    then a line that counts them."""
    from rich import box
    from rich.table import Table

    from psos_xl.cli.tables import figure, fit, text

    report = result.report
    alerts = report.alerts
    out = console()
    engagements = sum(1 for x in report.lines if not x.deliverable)
    if not alerts:
        out.print(
            f"[green]No burn alert[/green] on {engagements} engagements "
            f"as of {result.as_of.isoformat()}."
        )
        return
    table = Table(box=box.SIMPLE_HEAD, title=f"Burn alerts as of {result.as_of.isoformat()}")
    figure(table, "Engagement", justify="left")
    figure(table, "Deliverable", justify="left")
    figure(table, "Hours")
    figure(table, "Cost")
    figure(table, "EAC cost")
    figure(table, "Sold cost")
    figure(table, "Alert", justify="left")
    text(table, "Scope")
    for x in alerts:
        colour = "red" if x.alert.startswith("≥100") or "budget" in x.alert else "yellow"
        table.add_row(
            x.engagement,
            x.deliverable or "(all)",
            _pct(x.hours_pct),
            _pct(x.cost_pct),
            _money(x.eac_cost),
            _money(x.baseline_cost),
            f"[{colour}]{x.alert}[/{colour}]",
            x.workbook,
        )
    out.print(fit(table))
    out.print(
        f"{len(alerts)} of {len(report.lines)} lines with an alert "
        f"({engagements} engagements); --json lists every line."
    )
