"""Printing a command's result, without the command line's imports: JSON, a rich
console, and the summaries of a sync. Used by the commands and by
:mod:`psos_xl.cli.quick`, which answers a sync before the command line is built."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from psos_xl.errors import Code, Issue, Severity

if TYPE_CHECKING:
    from psos_xl.errors import PsosError
    from psos_xl.sync.result import SyncResult

Progress = Callable[[int, int, str], None]


def interactive() -> bool:
    """True on a terminal: progress bars and colours; False in a pipe: quiet."""
    return sys.stderr.isatty()


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


SHOWN = 20  # issues listed per group before "and N more"


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
        f"{result.read} read, {result.skipped} skipped; {_plural(result.rows, 'row')} stored.",
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
    if result.missing_timesheets or result.short_weeks:
        lines.append(
            f"Completeness: {_plural(result.missing_timesheets, 'missing timesheet')}, "
            f"{_plural(result.short_weeks, 'short week')} (psos report completeness lists them)."
        )
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
        f"{stamp} synced: {result.read} read, {result.unchanged} unchanged, "
        f"{result.skipped} skipped",
        f"{_plural(result.rows, 'row')} stored",
        f"{errors} error(s), {warnings} warning(s)",
    ]
    if result.written_back:
        parts.append(f"written back {len(result.written_back)}")
    if result.skipped_open:
        parts.append(f"{len(result.skipped_open)} open (retried)")
    return "; ".join(parts)


def print_result(result: SyncResult, as_json: bool) -> None:
    """A sync's result: its JSON, or the summary a PM reads."""
    if as_json:
        print_json(result.to_json())
        return
    out = console()
    for line in summary_lines(result):
        out.print(line, markup=False)


def print_error(err: PsosError, as_json: bool) -> int:
    """The one place a PsosError becomes what the user sees: ``err`` and its issues, as
    ``{"error", "issues"}`` on stdout with ``as_json``, else in red on stderr. Returns
    the exit code (2: the command could not run)."""
    issues = getattr(err, "issues", [])
    if as_json:
        print_json({"error": str(err), "issues": [i.to_dict() for i in issues]})
    else:
        out = console(stderr=True)
        out.print(f"[bold red]error:[/] {err}")
        for issue in issues:
            out.print(f"  {issue}")
    return err.exit_code


@contextmanager
def progress_bar() -> Iterator[Progress]:
    """A rich progress bar on stderr, cleared when done."""
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn
    from rich.progress import Progress as Bar

    bar = Bar(
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


def sync_command(directory: Path, store: str | None, workers: int | None, as_json: bool) -> int:
    """``psos sync``: sync, print the result (or the error); the exit code.

    A sync with nothing to do is answered without starting the engine (whose imports
    cost more than the answer); a progress bar shows on a terminal unless ``as_json``.
    The dashboard psos.toml names is refreshed after it, when due
    (:func:`psos_xl.app.dashboard.refresh_after_sync`).
    Raises PsosError when the sync cannot run (:func:`print_error` reports it), the
    folder not being a workspace among the reasons: then nothing is created in it.
    """
    from psos_xl.sync.quick import quick_sync

    result = quick_sync(directory, store)  # answers in a workspace only
    if result is None:
        from psos_xl.sync.outputs import sync_workspace
        from psos_xl.workspace import workspace_root

        workspace_root(directory)

        if interactive() and not as_json:
            with progress_bar() as tick:
                result = sync_workspace(directory, store, workers, tick, quick=False)
        else:
            result = sync_workspace(directory, store, workers, quick=False)
    from psos_xl.app.dashboard import refresh_after_sync

    refresh_after_sync(directory, result, store)
    print_result(result, as_json)
    return result.exit_code
