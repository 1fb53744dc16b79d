"""A sync with nothing to do, answered from the store's own tables.

Most syncs find nothing new: ``psos watch`` after a save that changed nothing, a
scheduled run overnight, a PM checking that the folder is in. The engine answers them
in a few milliseconds, but starting it (SQLAlchemy, pydantic, the readers) costs far
more than that. :func:`quick_sync` answers them with the standard library's sqlite3
instead, and returns None whenever there is anything at all to do, so the engine runs.

It answers only when, under the workspace's lock:

- the store is SQLite, already at the current schema version;
- the last run finished (``ok`` or ``issues``) and left no write-back pending;
- every workbook in the folder is known to the store, read and stable (``ok``,
  ``invalid``, ``conflict``, ``ignored``), not marked dirty, with the same size and
  mtime; and every workbook the store holds is still in the folder.

Then nothing would be read, retired or written: it reports the standing rejects and
conflicts exactly as the engine would and records the run in ``sync_runs``.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path

from psos_xl.sync.files import scan
from psos_xl.sync.lock import SyncLock
from psos_xl.sync.result import ConflictRow, SyncResult, report, run_counts
from psos_xl.workspace import STATE_DIR

STORE_FILE = "store.sqlite"
SCHEMA_VERSION = 2  # the store's MIGRATIONS[-1].version (a test keeps them in step)
STABLE = ("ok", "invalid", "conflict", "ignored")
_SQLITE = "sqlite:///"


def default_url(root: Path) -> str:
    """The store of the workspace at ``root`` when nothing else is configured."""
    return f"{_SQLITE}{(root / STATE_DIR / STORE_FILE).as_posix()}"


def store_url_of(root: Path, store_url: str | None = None) -> str:
    """The store URL: the argument, else psos.toml's ``store``, else SQLite in ``.psos``."""
    from psos_xl.workspace import Workspace

    if store_url:
        return store_url
    configured = Workspace.load(root).config.get("store", "")
    return configured or default_url(root.resolve())


def sqlite_file(url: str) -> Path | None:
    """The file of a plain ``sqlite:///path`` URL (None for any other URL)."""
    if not url.startswith(_SQLITE) or "?" in url:
        return None
    path = url[len(_SQLITE) :]
    return Path(path) if path and path != ":memory:" else None


def quick_sync(
    root: Path, store_url: str | None = None, lock_timeout: float = 30.0
) -> SyncResult | None:
    """The result of syncing ``root`` when there is nothing to read, retire or write
    back; None when there is (or when the store is not one this can answer for)."""
    root = root.resolve()
    if not root.is_dir():
        return None
    try:
        path = sqlite_file(store_url_of(root, store_url))
    except Exception:  # a broken psos.toml: the engine reports it
        return None
    if path is None or not path.is_file():
        return None
    with SyncLock(root / STATE_DIR, lock_timeout):
        try:
            conn = sqlite3.connect(path, timeout=30.0, isolation_level=None)
        except sqlite3.Error:
            return None
        try:
            conn.execute("PRAGMA busy_timeout=30000")
            return _answer(conn, root)
        except sqlite3.Error:
            return None  # not a store this understands: the engine opens it, or says why
        finally:
            conn.close()


def _answer(conn: sqlite3.Connection, root: Path) -> SyncResult | None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        result = _nothing_to_do(conn, root)
        if result is not None:
            _record_run(conn, result)
        conn.execute("COMMIT")
        return result
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _nothing_to_do(conn: sqlite3.Connection, root: Path) -> SyncResult | None:
    (version,) = conn.execute("SELECT max(version) FROM schema_migrations").fetchone()
    if version != SCHEMA_VERSION:
        return None
    last = conn.execute("SELECT status, counts FROM sync_runs ORDER BY id DESC LIMIT 1").fetchone()
    if last is None or last[0] not in ("ok", "issues") or _pending(last[1]):
        return None
    held = {
        row[0]: row[1:]
        for row in conn.execute(
            "SELECT path, size, mtime_ns, status, dirty FROM workbooks WHERE status != 'retired'"
        )
    }
    files = scan(root)
    if len(files) != len(held):
        return None
    for f in files:
        known = held.get(f.rel)
        if known is None:
            return None
        size, mtime_ns, status, dirty = known
        if status not in STABLE or dirty or (size, mtime_ns) != (f.size, f.mtime_ns):
            return None
    result = SyncResult(scanned=len(files), unchanged=len(files), writeback_pending=False)
    rejects = conn.execute(
        "SELECT code, severity, location, message FROM rejects ORDER BY id"
    ).fetchall()
    conflicts: list[ConflictRow] = [
        (ident, person, date.fromisoformat(week) if week else None, kept, copy)
        for ident, person, week, kept, copy in conn.execute(
            "SELECT ident, person, week, kept_path, conflicting_path FROM conflicts ORDER BY id"
        )
    ]
    report(result, rejects, conflicts)
    return result


def _pending(counts: str | None) -> bool:
    """Whether the run with these counts left write-back work (see outputs.quiet)."""
    try:
        return bool(json.loads(counts or "").get("pending", 1) != 0)
    except (ValueError, AttributeError):
        return True


def _record_run(conn: sqlite3.Connection, result: SyncResult) -> None:
    # the text SQLAlchemy stores for a DateTime on SQLite, so both read it back alike
    stamp = datetime.now(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    status = "issues" if result.exit_code else "ok"
    cursor = conn.execute(
        "INSERT INTO sync_runs (started_at, finished_at, status, counts, pid, host) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (stamp, stamp, status, json.dumps(run_counts(result)), os.getpid(), socket.gethostname()),
    )
    result.run_id = int(cursor.lastrowid or 0)
