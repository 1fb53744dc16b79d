"""Reports over the store that are not the learning loop's: ``psos report completeness``.

They register on :data:`psos_xl.cli.learn.report_app`, beside ``psos report accuracy``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from psos_xl.cli.common import JsonOpt, PsosTyper, console, parse_date, print_json

if TYPE_CHECKING:
    from psos_xl.app.completeness import CompletenessResult

StoreOpt = Annotated[str | None, typer.Option(help="Store URL (default: the workspace's).")]
AsOfOpt = Annotated[
    str, typer.Option("--as-of", help="The day to report as of (YYYY-MM-DD; default today).")
]


def register(report_app: PsosTyper) -> None:
    """Add ``psos report completeness`` to ``report_app``."""

    @report_app.command("completeness")
    def report_completeness(
        directory: Annotated[Path, typer.Argument(help="The workspace folder.")] = Path(),
        as_of: AsOfOpt = "",
        store: StoreOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Missing timesheets and short weeks per person × week, up to the last complete
        week. Exit 1 when there is one."""
        from psos_xl.app.completeness import workspace_completeness

        result = workspace_completeness(directory, parse_date(as_of, "--as-of"), store)
        if as_json:
            print_json(result.to_json())
        else:
            render_completeness(result)
        if result.gaps:
            raise typer.Exit(1)


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
