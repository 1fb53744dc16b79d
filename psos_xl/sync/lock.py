"""One writer: an OS file lock on ``<workspace>/.psos/sync.lock``.

The lock is taken with ``fcntl.flock`` on POSIX and ``msvcrt.locking`` on Windows. Both
are released by the operating system when the holder dies, so a lock left by a killed
sync is taken over by the next one without guessing from pids; the holder's pid is
written into the file only to name it in the message of a sync that has to wait.
The file itself is never deleted: deleting a locked file lets a third process lock a
new file of the same name while the second still waits on the old one.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from types import TracebackType

from psos_xl.errors import PsosError

LOCK_FILE = "sync.lock"
_POLL_SECONDS = 0.1
# msvcrt locks a byte range; the pid is written before it, so waiters can read it
_LOCK_OFFSET = 64


class SyncBusyError(PsosError):
    """Another sync holds the workspace's lock."""


def _try_lock(fd: int) -> bool:
    if sys.platform == "win32":
        import msvcrt

        os.lseek(fd, _LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _unlock(fd: int) -> None:
    if sys.platform == "win32":
        import msvcrt

        os.lseek(fd, _LOCK_OFFSET, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_UN)


def holder_pid(path: Path) -> int | None:
    """The pid the last holder wrote into the lock file (it may have ended since)."""
    try:
        text = path.read_bytes()[:_LOCK_OFFSET].decode("ascii", "replace")
    except OSError:
        return None
    digits = text.strip("\x00 \n\r\t")
    return int(digits) if digits.isdigit() else None


class SyncLock:
    """``with SyncLock(folder, timeout=30):`` — at most one holder per folder."""

    def __init__(self, folder: Path, timeout: float = 30.0) -> None:
        self.path = folder / LOCK_FILE
        self.timeout = timeout
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.timeout
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                os.close(fd)
                pid = holder_pid(self.path)
                who = f" (pid {pid})" if pid else ""
                raise SyncBusyError(
                    f"another sync is running on this workspace{who}; waited "
                    f"{self.timeout:g} s for it to finish. Try again when it is done."
                )
            time.sleep(_POLL_SECONDS)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, str(os.getpid()).encode("ascii").ljust(_LOCK_OFFSET - 1) + b"\n")
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            _unlock(fd)
        finally:
            os.close(fd)

    @property
    def held(self) -> bool:
        return self._fd is not None

    def __enter__(self) -> SyncLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
