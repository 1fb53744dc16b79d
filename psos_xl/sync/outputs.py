"""Write-back: what the store now knows, into the workbooks people read (DESIGN §8).

Runs as the engine's ``after_store`` step, under the sync lock, once the store is up to
date. Two tables are written, both owned by psos (DESIGN §11): a workbook that lacks
one gets it added, on a sheet laid out like the template's, and every cell written
takes its column's number format (:class:`~psos_xl.workbook.owned.OwnedTable`; the
Alert column is coloured by :data:`ALERT_HIGHLIGHT`):

- the catalog's **Actuals**: :func:`psos_xl.learning.calibrate` over the deliveries of
  Completed engagements, one row per Services SKU × role (percentages as fractions);
- each Sold, Active or Completed scope's **Delivery**: one row per line of its
  engagement ledger (:mod:`psos_xl.economics.ledger`, as of today: estimates with the
  Actuals just computed for P50/P80 scopes, every valid time row), BaselineHours,
  EstimatedHours, ActualHours, BurnPct = Actual ÷ Estimated as a fraction rounded to 4
  decimals (empty when there is no estimate), EACHours (estimate at completion) and
  Alert (:func:`psos_xl.economics.burn.alert`):

  ======================  =================================================
  Alert                   when
  ======================  =================================================
  (empty)                 BurnPct below 0.80 and EAC cost within the baseline
  ``≥80%``                0.80 ≤ BurnPct < 0.90
  ``≥90%``                0.90 ≤ BurnPct < 1.00
  ``≥100%``               BurnPct ≥ 1.00: the estimate is used up or overrun
  ``EAC over budget``     the line's EAC cost exceeds its baseline cost and
                          BurnPct is below 1.00 (it outranks ≥80 %, ≥90 %
                          and ``no estimate``)
  ``no estimate``         hours booked on a line with no (or zero) estimate
  ======================  =================================================

Idempotent: the outputs are recomputed on every sync (in memory, cheap) and handed to
:func:`~psos_xl.sync.writeback.write_table`, which writes nothing when the table already
holds the rows. An Actuals row whose values did not change keeps its old UpdatedAt, so
a sync with no news rewrites no file. Recomputing every time is also what retries a
workbook that was open last time: nothing has to remember it.

Safe: only workbooks whose last read was good (status ``ok``) are written, and only when
their bytes still hash to what sync read (``expected_sha256``); a workbook saved since
is refused (WORKBOOK_CHANGED) and marked dirty so the next sync reads it, an open one is
skipped (WORKBOOK_OPEN, listed in ``skipped_open``) and written by a later sync. After a
write the new size, mtime and hash are recorded in the store, so the next sync (and the
watcher) do not take psos' own write for a user's change.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from psos_xl import models as m
from psos_xl import store as st
from psos_xl.economics.burn import NO_ESTIMATE as NO_ESTIMATE
from psos_xl.economics.burn import THRESHOLDS, alert, burn_pct, over_budget
from psos_xl.economics.ledger import LedgerLine, ledger
from psos_xl.errors import Issue, PsosError, sort_issues
from psos_xl.learning import Delivery, calibrate, delivered
from psos_xl.pricing.booked import Booking
from psos_xl.store import queries as q
from psos_xl.store.ledger_queries import bookings_through
from psos_xl.store.queries import Hours, Target
from psos_xl.sync.baselines import record_baselines
from psos_xl.sync.checks import BOOKABLE
from psos_xl.sync.completeness import count_gaps
from psos_xl.sync.engine import AfterStore, Progress, SyncResult, run_sync
from psos_xl.sync.quick import quick_sync
from psos_xl.sync.quick import store_url_of as store_url_of
from psos_xl.sync.scan import sha256_of
from psos_xl.sync.trust_tables import approval_writes, quote_writes, revision_writes
from psos_xl.sync.writeback import WriteResult, write_table
from psos_xl.workbook import spec
from psos_xl.workbook.owned import AMBER, ORANGE, RED, Highlight, OwnedTable
from psos_xl.workbook.patch import CellValue
from psos_xl.workbook.styles import table_help
from psos_xl.workspace import Workspace, path_at

# the Alert column's colours, the first that matches: red, orange, amber
OVER_BUDGET = "over budget"  # matched inside the Alert text ("EAC over budget")
ALERT_HIGHLIGHT = Highlight(
    "Alert",
    (
        ((THRESHOLDS[0][1], OVER_BUDGET), RED),
        ((THRESHOLDS[1][1],), ORANGE),
        ((THRESHOLDS[2][1],), AMBER),
    ),
)


def timestamp(now: datetime | None = None) -> str:
    """UpdatedAt as written: UTC, to the second, ``2026-10-12T08:00:00Z``."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# --- what the store holds ---------------------------------------------------------------


