"""``psos watch``: sync whenever a workbook in the folder changes (DESIGN §8).

    watcher = Watcher(root, on_result=print_line)
    watcher.start()          # one sync at once, then one per burst of changes
    ...
    watcher.stop()

A watchdog observer (or a :class:`PollingObserver` with ``poll=SECONDS``, for network
shares where the OS sends no events) puts the paths it hears about into a pending set.
A worker thread (a daemon, with a stop event, as fava's watcher) waits until the folder
has been quiet for ``debounce`` seconds, so a burst of events (Excel's save is a temp
file, a rename and a delete) is one sync.

What never starts a sync:

- Excel's and LibreOffice's temp and lock files (``~$a.xlsx``, ``.~lock.a.xlsx#``), psos'
  own temp files (``.~psos-*``), anything in ``.psos`` (the store) or another hidden
  folder, and files that are not workbooks; the one exception: a lock file going away
  while a workbook was skipped as open, so the write-back it waits for happens once the
  workbook is closed;
- psos' own write-backs: the candidates are checked only when the quiet period ends and
  the previous sync is over, against the size, mtime and hash the store recorded for
  them; a workbook whose bytes are what the store knows is not a change, so writing the
  actuals back does not start the next run.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from watchdog.events import FileSystemEvent, FileSystemEventHandler

from psos_xl import store as st
from psos_xl.errors import PsosError
from psos_xl.sync.engine import SyncResult
from psos_xl.sync.outputs import store_url_of, sync_workspace
from psos_xl.sync.scan import sha256_of
from psos_xl.sync.writeback import TEMP_PREFIX, lock_files
from psos_xl.workspace import STATE_DIR, is_temp_name, is_workbook_name, path_at

DEFAULT_DEBOUNCE = 2.0
_TICK = 0.05
_EVENTS = frozenset({"created", "deleted", "modified", "moved", "closed"})


@dataclass(frozen=True)
class Known:
    """What the store recorded of a workbook at the end of the last sync."""

    size: int | None
    mtime_ns: int | None
    sha256: str | None


def _text(path: bytes | str) -> str:
    return os.fsdecode(path)


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: Watcher) -> None:
        self.watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type not in _EVENTS:
            return
        if event.is_directory and event.event_type in ("modified", "closed"):
            return  # a folder is "modified" whenever a file in it is
        for raw in (event.src_path, event.dest_path):
            if raw:
                self.watcher.notice(Path(_text(raw)), event.event_type, event.is_directory)


class Watcher:
    """Watch ``root`` and run :func:`sync_workspace` after each burst of changes.

    ``on_result`` gets each run's SyncResult, ``on_error`` each exception a run raised
    (the watcher goes on watching: the next change tries again). ``runs`` counts them.
    """

    def __init__(
        self,
        root: Path,
        store_url: str | None = None,
        *,
        poll: float | None = None,
        debounce: float = DEFAULT_DEBOUNCE,
        on_result: Callable[[SyncResult], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        lock_timeout: float = 30.0,
    ) -> None:
        self.root = root.resolve()
        self.store_url = store_url_of(self.root, store_url)
        self.poll = poll
        self.debounce = max(0.0, debounce)
        self.on_result = on_result
        self.on_error = on_error
        self.lock_timeout = lock_timeout
        self.runs = 0
        self.last: SyncResult | None = None
        self._pending: set[Path] = set()
        self._last_event = 0.0
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._idle = threading.Event()
        self._observer: Any = None
        self._thread: threading.Thread | None = None
        self._known: dict[str, Known] = {}

    # --- life cycle ---------------------------------------------------------------

    def start(self) -> None:
        """Start observing and syncing (the first sync runs at once, in the background)."""
        from watchdog.observers import Observer
        from watchdog.observers.polling import PollingObserver

        observer = PollingObserver(timeout=self.poll) if self.poll else Observer()
        observer.schedule(_Handler(self), str(self.root), recursive=True)
        observer.daemon = True
        observer.start()
        self._observer = observer
        self._thread = threading.Thread(target=self._work, name="psos-watch", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop observing; a sync under way finishes first (up to ``timeout`` seconds)."""
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout)
        if self._thread is not None:
            self._thread.join(timeout)

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no sync runs and nothing is pending (for tests and scripts)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._cond:
                quiet = not self._pending
            if quiet and self._idle.is_set():
                return True
            time.sleep(_TICK)
        return False

    # --- events --------------------------------------------------------------------

    def notice(self, path: Path, event_type: str, is_directory: bool) -> None:
        """An event for ``path``: pending if it might be a workbook change."""
        if not self._may_matter(path, event_type, is_directory):
            return
        with self._cond:
            self._pending.add(path)
            self._last_event = time.monotonic()
            self._idle.clear()
            self._cond.notify_all()

    def _may_matter(self, path: Path, event_type: str, is_directory: bool) -> bool:
        try:
            parts = path.relative_to(self.root).parts
        except ValueError:
            return False
        if not parts or any(p.startswith(".") or p == STATE_DIR for p in parts[:-1]):
            return False
        name = parts[-1]
        if is_temp_name(name):
            # a lock file going away: a workbook skipped as open may be written now
            last = self.last
            return (
                not name.startswith(TEMP_PREFIX)
                and event_type in ("deleted", "moved")
                and bool(last and last.skipped_open)
            )
        if is_directory:
            return not name.startswith(".")
        return is_workbook_name(name)

    def _is_change(self, path: Path) -> bool:
        """Checked after the previous sync: does ``path`` differ from what the store knows?"""
        try:
            rel = path.relative_to(self.root).as_posix()
        except ValueError:
            return False
        if is_temp_name(path.name):
            return self._unlocked(path)
        if path.is_dir():
            return True
        if not path.is_file():  # gone: a change if the store held it (or files under it)
            return rel in self._known or any(k.startswith(rel + "/") for k in self._known)
        known = self._known.get(rel)
        if known is None:
            return True
        try:
            stat = path.stat()
        except OSError:
            return True
        if (known.size, known.mtime_ns) == (stat.st_size, stat.st_mtime_ns):
            return False
        return known.sha256 is None or sha256_of(path) != known.sha256

    def _unlocked(self, lock: Path) -> bool:
        """A lock file went away: is a workbook beside it, skipped as open, closed now?"""
        last = self.last
        if last is None or lock.exists():
            return False
        for rel in last.skipped_open:
            path = path_at(self.root, rel)
            if path.parent == lock.parent and not lock_files(path):
                return True
        return False

    # --- the worker ----------------------------------------------------------------------

    def _work(self) -> None:
        self._run()
        while not self._stop.is_set():
            batch = self._next_batch()
            if batch and any(self._is_change(p) for p in batch):
                self._run()
            else:
                self._idle.set()

    def _next_batch(self) -> set[Path]:
        """Block until events have been quiet for ``debounce`` seconds (or stop)."""
        with self._cond:
            while not self._stop.is_set():
                if not self._pending:
                    self._idle.set()
                    self._cond.wait(0.5)
                    continue
                quiet_for = time.monotonic() - self._last_event
                if quiet_for >= self.debounce:
                    batch, self._pending = self._pending, set()
                    return batch
                self._cond.wait(self.debounce - quiet_for)
        return set()

    def _run(self) -> None:
        self._idle.clear()
        try:
            result = sync_workspace(self.root, self.store_url, lock_timeout=self.lock_timeout)
        except Exception as err:  # keep watching: the next change tries again
            if self.on_error is not None:
                self.on_error(err)
        else:
            self.runs += 1
            self.last = result
            if self.on_result is not None:
                self.on_result(result)
        self._refresh_known()
        with self._cond:
            if not self._pending:
                self._idle.set()

    def _refresh_known(self) -> None:
        try:
            store = st.open_store(self.store_url)
        except PsosError:
            self._known = {}
            return
        wb = st.workbooks
        try:
            with store.connect() as conn:
                rows = conn.execute(
                    select(wb.c.path, wb.c.size, wb.c.mtime_ns, wb.c.sha256).where(
                        wb.c.status != "retired"
                    )
                ).all()
        finally:
            store.close()
        self._known = {r.path: Known(r.size, r.mtime_ns, r.sha256) for r in rows}


def watch(
    root: Path,
    store_url: str | None = None,
    *,
    poll: float | None = None,
    debounce: float = DEFAULT_DEBOUNCE,
    on_result: Callable[[SyncResult], None] | None = None,
    on_error: Callable[[BaseException], None] | None = None,
    stop: threading.Event | None = None,
) -> Watcher:
    """Watch until ``stop`` is set (or Ctrl-C); returns the stopped watcher."""
    watcher = Watcher(
        root, store_url, poll=poll, debounce=debounce, on_result=on_result, on_error=on_error
    )
    stop = stop or threading.Event()
    watcher.start()
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        watcher.stop()
    return watcher
