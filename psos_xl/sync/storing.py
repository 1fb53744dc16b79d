"""One workbook stored as its read outcome says, through the store's writer.

Called inside the workbook's transaction (a savepoint, see :mod:`psos_xl.sync.batch`):

- **ok**: its rows replace its old ones (a conflicted copy's do not, see
  :mod:`psos_xl.sync.conflicts`), its issues replace its old rejects, and what was
  checked against it is marked to be read again when it changed;
- **invalid** (readable, unusable as a whole: a missing table or column, a bad
  marker): its last good rows stay, its issues are kept as rejects, and it is read again
  when it changes;
- **unreadable**: its last good rows stay and its stat is not recorded, so it is read
  again on every sync until it opens;
- **ignored** (no ``_psos`` marker, or no longer): its rows are retired;
- a workbook gone from the folder is **retired**: its rows, rejects and conflict deleted.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from psos_xl import models as m
from psos_xl.errors import Code, Issue
from psos_xl.loader import Key
from psos_xl.store.base import HOLDING
from psos_xl.store.fast import PreparedSheet, columns_of
from psos_xl.store.queries import Approval
from psos_xl.store.writer import Writer, without_rejected
from psos_xl.sync.conflicts import ConflictWith, TakeOver, conflict_run
from psos_xl.sync.conflicts import decide as decide_conflict
from psos_xl.sync.freeze import Fact, Freeze, decide
from psos_xl.sync.result import SyncResult
from psos_xl.sync.scan import ReadOutcome

TIMESHEET = m.Kind.TIMESHEET.value


class Storer:
    """Stores the workbooks of one run through ``writer``, counting into ``result`` and
    noting this run's own issues (unreadable and retired files) in ``run_issues``."""

    def __init__(self, writer: Writer, result: SyncResult, run_issues: list[Issue]) -> None:
        self.w = writer
        self.result = result
        self.run_issues = run_issues
        self.taken: set[int] = set()  # workbooks that took their identity in this run
        self.freezes: tuple[date | None, dict[tuple[str, date], Approval]] | None = None

    def store(self, o: ReadOutcome, key: Key | None, issues: list[Issue]) -> str | None:
        """Store the workbook read as ``o`` (identity ``key``, its issues ``issues``);
        the kind its record had before."""
        rec = self.w.record(o.rel)
        if o.state == "unreadable":
            self._unreadable(rec, o)
        elif o.state == "ignored":
            self._ignored(rec, o)
        elif key is None or (o.model is None and o.checked is None):
            self._invalid(rec, o, issues)
        else:
            self._counted(rec, o, key, issues)
        kind: str | None = rec.kind
        return kind

    def retire(self, rec: Any) -> None:
        """A workbook that left the folder (a timesheet with locked rows keeps them)."""
        if self._keeps_locked(rec):
            return
        if rec.status in (*HOLDING, "conflict"):
            self._note_retired(rec.path, "was removed from the folder")
        self.w.retire(rec)

    def _counted(self, rec: Any, o: ReadOutcome, key: Key, issues: list[Issue]) -> None:
        holder = self.w.holder(key.ident, rec.id)
        took = holder is not None and holder.id in self.taken
        action = decide_conflict(rec, key.ident, holder, took)
        if isinstance(action, ConflictWith):
            self._conflict(rec, o, key, action.holder)
            return
        if isinstance(action, TakeOver):
            self._yield(action.holder, o.rel, key)
        self._replace(rec, o, key, issues)
        if action.takes:
            self.taken.add(rec.id)

    def _replace(self, rec: Any, o: ReadOutcome, key: Key, issues: list[Issue]) -> None:
        w = self.w
        before = w.signature(rec.id, o.kind)
        if o.checked is not None:  # the rows a worker made, rejected ones left out
            rows = o.checked.rows
        else:
            assert o.model is not None
            rows = without_rejected(o.model, issues)
        freeze = self._freeze(o.kind, key)
        if freeze:
            issues = [*issues, *self._store_frozen(rec, o, rows, freeze)]
        else:
            self.result.rows += w.replace_facts(rec, o.rel, o.sha256, rows)
        w.replace_rejects(rec, o.rel, issues)
        if rec.status != "new":
            w.clear_conflict(o.rel)
            if rec.ident != key.ident:
                w.free_copies(o.rel)
        w.set_read(rec, o, key, o.kind, "ok")
        w.mark_dependents(o.kind, before, w.signature(rec.id, o.kind))

    def _locked_until(self) -> date | None:
        if self.freezes is None:
            self.freezes = self.w.freezes()
        return self.freezes[0]

    def _keeps_locked(self, rec: Any) -> bool:
        """A timesheet gone from the folder whose week is locked keeps its locked rows
        (its other rows are dropped) and is reported until it is put back."""
        until = self._locked_until() if rec.kind == TIMESHEET else None
        if until is None or rec.status not in HOLDING or rec.week is None or rec.week > until:
            return False
        facts = [Fact.of(t, r) for t, r in self.w.timesheet_rows(rec.id)]
        kept = [f for f in facts if f.day <= until]
        if not kept:
            return False
        for table in {f.table for f in facts if f.day > until}:
            self.w.delete_rows(table, [f.id for f in facts if f.table == table and f.day > until])
        self.run_issues.append(
            Issue.make(
                Code.PERIOD_LOCKED,
                rec.path,
                f"was removed from the folder, but time is locked until {until.isoformat()}: "
                f"its {len(kept)} locked row{'s' * (len(kept) != 1)} are kept as stored "
                "(put the file back to clear this)",
            )
        )
        return True

    def _freeze(self, kind: str, key: Key) -> Freeze:
        """What holds the rows of the timesheet ``key`` names (nothing for other kinds)."""
        if kind != TIMESHEET or key.person is None or key.week is None:
            return Freeze()
        until = self._locked_until()
        assert self.freezes is not None
        approved = self.freezes[1]
        if until is not None and until < key.week:
            until = None  # the whole week lies after the lock
        approval = approved.get((key.person, key.week))
        if approval is None:
            return Freeze(until)
        return Freeze(until, approval.content_sha256, approval.approved_by)

    def _store_frozen(self, rec: Any, o: ReadOutcome, rows: Any, freeze: Freeze) -> list[Issue]:
        """Store a timesheet some of whose rows are held: the new rows go in beside the
        old ones, then :func:`~psos_xl.sync.freeze.decide` says which to drop."""
        w = self.w
        old = [Fact.of(t, r) for t, r in w.timesheet_rows(rec.id)] if rec.status in HOLDING else []
        known = {(f.table, f.id) for f in old}
        added = w.add_facts(rec, o.rel, o.sha256, rows)
        new = [
            f
            for f in (Fact.of(t, r) for t, r in w.timesheet_rows(rec.id))
            if (f.table, f.id) not in known
        ]
        columns = rows.columns if isinstance(rows, PreparedSheet) else columns_of(rows)
        decision = decide(o.rel, freeze, old, new, columns)
        for table in {f.table for f in decision.drop}:
            w.delete_rows(table, [f.id for f in decision.drop if f.table == table])
        self.result.rows += added - sum(1 for f in decision.drop if (f.table, f.id) not in known)
        return decision.issues

    def _conflict(self, rec: Any, o: ReadOutcome, key: Key, holder: Any) -> None:
        w = self.w
        run = conflict_run(w.conflict_of(o.rel), holder.path, key.ident, w.run_id)
        w.drop(rec)
        w.add_conflict(key, holder.path, o.rel, run)
        w.set_read(rec, o, key, o.kind, "conflict")

    def _yield(self, holder: Any, winner: str, key: Key) -> None:
        """``holder`` becomes the copy of ``winner`` (its rows dropped)."""
        self.w.drop(holder)
        self.w.add_conflict(key, winner, holder.path, self.w.run_id)
        self.w.update(holder, status="conflict")
        self.taken.discard(holder.id)

    def _invalid(self, rec: Any, o: ReadOutcome, issues: list[Issue]) -> None:
        """Readable but unusable as a whole: keep the last good rows, record the issues."""
        w = self.w
        w.replace_rejects(rec, o.rel, issues)
        w.clear_conflict(o.rel)
        holding = rec.status in HOLDING
        kind = rec.kind if holding else (o.kind or None)
        ident = rec.ident if holding else None
        w.update(rec, **w.read_state(o), kind=kind, ident=ident, status="invalid")

    def _unreadable(self, rec: Any, o: ReadOutcome) -> None:
        """Keep the last good rows and do not record the stat: read again next time."""
        self.run_issues.extend(o.issues)
        if rec.status == "unreadable" and not rec.dirty:
            return
        if rec.status in HOLDING:
            self.w.update(rec, status="unreadable", dirty=False)
            return
        self.w.clear_conflict(o.rel)
        self.w.update(
            rec, status="unreadable", dirty=False, ident=None, size=None, mtime_ns=None, sha256=None
        )

    def _ignored(self, rec: Any, o: ReadOutcome) -> None:
        """An Excel file without a marker: not (or no longer) a psos workbook."""
        if rec.status in (*HOLDING, "conflict"):
            self.w.drop(rec)
            self._note_retired(o.rel, "has no _psos marker any more")
        self.w.update(rec, **self.w.read_state(o), kind=None, ident=None, status="ignored")

    def _note_retired(self, rel: str, why: str) -> None:
        self.result.retired.append(rel)
        self.run_issues.append(
            Issue.make(Code.WORKBOOK_RETIRED, rel, f"{why}; its rows were retired from the store")
        )
