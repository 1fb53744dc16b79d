"""Read workbooks (the folder's scan is :mod:`psos_xl.sync.files`, re-exported here).

:func:`read_workbook` reads the file's bytes once, hashes them and parses the same
bytes, so the content hash recorded in the store is the hash of exactly what was read.
It is a plain top-level function of plain arguments, so a process pool can run it.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import python_calamine as pc

from psos_xl import models as m
from psos_xl.errors import Issue
from psos_xl.loader import parse
from psos_xl.sync.files import FileStat as FileStat
from psos_xl.sync.files import scan as scan
from psos_xl.sync.files import sha256_of as sha256_of
from psos_xl.sync.files import stat_of as stat_of
from psos_xl.workbook.reader import Book
from psos_xl.workbook.readers import IGNORED, UNREADABLE, unreadable

Model = m.Catalog | m.Scope | m.Timesheet


@dataclass
class ReadOutcome:
    """What reading one workbook gave.

    ``state`` is ``ok`` (a model), ``invalid`` (readable, unusable as a whole),
    ``unreadable`` (calamine failed or the file vanished) or ``ignored`` (no marker, or
    one of psos' own outputs).
    """

    rel: str
    size: int
    mtime_ns: int
    sha256: str
    state: str
    kind: str = ""
    model: Model | None = None
    issues: list[Issue] = field(default_factory=list)
    checked: Any = None  # a timesheet checked in a pool worker (psos_xl.sync.pooled)


def _unreadable(rel: str, err: Exception) -> ReadOutcome:
    keep = "; its last good rows are kept and it is read again on the next sync"
    return ReadOutcome(rel, -1, -1, "", UNREADABLE, issues=[unreadable(rel, err, keep)])


def read_workbook(path: str, rel: str) -> ReadOutcome:
    """Read one workbook (in this process or a pool worker)."""
    file = Path(path)
    try:
        st = file.stat()
        data = file.read_bytes()
        if len(data) != st.st_size:
            raise OSError("the file changed while it was read")
    except OSError as err:
        return _unreadable(rel, err)
    sha = hashlib.sha256(data).hexdigest()
    try:
        workbook = pc.CalamineWorkbook.from_filelike(io.BytesIO(data), load_tables=True)
        # a broken zip member surfaces only when a sheet is read
        loaded = parse(Book(file, rel, workbook, source=data))
    except Exception as err:  # calamine raises several unrelated types for bad files
        return _unreadable(rel, err)
    if loaded.error is not None:  # a part of the package cannot be read
        return _unreadable(rel, loaded.error)
    if loaded.state == IGNORED:  # sync keeps no issue of a workbook that is not its own
        return ReadOutcome(rel, st.st_size, st.st_mtime_ns, sha, IGNORED)
    return ReadOutcome(
        rel, st.st_size, st.st_mtime_ns, sha, loaded.state, loaded.kind, loaded.model, loaded.issues
    )
