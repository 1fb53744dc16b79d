"""One writer: an OS file lock on ``<workspace>/.psos/sync.lock``, and on a PostgreSQL
store an advisory lock in the database too.

The lock is taken with ``fcntl.flock`` on POSIX and ``msvcrt.locking`` on Windows. Both
are released by the operating system when the holder dies, so a lock left by a killed
sync is taken over by the next one without guessing from pids; the holder's pid is
written into the file only to name it in the message of a sync that has to wait.
The file itself is never deleted: deleting a locked file lets a third process lock a
new file of the same name while the second still waits on the old one.

A file lock guards one machine only. A PostgreSQL store is shared by many machines, so
``SyncLock(folder, timeout, store_url=url)`` also takes a session-level advisory lock
(``pg_try_advisory_lock`` on :data:`STORE_LOCK_KEY`, polled until the same deadline) on
a connection of its own, held until release. PostgreSQL releases it when that
connection ends, so a killed holder frees it as the file lock does: at once on a unix
socket or when the process dies, after the TCP keepalive probes (about a minute) when
the holder's machine vanishes. The waiter's message names the holder's host and pid.
"""

from __future__ import annotations

import os
import socket
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from psos_xl.errors import PsosError
from psos_xl.store.base import SYNC_LOCK_KEY

if TYPE_CHECKING:  # SQLAlchemy is imported only for a PostgreSQL store's lock
    from sqlalchemy import Connection, Engine


LOCK_FILE = "sync.lock"
STORE_LOCK_KEY = SYNC_LOCK_KEY
# a vanished machine's session ends after idle + interval * count seconds (TCP only)
_KEEPALIVES = "-c tcp_keepalives_idle=30 -c tcp_keepalives_interval=10 -c tcp_keepalives_count=3"
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


def shared_store(store_url: str | None) -> bool:
    """True when ``store_url`` is a PostgreSQL store (one that needs the advisory lock)."""
    if not store_url:
        return False
    from psos_xl.store.db import engine_url

    try:
        return engine_url(store_url).get_backend_name() == "postgresql"
    except Exception:  # not a URL: open_store reports it
        return False


class StoreLock:
    """The advisory lock of one PostgreSQL store, on a connection of its own."""

    def __init__(self, store_url: str) -> None:
        self.url = store_url
        self._engine: Engine | None = None
        self._conn: Connection | None = None
        self._held = False

    def _connect(self) -> Connection:
        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool

        from psos_xl.store.db import engine_url

        if self._conn is None:
            target = engine_url(self.url)
            args = {"application_name": f"psos sync {socket.gethostname()} pid {os.getpid()}"}
            if "options" not in target.query:
                args["options"] = _KEEPALIVES
            self._engine = create_engine(target, poolclass=NullPool, connect_args=args)
            conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            self._conn = conn
        return self._conn

    def try_acquire(self) -> bool:
        """Take the lock if it is free; never waits."""
        from sqlalchemy import func, select

        from psos_xl.store.db import StoreError, shown

        try:
            conn = self._connect()
            self._held = bool(
                conn.execute(select(func.pg_try_advisory_lock(STORE_LOCK_KEY))).scalar()
            )
        except Exception as err:
            self.release()
            raise StoreError(f"cannot lock the store {shown(self.url)!r}: {err}") from err
        return self._held

    def holder(self) -> str | None:
        """The holder's application name (``psos sync <host> pid <pid>``), if known."""
        from sqlalchemy import BigInteger, cast, func, select
        from sqlalchemy.sql import column, table

        if self._conn is None:
            return None
        unsigned = STORE_LOCK_KEY & 0xFFFFFFFFFFFFFFFF
        locks = table(
            "pg_locks",
            *map(column, ("locktype", "classid", "objid", "objsubid", "granted", "pid")),
        )
        activity = table(
            "pg_stat_activity", column("pid"), column("application_name"), column("datname")
        )
        query = (
            select(activity.c.application_name)
            .select_from(locks.join(activity, locks.c.pid == activity.c.pid))
            .where(
                locks.c.locktype == "advisory",
                locks.c.granted.is_(True),
                cast(locks.c.classid, BigInteger) == unsigned >> 32,
                cast(locks.c.objid, BigInteger) == unsigned & 0xFFFFFFFF,
                locks.c.objsubid == 1,
                activity.c.datname == func.current_database(),
            )
        )
        try:
            name = self._conn.execute(query).scalar()
        except Exception:  # only for the message: the lock itself is what counts
            return None
        return str(name) if name else None

    @property
    def held(self) -> bool:
        return self._held

    def check(self) -> None:
        """Raise StoreError unless the lock is still held: PostgreSQL drops a session's
        advisory lock with its connection, and another machine may then take it."""
        from sqlalchemy import text

        from psos_xl.store.db import StoreError, shown

        try:
            alive = self._held and self._conn is not None
            if alive:
                assert self._conn is not None
                self._conn.execute(text("SELECT 1"))
        except Exception as err:
            alive = False
            why: object = err
        else:
            why = "it was released"
        if not alive:
            self._held = False
            raise StoreError(
                f"lost the lock on the store {shown(self.url)} ({why}); this sync stopped "
                "before writing more. Run it again."
            )

    def release(self) -> None:
        """Unlock and close the connection (closing alone would release it too)."""
        conn, engine, self._conn, self._engine = self._conn, self._engine, None, None
        if conn is None and engine is None:
            self._held = False
            return
        from sqlalchemy import func, select

        try:
            if conn is not None and self._held:
                conn.execute(select(func.pg_advisory_unlock(STORE_LOCK_KEY)))
        except Exception:
            pass  # the connection is gone, and the lock with it
        finally:
            self._held = False
            if conn is not None:
                conn.close()
            if engine is not None:
                engine.dispose()


class SyncLock:
    """``with SyncLock(folder, timeout=30):`` — at most one holder per folder; with
    ``store_url=`` a PostgreSQL URL, also at most one holder per store, across machines.
    """

    def __init__(self, folder: Path, timeout: float = 30.0, store_url: str | None = None) -> None:
        self.path = folder / LOCK_FILE
        self.timeout = timeout
        self._fd: int | None = None
        self._store = StoreLock(store_url) if store_url and shared_store(store_url) else None

    def acquire(self) -> None:
        deadline = time.monotonic() + self.timeout
        self._lock_file(deadline)
        if self._store is None:
            return
        try:
            self._lock_store(self._store, deadline)
        except BaseException:
            self._unlock_file()
            raise

    def _lock_file(self, deadline: float) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
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

    def _lock_store(self, lock: StoreLock, deadline: float) -> None:
        from psos_xl.store.db import shown

        while not lock.try_acquire():
            if time.monotonic() >= deadline:
                holder = lock.holder()
                lock.release()
                who = f" ({holder})" if holder else ""
                raise SyncBusyError(
                    f"another sync is running on the store {shown(lock.url)}{who}; waited "
                    f"{self.timeout:g} s for it to finish. Try again when it is done."
                )
            time.sleep(_POLL_SECONDS)

    def _unlock_file(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            _unlock(fd)
        finally:
            os.close(fd)

    def release(self) -> None:
        try:
            if self._store is not None:
                self._store.release()
        finally:
            self._unlock_file()

    @property
    def held(self) -> bool:
        return self._fd is not None and (self._store is None or self._store.held)

    def check(self) -> None:
        """Raise StoreError if the store's lock was lost since it was taken (PostgreSQL;
        a lock file is held until released)."""
        if self._store is not None:
            self._store.check()

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
