"""Reports over the store that are not the learning loop's: ``psos report completeness``,
``psos report utilization`` and ``psos report dashboard``.

They register on :data:`psos_xl.cli.learn.report_app`, beside ``psos report accuracy``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from psos_xl.cli.common import JsonOpt, PsosTyper, console, parse_date, print_json

if TYPE_CHECKING:
    from decimal import Decimal

    from psos_xl.app.completeness import CompletenessResult
    from psos_xl.app.utilization import UtilizationResult
    from psos_xl.economics.utilization import Line

StoreOpt = Annotated[str | None, typer.Option(help="Store URL (default: the workspace's).")]
AsOfOpt = Annotated[
    str, typer.Option("--as-of", help="The day to report as of (YYYY-MM-DD; default today).")
]
FromOpt = Annotated[
    str,
    typer.Option(
        "--from", help="First day (YYYY-MM-DD; default: 4 weeks or 3 months before --to)."
    ),
]
ToOpt = Annotated[
    str,
    typer.Option("--to", help="Last day (YYYY-MM-DD; default: the last complete week's Sunday)."),
]
PeriodOpt = Annotated[str, typer.Option("--by", help="Per week or month.")]


def register(report_app: PsosTyper) -> None:
    """Add ``psos report completeness``, ``utilization`` and ``dashboard`` to
    ``report_app``."""
    register_utilization(report_app)
    register_dashboard(report_app)

    @report_app.command("completeness")
    def report_completeness(
        directory: Annotated[Path, typer.Argument(help="The workspace folder.")] = Path(),
        as_of: AsOfOpt = "",
        store: StoreOpt = None,
        as_json: JsonOpt = False,
        xlsx: Annotated[
            Path | None, typer.Option("--xlsx", help="Also write the report as a workbook.")
        ] = None,
    ) -> None:
        """Missing timesheets and short weeks per person × week, up to the last complete
        week. Exit 1 when there is one."""
        from psos_xl.app.completeness import workspace_completeness

        result = workspace_completeness(directory, parse_date(as_of, "--as-of"), store, xlsx)
        if as_json:
            print_json(result.to_json())
        else:
            render_completeness(result)
            if result.xlsx is not None:
                console().print(f"Wrote {result.xlsx}")
        if result.gaps:
            raise typer.Exit(1)


def register_utilization(report_app: PsosTyper) -> None:
    """Add ``psos report utilization`` to ``report_app``."""

    @report_app.command("utilization")
    def report_utilization(
        directory: Annotated[Path, typer.Argument(help="The workspace folder.")] = Path(),
        as_of: AsOfOpt = "",
        from_: FromOpt = "",
        to: ToOpt = "",
        by: PeriodOpt = "week",
        store: StoreOpt = None,
        as_json: JsonOpt = False,
        xlsx: Annotated[
            Path | None, typer.Option("--xlsx", help="Also write the report as a workbook.")
        ] = None,
    ) -> None:
        """Per person and week (or month): capacity, leave, available, billable and
        non-billable hours, utilization against target; the org line and the bench."""
        from psos_xl.app.utilization import workspace_utilization
        from psos_xl.cli.common import parse_enum
        from psos_xl.economics.utilization import Period

        result = workspace_utilization(
            directory,
            parse_date(as_of, "--as-of"),
            parse_date(from_, "--from"),
            parse_date(to, "--to"),
            parse_enum(Period, by, "--by"),
            store,
            xlsx,
        )
        if as_json:
            print_json(result.to_json())
            return
        render_utilization(result)
        if result.xlsx is not None:
            console().print(f"Wrote {result.xlsx}")


def register_dashboard(report_app: PsosTyper) -> None:
    """Add ``psos report dashboard`` to ``report_app``."""

    @report_app.command("dashboard")
    def report_dashboard(
        directory: Annotated[Path, typer.Argument(help="The workspace folder.")] = Path(),
        out: Annotated[
            Path | None,
            typer.Option(
                "--out",
                help="Where to write it (default: psos.toml's dashboard, else dashboard.xlsx "
                "in the workspace).",
            ),
        ] = None,
        as_of: AsOfOpt = "",
        store: StoreOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Write the dashboard workbook: a summary, then a sheet per report with its
        chart (utilization by person against target, margin, burn, forecast)."""
        from psos_xl.app.dashboard import write_dashboard

        result = write_dashboard(directory, out, parse_date(as_of, "--as-of"), store)
        if as_json:
            print_json(result.to_json())
            return
        console().print(str(result.path), markup=False, soft_wrap=True)


def _pct(value: Decimal | None) -> str:
    """A fraction as a percentage to the tenth, half-up."""
    from decimal import ROUND_HALF_UP, Decimal

    return "–" if value is None else f"{(value * 100).quantize(Decimal('0.1'), ROUND_HALF_UP)} %"


def _against(line: Line) -> str:
    return f"{_pct(line.utilization)} against {_pct(line.target)}"


