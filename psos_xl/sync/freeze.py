"""What of a timesheet's stored rows may change: approvals and period locks (DESIGN §12).

A sync stores a changed timesheet by adding its new rows beside its old ones, then
asking :func:`decide` which of the two to drop; this module only decides, the store's
writer deletes.

- **Approved**, and the new rows say what the approved ones said (the same content,
  :func:`content_sha256`, whatever their order): the new rows replace the old as usual.
  Approved and changed: every old row stays (they are what was approved) and each row
  that differs is reported ``CHANGED_AFTER_APPROVAL`` at its cells, until the timesheet
  is approved again.
- **Locked** (rows dated on or before the latest ``psos lock --until``): the old locked
  rows stay as stored and the new locked rows are dropped; each locked row added,
  changed or removed is reported ``PERIOD_LOCKED`` at its cells. Rows after the lock
  are replaced as usual.

Rows are paired by content (a multiset: two identical rows are two rows), then the
unpaired ones by their sheet row, so a changed cell is named as that cell.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from psos_xl.errors import Code, Issue, Location
from psos_xl.models import unpaired
from psos_xl.workbook import spec

# per fact table: its sheet, and (column, header) of what a person typed in each row
CONTENT: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "time_entries": (spec.TIME.name, tuple((c.field, c.header) for c in spec.TIME.columns)),
    "expenses": (spec.EXPENSES.name, tuple((c.field, c.header) for c in spec.EXPENSES.columns)),
}
_NUMBERS = {"hours", "amount"}


def _text(column: str, value: Any) -> str:
    """One stored value as comparable text, whichever driver read it."""
    if value is None:
        return ""
    if column in _NUMBERS:
        return format(Decimal(str(value)).normalize(), "f")
    if column == "billable":
        return "Y" if (value if isinstance(value, bool) else int(value)) else "N"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


@dataclass(frozen=True)
class Fact:
    """One stored row of a timesheet: where it is, when, and what it says."""

    table: str
    id: int
    sheet: str
    row: int
    day: date
    content: tuple[str, ...]

    @classmethod
    def of(cls, table: str, row: Mapping[str, Any]) -> Fact:
        columns = CONTENT[table][1]
        day = row["date"]
        day = day if isinstance(day, date) else date.fromisoformat(str(day))
        content = tuple(_text(c, row[c]) for c, _ in columns)
        return cls(
            table, int(row["id"]), str(row["sheet"] or ""), int(row["row_num"] or 0), day, content
        )

    @property
    def key(self) -> tuple[str, tuple[str, ...]]:
        return (self.table, self.content)

    def describe(self) -> str:
        return " ".join(v for v in self.content if v)


def content_sha256(facts: Iterable[Fact]) -> str:
    """The hash of what rows say, in any order: what an approval fixes."""
    keys = sorted(f.key for f in facts)
    return hashlib.sha256(json.dumps(keys, ensure_ascii=False).encode()).hexdigest()


@dataclass(frozen=True)
class Freeze:
    """What holds a timesheet's rows: the lock date, the approved content."""

    locked_until: date | None = None
    approved_sha256: str | None = None
    approved_by: str = ""

    def __bool__(self) -> bool:
        return self.locked_until is not None or self.approved_sha256 is not None


@dataclass(frozen=True)
class Decision:
    drop: list[Fact]
    issues: list[Issue]
    changed_after_approval: bool = False


Columns = Mapping[str, Mapping[str, str]]  # sheet → header (casefolded) → column letter


def _cell(workbook: str, columns: Columns, fact: Fact, header: str) -> Location:
    letter = columns.get(fact.sheet, {}).get(header.casefold())
    return Location(workbook, fact.sheet, f"{letter}{fact.row}" if letter else str(fact.row))


def differences(
    workbook: str, columns: Columns, old: Sequence[Fact], new: Sequence[Fact], code: Code, why: str
) -> list[Issue]:
    """One issue per cell that differs between ``old`` and ``new`` rows, per row added
    and per row removed; ``why`` ends each message."""
    gone, added = unpaired(old, new)
    by_row = {(f.table, f.sheet, f.row): f for f in gone}
    issues: list[Issue] = []
    for f in added:
        was = by_row.pop((f.table, f.sheet, f.row), None)
        headers = CONTENT[f.table][1]
        if was is None:
            where = _cell(workbook, columns, f, headers[0][1])
            issues.append(Issue.make(code, where, f"row {f.describe()} was added; {why}"))
            continue
        for (_, header), before, after in zip(headers, was.content, f.content, strict=True):
            if before != after:
                where = _cell(workbook, columns, f, header)
                issues.append(
                    Issue.make(
                        code,
                        where,
                        f"{header} was {before or '(empty)'}, now {after or '(empty)'}; {why}",
                    )
                )
    for was in by_row.values():
        where = _cell(workbook, columns, was, CONTENT[was.table][1][0][1])
        issues.append(Issue.make(code, where, f"row {was.describe()} was removed; {why}"))
    return issues


def decide(
    workbook: str, freeze: Freeze, old: Sequence[Fact], new: Sequence[Fact], columns: Columns
) -> Decision:
    """Which of a timesheet's ``old`` and ``new`` rows to drop, and what to report."""
    if freeze.approved_sha256 is not None and content_sha256(new) != freeze.approved_sha256:
        by = f" by {freeze.approved_by}" if freeze.approved_by else ""
        why = f"the week was approved{by}; its approved rows count until it is approved again"
        issues = differences(workbook, columns, old, new, Code.CHANGED_AFTER_APPROVAL, why)
        return Decision(list(new), issues, changed_after_approval=True)
    until = freeze.locked_until
    if until is None:
        return Decision(list(old), [])
    old_locked = [f for f in old if f.day <= until]
    new_locked = [f for f in new if f.day <= until]
    why = f"time is locked until {until.isoformat()}; the row is kept as stored"
    issues = differences(workbook, columns, old_locked, new_locked, Code.PERIOD_LOCKED, why)
    drop = [f for f in old if f.day > until] + new_locked
    return Decision(drop, issues)