@dataclass
class Snapshot:
    """What the write-back needs from the store (read in one connection through
    :mod:`psos_xl.store.queries`), and the deliveries calibration learns from."""

    catalog: m.Catalog | None = None
    catalog_target: Target | None = None
    scopes: list[tuple[Target, m.Scope]] = field(default_factory=list)
    hours: Hours = field(default_factory=dict)
    bookings: list[Booking] = field(default_factory=list)  # of the bookable scopes
    deliveries: list[Delivery] = field(default_factory=list)
    bookable: dict[str, m.Scope] = field(default_factory=dict)  # every one, by engagement
    targets: dict[str, Target] = field(default_factory=dict)  # every writable workbook
    scope_paths: dict[str, str] = field(default_factory=dict)  # engagement → its scope


def snapshot(store: st.Store) -> Snapshot:
    """Read what the write-back needs from the store: the catalog, the bookable scopes,
    the hours booked on them, and where each may be written."""
    with store.connect() as conn:
        targets = q.writeback_targets(conn)
        paths = q.scope_paths(conn)
        catalog = q.load_catalog(conn)
        scopes = q.load_scopes(conn, BOOKABLE)
        hours = q.booked_hours(conn, list(scopes))
        booked = bookings_through(conn, list(scopes))
    snap = Snapshot(
        catalog=catalog,
        hours=hours,
        bookings=booked,
        bookable=scopes,
        targets=targets,
        scope_paths=paths,
    )
    if catalog is not None:
        snap.catalog_target = targets.get(catalog.workbook)
        snap.deliveries = delivered(catalog, scopes.values(), hours)
    for scope in scopes.values():
        target = targets.get(scope.workbook)
        if target is not None:
            snap.scopes.append((target, scope))
    snap.scopes.sort(key=lambda pair: pair[0].rel)
    return snap


# --- the tables ---------------------------------------------------------------------------


def _actual_key(row: m.ActualRow, columns: Sequence[spec.Column]) -> tuple[Any, ...]:
    return tuple(getattr(row, c.field) for c in columns if c.field != "updated_at")


def keep_updated_at(
    new: list[m.ActualRow],
    old: Sequence[m.ActualRow],
    columns: Sequence[spec.Column] = spec.ACTUALS.columns,
) -> list[m.ActualRow]:
    """``new`` with each unchanged row's UpdatedAt taken from ``old`` (same SKU × role,
    equal values in the ``columns`` written): a row says when it last changed, and a sync
    with no news writes the very bytes that are there."""
    before = {(r.sku, r.role): r for r in old}
    out: list[m.ActualRow] = []
    for row in new:
        prev = before.get((row.sku, row.role))
        if (
            prev is not None
            and prev.updated_at
            and _actual_key(prev, columns) == _actual_key(row, columns)
        ):
            row = row.model_copy(update={"updated_at": prev.updated_at})
        out.append(row)
    return out


@dataclass(frozen=True)
class OldActuals:
    """The catalog's Actuals table as it is: its rows, and the columns psos writes into it
    (all of them: an older table that lacks one gains it at its right,
    :mod:`psos_xl.workbook.tablecols`)."""

    rows: list[m.ActualRow]
    columns: tuple[spec.Column, ...] = spec.ACTUALS.columns


def _old_actuals(path: Path) -> OldActuals:
    """The Actuals rows the catalog holds now (none when it cannot be read)."""
    from psos_xl.workbook.reader import open_book
    from psos_xl.workbook.readers import _build

    book, issues = open_book(path)
    if book.workbook is None:
        return OldActuals([])
    table = book.table(spec.ACTUALS, issues)
    try:
        return OldActuals(_build(m.ActualRow, table))
    except Exception:  # a hand-edited row the model rejects: rewritten with fresh stamps
        return OldActuals([])


