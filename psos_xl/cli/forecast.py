"""``psos report forecast``: supply, firm demand, pipeline and gap per role and week
ahead (:mod:`psos_xl.app.forecast`), on :data:`psos_xl.cli.learn.report_app`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from psos_xl.cli.common import JsonOpt, PsosTyper, console, parse_date, print_json
from psos_xl.cli.reports import AsOfOpt, StoreOpt

if TYPE_CHECKING:
    from decimal import Decimal

    from psos_xl.app.forecast import ForecastResult


def register(report_app: PsosTyper) -> None:
    """Add ``psos report forecast`` to ``report_app``."""

    @report_app.command("forecast")
    def report_forecast(
        directory: Annotated[Path, typer.Argument(help="The workspace folder.")] = Path(),
        as_of: AsOfOpt = "",
        days: Annotated[
            int, typer.Option("--days", help="How far ahead: 30 or 90 days from --as-of.")
        ] = 30,
        store: StoreOpt = None,
        as_json: JsonOpt = False,
        xlsx: Annotated[
            Path | None, typer.Option("--xlsx", help="Also write the report as a workbook.")
        ] = None,
    ) -> None:
        """Per role and week ahead: supply (capacity less booked LEAVE), firm demand (the
        remaining hours of Sold and Active engagements), the gap between them, and the
        pipeline of Drafts weighted by their Probability, apart."""
        from psos_xl.app.forecast import workspace_forecast

        result = workspace_forecast(directory, parse_date(as_of, "--as-of"), days, store, xlsx)
        if as_json:
            print_json(result.to_json())
            return
        render_forecast(result)
        if result.xlsx is not None:
            console().print(f"Wrote {result.xlsx}")


def _hours(value: Decimal) -> str:
    return f"{value:,.2f}"


def render_forecast(result: ForecastResult) -> None:
    """A rich table per role × week, then the overdue work by engagement with its scope
    workbook, and the Drafts that count nothing for want of a Probability."""
    from rich import box
    from rich.table import Table

    from psos_xl.cli.tables import figure, fit, text

    report = result.report
    last = report.weeks[-1].isoformat()
    heading = (
        f"Forecast by role and week, {report.days} days from {report.as_of.isoformat()} "
        f"(weeks {report.weeks[0].isoformat()} to {last})"
    )
    table = Table(box=box.SIMPLE_HEAD, title=heading)
    text(table, "Role")
    figure(table, "Week")
    for head in ("Supply h", "Demand h", "Gap h", "Pipeline h"):
        figure(table, head)
    text(table, "")
    for line in report.lines:
        gap = _hours(line.gap)
        table.add_row(
            line.role,
            line.week.isoformat(),
            _hours(line.supply),
            _hours(line.demand),
            f"[red]{gap}[/red]" if line.gap < 0 else gap,
            _hours(line.pipeline),
            "[yellow]overdue[/yellow]" if line.overdue else "",
        )
    out = console()
    if report.lines:
        out.print(fit(table))
    else:
        out.print("No people, no work ahead and no Drafts: nothing to forecast.")
    out.print("Gap = supply − demand; pipeline (Drafts' hours × Probability) is not in the gap.")
    for late in report.overdue:
        end = late.end.isoformat() if late.end else "none"
        out.print(
            f"[yellow]Overdue[/yellow] {late.engagement} ({late.workbook}): "
            f"{_hours(late.hours)} h of {late.role} left past its EndDate {end}, "
            "counted in the first week."
        )
    if report.unweighted:
        out.print(
            f"Drafts without a Probability, not in the pipeline: {', '.join(report.unweighted)}."
        )
