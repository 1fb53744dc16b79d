"""What the store's seam shares with code that must start without SQLAlchemy: the default
location, the schema version, the workbook statuses and the advisory-lock keys.

Standard library only: the no-change answer (:mod:`psos_xl.store.quick`) and the sync's
lock import this and nothing heavier.
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

STATE_DIR = ".psos"  # the workspace's own folder: the store, the lock, psos' state
STORE_FILE = "store.sqlite"
# the newest migration (psos_xl.store.db.MIGRATIONS[-1].version; it checks itself)
SCHEMA_VERSION = 7
# statuses whose recorded stat means "read": the file is skipped while it is unchanged
STABLE = ("ok", "invalid", "conflict", "ignored")
# statuses whose stored rows count
HOLDING = ("ok", "invalid", "unreadable")
_SQLITE = "sqlite:///"

RejectRow = tuple[str, str, str, str]  # a stored reject: code, severity, location, message
# a stored conflict: ident, person, week, kept_path, conflicting_path
ConflictRow = tuple[str, str | None, date | None, str, str]


def default_url(root: Path) -> str:
    """The store of the workspace at ``root`` when nothing else is configured."""
    return f"{_SQLITE}{(root / STATE_DIR / STORE_FILE).as_posix()}"


def sqlite_file(url: str) -> Path | None:
    """The file of a plain ``sqlite:///path`` URL (None for any other URL)."""
    if not url.startswith(_SQLITE) or "?" in url:
        return None
    path = url[len(_SQLITE) :]
    return Path(path) if path and path != ":memory:" else None


def advisory_key(name: str) -> int:
    """A fixed 64-bit PostgreSQL advisory-lock key derived from ``name``."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


SYNC_LOCK_KEY = advisory_key("psos_xl sync")
MIGRATION_LOCK_KEY = advisory_key("psos_xl schema migrations")
