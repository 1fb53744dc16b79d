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