def render_utilization(result: UtilizationResult) -> None:
    """A rich table per person × period, then the org line and the bench line."""
    from rich import box
    from rich.table import Table

    from psos_xl.cli.tables import figure, fit, text

    report = result.report
    span = f"{report.start.isoformat()} to {report.end.isoformat()}"
    table = Table(box=box.SIMPLE_HEAD, title=f"Utilization by {report.by.value}, {span}")
    text(table, "Person")
    figure(table, report.by.value.capitalize())
    for head in ("Capacity h", "Leave h", "Available h", "Billable h", "Non-billable h"):
        figure(table, head)
    figure(table, "Utilization")
    figure(table, "Target")
    for line in report.lines:
        under = line.under_target
        table.add_row(
            line.person,
            line.period.isoformat() if line.period else "",
            *(f"{h:,.2f}" for h in (line.capacity, line.leave, line.available)),
            *(f"{h:,.2f}" for h in (line.billable, line.non_billable)),
            f"[yellow]{_pct(line.utilization)}[/yellow]" if under else _pct(line.utilization),
            _pct(line.target),
        )
    out = console()
    if report.lines:
        out.print(fit(table))
    else:
        out.print(f"No capacity and no time from {span}.")
    org = report.org
    out.print(
        f"Org: {org.billable:,.2f} h billable of {org.available:,.2f} h available "
        f"({org.capacity:,.2f} h capacity, {org.leave:,.2f} h leave, "
        f"{org.non_billable:,.2f} h non-billable): {_against(org)}."
    )
    bench = ", ".join(f"{b.person} ({_against(b)})" for b in report.bench)
    out.print(f"Bench: {bench or 'nobody'} (under target, no Sold or Active work ahead).")


def render_completeness(result: CompletenessResult) -> None:
    """The gaps as one rich table, then a line that counts them."""
    from rich import box
    from rich.table import Table

    from psos_xl.errors import Code

    missing = result.count(Code.MISSING_TIMESHEET)
    short = result.count(Code.SHORT_WEEK)
    through = f"weeks through {result.last_week.isoformat()}"
    if not result.gaps:
        console().print(
            f"[green]Every timesheet is in[/green] for {result.people} people, {through}."
        )
        return
    table = Table(box=box.SIMPLE_HEAD, title=f"Completeness as of {result.as_of.isoformat()}")
    table.add_column("Person", overflow="fold")
    table.add_column("Week", no_wrap=True)
    table.add_column("Code", overflow="fold")
    table.add_column("Booked h", justify="right", no_wrap=True)
    table.add_column("Capacity h", justify="right", no_wrap=True)
    for gap in result.gaps:
        table.add_row(
            gap.person,
            gap.week.isoformat(),
            gap.code.value,
            f"{gap.booked:,.2f}",
            f"{gap.capacity:,.2f}",
        )
    console().print(table)
    console().print(
        f"{missing} missing timesheet{'s' * (missing != 1)}, "
        f"{short} short week{'s' * (short != 1)} ({result.people} people, {through})."
    )


ByOpt = Annotated[str, typer.Option("--by", help="Who approves or locks (recorded).")]


def register_trust(app: PsosTyper) -> None:
    """Add ``psos approve`` and ``psos lock`` to ``app``."""

    @app.command("approve")
    def approve_command(
        directory: Annotated[Path, typer.Argument(help="The workspace folder.")] = Path(),
        week: Annotated[str, typer.Option("--week", help="The week's Monday (YYYY-MM-DD).")] = "",
        person: Annotated[
            list[str] | None, typer.Option("--person", help="Only this person (repeat for more).")
        ] = None,
        by: ByOpt = "",
        store: StoreOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Approve the week's timesheets as they are now; sync then keeps their approved
        rows until they are approved again. Exit 1 when one could not be approved."""
        from psos_xl.app.trust import TrustError, approve

        monday = parse_date(week, "--week")
        if monday is None:
            raise TrustError("--week is required: the Monday of the week to approve")
        result = approve(directory, monday, by, person, store)
        if as_json:
            print_json(result.to_json())
        else:
            out = console()
            for a in result.approved:
                out.print(f"Approved {a.path} ({a.person}, {a.rows} rows) by {result.by}")
            for path, why in result.refused:
                out.print(f"[yellow]Not approved[/yellow] {path or '–'}: {why}")
            if not result.approved and not result.refused:
                out.print(f"No timesheet for the week of {monday.isoformat()}.")
        if result.refused:
            raise typer.Exit(1)

    @app.command("lock")
    def lock_command(
        directory: Annotated[Path, typer.Argument(help="The workspace folder.")] = Path(),
        until: Annotated[
            str, typer.Option("--until", help="Close time up to and with this day (YYYY-MM-DD).")
        ] = "",
        by: ByOpt = "",
        list_: Annotated[bool, typer.Option("--list", help="List every lock instead.")] = False,
        store: StoreOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Lock time up to a day: rows dated on or before it never change again."""
        from psos_xl.app.trust import TrustError, list_locks, lock

        if list_:
            result = list_locks(directory, store)
        else:
            day = parse_date(until, "--until")
            if day is None:
                raise TrustError("--until is required (or --list)")
            result = lock(directory, day, by, store)
        if as_json:
            print_json(result.to_json())
            return
        out = console()
        if not result.locks:
            out.print("No period is locked.")
        for k in result.locks:
            at = f"{k.locked_at:%Y-%m-%d %H:%M} UTC"
            out.print(f"Locked until {k.until.isoformat()} by {k.locked_by} at {at}")
