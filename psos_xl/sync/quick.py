"""A sync with nothing to do, answered without starting the engine.

Under the workspace's lock, the folder is scanned (standard library) and the store's
no-change answer (:mod:`psos_xl.store.quick`) asked; when it has one, the standing
rejects and conflicts are reported exactly as the engine would report them and the run
is recorded. Otherwise (anything to read, retire or write back; a store that is not
SQLite; a broken psos.toml; a folder not known to be a workspace) :func:`quick_sync`
returns None, and the engine runs.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from psos_xl.settings import WORKSPACE_FILE
from psos_xl.store import quick
from psos_xl.store.base import STATE_DIR, default_url, sqlite_file
from psos_xl.sync.files import scan
from psos_xl.sync.lock import SyncLock
from psos_xl.sync.result import SyncResult, report, run_counts


def store_url_of(root: Path, store_url: str | None = None) -> str:
    """The store URL: the argument, else psos.toml's ``store``, else SQLite in ``.psos``."""
    from psos_xl.workspace import Workspace

    if store_url:
        return store_url
    configured = Workspace.load(root).config.get("store", "")
    return configured or default_url(root.resolve())


def _workspace(root: Path, conn: sqlite3.Connection) -> bool:
    """Whether ``root`` is a workspace, as far as this answer needs to know without opening
    a workbook: it holds psos.toml, or the store holds a catalog directly in it (as it is
    now, since the answer is given only when every workbook is unchanged). Else the
    command's own check (:func:`psos_xl.workspace.workspace_root`) decides."""
    if (root / WORKSPACE_FILE).is_file():
        return True
    found = conn.execute(
        "SELECT 1 FROM workbooks WHERE kind = 'catalog' AND status = 'ok'"
        " AND instr(path, '/') = 0 LIMIT 1"
    ).fetchone()
    return found is not None


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
            with quick.opened(path) as conn:
                if conn is None:
                    return None
                files = scan(root)
                found = quick.standing(conn, files)
                if found is None or not _workspace(root, conn):
                    return None
                result = SyncResult(
                    scanned=len(files),
                    unchanged=len(files),
                    writeback_pending=False,
                    missing_timesheets=int(found.counts.get("missing_timesheets", 0)),
                    short_weeks=int(found.counts.get("short_weeks", 0)),
                    counted_week=int(found.counts.get("counted_week", 0)),
                )
                report(result, found.rejects, found.conflicts)
                status = "issues" if result.exit_code else "ok"
                result.run_id = quick.record_run(conn, status, run_counts(result))
                return result
        except sqlite3.Error:
            return None  # not a store this understands: the engine opens it, or says why
