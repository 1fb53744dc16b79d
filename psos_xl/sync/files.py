"""The workspace folder's workbooks and their stats: what a sync compares with the store
before it opens anything. Standard library only, so a sync with nothing to do starts
fast (:mod:`psos_xl.sync.quick`).

:func:`scan` lists every ``.xlsx``/``.xlsm`` below the root with its stat, skipping the
``.psos`` state folder (and every other hidden folder) and Excel/LibreOffice temp and
lock files (``~$a.xlsx``, ``.~lock.a.xlsx#``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from psos_xl.workspace import workbooks_below


@dataclass(frozen=True, slots=True)
class FileStat:
    path: Path
    rel: str  # posix path relative to the root: the workbook's name in the store
    size: int
    mtime_ns: int


def relative(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


def stat_of(root: Path, path: Path) -> FileStat | None:
    try:
        st = path.stat()
    except OSError:  # removed between listing and stat
        return None
    return FileStat(path, relative(root, path), st.st_size, st.st_mtime_ns)


def scan(root: Path) -> list[FileStat]:
    found = (stat_of(root, p) for p in workbooks_below(root))
    return sorted((f for f in found if f is not None), key=lambda f: f.rel)


def sha256_of(path: Path) -> str | None:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()
