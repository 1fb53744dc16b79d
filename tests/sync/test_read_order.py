"""What the faster sync must keep: timesheets checked against this run's catalog and
scopes wherever they sit in the folder, each file read and reported once, rows deleted
from the right tables."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from wb import make_workbook

from psos_xl import models as m
from psos_xl import store as st
from psos_xl.errors import Code
from psos_xl.sync import engine, run_sync
from psos_xl.sync.scan import ReadOutcome
from sync.test_engine import entry, facts, make_workspace, rows_of, timesheet


def test_every_fact_table_belongs_to_one_kind() -> None:
    tables = [t for kind in st.KIND_TABLES.values() for t in kind]
    assert sorted(t.name for t in tables) == sorted(t.name for t in st.FACT_TABLES)
    assert set(st.KIND_TABLES) == {k.value for k in m.Kind}


def test_a_timesheet_sorting_before_the_catalog_is_checked_against_it(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    timesheet(ws / "a-first.xlsx", [entry(0, "BETA-01", "B1", "SA", 7)])
    result = run_sync(ws)
    assert result.issues == []
    assert [(r.path, r.engagement) for r in rows_of(ws)] == [("a-first.xlsx", "BETA-01")]


def test_each_file_is_read_and_reported_once(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    timesheet(ws / "timesheets" / "alm.xlsx", [entry(0, "BETA-01", "B1", "SA", 7)])
    timesheet(ws / "bob.xlsx", [entry(0, "BETA-01", "B1", "DEV", 8)], person="BOB")
    seen: list[tuple[int, int, str]] = []
    result = run_sync(ws, progress=lambda done, total, path: seen.append((done, total, path)))
    assert [s[:2] for s in seen] == [(i, 5) for i in range(1, 6)]
    assert sorted(s[2] for s in seen) == sorted(
        ["catalog.xlsx", "scopes/acme.xlsx", "scopes/beta.xlsx", "timesheets/alm.xlsx", "bob.xlsx"]
    )
    assert (result.read, len(rows_of(ws))) == (5, 2)


def test_a_timesheet_edited_twice_keeps_one_copy_of_its_rows(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    path = ws / "timesheets" / "alm.xlsx"
    timesheet(path, [entry(0, "BETA-01", "B1", "SA", 7)])
    run_sync(ws)
    timesheet(path, [entry(0, "BETA-01", "B1", "SA", 6), entry(1, "BETA-01", "B1", "SA", 5)])
    run_sync(ws)
    assert sorted(r.hours for r in rows_of(ws)) == [5, 6]


def test_new_copies_count_the_first_path_whatever_the_read_order(tmp_path: Path) -> None:
    """``scopes/acme.xlsx`` is read before ``a-acme.xlsx`` (its path says scope), yet
    ``a-acme.xlsx`` sorts first: it is counted, and the other is the copy."""
    ws = make_workspace(tmp_path / "ws")
    shutil.copy(ws / "scopes" / "acme.xlsx", ws / "a-acme.xlsx")
    timesheet(ws / "timesheets" / "alm.xlsx", [entry(0, "ACME-01", "D1", "SA", 7)])
    result = run_sync(ws)
    (issue,) = [i for i in result.issues]
    assert (issue.code, str(issue.location)) == (Code.CONFLICTED_COPY, "scopes/acme.xlsx")
    assert "a-acme.xlsx is counted" in issue.message
    assert {r.path for r in rows_of(ws, "scopes")} == {"a-acme.xlsx", "scopes/beta.xlsx"}
    assert [r.engagement for r in rows_of(ws)] == ["ACME-01"]
    again = run_sync(ws)
    assert (again.read, again.conflicts) == (0, 1)


def test_a_scope_read_after_its_timesheets_clears_their_rejects(tmp_path: Path) -> None:
    """A scope whose path does not say so is read among the timesheets; the ones read
    before it are read again in the same run and go in clean."""
    ws = make_workspace(tmp_path / "ws")
    (ws / "scopes" / "beta.xlsx").rename(ws / "zz-beta.xlsx")
    timesheet(ws / "timesheets" / "alm.xlsx", [entry(0, "BETA-01", "B1", "SA", 7)])
    seen: list[str] = []
    result = run_sync(ws, progress=lambda done, total, path: seen.append(path))
    assert result.issues == []
    assert [(r.path, r.engagement) for r in rows_of(ws)] == [("timesheets/alm.xlsx", "BETA-01")]
    assert seen.count("timesheets/alm.xlsx") == 2
    assert run_sync(ws).read == 0


def content(root: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every stored row without what depends on when and in which order it was read
    (ids, runs, times)."""
    order_bound = {"id", "workbook_id", "run", "first_seen_run", "last_seen_run"}
    order_bound |= {"last_read_run", "last_read_at", "applied_at"}
    return {
        t: sorted(
            (
                tuple(
                    v
                    for c, v in zip(st.metadata.tables[t].c, row, strict=True)
                    if c.name not in order_bound
                )
                for row in rows
            ),
            key=repr,
        )
        for t, rows in facts(root).items()
    }


