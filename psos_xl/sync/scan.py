"""Read workbooks (the folder's scan is :mod:`psos_xl.sync.files`, re-exported here).

:func:`read_workbook` reads the file's bytes once, through the guard
(:func:`psos_xl.workbook.guard.admit`: a regular file inside the workspace, within the
limits of its psos.toml), hashes them and parses the same bytes, so the content hash
recorded in the store is the hash of exactly what was read. It is a plain top-level
function of plain arguments, so a process pool can run it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import python_calamine as pc

from psos_xl import models as m
from psos_xl.errors import Issue
from psos_xl.loader import parse
from psos_xl.sync.files import FileStat as FileStat
from psos_xl.sync.files import scan as scan
from psos_xl.sync.files import sha256_of as sha256_of
from psos_xl.sync.files import stat_of as stat_of
from psos_xl.workbook import guard
from psos_xl.workbook.reader import Book
from psos_xl.workbook.readers import IGNORED, UNREADABLE, unreadable
from psos_xl.workspace import limits_of as limits_of
from psos_xl.workspace import rel_of

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


KEEP = "; its last good rows are kept and it is read again on the next sync"


def _unreadable(rel: str, err: BaseException) -> ReadOutcome:
    return ReadOutcome(rel, -1, -1, "", UNREADABLE, issues=[unreadable(rel, err, KEEP)])


def _refused(rel: str, issues: list[Issue]) -> ReadOutcome:
    """Not admitted by the guard: unreadable, its last good rows kept."""
    kept = [dataclasses.replace(i, message=i.message + KEEP) for i in issues]
    return ReadOutcome(rel, -1, -1, "", UNREADABLE, issues=kept)


def root_of(path: Path, rel: str) -> Path:
    """The workspace root of the workbook at ``path``, named ``rel`` below it."""
    depth = len(PurePosixPath(rel_of(rel)).parts)
    return path.parents[depth - 1] if 0 < depth <= len(path.parents) else path.parent


def read_workbook(path: str, rel: str, limits: guard.Limits | None = None) -> ReadOutcome:
    """Read one workbook (in this process or a pool worker), within ``limits`` (by
    default, those of the workspace it is in)."""
    file = Path(path)
    root = root_of(file, rel)
    admitted, refused = guard.admit(file, rel, limits or limits_of(root), within=root)
    if admitted is None:
        return _refused(rel, refused)
    data = admitted.data
    sha = hashlib.sha256(data).hexdigest()
    try:
        workbook = pc.CalamineWorkbook.from_filelike(io.BytesIO(data), load_tables=True)
        # a broken zip member surfaces only when a sheet is read
        loaded = parse(Book(file, rel, workbook, source=data))
    except BaseException as err:  # calamine raises several unrelated types for bad files
        if not guard.parser_failed(err):
            raise
        return _unreadable(rel, err)
    if loaded.error is not None:  # a part of the package cannot be read
        return _unreadable(rel, loaded.error)
    size, mtime_ns = admitted.size, admitted.mtime_ns
    if loaded.state == IGNORED:  # sync keeps no issue of a workbook that is not its own
        return ReadOutcome(rel, size, mtime_ns, sha, IGNORED)
    return ReadOutcome(
        rel, size, mtime_ns, sha, loaded.state, loaded.kind, loaded.model, loaded.issues
    )
