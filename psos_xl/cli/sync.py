"""Sync commands: sync, watch.

``psos sync`` shows a progress bar on a terminal (on stderr) and prints a summary a PM
can read; in a pipe it prints the summary only; ``--json`` prints exactly
``SyncResult.to_json()``. ``psos watch`` prints one line per run. Nothing here imports
openpyxl or pandas: the sync reads with python-calamine and writes back with the
package patcher.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from psos_xl.cli.common import JsonOpt, console
from psos_xl.cli.output import SHOWN, sync_command
from psos_xl.cli.output import one_line as one_line
from psos_xl.cli.output import summary_lines as summary_lines
from psos_xl.errors import PsosError, Severity

if TYPE_CHECKING:
    from psos_xl.sync.result import SyncResult

DirArg = Annotated[
    Path, typer.Argument(help="The workspace folder (default: here).", file_okay=False)
]
StoreOpt = Annotated[
    str | None,
    typer.Option(
        "--store", help="Store URL (default: psos.toml's store, else .psos/store.sqlite)."
    ),
]
Progress = Callable[[int, int, str], None]


def register(app: typer.Typer) -> None:
    @app.command()
    def sync(
        directory: DirArg = Path(),
        store: StoreOpt = None,
        workers: Annotated[
            int | None,
            typer.Option(
                "--workers",
                min=1,
                help="Processes reading workbooks, this one included (default: one per "
                "CPU, at most 4).",
            ),
        ] = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Consolidate the folder's workbooks into the store and write the actuals back."""
        raise typer.Exit(sync_command(directory, store, workers, as_json))

    @app.command()
    def watch(
        directory: DirArg = Path(),
        store: StoreOpt = None,
        poll: Annotated[
            float | None,
            typer.Option(
                "--poll",
                min=0.1,
                help="Poll every SECONDS instead of waiting for OS events (network shares).",
            ),
        ] = None,
        debounce: Annotated[
            float,
            typer.Option("--debounce", min=0.0, help="Quiet SECONDS before a burst is synced."),
        ] = 2.0,
    ) -> None:
        """Sync whenever a workbook changes, until Ctrl-C; one summary line per run."""
        from psos_xl.sync.watch import watch as watch_folder

        out = console()
        if not directory.is_dir():
            raise PsosError(f"{directory}: no such folder")

        def report(result: SyncResult) -> None:
            out.print(one_line(result), markup=False)
            for issue in result.issues[:SHOWN]:
                if issue.severity is not Severity.INFO:
                    out.print(f"  {issue}", markup=False)

        def error(err: BaseException) -> None:
            out.print(f"sync failed: {err}", markup=False)

        how = f"polling every {poll:g} s" if poll else "on file events"
        out.print(f"Watching {directory.resolve()} ({how}); Ctrl-C stops.", markup=False)
        watch_folder(
            directory, store, poll=poll, debounce=debounce, on_result=report, on_error=error
        )
        out.print("Stopped.", markup=False)
