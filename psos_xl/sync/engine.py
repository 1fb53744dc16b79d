"""The sync engine: scan → read → validate → store, one transaction per workbook.

A run, under the workspace's lock (:mod:`psos_xl.sync.lock`):

1. **scan**: every workbook below the root with its (size, mtime_ns). Unchanged since the
   last good read → skipped unopened; changed stat but the same sha256 → skipped, the new
   stat recorded; otherwise (or when marked ``dirty``) the workbook is read.
2. **retire**: a workbook that left the folder has its rows deleted, status ``retired``.
3. **read**: python-calamine through the readers, in a process pool when ``workers > 1``
   and there are many files. Store writes stay in this process.
4. **store**, catalog first, then scopes, then timesheets, each checked against the store
   as it stands after the kinds before it. Per workbook, in ONE transaction: its old rows
   deleted, its valid rows inserted with their lineage, its issues replacing its old
   rejects, its stat and hash recorded. A killed sync therefore leaves every workbook
   either wholly old or wholly new, and the next sync reads what is still stale.
5. **dependents**: when a scope's engagement (status, StartDate, deliverables) or the
   catalog's codes change, the workbooks checked against them are marked ``dirty`` in
   the same transaction and read again in this run (or the next, after a crash).

Conflicted copies: a workbook is a copy of another when both are timesheets of the same
person and week, both catalogs, or both scopes of the same engagement. The one counted is
the one already in the store; among new ones the lexicographically first path (runs
process workbooks in path order). The other is stored as ``conflict`` with none of its
rows, and reported on every sync, until the counted one is deleted or its marker changes.

An unreadable file keeps its last good rows, and its stat is not recorded, so it is read
again on every sync until it opens. A readable workbook missing a required table or
column, or with a bad marker, is ``invalid``: its last good rows stay too, its issues are
kept as rejects, and it is read again when it changes.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import socket
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Row, delete, insert, select, update

from psos_xl import models as m
from psos_xl.errors import Code, Issue, Severity, WorkspaceError, sort_issues
from psos_xl.rules import RuleContext
from psos_xl.sync import store as st
from psos_xl.sync.checks import (
    SyncContext,
    drop_rejected,
    load_engagements,
    mark_dependents,
    rejected_rows,
    signature,
    validate,
)
from psos_xl.sync.lock import SyncLock
from psos_xl.sync.scan import FileStat, ReadOutcome, read_workbook, scan, sha256_of, stat_of
from psos_xl.workspace import STATE_DIR

Progress = Callable[[int, int, str], None]
KIND_ORDER = (m.Kind.CATALOG.value, m.Kind.SCOPE.value, m.Kind.TIMESHEET.value)
# statuses whose recorded stat means "read": the file is skipped while it is unchanged
STABLE = ("ok", "invalid", "conflict", "ignored")
POOL_MIN_FILES = 16  # below this a pool's start-up costs more than it saves
MAX_PASSES = 5


@dataclass
class SyncResult:
    """What a sync did and found. ``issues`` holds every standing reject and conflict
    (reported on every sync until fixed) plus this run's unreadable and retired files."""

    scanned: int = 0
    unchanged: int = 0
    read: int = 0
    rows: int = 0
    rejected_rows: int = 0
    conflicts: int = 0
    written_back: list[str] = field(default_factory=list)
    skipped_open: list[str] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    run_id: int = 0
    retired: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "scanned": self.scanned,
            "unchanged": self.unchanged,
            "read": self.read,
            "rows": self.rows,
            "rejected_rows": self.rejected_rows,
            "conflicts": self.conflicts,
            "written_back": list(self.written_back),
            "skipped_open": list(self.skipped_open),
            "issues": [i.to_dict() for i in self.issues],
        }

    @property
    def exit_code(self) -> int:
        """0 when clean, 1 when an error or warning was reported (INFO does not count)."""
        return 1 if any(i.severity is not Severity.INFO for i in self.issues) else 0


AfterStore = Callable[[SyncResult, st.Store], None]


@dataclass(frozen=True)
class Key:
    """What a workbook is a copy of, if two say the same."""

    ident: str
    person: str | None = None
    week: date | None = None
    engagement: str | None = None


