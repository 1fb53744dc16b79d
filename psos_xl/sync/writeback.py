"""Write a table psos owns back into a workbook, safely (DESIGN §8).

    result = write_table(path, "Delivery", headers, rows, expected_sha256=seen)
    if result.status != "written": ...  # "unchanged", "open", "changed" or "error"

The protocol, in order:

1. a workbook that is open (Excel's ``~$`` owner file or LibreOffice's
   ``.~lock.<name>#`` beside it) is not touched: status ``open``, retried next sync;
2. the bytes are hashed as read; a hash other than ``expected_sha256`` (what sync read
   earlier) means someone saved in between: status ``changed``, nothing written;
3. the new package is built in memory (:func:`replace_table_rows`); when it equals
   the file's bytes nothing is written: status ``unchanged``, so a second sync with
   no news rewrites no file and fires no watcher;
4. the new bytes go to a temp file in the same folder (``.~psos-<name>.<random>.tmp``,
   which no scanner takes for a workbook), fsynced;
5. just before the swap the target is re-hashed and the lock files looked for again;
   a difference drops the temp file: status ``changed`` or ``open``;
6. ``os.replace`` swaps the file in one step (atomic on POSIX and on NTFS), so a
   reader sees the old workbook or the new one, never half of one.

A temp file never outlives the call. Nothing here raises for a workbook problem: the
result says what happened, and :meth:`WriteResult.issue` turns it into an Issue.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from psos_xl.errors import Code, Issue
from psos_xl.workbook.patch import CellValue, PatchError, replace_table_rows

Status = Literal["written", "unchanged", "open", "changed", "error"]
TEMP_PREFIX = ".~psos-"
TEMP_SUFFIX = ".tmp"
# Excel names its owner file "~$" + the workbook's name, but for longer names it
# replaces the first two characters instead ("Budget.xlsx" -> "~$dget.xlsx")
_EXCEL_OWNER_PREFIX = "~$"
_LO_LOCK = ".~lock.{name}#"

_ISSUE_CODES: dict[Status, Code] = {
    "open": Code.WORKBOOK_OPEN,
    "changed": Code.WORKBOOK_CHANGED,
    "error": Code.WRITE_BACK_FAILED,
}


@dataclass(frozen=True)
class WriteResult:
    path: Path
    table: str
    status: Status
    sha256: str  # the file's hash after the call ("" when it could not be read)
    message: str

    @property
    def ok(self) -> bool:
        return self.status in ("written", "unchanged")

    def issue(self, workbook: str | None = None) -> Issue | None:
        """The Issue to report for this result (None when the table was written or
        already up to date); ``workbook`` is how the workbook is named in issues."""
        code = _ISSUE_CODES.get(self.status)
        if code is None:
            return None
        where = f"{workbook or self.path.name}!{self.table}"
        return Issue.make(code, where, self.message)


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def lock_files(path: Path) -> list[Path]:
    """The lock files beside ``path`` that say a spreadsheet program has it open."""
    name = path.name
    wanted = {
        _EXCEL_OWNER_PREFIX + name,
        _EXCEL_OWNER_PREFIX + name[2:],
        _LO_LOCK.format(name=name),
    }
    wanted_folded = {w.casefold() for w in wanted}
    try:
        entries = [e.name for e in path.parent.iterdir()]
    except OSError:
        return []
    # listed rather than probed: the folder may be a case-insensitive share
    return sorted(path.parent / e for e in entries if e.casefold() in wanted_folded)


def write_table(
    path: Path,
    table: str,
    headers: list[str],
    rows: list[list[CellValue]],
    expected_sha256: str | None = None,
) -> WriteResult:
    """Replace the data rows of ``table`` in the workbook at ``path`` (see the module)."""

    def result(status: Status, sha: str, message: str) -> WriteResult:
        return WriteResult(path, table, status, sha, message)

    locks = lock_files(path)
    if locks:
        return result("open", "", _open_message(locks))
    try:
        original = path.read_bytes()
    except OSError as err:
        return result("error", "", f"cannot read the workbook: {err}")
    seen = sha256_of(original)
    if expected_sha256 is not None and expected_sha256 != seen:
        return result("changed", seen, "the workbook was saved since sync read it")
    try:
        new = replace_table_rows(original, table, headers, rows)
    except PatchError as err:
        return result("error", seen, str(err))
    if new == original:
        return result("unchanged", seen, f"table {table} already holds these rows")
    return _swap(path, table, seen, new)


def _swap(path: Path, table: str, seen: str, new: bytes) -> WriteResult:
    temp = path.with_name(f"{TEMP_PREFIX}{path.name}.{secrets.token_hex(4)}{TEMP_SUFFIX}")
    try:
        _write_synced(temp, new, path)
        locks = lock_files(path)
        if locks:
            return WriteResult(path, table, "open", seen, _open_message(locks))
        now = sha256_of(path.read_bytes())
        if now != seen:
            return WriteResult(
                path, table, "changed", now, "the workbook was saved while psos was writing"
            )
        temp.replace(path)  # os.replace: one atomic step, on Windows too
    except PermissionError as err:  # Windows: the file is held open by another program
        return WriteResult(path, table, "open", seen, f"the workbook is in use: {err}")
    except OSError as err:
        return WriteResult(path, table, "error", seen, f"cannot write the workbook: {err}")
    finally:
        with contextlib.suppress(OSError):
            temp.unlink(missing_ok=True)
    _sync_folder(path.parent)
    return WriteResult(path, table, "written", sha256_of(new), f"table {table} written")


def _write_synced(temp: Path, data: bytes, like: Path) -> None:
    """Write ``data`` to ``temp``, with ``like``'s permission bits, flushed to disk."""
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    try:
        with os.fdopen(fd, "wb", closefd=False) as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    finally:
        os.close(fd)
    with contextlib.suppress(OSError):
        temp.chmod(like.stat().st_mode & 0o7777)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); Windows has no directory handles."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _open_message(locks: list[Path]) -> str:
    names = ", ".join(p.name for p in locks)
    return (
        f"the workbook is open ({names}); psos writes it on the next sync after it is "
        "closed (delete the lock file if no one has it open)"
    )
