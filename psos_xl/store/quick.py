"""The store's no-change answer, with the standard library's sqlite3.

Most syncs find nothing new. Starting the engine (SQLAlchemy, pydantic, the readers)
costs far more than answering them, so for a SQLite store the sync first asks
:func:`standing`: given the folder's files with their stats, is there anything at all
to read, retire or write back? If not, it returns what the store reports (the standing
rejects and conflicts) and :func:`record_run` records the run as the engine would.

It answers only when the store is at the current schema version
(:data:`~psos_xl.store.base.SCHEMA_VERSION`), the last run finished (``ok`` or
``issues``) and left no write-back pending, every file is known to the store, stable
(:data:`~psos_xl.store.base.STABLE`), not marked dirty and has the same size and mtime,
and every workbook the store holds is still in the folder. Any other answer is None,
and the engine runs.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from psos_xl.store.base import SCHEMA_VERSION, STABLE, ConflictRow, RejectRow


class Stat(Protocol):
    @property
    def rel(self) -> str: ...
    @property
    def size(self) -> int: ...
    @property
    def mtime_ns(self) -> int: ...


@dataclass
class Standing:
    """What the store reports when nothing is to do."""

    rejects: list[RejectRow]
    conflicts: list[ConflictRow]
    counts: dict[str, Any]  # the last run's counts, whose completeness still holds


@contextmanager
def opened(path: Path) -> Iterator[sqlite3.Connection | None]:
    """The store file in one immediate (write-locked) transaction, committed on leaving;
    None when it cannot be opened."""
    try:
        conn = sqlite3.connect(path, timeout=30.0, isolation_level=None)
    except sqlite3.Error:
        yield None
        return
    try:
        conn.execute("PRAGMA busy_timeout=30000")
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    finally:
        conn.close()


def standing(conn: sqlite3.Connection, files: Sequence[Stat]) -> Standing | None:
    """The standing rejects and conflicts when ``files`` hold nothing new for the store;
    None when a sync has anything to do."""
    (version,) = conn.execute("SELECT max(version) FROM schema_migrations").fetchone()
    if version != SCHEMA_VERSION:
        return None
    last = conn.execute("SELECT status, counts FROM sync_runs ORDER BY id DESC LIMIT 1").fetchone()
    if last is None or last[0] not in ("ok", "issues") or pending(last[1]):
        return None
    counts = json.loads(last[1] or "{}")
    today = datetime.now(UTC).date()
    if counts.get("counted_week") != (today - timedelta(days=today.weekday())).toordinal():
        return None  # a week has ended since: its completeness is counted again
    held = {
        row[0]: row[1:]
        for row in conn.execute(
            "SELECT path, size, mtime_ns, status, dirty FROM workbooks WHERE status != 'retired'"
        )
    }
    if len(files) != len(held):
        return None
    for f in files:
        known = held.get(f.rel)
        if known is None:
            return None
        size, mtime_ns, status, dirty = known
        if status not in STABLE or dirty or (size, mtime_ns) != (f.size, f.mtime_ns):
            return None
    rejects = conn.execute(
        "SELECT code, severity, location, message FROM rejects ORDER BY id"
    ).fetchall()
    conflicts: list[ConflictRow] = [
        (ident, person, date.fromisoformat(week) if week else None, kept, copy)
        for ident, person, week, kept, copy in conn.execute(
            "SELECT ident, person, week, kept_path, conflicting_path FROM conflicts ORDER BY id"
        )
    ]
    return Standing(rejects, conflicts, counts)


def pending(counts: str | None) -> bool:
    """Whether the run with these counts left write-back work (the ``pending`` count)."""
    try:
        return bool(json.loads(counts or "").get("pending", 1) != 0)
    except (ValueError, AttributeError):
        return True


def record_run(conn: sqlite3.Connection, status: str, counts: dict[str, Any]) -> int:
    """Record a finished run in ``sync_runs`` as the engine does; its id."""
    # the text SQLAlchemy stores for a DateTime on SQLite, so both read it back alike
    stamp = datetime.now(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    cursor = conn.execute(
        "INSERT INTO sync_runs (started_at, finished_at, status, counts, pid, host) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (stamp, stamp, status, json.dumps(counts), os.getpid(), socket.gethostname()),
    )
    return int(cursor.lastrowid or 0)
