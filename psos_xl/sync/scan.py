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
from psos_xl.errors import Code, Issue
from psos_xl.sync.files import FileStat as FileStat
from psos_xl.sync.files import scan as scan
from psos_xl.sync.files import sha256_of as sha256_of
from psos_xl.sync.files import stat_of as stat_of
from psos_xl.workbook import readers
from psos_xl.workbook.reader import Book, _read_marker

Model = m.Catalog | m.Scope | m.Timesheet

# reading issues that make the workbook unusable as a whole: its last good rows stay
STRUCTURAL = frozenset(
    {
        Code.TABLE_MISSING,
        Code.COLUMN_MISSING,
        Code.MARKER_INVALID,
        Code.MARKER_KEY_MISSING,
        Code.SCHEMA_UNSUPPORTED,
    }
)


@dataclass
class ReadOutcome:
    """What reading one workbook gave.

    ``state`` is ``ok`` (a model), ``invalid`` (readable, unusable as a whole),
    ``unreadable`` (calamine failed or the file vanished) or ``ignored`` (no marker).
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
    issue = Issue.make(
        Code.FILE_UNREADABLE,
        rel,
        f"cannot be read as an Excel workbook ({type(err).__name__}: {err}); "
        "its last good rows are kept and it is read again on the next sync",
    )
    return ReadOutcome(rel, -1, -1, "", "unreadable", issues=[issue])


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
    except Exception as err:  # calamine raises several unrelated types for bad files
        return _unreadable(rel, err)
    out = ReadOutcome(rel, st.st_size, st.st_mtime_ns, sha, "ok")
    try:
        _parse(Book(file, rel, workbook), out)
    except Exception as err:  # a broken zip member surfaces only when a sheet is read
        return _unreadable(rel, err)
    return out


def _parse(book: Book, out: ReadOutcome) -> None:
    issues: list[Issue] = []
    _read_marker(book, issues)
    if any(i.code is Code.NOT_PSOS_WORKBOOK for i in issues):
        out.state = "ignored"
        return
    out.kind = book.kind
    kinds = {k.value: k for k in m.Kind}
    model: Model | None = None
    if book.kind == m.Kind.CATALOG:
        model = readers.catalog_from(book, issues)
    elif book.kind == m.Kind.SCOPE:
        model = readers.scope_from(book, issues)
    elif book.kind == m.Kind.TIMESHEET:
        model = readers.timesheet_from(book, issues)
    out.model = model
    out.issues = issues
    if book.kind not in kinds or any(i.code in STRUCTURAL for i in issues):
        out.state = "invalid"
