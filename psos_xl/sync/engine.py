"""The sync engine: scan → read → validate → store, one transaction per workbook.

A run, under the workspace's lock (:mod:`psos_xl.sync.lock`):

1. **scan**: every workbook below the root with its (size, mtime_ns). Unchanged since the
   last good read → not opened; changed stat but the same sha256 → not read, the new
   stat recorded; otherwise (or when marked ``dirty``) the workbook is read. The counts
   add up: scanned = unchanged + read + skipped (:class:`SyncResult`).
2. **retire**: a workbook that left the folder has its rows deleted, status ``retired``.
3. **read**: python-calamine through the readers, shared with a process pool when
   ``workers > 1`` (by default one process per CPU, at most four)
   and there are many files (:mod:`psos_xl.sync.reading`). Store writes stay in this
   process. Each changed file is read once, in the order catalog, scopes, the rest (by
   the kind the store knows, else as its path suggests), so a timesheet is checked
   against the catalog and scopes of this run.
4. **store**: each workbook is checked against the store as it stands and stored
   before the next is read, so memory does not grow with the number of files.
   Per workbook, in ONE transaction (:mod:`psos_xl.sync.storing`, through the store's
   writer, :mod:`psos_xl.store.writer`): its old rows deleted, its valid rows inserted
   with their lineage, its issues replacing its old rejects, its stat and hash recorded.
   A killed sync therefore leaves every workbook either wholly old or wholly new, and
   the next sync reads what is still stale. A workbook's transaction is a savepoint
   inside a batch of whole workbooks (:mod:`psos_xl.sync.batch`): a crash loses the
   batch's workbooks whole, and the next sync reads them again; a workbook failing
   rolls back its own savepoint only.
5. **dependents**: when a scope's engagement (status, StartDate, deliverables) or the
   catalog's codes change, the workbooks checked against them are marked ``dirty`` in
   the same transaction and read again in this run (or the next, after a crash). A
   scope whose path did not suggest one, read after timesheets, thus costs those
   timesheets a second read, not a wrong result.

Conflicted copies (two workbooks of the same identity) are decided by
:mod:`psos_xl.sync.conflicts`; unreadable, invalid and ignored files are stored as
:mod:`psos_xl.sync.storing` says.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from psos_xl import models as m
from psos_xl import store as st
from psos_xl.errors import Issue, WorkspaceError
from psos_xl.loader import Key, check, identity
from psos_xl.rules import RuleContext
from psos_xl.store.writer import Writer
from psos_xl.sync.batch import Batch
from psos_xl.sync.checks import load_context
from psos_xl.sync.invoiced import flag_invoiced_changes
from psos_xl.sync.lock import SyncLock
from psos_xl.sync.pooled import Checked, Task
from psos_xl.sync.reading import Reader
from psos_xl.sync.result import SyncResult as SyncResult
from psos_xl.sync.result import report, run_counts
from psos_xl.sync.scan import FileStat, ReadOutcome, read_workbook, scan, sha256_of, stat_of
from psos_xl.sync.storing import Storer
from psos_xl.workbook.readers import UNREADABLE
from psos_xl.workspace import STATE_DIR, path_at

Progress = Callable[[int, int, str], None]
KIND_ORDER = (m.Kind.CATALOG.value, m.Kind.SCOPE.value, m.Kind.TIMESHEET.value)
STABLE = st.STABLE
MAX_PASSES = 5
TIMESHEET = m.Kind.TIMESHEET.value
CATALOG, SCOPE = m.Kind.CATALOG.value, m.Kind.SCOPE.value


AfterStore = Callable[[SyncResult, st.Store], None]


def run_sync(
    root: Path,
    store_url: str | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    *,
    lock_timeout: float = 30.0,
    after_store: AfterStore | None = None,
) -> SyncResult:
    """Sync the workspace folder ``root`` into the store (see the module's doc).

    ``after_store(result, store)`` runs once the store is up to date, before the run
    is closed: the write-back step hooks in there. Raises a PsosError when the sync
    cannot run: another sync holds the lock past ``lock_timeout`` seconds
    (SyncBusyError), the folder is missing, the store cannot be opened.
    """
    root = root.resolve()
    if not root.is_dir():
        raise WorkspaceError(f"{root}: no such folder")
    state = root / STATE_DIR
    state.mkdir(exist_ok=True)
    url = store_url or st.default_url(root)
    reader = Reader(default_workers() if workers is None else max(1, workers))
    if reader.pooled(scan(root)):  # a folder big enough to share the reading
        reader.fork()  # before the lock is taken and the store opened: neither inherited
    # on a shared (PostgreSQL) store the lock is store-wide too: two machines, one writer
    with reader, SyncLock(state, lock_timeout, url) as lock:
        store = st.open_store(url)
        try:
            # one connection for the run's own work, one transaction per workbook on it
            with store.writer() as writer:
                return _Run(root, writer, reader, progress, lock).execute(after_store, store)
        finally:
            store.close()


def default_workers() -> int:
    """The processes that read when not told: one per CPU, at most four (beyond that
    the store, written by one process, is the bottleneck)."""
    return max(1, min(4, os.cpu_count() or 1))


def _rank(kind: str | None, rel: str) -> int:
    """Where a workbook of ``kind`` (None: not known yet) at ``rel`` is read in a run:
    the kinds others are checked against first."""
    if kind is None:
        name = rel.casefold()
        kind = next((k for k in KIND_ORDER[:-1] if k in name), TIMESHEET)
    return KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)


@dataclass
class _Ticks:
    """Progress over one batch of reads: (done, total, path) once per file."""

    total: int
    report: Progress
    done: int = 0

    def __call__(self, rel: str) -> None:
        self.done += 1
        self.report(self.done, self.total, rel)


class _Run:
    """One run: scan → retire → read → check → store, through ``writer``."""

    def __init__(
        self,
        root: Path,
        writer: Writer,
        reader: Reader,
        progress: Progress | None,
        lock: SyncLock | None = None,
    ):
        self.root = root
        self.writer = writer
        self.progress = progress
        self.result = SyncResult()
        self.run_issues: list[Issue] = []
        self.batch = Batch()
        self.reader = reader
        self.lock = lock
        self.storer = Storer(writer, self.result, self.run_issues)
        self.contexts: dict[str, RuleContext] = {}
        self.generation = 0  # of the contexts: one more each time they are dropped
        self.scanned: set[str] = set()
        self.opened: dict[str, bool] = {}  # workbook read this run → whether it could be

    # --- the run ------------------------------------------------------------------

    def execute(self, after_store: AfterStore | None, store: st.Store) -> SyncResult:
        self.reader.read = read_workbook  # looked up now: tests replace it
        self.result.run_id = self.writer.start_run(socket.gethostname(), os.getpid())
        try:
            self._sync()
            self._count()
            self._report()
            self._commit()  # what the write-back reads, on its own connections
            if after_store is not None:
                after_store(self.result, store)
        except BaseException:
            self._finish("failed")
            raise
        self._finish("issues" if self.result.exit_code else "ok")
        return self.result

    @contextmanager
    def _tx(self) -> Iterator[Connection]:
        """One workbook's transaction: a savepoint in the open batch, released, or rolled
        back on an error (and the error raised). The batch is committed when due."""
        if self.writer.begin():
            self.batch.opened()
        with self.writer.savepoint():
            yield self.writer.conn
        if self.batch.stored():
            self._commit()

    def _commit(self) -> None:
        """Commit the open batch, if any, while this run still holds the store's lock."""
        if self.writer.in_batch:
            if self.lock is not None:
                self.lock.check()  # else the batch is rolled back when the run fails
            self.writer.commit()

    def _finish(self, status: str) -> None:
        try:
            self.writer.finish_run(status, run_counts(self.result))
        except Exception:
            if status != "failed":
                raise  # a failed run re-raises its own error instead

    def _sync(self) -> None:
        files = scan(self.root)
        self.scanned = {f.rel for f in files}
        with self._tx():
            known = self.writer.known()
        to_read = self._changed(files, known)
        present = {f.rel for f in files}
        for rec in known.values():
            if rec.status != "retired" and rec.path not in present:
                with self._tx():
                    self.storer.retire(rec)
        # the catalog first, then the scopes, then the rest, so that a timesheet is read
        # once, after what it is checked against: by the kind the store knows, else as
        # its path suggests. A guess that is wrong costs a second read, never a wrong
        # result: storing a catalog or a scope marks what depends on it dirty.
        ranks = {
            f.rel: _rank(known[f.rel].kind if f.rel in known else None, f.rel) for f in to_read
        }
        del known
        to_read.sort(key=lambda f: (ranks[f.rel], f.rel))
        ticks = _Ticks(len(to_read), self._tick)
        for rank in range(len(KIND_ORDER) + 1):  # each kind stored before the next is read
            self._store_all([f for f in to_read if ranks[f.rel] == rank], ticks)
        for _ in range(MAX_PASSES * len(KIND_ORDER)):
            dirty = next((d for d in map(self._dirty, KIND_ORDER) if d), None)
            if dirty is None:
                return
            self._store_all(dirty, _Ticks(len(dirty), self._tick))

    def _store_all(self, files: list[FileStat], ticks: _Ticks) -> None:
        # a pool checks the timesheets it reads too, when the writer takes the rows it
        # converts (the SQLite fast path, see pooled)
        task = self._task if self.writer.prepares and self.reader.pooled(files) else None
        for o in self.reader.stream(files, task):
            ticks(o.rel)
            self._store_one(o)
            self.opened[o.rel] = o.state != UNREADABLE

    def _task(self) -> Task:
        return Task(self.generation, self._context(TIMESHEET))

    def _changed(self, files: list[FileStat], known: dict[str, Any]) -> list[FileStat]:
        out: list[FileStat] = []
        for f in files:
            rec = known.get(f.rel)
            if rec is not None and rec.status in STABLE and not rec.dirty:
                if (rec.size, rec.mtime_ns) == (f.size, f.mtime_ns):
                    continue
                if rec.sha256 and sha256_of(f.path) == rec.sha256:
                    with self._tx():
                        self.writer.update(rec, size=f.size, mtime_ns=f.mtime_ns)
                    continue
            out.append(f)
        return out

    def _count(self) -> None:
        """scanned = unchanged + read + skipped, each workbook counted once however many
        times this run read it (see :class:`~psos_xl.sync.result.SyncResult`)."""
        result = self.result
        result.scanned = len(self.scanned | self.opened.keys())
        result.read = sum(self.opened.values())
        result.skipped = len(self.opened) - result.read
        result.unchanged = result.scanned - len(self.opened)

    def _tick(self, done: int, total: int, rel: str) -> None:
        if self.progress is not None:
            self.progress(done, total, rel)

    def _dirty(self, kind: str) -> list[FileStat]:
        """Workbooks of ``kind`` marked to be read again."""
        with self._tx():
            paths = self.writer.dirty(kind)
        stats = [stat_of(self.root, path_at(self.root, p)) for p in paths]
        return [s for s in stats if s is not None]

    def _context(self, kind: str) -> RuleContext:
        """What a workbook of ``kind`` is checked against: the store as it stands (kept
        until a catalog or a scope is stored)."""
        if kind not in self.contexts:
            self.contexts[kind] = self._load_context(kind)
        return self.contexts[kind]

    def _load_context(self, kind: str) -> RuleContext:
        with self._tx() as conn:
            return load_context(conn, kind)

    # --- one workbook, one transaction -------------------------------------------------

    def _store_one(self, o: ReadOutcome) -> None:
        checked: Checked | None = o.checked
        if checked is not None and checked.generation != self.generation:
            # checked in a worker before a catalog or scope was stored: again, here
            o, checked = self.reader.read(str(path_at(self.root, o.rel)), o.rel), None
        key: Key | None = None
        issues = o.issues
        if checked is not None:
            key, issues = checked.key, checked.issues
        elif o.state == "ok" and o.model is not None and o.kind in KIND_ORDER:
            issues = check(o.model, self._context(o.kind), o.issues)
            key = identity(o.model)
        with self._tx():
            was = self.storer.store(o, key, issues)
        # what others are checked against changes only with a catalog or a scope (one
        # that is read, or one whose file is now unreadable, ignored or of another kind)
        kinds = {o.kind, was}
        if CATALOG in kinds:  # scopes and timesheets
            self.contexts.clear()
        elif SCOPE in kinds:  # timesheets
            self.contexts.pop(TIMESHEET, None)
        if kinds & {CATALOG, SCOPE}:
            self.generation += 1  # a worker's check of a timesheet is out of date

    # --- the report ----------------------------------------------------------------

    def _report(self) -> None:
        with self._tx():
            flag_invoiced_changes(self.writer.conn, self.result.run_id)
            rejects, conflicts = self.writer.standing()
        report(self.result, rejects, conflicts, self.run_issues)
