"""What a sync run reports (:class:`SyncResult`), from this run and from what the store
holds: its standing rejects and conflicts. Standard library only (and psos' issues), so a
sync with nothing to do can report without the engine (:mod:`psos_xl.sync.quick`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from psos_xl.errors import Code, Issue, Location, Severity, sort_issues
from psos_xl.store.base import ConflictRow as ConflictRow
from psos_xl.store.base import RejectRow as RejectRow


@dataclass
class SyncResult:
    """What a sync did and found. ``issues`` holds every standing reject and conflict
    (reported on every sync until fixed) plus this run's unreadable and retired files.

    The counts of workbooks add up, ``scanned = unchanged + read + skipped``, each
    workbook counted once:

    - ``scanned``: the workbook files (``.xlsx``, ``.xlsm``) in the folder, Excel's and
      LibreOffice's temp and lock files and hidden folders left out;
    - ``unchanged``: not read, as the store holds them already (same size and time, or
      the same content);
    - ``read``: opened and read in this run, however many times (new or changed, or read
      again because their catalog or scope changed), psos workbooks and the other Excel
      files sync passes over alike;
    - ``skipped``: could not be read in this run (damaged, not a regular file, over the
      reading limits): each is reported, keeps its last good rows and is tried again on
      the next sync.
    """

    scanned: int = 0
    unchanged: int = 0
    read: int = 0
    skipped: int = 0
    rows: int = 0
    rejected_rows: int = 0
    conflicts: int = 0
    # completeness as of the run's day (psos report completeness lists them)
    missing_timesheets: int = 0
    short_weeks: int = 0
    written_back: list[str] = field(default_factory=list)
    skipped_open: list[str] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    run_id: int = 0
    retired: list[str] = field(default_factory=list)
    # whether a write-back still has work another sync must do: a workbook skipped as
    # open or changed, a write that failed, or no write-back at all in this run (kept
    # in the run's counts, not in the JSON report)
    writeback_pending: bool = True
    # the Monday (as an ordinal) of the week the completeness counts were made in: the
    # no-change answer repeats them only within that week (kept in the run's counts)
    counted_week: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "scanned": self.scanned,
            "unchanged": self.unchanged,
            "read": self.read,
            "skipped": self.skipped,
            "rows": self.rows,
            "rejected_rows": self.rejected_rows,
            "conflicts": self.conflicts,
            "missing_timesheets": self.missing_timesheets,
            "short_weeks": self.short_weeks,
            "written_back": list(self.written_back),
            "skipped_open": list(self.skipped_open),
            "issues": [i.to_dict() for i in self.issues],
        }

    @property
    def exit_code(self) -> int:
        """0 when clean, 1 when an error or warning was reported (INFO does not count)."""
        return 1 if any(i.severity is not Severity.INFO for i in self.issues) else 0


def run_counts(result: SyncResult) -> dict[str, int]:
    """The counts a run records in ``sync_runs.counts``."""
    counts = {k: v for k, v in result.to_json().items() if isinstance(v, int)}
    counts["issues"] = len(result.issues)
    counts["retired"] = len(result.retired)
    counts["pending"] = int(result.writeback_pending)
    counts["counted_week"] = result.counted_week
    return counts


def _code(text: str) -> Code:
    try:
        return Code(text)
    except ValueError:
        return Code.RULE_FAILED


def conflicted_copy(
    ident: str, person: str | None, week: date | None, kept: str, copy: str
) -> Issue:
    """The issue of ``copy``, a second workbook for what ``kept`` is (``ident``: a
    person's week, the catalog, a scope's engagement); only ``kept`` is counted."""
    what = f"{person}'s week of {week.isoformat()}" if person and week else ident
    return Issue.make(
        Code.CONFLICTED_COPY,
        copy,
        f"a second workbook for {what}: {kept} is counted, this copy is "
        "not; delete one of the two (or change its marker)",
    )


def report(
    result: SyncResult,
    rejects: Iterable[RejectRow],
    conflicts: Iterable[ConflictRow],
    run_issues: Iterable[Issue] = (),
) -> None:
    """Set ``result``'s issues, conflicts and rejected rows: every standing reject and
    conflict (in the order stored), plus this run's own issues."""
    found = [
        Issue(_code(code), Severity(severity), Location.parse(location), message)
        for code, severity, location, message in rejects
    ]
    standing = list(conflicts)
    found.extend(conflicted_copy(*conflict) for conflict in standing)
    result.conflicts = len(standing)
    result.rejected_rows = len(
        {i.location for i in found if i.is_error and i.code is not Code.CONFLICTED_COPY}
    )
    result.issues = sort_issues([*found, *run_issues])
