"""``psos report`` alone, or with only a folder and options: the one screen
(:mod:`psos_xl.app.summary`). The report sub-app is a :class:`ReportGroup`, which sends
anything that is not one of its commands to the ``summary`` command."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
import typer.core

from psos_xl.cli.common import JsonOpt, PsosTyper, console, parse_date, print_json

if TYPE_CHECKING:
    from psos_xl.app.summary import Summary

DEFAULT = "summary"
HELP = ("--help", "-h")


class ReportGroup(typer.core.TyperGroup):
    """``psos report [DIR] [OPTIONS]`` runs :data:`DEFAULT`; ``psos report NAME …`` the
    report NAME."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in HELP):
            args = [DEFAULT, *args]
        return super().parse_args(ctx, args)


def _pct(value: Decimal | None) -> str:
    return "–" if value is None else f"{(value * 100).quantize(Decimal('0.1'), ROUND_HALF_UP)} %"


def register(report_app: PsosTyper) -> None:
    """Add the one screen to ``report_app`` (a :class:`ReportGroup`)."""

    @report_app.command(DEFAULT, hidden=True)
    def report_summary(
        directory: Annotated[Path, typer.Argument(help="The workspace folder.")] = Path(),
        as_of: Annotated[
            str, typer.Option("--as-of", help="The day to report as of (default today).")
        ] = "",
        store: Annotated[
            str | None, typer.Option(help="Store URL (default: the workspace's).")
        ] = None,
        as_json: JsonOpt = False,
    ) -> None:
        """The one screen: org utilization, money to date, engagements at risk, the bench
        ahead and missing timesheets."""
        from psos_xl.app.summary import workspace_summary

        result = workspace_summary(directory, parse_date(as_of, "--as-of"), store)
        if as_json:
            print_json(result.to_json())
        else:
            render_summary(result)


def render_summary(s: Summary) -> None:
    """Five lines of figures, the at-risk engagements under them; each names the report
    that details it."""
    from rich import box
    from rich.table import Table

    from psos_xl.cli.tables import fit

    u, t, cur = s.utilization, s.totals, s.currency
    org = u.org
    table = Table(box=box.SIMPLE, show_header=False, title=f"As of {s.as_of.isoformat()}")
    table.add_column("", style="bold", no_wrap=True)
    table.add_column("", overflow="fold")
    under = org.under_target
    shown = _pct(org.utilization)
    table.add_row(
        "Utilization",
        f"{'[yellow]' if under else ''}{shown}{'[/yellow]' if under else ''} against "
        f"{_pct(org.target)}: {org.billable:,.2f} h billable of {org.available:,.2f} h "
        f"available, {u.start.isoformat()} to {u.end.isoformat()}",
    )
    table.add_row(
        "Money to date",
        f"revenue {t.revenue:,.2f} {cur}, cost {t.cost:,.2f} {cur}, margin {_pct(t.margin)}"
        f" (at completion {_pct(t.forecast_margin)})",
    )
    risk = ", ".join(f"{r.engagement} ({'; '.join(r.reasons)})" for r in s.at_risk)
    table.add_row(
        "At risk", f"[red]{risk}[/red]" if risk else "[green]nothing crossed 80 %[/green]"
    )
    bench = ", ".join(f"{b.person} ({_pct(b.utilization)} of {_pct(b.target)})" for b in u.bench)
    table.add_row("Bench ahead", bench or "nobody")
    gaps = f"{s.missing} missing, {s.short} short"
    through = f"weeks through {s.completeness.last_week.isoformat()}"
    table.add_row(
        "Timesheets",
        f"{'[yellow]' if s.missing or s.short else '[green]'}{gaps}"
        f"{'[/yellow]' if s.missing or s.short else '[/green]'} ({through})",
    )
    out = console()
    out.print(fit(table))
    out.print(
        "Details: psos report utilization | margin | burn | forecast | completeness "
        "(each with --json and --xlsx OUT)."
    )
