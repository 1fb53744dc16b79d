"""``psos approve`` and ``psos lock``: what finance closes (DESIGN §12).

**Approve** records, per timesheet of one week (of some people, or everyone's), who
approved it, when, and the content hash of its valid rows as the file holds them now
(:func:`psos_xl.sync.freeze.content_sha256`, read and checked as sync would). The file is
marked to be read again, so the next sync applies an approved edit; until then, and
whenever the timesheet changes afterwards, sync keeps the approved rows
(:mod:`psos_xl.sync.freeze`).

**Lock** records that time up to a day is closed: from then on, sync keeps the rows
dated on or before it as stored. Every lock is kept (``psos lock --list``); a lock never
moves back.

Both take the workspace's sync lock while they write, so a sync never runs half under
the old state and half under the new.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from psos_xl.errors import PsosError, WorkspaceError
from psos_xl.workspace import Workspace

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from psos_xl.store.queries import Lock


class TrustError(PsosError):
    """An approval or a lock that cannot be recorded as asked."""

    exit_code = 2


@dataclass(frozen=True)
class Approved:
    person: str
    path: str
    content_sha256: str
    rows: int


@dataclass
class ApproveResult:
    week: date
    by: str
    approved: list[Approved] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # path, why

    def to_json(self) -> dict[str, Any]:
        return {
            "week": self.week.isoformat(),
            "by": self.by,
            "approved": [
                {
                    "person": a.person,
                    "path": a.path,
                    "rows": a.rows,
                    "content_sha256": a.content_sha256,
                }
                for a in self.approved
            ],
            "refused": [{"path": p, "reason": why} for p, why in self.refused],
        }


def _workspace(root: Path) -> Workspace:
    if not root.is_dir():
        raise WorkspaceError(f"{root}: no such folder")
    ws = Workspace.find(root)
    if ws is None:
        raise WorkspaceError(f"{root} is not inside a psos workspace (run 'psos init' first)")
    return ws


def _file_content(ws: Workspace, rel: str, conn: Connection) -> tuple[str, int] | str:
    """The content hash and row count of the timesheet at ``rel`` as sync would store
    it now, or why it cannot be approved."""
    from psos_xl import loader
    from psos_xl.models import Timesheet
    from psos_xl.rules import without_rejected
    from psos_xl.store.rows import plain
    from psos_xl.sync.checks import load_context
    from psos_xl.sync.freeze import Fact, content_sha256
    from psos_xl.sync.scan import read_workbook

    path = ws.root / rel
    if not path.is_file():
        return "the file is gone"
    outcome = read_workbook(str(path), rel)
    if outcome.state != "ok" or not isinstance(outcome.model, Timesheet):
        return "it cannot be read as a timesheet; fix it and sync first"
    model = outcome.model
    issues = loader.check(model, load_context(conn, "timesheet"), outcome.issues)
    kept = without_rejected(model, issues)
    facts = [
        Fact.of(table, {**plain(row), "id": 0, "sheet": "", "row_num": 0})
        for table, rows in (("time_entries", kept.entries), ("expenses", kept.expenses))
        for row in rows
    ]
    return content_sha256(facts), len(facts)


def approve(
    root: Path,
    week: date,
    by: str,
    people: list[str] | None = None,
    store_url: str | None = None,
    now: datetime | None = None,
) -> ApproveResult:
    """Approve the timesheets of ``week`` (of ``people``, or everyone's) as they are."""
    from sqlalchemy import select, update

    from psos_xl.app.accuracy import open_existing_store
    from psos_xl.app.accuracy import store_url as url_of
    from psos_xl.store.base import HOLDING
    from psos_xl.store.schema import approvals, workbooks
    from psos_xl.store.schema import now as utc_now
    from psos_xl.sync.lock import SyncLock

    if week.weekday() != 0:
        raise TrustError(f"--week must be a Monday; {week.isoformat()} is not")
    if not by.strip():
        raise TrustError("--by must name who approves")
    ws = _workspace(root)
    result = ApproveResult(week, by.strip())
    store = open_existing_store(ws, store_url)
    try:
        with SyncLock(ws.state_dir, store_url=url_of(ws, store_url)), store.begin() as conn:
            w = workbooks
            query = (
                select(w.c.id, w.c.path, w.c.person)
                .where(w.c.kind == "timesheet", w.c.week == week, w.c.status.in_(HOLDING))
                .order_by(w.c.person, w.c.path)
            )
            found = list(conn.execute(query))
            wanted = {p.casefold() for p in people or []}
            for wid, rel, person in found:
                if wanted and person.casefold() not in wanted:
                    continue
                content = _file_content(ws, rel, conn)
                if isinstance(content, str):
                    result.refused.append((rel, content))
                    continue
                sha, rows = content
                conn.execute(
                    approvals.insert().values(
                        person=person,
                        week=week,
                        path=rel,
                        content_sha256=sha,
                        approved_by=result.by,
                        approved_at=now or utc_now(),
                    )
                )
                conn.execute(update(w).where(w.c.id == wid).values(dirty=True))
                result.approved.append(Approved(person, rel, sha, rows))
            missing = sorted(wanted - {p.casefold() for _, _, p in found})
            result.refused.extend(
                ("", f"no timesheet of {p.upper()} for that week") for p in missing
            )
    finally:
        store.close()
    return result


@dataclass
class LockResult:
    until: date | None
    locks: list[Lock]

    def to_json(self) -> dict[str, Any]:
        return {
            "locked_until": self.until.isoformat() if self.until else None,
            "locks": [
                {"until": k.until.isoformat(), "by": k.locked_by, "at": k.locked_at.isoformat()}
                for k in self.locks
            ],
        }


def list_locks(root: Path, store_url: str | None = None) -> LockResult:
    """Every lock recorded in the workspace's store, oldest first."""
    from psos_xl.app.accuracy import open_existing_store
    from psos_xl.store import queries as q

    store = open_existing_store(_workspace(root), store_url)
    try:
        with store.connect() as conn:
            history = q.locks(conn)
    finally:
        store.close()
    return LockResult(max((k.until for k in history), default=None), history)


def lock(
    root: Path, until: date, by: str, store_url: str | None = None, now: datetime | None = None
) -> LockResult:
    """Close time up to ``until`` (never earlier than it already is)."""
    from psos_xl.app.accuracy import open_existing_store
    from psos_xl.app.accuracy import store_url as url_of
    from psos_xl.store import queries as q
    from psos_xl.store.schema import now as utc_now
    from psos_xl.store.schema import period_locks
    from psos_xl.sync.lock import SyncLock

    if not by.strip():
        raise TrustError("--by must name who locks")
    ws = _workspace(root)
    store = open_existing_store(ws, store_url)
    try:
        with SyncLock(ws.state_dir, store_url=url_of(ws, store_url)), store.begin() as conn:
            current = q.locked_until(conn)
            if current is not None and until < current:
                raise TrustError(
                    f"time is already locked until {current.isoformat()}; a lock never moves back"
                )
            conn.execute(
                period_locks.insert().values(
                    until=until, locked_by=by.strip(), locked_at=now or utc_now()
                )
            )
            history = q.locks(conn)
    finally:
        store.close()
    return LockResult(until, history)
