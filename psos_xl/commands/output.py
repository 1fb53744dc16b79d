"""Printing a command's result, without the command line's imports: JSON, a rich
console, and the summaries of a sync. Used by the commands and by
:mod:`psos_xl.commands.quick`, which answers a sync before the command line is built."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import TYPE_CHECKING, Any

from psos_xl.errors import Code, Issue, Severity

if TYPE_CHECKING:
    from psos_xl.sync.result import SyncResult


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


def print_result(result: SyncResult, as_json: bool) -> None:
    """A sync's result: its JSON, or the summary a PM reads."""
    if as_json:
        print_json(result.to_json())
        return
    out = console()
    for line in summary_lines(result):
        out.print(line, markup=False)
