"""What ``psos doctor`` finds, and what its checks look at.

A :class:`Finding` is one thing found: a stable code (:class:`FindingCode`, listed in the
README), a severity, where (a file relative to the workspace, or the store), what is
wrong and how to fix it, in plain words. A check is a plain function
``check(ctx) -> list[Finding]`` over one :class:`Context`; the list of checks is
:data:`psos_xl.app.doctor.CHECKS`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from psos_xl.errors import Issue, Severity
from psos_xl.store.base import SCHEMA_VERSION as SCHEMA
from psos_xl.store.base import sqlite_file
from psos_xl.workspace import Workspace

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from psos_xl.store.db import Store


class FindingCode(StrEnum):
    """Stable codes of what doctor finds. Never rename one: scripts depend on them."""

    WORKSPACE_CONFIG_INVALID = "WORKSPACE_CONFIG_INVALID"
    CATALOG_MISSING = "CATALOG_MISSING"
    CATALOG_UNREADABLE = "CATALOG_UNREADABLE"
    STORE_MISSING = "STORE_MISSING"
    STORE_CORRUPT = "STORE_CORRUPT"
    STORE_ORPHAN_ROWS = "STORE_ORPHAN_ROWS"
    STORE_SCHEMA_OLDER = "STORE_SCHEMA_OLDER"
    STORE_SCHEMA_NEWER = "STORE_SCHEMA_NEWER"
    SYNC_RUNNING = "SYNC_RUNNING"
    SYNC_INTERRUPTED = "SYNC_INTERRUPTED"
    SYNC_FAILED = "SYNC_FAILED"
    TEMP_FILE_LEFT = "TEMP_FILE_LEFT"
    LOCK_FILE_ORPHANED = "LOCK_FILE_ORPHANED"
    LOCK_FILE_STALE = "LOCK_FILE_STALE"
    WORKBOOK_UNREADABLE = "WORKBOOK_UNREADABLE"
    WORKBOOK_INVALID = "WORKBOOK_INVALID"
    WORKBOOK_REJECTS = "WORKBOOK_REJECTS"
    WORKBOOK_CONFLICT = "WORKBOOK_CONFLICT"
    FILE_OVER_LIMITS = "FILE_OVER_LIMITS"
    CHECK_FAILED = "CHECK_FAILED"


@dataclass(frozen=True)
class Finding:
    """One thing found: where, what is wrong, and how to fix it, in plain words."""

    code: FindingCode
    severity: Severity
    location: str
    message: str
    fix: str
    details: tuple[str, ...] = ()

    @property
    def needs_doing(self) -> bool:
        return self.severity is not Severity.INFO

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": str(self.code),
            "severity": str(self.severity),
            "location": self.location,
            "message": self.message,
            "fix": self.fix,
            "details": list(self.details),
        }


# The reading guard's judgement of one file, before any parser reads it: the issues that
# say sync will not read it (over a size, zip or sheet limit, or not a regular file),
# located at the file; none when it may be read. A file that is merely damaged is not
# one of these (the store reports it, WORKBOOK_UNREADABLE). The workspace gives the
# limits its settings set.
Inspect = Callable[[Path, Workspace], Sequence[Issue]]

STALE_LOCK_SECONDS = 24 * 60 * 60  # an Excel or LibreOffice lock older than this is stale
SHOWN = 5  # locations listed per workbook


@dataclass
class Context:
    """What the checks look at. ``store`` is None when there is none yet, ``store_error``
    set when its file is there but cannot be read as a database at all."""

    ws: Workspace
    url: str
    store: Store | None = None
    version: int = 0  # the store's schema version (0: no psos tables)
    store_error: str = ""
    config_error: str = ""
    inspect: Inspect | None = None
    now: float = field(default_factory=time.time)
    _running: bool | None = field(default=None, repr=False)
    _damage: list[str] | None = field(default=None, repr=False)
    _limits: dict[Path, list[Issue]] = field(default_factory=dict, repr=False)

    @property
    def store_name(self) -> str:
        path = sqlite_file(self.url)
        if path is not None:
            return self.display(path)
        from psos_xl.store.db import shown

        return shown(self.url)

    @property
    def known_schema(self) -> bool:
        """The store has psos' tables, of a schema this psos_xl knows."""
        return self.store is not None and not self.store_error and 0 < self.version <= SCHEMA

    @property
    def readable(self) -> bool:
        """The store's tables can be read and trusted: a known schema, no damage."""
        return self.known_schema and not self.damage()

    def damage(self) -> list[str]:
        """What is damaged in the store, one line each (asked once): a file that is not a
        database any more, or what :func:`psos_xl.store.queries.integrity` finds."""
        if self._damage is None:
            self._damage = [self.store_error] if self.store_error else []
            if self.known_schema:
                from psos_xl.store import queries as q

                with self.connect() as conn:
                    self._damage = q.integrity(conn)
        return self._damage

    def display(self, path: Path) -> str:
        """A path as findings name it: relative to the workspace when inside it; bytes of
        a name that are not UTF-8 written ``\\xNN``, so it prints anywhere."""
        try:
            text = path.absolute().relative_to(self.ws.root).as_posix()
        except ValueError:
            text = str(path)
        return printable(text)

    def over_limits(self, path: Path) -> list[Issue]:
        """What the reading guard says of the file at ``path`` (asked once per file;
        nothing without a guard)."""
        if self.inspect is None:
            return []
        if path not in self._limits:
            self._limits[path] = list(self.inspect(path, self.ws))
        return self._limits[path]

    def connect(self) -> Connection:
        """A connection to the store (there is one: :attr:`known_schema`)."""
        assert self.store is not None
        return self.store.connect()

    def sync_running(self) -> bool:
        """True while a sync holds the workspace's lock (asked once: the lock is tried
        without waiting and let go at once)."""
        if self._running is None:
            from psos_xl.sync.lock import SyncBusyError, SyncLock

            try:
                with SyncLock(self.ws.state_dir, timeout=0, store_url=self.url):
                    self._running = False
            except SyncBusyError:
                self._running = True
        return self._running


Check = Callable[[Context], list[Finding]]


def finding(
    code: FindingCode,
    severity: Severity,
    location: str,
    message: str,
    fix: str,
    details: Sequence[str] = (),
) -> Finding:
    return Finding(code, severity, location, message, fix, tuple(details))


ERROR, WARNING, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO


def printable(name: str) -> str:
    """A file name as text that prints anywhere: bytes that are not UTF-8 (which Python
    hands over as surrogate escapes) written ``\\xNN``."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def plural(n: int, word: str) -> str:
    """``1 row``, ``2 rows``."""
    return f"{n} {word}" + ("" if n == 1 else "s")
