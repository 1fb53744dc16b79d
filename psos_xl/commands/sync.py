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
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from psos_xl.commands.common import JsonOpt, console, fail, interactive, print_json
from psos_xl.errors import Code, Issue, PsosError, Severity

if TYPE_CHECKING:
    from psos_xl.sync.engine import SyncResult

DirArg = Annotated[
    Path, typer.Argument(help="The workspace folder (default: here).", file_okay=False)
]
StoreOpt = Annotated[
    str | None,
    typer.Option(
        "--store", help="Store URL (default: psos.toml's store, else .psos/store.sqlite)."
    ),
]
SHOWN = 20  # issues listed per group before "and N more"

Progress = Callable[[int, int, str], None]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _listed(title: str, issues: list[Issue]) -> list[str]:
    if not issues:
        return []
    lines = [title]
    lines += [f"  {i.location}: {i.code} {i.message}" for i in issues[:SHOWN]]
    if len(issues) > SHOWN:
        lines.append(f"  ... and {len(issues) - SHOWN} more")
    return lines


def summary_lines(result: SyncResult) -> list[str]:
    """The summary of a sync, as lines of plain text."""
    lines = [
        f"Scanned {_plural(result.scanned, 'workbook')}: {result.unchanged} unchanged, "
        f"{result.read} read; {_plural(result.rows, 'row')} stored.",
    ]
    conflicts = [i for i in result.issues if i.code is Code.CONFLICTED_COPY]
    rejected = [i for i in result.issues if i.is_error and i.code is not Code.CONFLICTED_COPY]
    notes = [i for i in result.issues if not i.is_error]
    lines += _listed(
        f"Rejected ({result.rejected_rows} not counted until fixed; the rest of each workbook is):",
        rejected,
    )
    lines += _listed(f"Conflicts ({result.conflicts}): only the first copy counts:", conflicts)
    if result.written_back:
        lines.append(f"Written back: {', '.join(result.written_back)}")
    if result.skipped_open:
        lines.append(
            f"Skipped, open in a spreadsheet program: {', '.join(result.skipped_open)} "
            "(written by the next sync after it is closed)"
        )
    if result.retired:
        lines.append(f"Retired (left the folder): {', '.join(result.retired)}")
    lines += _listed("Warnings and notes:", notes)
    lines.append("All clean." if result.exit_code == 0 else _verdict(result))
    return lines


def _verdict(result: SyncResult) -> str:
    errors = sum(1 for i in result.issues if i.severity is Severity.ERROR)
    warnings = sum(1 for i in result.issues if i.severity is Severity.WARNING)
    return f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')}: see above."


def one_line(result: SyncResult, at: datetime | None = None) -> str:
    """One line per run, for ``psos watch``."""
    stamp = (at or datetime.now()).strftime("%H:%M:%S")
    errors = sum(1 for i in result.issues if i.severity is Severity.ERROR)
    warnings = sum(1 for i in result.issues if i.severity is Severity.WARNING)
    parts = [
        f"{stamp} synced: {result.read} read, {result.unchanged} unchanged",
        f"{_plural(result.rows, 'row')} stored",
        f"{errors} error(s), {warnings} warning(s)",
    ]
    if result.written_back:
        parts.append(f"written back {len(result.written_back)}")
    if result.skipped_open:
        parts.append(f"{len(result.skipped_open)} open (retried)")
    return "; ".join(parts)


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
        from psos_xl.sync import sync_workspace

        show_bar = interactive() and not as_json
        try:
            if show_bar:
                with _progress_bar() as tick:
                    result = sync_workspace(directory, store, workers, tick)
            else:
                result = sync_workspace(directory, store, workers)
        except PsosError as err:
            raise fail(err, as_json) from err
        if as_json:
            print_json(result.to_json())
        else:
            out = console()
            for line in summary_lines(result):
                out.print(line, markup=False)
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
