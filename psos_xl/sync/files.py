"""The workspace folder's workbooks and their stats: what a sync compares with the store
before it opens anything. Standard library only, so a sync with nothing to do starts
fast (:mod:`psos_xl.sync.quick`).

:func:`scan` lists every ``.xlsx``/``.xlsm`` below the root with its stat, skipping the
``.psos`` state folder (and every other hidden folder), Excel/LibreOffice temp and
lock files (``~$a.xlsx``, ``.~lock.a.xlsx#``) and the dashboard psos.toml names. An
entry that is not a regular file (a pipe, a device, a link in a loop or out of the
folder) is listed too, with the stat of the entry itself when it leads nowhere: reading
it reports it, and it is read (refused) again on every sync, never opened. Nothing here
opens anything but a regular file, so a sync never waits on a FIFO while it holds the
workspace's lock.
"""

from __future__ import annotations

import hashlib
import stat
from dataclasses import dataclass
from pathlib import Path

from psos_xl.workbook.guard import open_file
from psos_xl.workspace import name_of, own_outputs, workbooks_below


@dataclass(frozen=True, slots=True)
class FileStat:
    path: Path
    rel: str  # the workbook's name in the store: its path below the root, as text
    size: int
    mtime_ns: int


def relative(root: Path, path: Path) -> str:
    """The workbook's name in the store (:func:`psos_xl.workspace.name_of`)."""
    return name_of(root, path)


def stat_of(root: Path, path: Path) -> FileStat | None:
    try:
        st = path.stat()
    except OSError:
        try:  # a link to nothing or in a loop: listed, and reported when it is read
            st = path.lstat()
        except OSError:  # removed between listing and stat
            return None
    return FileStat(path, relative(root, path), st.st_size, st.st_mtime_ns)


def scan(root: Path) -> list[FileStat]:
    """Every workbook below ``root`` with its stat, by name; the dashboard psos keeps
    there (psos.toml's ``dashboard``) left out: psos writes it, nobody types into it."""
    own = own_outputs(root)
    found = (stat_of(root, p) for p in workbooks_below(root))
    return sorted((f for f in found if f is not None and f.rel not in own), key=lambda f: f.rel)


def sha256_of(path: Path) -> str | None:
    """The hash of the regular file at ``path``; None when it is not one or cannot be read."""
    digest = hashlib.sha256()
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return None  # never opened: a FIFO would block, a device never end
        with open_file(path) as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()
