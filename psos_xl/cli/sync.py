"""Sync commands: sync, watch.

``psos sync`` shows a progress bar on a terminal (on stderr) and prints a summary a PM
can read; in a pipe it prints the summary only; ``--json`` prints exactly
``SyncResult.to_json()``. Its parameters are declared in :data:`psos_xl.cli.spec.SYNC`,
which the fast start (:mod:`psos_xl.cli.quick`) reads too. ``psos watch`` prints one line
per run. Nothing here imports openpyxl or pandas: the sync reads with python-calamine and
writes back with the package patcher.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from psos_xl.cli.common import add_command, console
from psos_xl.cli.output import SHOWN, sync_command
from psos_xl.cli.output import one_line as one_line
from psos_xl.cli.output import summary_lines as summary_lines
from psos_xl.cli.spec import SYNC
from psos_xl.errors import Severity

if TYPE_CHECKING:
    from psos_xl.sync.result import SyncResult

DirArg = Annotated[Path, typer.Argument(help=SYNC.param("directory").help, file_okay=False)]
StoreOpt = Annotated[str | None, typer.Option("--store", help=SYNC.param("store").help)]


def register(app: typer.Typer) -> None:
    add_command(app, SYNC, sync_command)

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
        from psos_xl.workspace import workspace_root

        out = console()
        workspace_root(directory)

        def report(result: SyncResult) -> None:
            from psos_xl.app.dashboard import refresh_after_sync

            refresh_after_sync(directory, result, store)
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