def _busy_workspace(root: Path) -> Path:
    """20 timesheets, some with rejected rows, one conflicted copy, and BETA-01's scope
    where its path does not say so (read among the timesheets)."""
    ws = make_workspace(root)
    (ws / "scopes" / "beta.xlsx").rename(ws / "m-beta.xlsx")
    for i in range(20):
        rows = [entry(0, "ACME-01", "D1", "SA", 7), entry(1, "BETA-01", "B1", "DEV", 5)]
        if i % 4 == 0:
            rows.append(entry(2, "NOPE-01", "X1", "SA", 3))  # an unknown engagement
        timesheet(ws / "timesheets" / f"p{i:02}.xlsx", rows, person=f"P{i:02}")
    shutil.copy(ws / "timesheets" / "p03.xlsx", ws / "timesheets" / "p03 copy.xlsx")
    return ws


def test_a_pool_stores_what_one_process_stores(tmp_path: Path) -> None:
    one = _busy_workspace(tmp_path / "one")
    two = Path(shutil.copytree(one, tmp_path / "two"))
    alone = run_sync(one, workers=1)
    pooled = run_sync(two, workers=2)
    # the same rows and issues (how many reads it took depends on who read what first)
    assert pooled.issues == alone.issues
    assert content(two) == content(one)
    assert len(rows_of(two)) == 2 * 20
    assert pooled.rejected_rows == 5 and pooled.conflicts == 1
    assert run_sync(two, workers=2).read == 0


def test_files_that_are_not_psos_workbooks_cost_the_pool_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Excel files without a marker among the timesheets change nothing the pool's
    checks depend on: no timesheet a worker checked is read again here."""
    ws = make_workspace(tmp_path / "ws")
    for i in range(40):
        rows = [entry(0, "ACME-01", "D1", "SA", 7)]
        timesheet(ws / "timesheets" / f"p{i:02}.xlsx", rows, person=f"P{i:02}")
        if i % 4 == 0:
            make_workbook(ws / "timesheets" / f"p{i:02} notes.xlsx", None, {"Notes": [["x"]]})
    checked: list[str] = []
    again: list[str] = []
    store_one, read = engine._Run._store_one, engine.read_workbook

    def storing(run: engine._Run, o: ReadOutcome) -> None:
        if o.checked is not None:
            checked.append(o.rel)
        store_one(run, o)

    def reading(path: str, rel: str) -> ReadOutcome:
        if rel in checked:
            again.append(rel)
        return read(path, rel)

    monkeypatch.setattr(engine._Run, "_store_one", storing)
    monkeypatch.setattr(engine, "read_workbook", reading)
    result = run_sync(ws, workers=3)
    assert result.read == result.scanned == 3 + 40 + 10
    assert checked and again == []
    assert len(rows_of(ws)) == 40