def delivery_rows(lines: Sequence[LedgerLine]) -> list[m.DeliveryRow]:
    """A scope's Delivery rows, one per line of its ledger (:mod:`psos_xl.economics.ledger`,
    in its order): BaselineHours as sold (empty before a baseline), EstimatedHours,
    ActualHours, BurnPct = Actual ÷ Estimated, EACHours and the Alert
    (:func:`psos_xl.economics.burn.alert`: ``EAC over budget`` when the line's EAC cost
    exceeds its baseline cost, unless BurnPct has crossed 100 %)."""
    rows: list[m.DeliveryRow] = []
    for line in lines:
        burn = burn_pct(line.actual_hours, line.estimated_hours)
        rows.append(
            m.DeliveryRow(
                deliverable=line.deliverable,
                role=line.role,
                baseline_hours=line.baseline_hours,
                estimated_hours=line.estimated_hours,
                actual_hours=line.actual_hours,
                burn_pct=burn,
                eac_hours=line.eac_hours,
                alert=alert(
                    burn, line.actual_hours, over_budget(line.eac_cost, line.baseline_cost)
                ),
            )
        )
    return rows


def delivery_table(scope: m.Scope) -> OwnedTable:
    """The scope's Delivery table as psos writes it (and adds it, titled as the scope
    template titles it, when the scope has none)."""
    info = scope.info
    heading = f"Scope {info.engagement or '(new)'}" + (f" · {info.title}" if info.title else "")
    return OwnedTable(
        spec.DELIVERY,
        f"{heading} · Delivery",
        table_help(spec.DELIVERY),
        highlights=(ALERT_HIGHLIGHT,),
    )


def cells_of(table: spec.TableSpec, rows: Sequence[m.Row]) -> list[list[CellValue]]:
    return [[getattr(r, c.field) for c in table.columns] for r in rows]


# --- writing -------------------------------------------------------------------------------


def _record_write(store: st.Store, root: Path, rel: str, written_sha: str) -> None:
    """Record the stat and hash of psos' own write, so the next sync does not read it.

    The stat is taken around a re-hash: a user's save landing in between would otherwise
    be recorded as psos' write and skipped; then nothing is recorded and the next sync
    reads the file as it would any change.
    """
    path = path_at(root, rel)
    try:
        before = path.stat()
        sha = sha256_of(path)
        after = path.stat()
    except OSError:
        return
    same_stat = (before.st_size, before.st_mtime_ns) == (after.st_size, after.st_mtime_ns)
    if sha != written_sha or not same_stat:
        return
    wb = st.workbooks
    with store.begin() as conn:
        conn.execute(
            update(wb)
            .where(wb.c.path == rel, wb.c.sha256 != written_sha)
            .values(size=after.st_size, mtime_ns=after.st_mtime_ns, sha256=written_sha)
        )


def _mark_dirty(store: st.Store, rel: str) -> None:
    with store.begin() as conn:
        conn.execute(update(st.workbooks).where(st.workbooks.c.path == rel).values(dirty=True))


def quiet(result: SyncResult, store: st.Store) -> bool:
    """Whether the write-back has nothing to do: this run read and retired nothing (so
    the store holds what it held), and the run before it finished its write-back with
    nothing left over (no workbook skipped as open or changed, no write issue). A run
    killed, failed or without a write-back counts as leaving work."""
    if result.read or result.retired:
        return False
    runs = st.sync_runs
    with store.connect() as conn:
        counts = conn.execute(
            select(runs.c.counts)
            .where(runs.c.id < result.run_id)
            .order_by(runs.c.id.desc())
            .limit(1)
        ).first()
    if counts is None or not counts.counts:
        return False
    try:
        pending: object = json.loads(counts.counts).get("pending", 1)
    except (ValueError, AttributeError):
        return False
    return pending == 0


