"""Write a table psos owns back into a workbook, safely (DESIGN §8).

    result = write_table(path, "Delivery", headers, rows, expected_sha256=seen)
    if result.status != "written": ...  # "unchanged", "open", "changed" or "error"

The protocol, in order:

1. a workbook that is open (Excel's ``~$`` owner file or LibreOffice's
   ``.~lock.<name>#`` beside it) is not touched: status ``open``, retried next sync;
2. the file is opened once and hashed as it streams by; a hash other than
   ``expected_sha256`` (what sync read earlier) means someone saved in between: status
   ``changed``, nothing written;
3. the change is worked out from the parts that hold the table
   (:func:`~psos_xl.workbook.patch.edit_table_rows`; for an owned table missing from
   the workbook, the parts that add it); when the table already holds the rows nothing
   is written: status ``unchanged``, so a second sync with no news rewrites no file and
   fires no watcher;
4. the new package is written to a temp file in the same folder
   (``.~psos-<name>.<random>.tmp``, which no scanner takes for a workbook), the other
   members copied from the open file as stored, then fsynced and hashed;
5. just before the swap the target is re-hashed (streamed) and the lock files looked for again;
   a difference drops the temp file: status ``changed`` or ``open``;
6. ``os.replace`` swaps the file in one step (atomic on POSIX and on NTFS), so a
   reader sees the old workbook or the new one, never half of one.

Memory stays bounded by the parts that hold the table, whatever else the workbook
carries: the file is streamed, never read whole into memory. A temp file never
outlives the call. Nothing here raises for a workbook problem: the result says what
happened, and :meth:`WriteResult.issue` turns it into an Issue.
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
from psos_xl.sync.files import sha256_of as sha256_of_path
from psos_xl.workbook.owned import OwnedTable
from psos_xl.workbook.patch import CellValue, Edit, PatchError, edit_table_rows
from psos_xl.workbook.sheetxml import NoRoomError

Status = Literal["written", "unchanged", "open", "changed", "error", "no_table"]
TEMP_PREFIX = ".~psos-"
TEMP_SUFFIX = ".tmp"
# Excel names its owner file "~$" + the workbook's name, but for longer names it
# replaces the first two characters instead ("Budget.xlsx" -> "~$dget.xlsx")
_EXCEL_OWNER_PREFIX = "~$"
_LO_LOCK = ".~lock.{name}#"
_SAVED_MEANWHILE = "the workbook was saved while psos was writing"

_ISSUE_CODES: dict[Status, Code] = {
    "open": Code.WORKBOOK_OPEN,
    "changed": Code.WORKBOOK_CHANGED,
    "error": Code.WRITE_BACK_FAILED,
    "no_table": Code.WRITE_BACK_NO_TABLE,
}


@dataclass(frozen=True)
class WriteResult:
    path: Path
    table: str
    status: Status
    sha256: str  # the file's hash after the call ("" when it could not be read)
    message: str
    at: str = ""  # the sheet and cell the message is about, when not the table

    @property
    def ok(self) -> bool:
        return self.status in ("written", "unchanged")

    def issue(self, workbook: str | None = None) -> Issue | None:
        """The Issue to report for this result (None when the table was written or
        already up to date); ``workbook`` is how the workbook is named in issues."""
        code = _ISSUE_CODES.get(self.status)
        if code is None:
            return None
        where = f"{workbook or self.path.name}!{self.at or self.table}"
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
    owned: OwnedTable | None = None,
) -> WriteResult:
    """Replace the data rows of ``table`` in the workbook at ``path`` (see the module).

    ``owned``: psos owns the table, so it is added when missing and its cells formatted
    (:mod:`psos_xl.workbook.owned`); the same protocol covers the added parts."""
    temp = path.with_name(f"{TEMP_PREFIX}{path.name}.{secrets.token_hex(4)}{TEMP_SUFFIX}")
    job = _Job(path, table, temp, owned)
    locks = lock_files(path)
    if locks:
        return job.result("open", "", _open_message(locks))
    try:
        staged = job.stage(headers, rows, expected_sha256)
        # the workbook is closed by now: Windows refuses to replace a file held open
        return staged if isinstance(staged, WriteResult) else job.swap(*staged)
    finally:
        with contextlib.suppress(OSError):
            temp.unlink(missing_ok=True)


@dataclass(frozen=True)
class _Job:
    """One call of :func:`write_table`: the workbook, the table, the temp file."""

    path: Path
    table: str
    temp: Path
    owned: OwnedTable | None = None

    def result(self, status: Status, sha: str, message: str) -> WriteResult:
        return WriteResult(self.path, self.table, status, sha, message)

    def stage(
        self, headers: list[str], rows: list[list[CellValue]], expected_sha256: str | None
    ) -> WriteResult | tuple[str, str]:
        """Steps 2 to 4: (the workbook's hash, the temp file's) once the new package is
        in the temp file; or the result, when nothing is to be written."""
        try:
            src = self.path.open("rb")
        except OSError as err:
            return self.result("error", "", f"cannot read the workbook: {err}")
        with src:  # the bytes hashed are the bytes the edit reads and copies
            try:
                seen = hashlib.file_digest(src, "sha256").hexdigest()
                if expected_sha256 is not None and expected_sha256 != seen:
                    return self.result("changed", seen, "the workbook was saved since sync read it")
                src.seek(0)
                edit = edit_table_rows(src, self.table, headers, rows, self.owned)
            except NoRoomError as err:
                return WriteResult(self.path, self.table, "no_table", seen, err.reason, err.where)
            except PatchError as err:
                return self.result("error", seen, str(err))
            except OSError as err:
                return self.result("error", "", f"cannot read the workbook: {err}")
            if edit is None:
                return self.result(
                    "unchanged", seen, f"table {self.table} already holds these rows"
                )
            try:
                return seen, _write_synced(self.temp, edit, self.path)
            except PatchError as err:  # the bytes being copied changed under it, or are damaged
                now = sha256_of_path(self.path)
                if now is not None and now != seen:
                    return self.result("changed", now, _SAVED_MEANWHILE)
                return self.result("error", seen, str(err))
            except PermissionError as err:
                return self.result("open", seen, f"the workbook is in use: {err}")
            except OSError as err:
                return self.result("error", seen, f"cannot write the workbook: {err}")

    def swap(self, seen: str, new_sha: str) -> WriteResult:
        """Steps 5 and 6: the temp file replaces the workbook, if it is still as read."""
        try:
            locks = lock_files(self.path)
            if locks:
                return self.result("open", seen, _open_message(locks))
            now = sha256_of_path(self.path)
            if now is None:
                return self.result("error", seen, "cannot read the workbook again to replace it")
            if now != seen:
                return self.result("changed", now, _SAVED_MEANWHILE)
            self.temp.replace(self.path)  # os.replace: one atomic step, on Windows too
        except PermissionError as err:  # Windows: the file is held open by another program
            return self.result("open", seen, f"the workbook is in use: {err}")
        except OSError as err:
            return self.result("error", seen, f"cannot write the workbook: {err}")
        _sync_folder(self.path.parent)
        return self.result("written", new_sha, f"table {self.table} written")


def _write_synced(temp: Path, edit: Edit, like: Path) -> str:
    """Write the edited package to ``temp``, with ``like``'s permission bits, flushed
    to disk; returns its sha256, read back from the disk."""
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    fd = os.open(temp, flags, 0o600)
    try:
        with os.fdopen(fd, "w+b", closefd=False) as fh:
            edit.write(fh)
            fh.flush()
            os.fsync(fh.fileno())
            fh.seek(0)
            sha = hashlib.file_digest(fh, "sha256").hexdigest()
    finally:
        os.close(fd)
    with contextlib.suppress(OSError):
        temp.chmod(like.stat().st_mode & 0o7777)
    return sha


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
