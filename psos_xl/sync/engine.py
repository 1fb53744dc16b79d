"""The sync engine: scan → read → validate → store, one transaction per workbook.

A run, under the workspace's lock (:mod:`psos_xl.sync.lock`):

1. **scan**: every workbook below the root with its (size, mtime_ns). Unchanged since the
   last good read → skipped unopened; changed stat but the same sha256 → skipped, the new
   stat recorded; otherwise (or when marked ``dirty``) the workbook is read.
2. **retire**: a workbook that left the folder has its rows deleted, status ``retired``.
3. **read**: python-calamine through the readers, shared with a process pool when
   ``workers > 1`` (by default one process per CPU, at most four)
   and there are many files (:mod:`psos_xl.sync.reading`). Store writes stay in this
   process. Each changed file is read once, in the order catalog, scopes, the rest (by
   the kind the store knows, else as its path suggests), so a timesheet is checked
   against the catalog and scopes of this run.
4. **store**: each workbook is checked against the store as it stands and stored
   before the next is read, so memory does not grow with the number of files.
   Per workbook, in ONE transaction: its old rows deleted, its valid rows inserted with
   their lineage, its issues replacing its old rejects, its stat and hash recorded. A
   killed sync therefore leaves every workbook either wholly old or wholly new, and the
   next sync reads what is still stale. A workbook's transaction is a savepoint inside a
   batch that is committed every :data:`BATCH_FILES` workbooks or
   :data:`BATCH_SECONDS`: a commit costs more than storing a timesheet, and a batch
   only groups whole workbooks (a crash loses the batch's workbooks whole, and the next
   sync reads them again; a workbook failing rolls back its own savepoint only).
5. **dependents**: when a scope's engagement (status, StartDate, deliverables) or the
   catalog's codes change, the workbooks checked against them are marked ``dirty`` in
   the same transaction and read again in this run (or the next, after a crash). A
   scope whose path did not suggest one, read after timesheets, thus costs those
   timesheets a second read, not a wrong result.

Conflicted copies: a workbook is a copy of another when both are timesheets of the same
person and week, both catalogs, or both scopes of the same engagement. The one counted is
the one already in the store; among new ones the lexicographically first path (a copy
stored earlier in the run gives way to one whose path sorts before it). The other is
stored as ``conflict`` with none of its rows, and reported on every sync, until the
counted one is deleted or its marker changes.

An unreadable file keeps its last good rows, and its stat is not recorded, so it is read
again on every sync until it opens. A readable workbook missing a required table or
column, or with a bad marker, is ``invalid``: its last good rows stay too, its issues are
kept as rejects, and it is read again when it changes.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Row, Transaction, delete, insert, select, update

from psos_xl import models as m
from psos_xl import store as st
from psos_xl.errors import Code, Issue, WorkspaceError
from psos_xl.rules import RuleContext
from psos_xl.store import fast as sql
from psos_xl.store.dependents import mark_dependents, signature
from psos_xl.sync.checks import (
    Key,
    SyncContext,
    drop_rejected,
    identity,
    load_engagements,
    rejected_rows,
    validate,
)
from psos_xl.sync.lock import SyncLock
from psos_xl.sync.pooled import Checked, Task, store_heads
from psos_xl.sync.reading import Reader
from psos_xl.sync.result import SyncResult as SyncResult
from psos_xl.sync.result import report, run_counts
from psos_xl.sync.scan import FileStat, ReadOutcome, read_workbook, scan, sha256_of, stat_of
from psos_xl.workspace import STATE_DIR

Progress = Callable[[int, int, str], None]
KIND_ORDER = (m.Kind.CATALOG.value, m.Kind.SCOPE.value, m.Kind.TIMESHEET.value)
STABLE = st.STABLE
MAX_PASSES = 5
BATCH_FILES = 64  # workbooks per commit, at most
BATCH_SECONDS = 0.5  # and at most this long between commits
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
            return _Run(root, store, reader, progress, lock).execute(after_store)
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
    def __init__(
        self,
        root: Path,
        store: st.Store,
        reader: Reader,
        progress: Progress | None,
        lock: SyncLock | None = None,
    ):
        self.root = root
        self.store = store
        self.progress = progress
        self.result = SyncResult()
        self.run_id = 0
        self.run_issues: list[Issue] = []
        self.conn: Connection | None = None
        self.batch: Transaction | None = None
        self.batch_started = 0.0
        self.batched = 0
        self.reader = reader
        self.lock = lock
        self.inserter = sql.Inserter()
        self.db: sql.Runner | None = None
        self.contexts: dict[str, RuleContext] = {}
        self.taken: set[int] = set()  # workbooks that took their identity in this run
        self.generation = 0  # of the contexts: one more each time they are dropped

    # --- the run ------------------------------------------------------------------

    def execute(self, after_store: AfterStore | None) -> SyncResult:
        # one connection for the run's own work, one transaction per workbook on it
        with self.store.connect() as conn:
            self.conn = conn
            self.db = sql.Runner(conn)
            self.reader.read = read_workbook  # looked up now: tests replace it
            self.run_id = self._start()
            self.result.run_id = self.run_id
            try:
                self._sync()
                self._report()
                self._commit()  # what the write-back reads, on its own connections
                if after_store is not None:
                    after_store(self.result, self.store)
            except BaseException:
                self._finish("failed")
                raise
            self._finish("issues" if self.result.exit_code else "ok")
        return self.result

    @contextmanager
    def _tx(self) -> Iterator[Connection]:
        """One workbook's transaction: a savepoint in the open batch, released, or rolled
        back on an error (and the error raised). The batch is committed when full."""
        conn, db = self.conn, self.db
        assert conn is not None and db is not None
        if self.batch is None:
            self.batch = conn.begin()
            self.batch_started = time.monotonic()
            self.batched = 0
        with db.savepoint():
            yield conn
        self.batched += 1
        if self.batched >= BATCH_FILES or time.monotonic() - self.batch_started > BATCH_SECONDS:
            self._commit()

    def _commit(self) -> None:
        """Commit the open batch, if any, while this run still holds the store's lock."""
        if self.batch is not None:
            if self.lock is not None:
                self.lock.check()  # else the batch is rolled back when the run fails
            batch, self.batch = self.batch, None
            batch.commit()

    @contextmanager
    def _own_tx(self) -> Iterator[Connection]:
        """A transaction of its own, outside any batch (the run's audit row)."""
        assert self.conn is not None and self.batch is None
        with self.conn.begin():
            yield self.conn

    def _start(self) -> int:
        host = socket.gethostname()
        runs = st.sync_runs
        with self._own_tx() as conn:
            # we hold the lock, so a run still 'running' was killed: on PostgreSQL any
            # run (the lock spans every machine), elsewhere this machine's (a folder's
            # lock file may not hold across machines on a network share)
            stale = runs.c.status == "running"
            if conn.dialect.name != "postgresql":
                stale = stale & (runs.c.host == host)
            conn.execute(update(runs).where(stale).values(status="failed", finished_at=st.now()))
            new = conn.execute(
                insert(runs).values(
                    started_at=st.now(), status="running", pid=os.getpid(), host=host
                )
            )
            ident = new.inserted_primary_key
            assert ident is not None
            return int(ident[0])

    def _finish(self, status: str) -> None:
        counts = run_counts(self.result)
        try:
            self.batch = None
            if self.conn is not None and self.conn.in_transaction():
                self.conn.rollback()  # a failure inside a workbook's transaction
            with self._own_tx() as conn:
                conn.execute(
                    update(st.sync_runs)
                    .where(st.sync_runs.c.id == self.run_id)
                    .values(finished_at=st.now(), status=status, counts=json.dumps(counts))
                )
        except Exception:
            if status != "failed":
                raise  # a failed run re-raises its own error instead

    def _sync(self) -> None:
        files = scan(self.root)
        self.result.scanned = len(files)
        with self._tx() as conn:
            known = {r.path: r for r in conn.execute(select(st.workbooks))}
        to_read = self._changed(files, known)
        present = {f.rel for f in files}
        for rec in known.values():
            if rec.status != "retired" and rec.path not in present:
                self._retire(rec)
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
        assert self.db is not None
        # a pool checks the timesheets it reads too (on SQLite, see pooled)
        task = self._task if self.db.raw and self.reader.pooled(files) else None
        for o in self.reader.stream(files, task):
            self.result.read += 1
            ticks(o.rel)
            self._store_one(o)

    def _task(self) -> Task:
        return Task(self.generation, self._context(TIMESHEET))

    def _changed(self, files: list[FileStat], known: dict[str, Row[Any]]) -> list[FileStat]:
        out: list[FileStat] = []
        for f in files:
            rec = known.get(f.rel)
            if rec is not None and rec.status in STABLE and not rec.dirty:
                if (rec.size, rec.mtime_ns) == (f.size, f.mtime_ns):
                    self.result.unchanged += 1
                    continue
                if rec.sha256 and sha256_of(f.path) == rec.sha256:
                    with self._tx() as conn:
                        conn.execute(
                            update(st.workbooks)
                            .where(st.workbooks.c.id == rec.id)
                            .values(size=f.size, mtime_ns=f.mtime_ns)
                        )
                    self.result.unchanged += 1
                    continue
            out.append(f)
        return out

    def _tick(self, done: int, total: int, rel: str) -> None:
        if self.progress is not None:
            self.progress(done, total, rel)

    def _dirty(self, kind: str) -> list[FileStat]:
        """Workbooks of ``kind`` marked to be read again."""
        wb = st.workbooks
        with self._tx() as conn:
            rows = conn.execute(
                select(wb.c.path)
                .where(wb.c.dirty.is_(True), wb.c.kind == kind, wb.c.status != "retired")
                .order_by(wb.c.path)
            ).all()
        stats = [stat_of(self.root, self.root / r.path) for r in rows]
        return [s for s in stats if s is not None]

    def _context(self, kind: str) -> RuleContext:
        """What a workbook of ``kind`` is checked against: the store as it stands (kept
        until a catalog or a scope is stored)."""
        if kind not in self.contexts:
            self.contexts[kind] = self._load_context(kind)
        return self.contexts[kind]

    def _load_context(self, kind: str) -> RuleContext:

        if kind == m.Kind.CATALOG.value:
            return RuleContext()
        with self._tx() as conn:
            catalog = st.load_catalog(conn)
            note = "" if catalog is not None else "no catalog workbook in the workspace"
            if kind == m.Kind.SCOPE.value:
                return RuleContext(catalog=catalog, catalog_note=note)
            return SyncContext(
                catalog=catalog, catalog_note=note, engagements=load_engagements(conn)
            )

    # --- one workbook, one transaction -------------------------------------------------

    def _store_one(self, o: ReadOutcome) -> None:
        checked: Checked | None = o.checked
        if checked is not None and checked.generation != self.generation:
            # checked in a worker before a catalog or scope was stored: again, here
            o, checked = self.reader.read(str(self.root / o.rel), o.rel), None
        key: Key | None = None
        issues = o.issues
        if checked is not None:
            key, issues = checked.key, checked.issues
        elif o.state == "ok" and o.model is not None and o.kind in KIND_ORDER:
            issues = validate(o.model, o.issues, self._context(o.kind))
            key = identity(o.model)
        with self._tx() as conn:
            rec = self._record(conn, o.rel)
            if o.state == "unreadable":
                self._unreadable(conn, rec, o)
            elif o.state == "ignored":
                self._ignored(conn, rec, o)
            elif key is None or (o.model is None and checked is None):
                self._invalid(conn, rec, o, issues)
            else:
                holder = self._holder(conn, key.ident, rec.id)
                if holder is not None and holder.id in self.taken and o.rel < holder.path:
                    self._yield(conn, holder, o.rel, key)  # among new copies, path order
                    holder = None
                if holder is not None:
                    self._conflict(conn, rec, o, key, holder)
                else:
                    self._replace(conn, rec, o, key, issues)
                    if rec.status not in st.HOLDING or rec.ident != key.ident:
                        self.taken.add(rec.id)
        # what others are checked against changes only with a catalog or a scope (one
        # that is read, or one whose file is now unreadable, ignored or of another kind)
        kinds = {o.kind, rec.kind}
        if CATALOG in kinds:  # scopes and timesheets
            self.contexts.clear()
        elif SCOPE in kinds:  # timesheets
            self.contexts.pop(TIMESHEET, None)
        if kinds & {CATALOG, SCOPE}:
            self.generation += 1  # a worker's check of a timesheet is out of date

    def _record(self, conn: Connection, rel: str) -> Any:
        """The workbook's record; status ``new`` (inside this transaction only) when the
        store has never seen the path: it then has no rows, rejects or conflicts."""
        db = self._db(conn)
        rec = db.first(sql.RECORD, {"p_path": rel})
        return rec if rec is not None else db.first(sql.NEW_RECORD, {"p_path": rel})

    def _db(self, conn: Connection) -> sql.Runner:
        assert self.db is not None and self.db.conn is conn
        return self.db

    def _holder(self, conn: Connection, ident: str, own_id: int) -> Any:
        return self._db(conn).first(sql.HOLDER, {"p_ident": ident, "p_id": own_id})

    def _read_values(self, o: ReadOutcome) -> dict[str, Any]:
        return {
            "size": o.size,
            "mtime_ns": o.mtime_ns,
            "sha256": o.sha256,
            "last_read_at": st.now(),
            "last_read_run": self.run_id,
            "dirty": False,
            "retired_at": None,
        }

    def _set(self, conn: Connection, rec: Row[Any], **values: Any) -> None:
        conn.execute(update(st.workbooks).where(st.workbooks.c.id == rec.id).values(**values))

    def _replace(
        self,
        conn: Connection,
        rec: Row[Any],
        o: ReadOutcome,
        key: Key,
        issues: list[Issue],
    ) -> None:
        new = rec.status == "new"
        before = signature(conn, rec.id, o.kind)
        self._delete_facts(conn, rec)
        lineage = {"workbook_id": rec.id, "path": o.rel, "sha256": o.sha256}
        if o.checked is not None:  # the rows a worker made, rejected ones left out
            self.result.rows += store_heads(self.inserter, conn, o.checked, lineage)
        else:
            assert o.model is not None
            bad = rejected_rows(issues)
            model = drop_rejected(o.model, bad) if bad else o.model
            self.result.rows += self._insert_facts(conn, lineage, model)
        self._replace_rejects(conn, rec, o.rel, issues)
        if not new:
            self._db(conn).execute(sql.DELETE_CONFLICT, {"p_path": o.rel})
            if rec.ident != key.ident:
                self._free_copies(conn, o.rel)
        self._set_read(conn, rec, o, key, "ok")
        mark_dependents(conn, o.kind, before, signature(conn, rec.id, o.kind))

    def _conflict(
        self, conn: Connection, rec: Row[Any], o: ReadOutcome, key: Key, holder: Row[Any]
    ) -> None:
        c = st.conflicts
        old = conn.execute(select(c).where(c.c.conflicting_path == o.rel)).first()
        same = old is not None and (old.kept_path, old.ident) == (holder.path, key.ident)
        self._drop_everything(conn, rec)
        conn.execute(
            insert(c).values(
                ident=key.ident,
                person=key.person,
                week=key.week,
                kept_path=holder.path,
                conflicting_path=o.rel,
                run=old.run if same and old is not None else self.run_id,
            )
        )
        self._set_read(conn, rec, o, key, "conflict")

    def _yield(self, conn: Connection, holder: Any, winner: str, key: Key) -> None:
        """``holder`` took ``key`` earlier in this run, but ``winner`` sorts first: the
        holder becomes the copy (its rows dropped), as if the run had read it second."""
        self._drop_everything(conn, holder)
        conn.execute(
            insert(st.conflicts).values(
                ident=key.ident,
                person=key.person,
                week=key.week,
                kept_path=winner,
                conflicting_path=holder.path,
                run=self.run_id,
            )
        )
        self._set(conn, holder, status="conflict")
        self.taken.discard(holder.id)

    def _set_read(
        self, conn: Connection, rec: Row[Any], o: ReadOutcome, key: Key, status: str
    ) -> None:
        fields = {"person": key.person, "week": key.week, "engagement": key.engagement}
        values = {**self._read_values(o), **fields, "kind": o.kind, "ident": key.ident}
        self._db(conn).execute(sql.SET_READ, sql.read_params(rec.id, {**values, "status": status}))

    def _invalid(
        self, conn: Connection, rec: Row[Any], o: ReadOutcome, issues: list[Issue]
    ) -> None:
        """Readable but unusable as a whole: keep the last good rows, record the issues."""
        self._replace_rejects(conn, rec, o.rel, issues)
        conn.execute(delete(st.conflicts).where(st.conflicts.c.conflicting_path == o.rel))
        ident = rec.ident if rec.status in st.HOLDING else None
        kind = rec.kind if rec.status in st.HOLDING else (o.kind or None)
        self._set(conn, rec, **self._read_values(o), kind=kind, ident=ident, status="invalid")

    def _unreadable(self, conn: Connection, rec: Row[Any], o: ReadOutcome) -> None:
        """Keep the last good rows and do not record the stat: read again next time."""
        self.run_issues.extend(o.issues)
        if rec.status == "unreadable" and not rec.dirty:
            return
        if rec.status in st.HOLDING:
            self._set(conn, rec, status="unreadable", dirty=False)
        else:
            conn.execute(delete(st.conflicts).where(st.conflicts.c.conflicting_path == o.rel))
            self._set(
                conn,
                rec,
                status="unreadable",
                dirty=False,
                ident=None,
                size=None,
                mtime_ns=None,
                sha256=None,
            )

    def _ignored(self, conn: Connection, rec: Row[Any], o: ReadOutcome) -> None:
        """An Excel file without a marker: not (or no longer) a psos workbook."""
        if rec.status in (*st.HOLDING, "conflict"):
            self._drop_everything(conn, rec)
            self._note_retired(o.rel, "has no _psos marker any more")
        self._set(conn, rec, **self._read_values(o), kind=None, ident=None, status="ignored")

    def _retire(self, rec: Row[Any]) -> None:
        with self._tx() as conn:
            if rec.status in (*st.HOLDING, "conflict"):
                self._note_retired(rec.path, "was removed from the folder")
            self._drop_everything(conn, rec)
            self._set(
                conn,
                rec,
                status="retired",
                retired_at=st.now(),
                ident=None,
                dirty=False,
                size=None,
                mtime_ns=None,
                sha256=None,
            )

    def _note_retired(self, rel: str, why: str) -> None:
        self.result.retired.append(rel)
        self.run_issues.append(
            Issue.make(Code.WORKBOOK_RETIRED, rel, f"{why}; its rows were retired from the store")
        )

    def _drop_everything(self, conn: Connection, rec: Row[Any]) -> None:
        """Delete a workbook's rows, rejects and conflicts; wake what depended on it."""
        before = signature(conn, rec.id, rec.kind or "")
        self._delete_facts(conn, rec)
        conn.execute(delete(st.rejects).where(st.rejects.c.workbook_id == rec.id))
        conn.execute(delete(st.conflicts).where(st.conflicts.c.conflicting_path == rec.path))
        if rec.status in st.HOLDING:
            self._free_copies(conn, rec.path)
        mark_dependents(conn, rec.kind or "", before, {})

    # --- rows, rejects, dependents -----------------------------------------------------

    def _delete_facts(self, conn: Connection, rec: Row[Any]) -> None:
        """A workbook's rows are stored with status ok and kept only while it is ok,
        invalid or unreadable, in the tables of its recorded kind."""
        if rec.status not in st.HOLDING:
            return
        for table in st.KIND_TABLES.get(rec.kind or "", st.FACT_TABLES):
            self._db(conn).execute(sql.DELETE_FACTS[table.name], {"p_id": rec.id})

    def _insert_facts(self, conn: Connection, lineage: dict[str, Any], model: st.Model) -> int:
        if isinstance(model, m.Timesheet):  # the many: rows straight from their models
            who = {"person": model.person, "week": model.week, **lineage}
            return self.inserter.models(
                conn, st.time_entries, model.entries, who
            ) + self.inserter.models(conn, st.expenses, model.expenses, who)
        grouped: dict[str, list[dict[str, Any]]] = {}
        for table, src, values in st.facts_of(model):
            values.update(lineage)
            values["sheet"] = src.sheet if src else ""
            values["row_num"] = src.row if src else 0
            grouped.setdefault(table.name, []).append(values)
        for name, rows in grouped.items():
            self.inserter(conn, sql.FACT_TABLE[name], rows)
        return sum(len(rows) for rows in grouped.values())

    def _replace_rejects(
        self, conn: Connection, rec: Row[Any], rel: str, issues: list[Issue]
    ) -> None:
        workbook_id = rec.id
        first: dict[tuple[str, str, str], int] = {}
        if rec.status != "new":
            first = {
                (row.location, row.code, row.message): row.first_seen_run
                for row in self._db(conn).all(sql.REJECTS_OF, {"p_id": workbook_id})
            }
            self._db(conn).execute(sql.DELETE_REJECTS, {"p_id": workbook_id})
        rows = [
            {
                "workbook_id": workbook_id,
                "path": rel,
                "location": i.location,
                "code": str(i.code),
                "severity": str(i.severity),
                "message": i.message,
                "first_seen_run": first.get((i.location, str(i.code), i.message), self.run_id),
                "last_seen_run": self.run_id,
            }
            for i in issues
        ]
        self.inserter(conn, st.rejects, rows)

    def _free_copies(self, conn: Connection, kept_path: str) -> None:
        """The copies that waited on ``kept_path`` are read again: one may now count."""
        c, wb = st.conflicts, st.workbooks
        waiting = select(c.c.conflicting_path).where(c.c.kept_path == kept_path)
        conn.execute(update(wb).where(wb.c.path.in_(waiting)).values(dirty=True))

    # --- the report ----------------------------------------------------------------

    def _report(self) -> None:
        r, c = st.rejects, st.conflicts
        with self._tx() as conn:
            rejects = conn.execute(
                select(r.c.code, r.c.severity, r.c.location, r.c.message).order_by(r.c.id)
            ).all()
            conflicts = conn.execute(
                select(
                    c.c.ident, c.c.person, c.c.week, c.c.kept_path, c.c.conflicting_path
                ).order_by(c.c.id)
            ).all()
        report(
            self.result,
            [tuple(row) for row in rejects],
            [tuple(row) for row in conflicts],
            self.run_issues,
        )
