"""``psos report dashboard``: the dashboard workbook, a sheet per report with native
charts (:mod:`psos_xl.app.dashboard`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from psos_xl.cli.common import JsonOpt, PsosTyper, console, parse_date, print_json
from psos_xl.cli.reports import AsOfOpt, StoreOpt


def register(report_app: PsosTyper) -> None:
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