@dataclass
class WriteBack:
    """The engine's ``after_store`` step for the workspace at ``root``."""

    root: Path
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    results: list[WriteResult] = field(default_factory=list)
    pending: bool = False  # a workbook refused as changed since it was read
    # the hash of each workbook this write-back wrote: a second table written into it
    # expects the file as it left the first write, not as sync read it
    written: dict[str, str] = field(default_factory=dict)

    def __call__(self, result: SyncResult, store: st.Store) -> None:
        self._count_gaps(result, store)
        if quiet(result, store):
            result.writeback_pending = False  # as the run before left it: nothing to do
            return
        snap = snapshot(store)
        issues: list[Issue] = []
        catalog = snap.catalog
        if catalog is None:
            result.writeback_pending = False  # a catalog arriving is read, and written
            return
        baselines = record_baselines(store, catalog, snap.bookable).baselines
        stamp = timestamp(self.now())
        rows = calibrate(catalog, snap.deliveries, stamp)
        target = snap.catalog_target
        if target is not None:
            old = _old_actuals(path_at(self.root, target.rel))
            rows = keep_updated_at(rows, old.rows, old.columns)
            cells = [[getattr(r, c.field) for c in old.columns] for r in rows]
            headers = [c.header for c in old.columns]
            owned = OwnedTable(spec.ACTUALS, "Catalog · Actuals", table_help(spec.ACTUALS))
            self._write(result, store, target, owned, cells, issues, headers)
        # estimates use the Actuals as they now stand, as pricing will from now on
        priced = catalog.model_copy(update={"actuals": rows})
        today = self.now().astimezone(UTC).date()
        scoped = [scope for _, scope in snap.scopes]
        lines: dict[str, list[LedgerLine]] = {}
        for line in ledger(priced, scoped, baselines, snap.bookings, today):
            lines.setdefault(line.engagement, []).append(line)
        for target, scope in snap.scopes:
            found = lines.get(scope.info.engagement, [])
            cells = cells_of(spec.DELIVERY, delivery_rows(found))
            self._write(result, store, target, delivery_table(scope), cells, issues)
        for write in [
            *revision_writes(store, snap.targets, snap.scope_paths),
            *approval_writes(store, snap.targets),
            *quote_writes(store, today, snap.targets, snap.scope_paths),
        ]:
            self._write(result, store, write.target, write.owned, write.rows, issues)
        if issues:
            result.issues = sort_issues([*result.issues, *issues])
        result.writeback_pending = bool(issues or result.skipped_open or self.pending)

    def _count_gaps(self, result: SyncResult, store: st.Store) -> None:
        """Missing timesheets and short weeks as of today, for the summary."""
        today = self.now().astimezone(UTC).date()
        try:
            track_from = Workspace.load(self.root).track_from
        except PsosError:
            track_from = None  # a broken psos.toml: the command that loads it says why
        result.missing_timesheets, result.short_weeks = count_gaps(store, today, track_from)
        result.counted_week = (today - timedelta(days=today.weekday())).toordinal()

    def _write(
        self,
        result: SyncResult,
        store: st.Store,
        target: Target,
        owned: OwnedTable,
        rows: list[list[CellValue]],
        issues: list[Issue],
        headers: list[str] | None = None,
    ) -> None:
        path = path_at(self.root, target.rel)
        target = Target(target.rel, self.written.get(target.rel, target.sha256))
        table = owned.spec
        names = table.headers if headers is None else headers
        done = write_table(
            path, table.name, names, rows, expected_sha256=target.sha256, owned=owned
        )
        self.results.append(done)
        if done.status == "written":
            self.written[target.rel] = done.sha256
            _record_write(store, self.root, target.rel, done.sha256)
            if target.rel not in result.written_back:  # two tables, one workbook written
                result.written_back.append(target.rel)
            return
        if done.status == "unchanged":
            return
        if done.status == "open":
            result.skipped_open.append(target.rel)
        elif done.status == "changed":
            self.pending = True
            _mark_dirty(store, target.rel)
        issue = done.issue(target.rel)
        if issue is not None:
            issues.append(issue)


def write_back(root: Path) -> AfterStore:
    """The ``after_store`` hook that writes Actuals and Delivery for ``root``."""
    return WriteBack(root.resolve())


def sync_workspace(
    root: Path,
    store_url: str | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    lock_timeout: float = 30.0,
    *,
    quick: bool = True,
) -> SyncResult:
    """Sync the workspace at ``root`` and write the actuals back (the one-call API).

    ``run_sync`` with :func:`write_back` as its ``after_store`` step, unless ``quick``
    and :func:`~psos_xl.sync.quick.quick_sync` finds nothing to do; raises a PsosError
    when the sync cannot run (see :func:`~psos_xl.sync.engine.run_sync`).
    """
    if quick:
        done = quick_sync(root, store_url, lock_timeout)
        if done is not None:
            return done
    return run_sync(
        root,
        store_url_of(root, store_url),
        workers,
        progress,
        lock_timeout=lock_timeout,
        after_store=write_back(root),
    )
