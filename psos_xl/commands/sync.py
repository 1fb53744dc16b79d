"""Sync commands: sync, watch.

``psos sync`` shows a progress bar on a terminal (on stderr) and prints a summary a PM
can read; in a pipe it prints the summary only; ``--json`` prints exactly
``SyncResult.to_json()``. ``psos watch`` prints one line per run. Nothing here imports
openpyxl or pandas: the sync reads with python-calamine and writes back with the
package patcher.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from psos_xl.commands.common import JsonOpt, console, fail, interactive
from psos_xl.commands.output import SHOWN, print_result
from psos_xl.commands.output import one_line as one_line
from psos_xl.commands.output import summary_lines as summary_lines
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


@contextmanager
def _progress_bar() -> Iterator[Progress]:
    """A rich progress bar on stderr, cleared when done."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    bar = Progress(
        TextColumn("Reading workbooks"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}", style="dim"),
        console=console(stderr=True),
        transient=True,
    )
    task = bar.add_task("", total=None)

    def tick(done: int, total: int, rel: str) -> None:
        bar.update(task, completed=done, total=total, description=rel)

    with bar:
        yield tick


def _full_sync(directory: Path, store: str | None, workers: int, show_bar: bool) -> SyncResult:
    from psos_xl.sync import sync_workspace

    if show_bar:
        with _progress_bar() as tick:
            return sync_workspace(directory, store, workers, tick, quick=False)
    return sync_workspace(directory, store, workers, quick=False)


def register(app: typer.Typer) -> None:
    @app.command()
    def sync(
        directory: DirArg = Path(),
        store: StoreOpt = None,
        workers: Annotated[
            int, typer.Option("--workers", min=1, help="Processes reading workbooks.")
        ] = 1,
        as_json: JsonOpt = False,
    ) -> None:
        """Consolidate the folder's workbooks into the store and write the actuals back."""
        from psos_xl.sync.quick import quick_sync

        show_bar = interactive() and not as_json
        try:
            # nothing to do is answered without starting the engine (its imports cost more)
            result = quick_sync(directory, store)
            if result is None:
                result = _full_sync(directory, store, workers, show_bar)
        except PsosError as err:
            raise fail(err, as_json) from err
        print_result(result, as_json)
        raise typer.Exit(result.exit_code)

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
            raise fail(PsosError(f"{directory}: no such folder"), False)

        def report(result: SyncResult) -> None:
            out.print(one_line(result), markup=False)
            for issue in result.issues[:SHOWN]:
                if issue.severity is not Severity.INFO:
                    out.print(f"  {issue}", markup=False)

        def error(err: BaseException) -> None:
            out.print(f"sync failed: {err}", markup=False)

        how = f"polling every {poll:g} s" if poll else "on file events"
        out.print(f"Watching {directory.resolve()} ({how}); Ctrl-C stops.", markup=False)
        try:
            watch_folder(
                directory, store, poll=poll, debounce=debounce, on_result=report, on_error=error
            )
        except PsosError as err:
            raise fail(err, False) from err
        out.print("Stopped.", markup=False)
