"""What a sync run reports (:class:`SyncResult`) and what makes two workbooks copies
of each other (:class:`Key`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from psos_xl import models as m
from psos_xl.errors import Issue, Severity
from psos_xl.sync import store as st


@dataclass
class SyncResult:
    """What a sync did and found. ``issues`` holds every standing reject and conflict
    (reported on every sync until fixed) plus this run's unreadable and retired files."""

    scanned: int = 0
    unchanged: int = 0
    read: int = 0
    rows: int = 0
    rejected_rows: int = 0
    conflicts: int = 0
    written_back: list[str] = field(default_factory=list)
    skipped_open: list[str] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    run_id: int = 0
    retired: list[str] = field(default_factory=list)
    # whether a write-back still has work another sync must do: a workbook skipped as
    # open or changed, a write that failed, or no write-back at all in this run (kept
    # in the run's counts, not in the JSON report)
    writeback_pending: bool = True

    def to_json(self) -> dict[str, Any]:
        return {
            "scanned": self.scanned,
            "unchanged": self.unchanged,
            "read": self.read,
            "rows": self.rows,
            "rejected_rows": self.rejected_rows,
            "conflicts": self.conflicts,
            "written_back": list(self.written_back),
            "skipped_open": list(self.skipped_open),
            "issues": [i.to_dict() for i in self.issues],
        }

    @property
    def exit_code(self) -> int:
        """0 when clean, 1 when an error or warning was reported (INFO does not count)."""
        return 1 if any(i.severity is not Severity.INFO for i in self.issues) else 0


@dataclass(frozen=True)
class Key:
    """What a workbook is a copy of, if two say the same."""

    ident: str
    person: str | None = None
    week: date | None = None
    engagement: str | None = None


def identity(model: st.Model) -> Key | None:
    if isinstance(model, m.Catalog):
        return Key("catalog")
    if isinstance(model, m.Scope):
        eng = model.info.engagement
        return Key(f"scope:{eng}", engagement=eng) if eng else None
    if model.person and model.week:
        return Key(f"timesheet:{model.person}:{model.week.isoformat()}", model.person, model.week)
    return None
