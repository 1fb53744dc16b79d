"""What the faster sync must keep: timesheets checked against this run's catalog and
scopes wherever they sit in the folder, each file read and reported once, rows deleted
from the right tables."""

from __future__ import annotations

from pathlib import Path

from test_sync_engine import entry, make_workspace, rows_of, timesheet

from psos_xl import models as m
from psos_xl.sync import run_sync, sql
from psos_xl.sync import store as st
from psos_xl.sync.scan import read_workbook


def test_every_fact_table_belongs_to_one_kind() -> None:
    tables = [t for kind in sql.KIND_TABLES.values() for t in kind]
    assert sorted(t.name for t in tables) == sorted(t.name for t in st.FACT_TABLES)
    assert set(sql.KIND_TABLES) == {k.value for k in m.Kind}


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


def test_a_deferred_read_stops_at_the_marker(tmp_path: Path) -> None:
    path = timesheet(tmp_path / "alm.xlsx", [entry(0, "BETA-01", "B1", "SA", 7)])
    light = read_workbook(str(path), "alm.xlsx", defer="timesheet")
    assert (light.state, light.kind, light.model) == ("deferred", "timesheet", None)
    full = read_workbook(str(path), "alm.xlsx")
    assert full.state == "ok" and isinstance(full.model, m.Timesheet)
    assert full.sha256 == light.sha256


def test_a_timesheet_edited_twice_keeps_one_copy_of_its_rows(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    path = ws / "timesheets" / "alm.xlsx"
    timesheet(path, [entry(0, "BETA-01", "B1", "SA", 7)])
    run_sync(ws)
    timesheet(path, [entry(0, "BETA-01", "B1", "SA", 6), entry(1, "BETA-01", "B1", "SA", 5)])
    run_sync(ws)
    assert sorted(r.hours for r in rows_of(ws)) == [5, 6]