def identity(model: st.Model) -> Key | None:
    if isinstance(model, m.Catalog):
        return Key("catalog")
    if isinstance(model, m.Scope):
        eng = model.info.engagement
        return Key(f"scope:{eng}", engagement=eng) if eng else None
    if model.person and model.week:
        return Key(f"timesheet:{model.person}:{model.week.isoformat()}", model.person, model.week)
    return None


def run_sync(
    root: Path,
    store_url: str | None = None,
    workers: int = 1,
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
    # on a shared (PostgreSQL) store the lock is store-wide too: two machines, one writer
    with SyncLock(state, lock_timeout, url):
        store = st.open_store(url)
        try:
            return _Run(root, store, max(1, workers), progress).execute(after_store)
        finally:
            store.close()


def _code(text: str) -> Code:
    try:
        return Code(text)
    except ValueError:
        return Code.RULE_FAILED


class _Run:
    def __init__(self, root: Path, store: st.Store, workers: int, progress: Progress | None):
        self.root = root
        self.store = store
        self.workers = workers
        self.progress = progress
        self.result = SyncResult()
        self.run_id = 0
        self.run_issues: list[Issue] = []

    # --- the run ------------------------------------------------------------------

    def execute(self, after_store: AfterStore | None) -> SyncResult:
        self.run_id = self._start()
        self.result.run_id = self.run_id
        try:
            self._sync()
            self._report()
            if after_store is not None:
                after_store(self.result, self.store)
        except BaseException:
            self._finish("failed")
            raise
        self._finish("issues" if self.result.exit_code else "ok")
        return self.result

    def _start(self) -> int:
        host = socket.gethostname()
        runs = st.sync_runs
        with self.store.begin() as conn:
            # we hold the lock: a run of this host still 'running' was killed
            conn.execute(
                update(runs)
                .where(runs.c.status == "running", runs.c.host == host)
                .values(status="failed", finished_at=st.now())
            )
            new = conn.execute(
                insert(runs).values(
                    started_at=st.now(), status="running", pid=os.getpid(), host=host
                )
            )
            return int(new.inserted_primary_key[0])

    def _finish(self, status: str) -> None:
        counts = {k: v for k, v in self.result.to_json().items() if isinstance(v, int)}
        counts["issues"] = len(self.result.issues)
        counts["retired"] = len(self.result.retired)
        try:
            with self.store.begin() as conn:
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
        with self.store.connect() as conn:
            known = {r.path: r for r in conn.execute(select(st.workbooks))}
        to_read = self._changed(files, known)
        present = {f.rel for f in files}
        for rec in known.values():
            if rec.status != "retired" and rec.path not in present:
                self._retire(rec)
        outcomes = self._read_all(to_read)
        for o in outcomes:
            if o.state in ("unreadable", "ignored") or o.kind not in KIND_ORDER:
                self._store_one(o, RuleContext())
        for kind in KIND_ORDER:
            batch = [o for o in outcomes if o.kind == kind and o.state in ("ok", "invalid")]
            self._phase(kind, batch)

    def _changed(self, files: list[FileStat], known: dict[str, Row[Any]]) -> list[FileStat]:
        out: list[FileStat] = []
        for f in files:
            rec = known.get(f.rel)
            if rec is not None and rec.status in STABLE and not rec.dirty:
                if (rec.size, rec.mtime_ns) == (f.size, f.mtime_ns):
                    self.result.unchanged += 1
                    continue
                if rec.sha256 and sha256_of(f.path) == rec.sha256:
                    with self.store.begin() as conn:
                        conn.execute(
                            update(st.workbooks)
                            .where(st.workbooks.c.id == rec.id)
                            .values(size=f.size, mtime_ns=f.mtime_ns)
                        )
                    self.result.unchanged += 1
                    continue
            out.append(f)
        return out

    def _read_all(self, files: list[FileStat]) -> list[ReadOutcome]:
        total = len(files)
        out: list[ReadOutcome] = []
        paths, rels = [str(f.path) for f in files], [f.rel for f in files]
        if self.workers > 1 and total >= POOL_MIN_FILES:
            chunk = max(1, total // (self.workers * 4))
            # spawn, not fork: a forked worker would inherit the lock and the store's
            # connections, and outlive a killed sync still holding the lock
            spawn = multiprocessing.get_context("spawn")
            try:
                with ProcessPoolExecutor(max_workers=self.workers, mp_context=spawn) as pool:
                    for outcome in pool.map(read_workbook, paths, rels, chunksize=chunk):
                        out.append(outcome)
                        self._tick(len(out), total, outcome.rel)
            except (BrokenProcessPool, OSError, RuntimeError):
                pass  # no pool here (a frozen app, a bare script): the rest is read below
        for path, rel in list(zip(paths, rels, strict=True))[len(out) :]:
            out.append(read_workbook(path, rel))
            self._tick(len(out), total, rel)
        self.result.read += total
        return out

    def _tick(self, done: int, total: int, rel: str) -> None:
        if self.progress is not None:
            self.progress(done, total, rel)

    def _phase(self, kind: str, batch: list[ReadOutcome]) -> None:
        batch = sorted(batch, key=lambda o: o.rel)
        batch += self._reread_dirty(kind, {o.rel for o in batch})
        for _ in range(MAX_PASSES):
            if not batch:
                return
            ctx = self._context(kind)
            for o in batch:
                self._store_one(o, ctx)
            batch = self._reread_dirty(kind, set())

    def _reread_dirty(self, kind: str, exclude: set[str]) -> list[ReadOutcome]:
        wb = st.workbooks
        with self.store.connect() as conn:
            rows = conn.execute(
                select(wb.c.path)
                .where(wb.c.dirty.is_(True), wb.c.kind == kind, wb.c.status != "retired")
                .order_by(wb.c.path)
            ).all()
        stats = [stat_of(self.root, self.root / r.path) for r in rows if r.path not in exclude]
        return self._read_all([s for s in stats if s is not None])

    def _context(self, kind: str) -> RuleContext:
        if kind == m.Kind.CATALOG.value:
            return RuleContext()
        with self.store.connect() as conn:
            catalog = st.load_catalog(conn)
            note = "" if catalog is not None else "no catalog workbook in the workspace"
            if kind == m.Kind.SCOPE.value:
                return RuleContext(catalog=catalog, catalog_note=note)
            return SyncContext(
                catalog=catalog, catalog_note=note, engagements=load_engagements(conn)
            )

    # --- one workbook, one transaction -------------------------------------------------

    def _store_one(self, o: ReadOutcome, ctx: RuleContext) -> None:
        key: Key | None = None
        issues = o.issues
        if o.state == "ok" and o.model is not None:
            issues = validate(o.model, o.issues, ctx)
            key = identity(o.model)
        with self.store.begin() as conn:
            rec = self._record(conn, o.rel)
            if o.state == "unreadable":
                self._unreadable(conn, rec, o)
            elif o.state == "ignored":
                self._ignored(conn, rec, o)
            elif key is None or o.model is None:
                self._invalid(conn, rec, o, issues)
            else:
                holder = self._holder(conn, key.ident, rec.id)
                if holder is not None:
                    self._conflict(conn, rec, o, key, holder)
                else:
                    self._replace(conn, rec, o, o.model, key, issues)

    def _record(self, conn: Connection, rel: str) -> Row[Any]:
        wb = st.workbooks
        rec = conn.execute(select(wb).where(wb.c.path == rel)).first()
        if rec is None:
            conn.execute(insert(wb).values(path=rel, status="new", dirty=False))
            rec = conn.execute(select(wb).where(wb.c.path == rel)).one()
        return rec

    def _holder(self, conn: Connection, ident: str, own_id: int) -> Row[Any] | None:
        wb = st.workbooks
        return conn.execute(
            select(wb).where(wb.c.ident == ident, wb.c.status.in_(st.HOLDING), wb.c.id != own_id)
        ).first()

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
        model: st.Model,
        key: Key,
        issues: list[Issue],
    ) -> None:
        before = signature(conn, rec.id, o.kind)
        self._delete_facts(conn, rec.id)
        self.result.rows += self._insert_facts(
            conn, rec.id, o, drop_rejected(model, rejected_rows(issues))
        )
        self._replace_rejects(conn, rec.id, o.rel, issues)
        conn.execute(delete(st.conflicts).where(st.conflicts.c.conflicting_path == o.rel))
        if rec.ident != key.ident:
            self._free_copies(conn, o.rel)
        fields = {"person": key.person, "week": key.week, "engagement": key.engagement}
        self._set(
            conn, rec, **self._read_values(o), **fields, kind=o.kind, ident=key.ident, status="ok"
        )
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
        fields = {"person": key.person, "week": key.week, "engagement": key.engagement}
        self._set(
            conn,
            rec,
            **self._read_values(o),
            **fields,
            kind=o.kind,
            ident=key.ident,
            status="conflict",
        )

    def _invalid(
        self, conn: Connection, rec: Row[Any], o: ReadOutcome, issues: list[Issue]
    ) -> None:
        """Readable but unusable as a whole: keep the last good rows, record the issues."""
        self._replace_rejects(conn, rec.id, o.rel, issues)
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
        with self.store.begin() as conn:
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
        self._delete_facts(conn, rec.id)
        conn.execute(delete(st.rejects).where(st.rejects.c.workbook_id == rec.id))
        conn.execute(delete(st.conflicts).where(st.conflicts.c.conflicting_path == rec.path))
        if rec.status in st.HOLDING:
            self._free_copies(conn, rec.path)
        mark_dependents(conn, rec.kind or "", before, {})

    # --- rows, rejects, dependents -----------------------------------------------------

    def _delete_facts(self, conn: Connection, workbook_id: int) -> None:
        for table in st.FACT_TABLES:
            conn.execute(delete(table).where(table.c.workbook_id == workbook_id))

    def _insert_facts(
        self, conn: Connection, workbook_id: int, o: ReadOutcome, model: st.Model
    ) -> int:
        grouped: dict[str, list[dict[str, Any]]] = {}
        tables = {t.name: t for t in st.FACT_TABLES}
        for table, src, values in st.facts_of(model):
            lineage = {
                "workbook_id": workbook_id,
                "path": o.rel,
                "sheet": src.sheet if src else "",
                "row_num": src.row if src else 0,
                "sha256": o.sha256,
            }
            grouped.setdefault(table.name, []).append({**values, **lineage})
        for name, rows in grouped.items():
            conn.execute(insert(tables[name]), rows)
        return sum(len(rows) for rows in grouped.values())

    def _replace_rejects(
        self, conn: Connection, workbook_id: int, rel: str, issues: list[Issue]
    ) -> None:
        r = st.rejects
        first = {
            (row.location, row.code, row.message): row.first_seen_run
            for row in conn.execute(select(r).where(r.c.workbook_id == workbook_id))
        }
        conn.execute(delete(r).where(r.c.workbook_id == workbook_id))
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
        if rows:
            conn.execute(insert(r), rows)

    def _free_copies(self, conn: Connection, kept_path: str) -> None:
        """The copies that waited on ``kept_path`` are read again: one may now count."""
        c, wb = st.conflicts, st.workbooks
        waiting = select(c.c.conflicting_path).where(c.c.kept_path == kept_path)
        conn.execute(update(wb).where(wb.c.path.in_(waiting)).values(dirty=True))

    # --- the report ----------------------------------------------------------------

    def _report(self) -> None:
        found: list[Issue] = []
        with self.store.connect() as conn:
            for row in conn.execute(select(st.rejects).order_by(st.rejects.c.id)):
                found.append(
                    Issue(_code(row.code), Severity(row.severity), row.location, row.message)
                )
            standing = conn.execute(select(st.conflicts).order_by(st.conflicts.c.id)).all()
        for c in standing:
            what = f"{c.person}'s week of {c.week.isoformat()}" if c.person and c.week else c.ident
            found.append(
                Issue.make(
                    Code.CONFLICTED_COPY,
                    c.conflicting_path,
                    f"a second workbook for {what}: {c.kept_path} is counted, this copy is "
                    "not; delete one of the two (or change its marker)",
                )
            )
        self.result.conflicts = len(standing)
        self.result.rejected_rows = len(
            {i.location for i in found if i.is_error and i.code is not Code.CONFLICTED_COPY}
        )
        self.result.issues = sort_issues([*found, *self.run_issues])
