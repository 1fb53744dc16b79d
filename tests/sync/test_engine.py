"""Sync engine: scan, read, validate, store; rejects, conflicts, retirement, idempotency."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from wb import CATALOG_TABLES, SCOPE_TABLES, TIME_HEADER, make_workbook

from psos_xl import store as st
from psos_xl.errors import Code, Severity
from psos_xl.store import open_store
from psos_xl.sync import engine, run_sync

WEEK = date(2026, 2, 2)  # a Monday after ACME-01's StartDate (2026-02-01)


def scope_tables(engagement: str, status: str, deliverables: list[str], start: str) -> Any:
    tables = copy.deepcopy(SCOPE_TABLES)
    info = tables["ScopeInfo"]
    for row in info:
        if row[0] == "Engagement":
            row[1] = engagement
        elif row[0] == "Status":
            row[1] = status
        elif row[0] == "StartDate":
            row[1] = start
    head = tables["Deliverables"][0]
    tables["Deliverables"] = [head] + [[d, "DISC", d, 1, "Medium", "", "M1"] for d in deliverables]
    tables["Overrides"] = [["Deliverable", "Role", "Hours"]]
    return tables


def make_workspace(root: Path) -> Path:
    """A catalog and two scopes: ACME-01 (Active, D1 D2) and BETA-01 (Active, B1)."""
    (root / "scopes").mkdir(parents=True)
    (root / "timesheets").mkdir()
    make_workbook(root / "catalog.xlsx", "catalog", CATALOG_TABLES)
    make_workbook(
        root / "scopes" / "acme.xlsx",
        "scope",
        scope_tables("ACME-01", "Active", ["D1", "D2"], "2026-02-01"),
    )
    make_workbook(
        root / "scopes" / "beta.xlsx",
        "scope",
        scope_tables("BETA-01", "Active", ["B1"], "2026-01-05"),
    )
    return root


def timesheet(
    path: Path,
    rows: list[list[Any]],
    person: str = "ALM",
    week: date = WEEK,
    header: list[str] | None = None,
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return make_workbook(
        path,
        "timesheet",
        {"Time": [header or TIME_HEADER, *rows]},
        marker={"person": person, "week": week.isoformat()},
    )


def entry(day: int, eng: str, dlv: str, role: str, hours: float, billable: str = "Y") -> list[Any]:
    return [WEEK + timedelta(days=day), eng, dlv, role, hours, billable, ""]


def rows_of(root: Path, table: str = "time_entries") -> list[Any]:
    store = open_store(st.default_url(root))
    try:
        with store.connect() as conn:
            t = st.metadata.tables[table]
            return list(conn.execute(select(t).order_by(t.c.id)))
    finally:
        store.close()


def facts(root: Path) -> dict[str, list[tuple[Any, ...]]]:
    store = open_store(st.default_url(root))
    try:
        return st.dump(store, skip=("sync_runs",))
    finally:
        store.close()


def codes(result: engine.SyncResult) -> list[tuple[str, str]]:
    return [(str(i.code), str(i.location)) for i in result.issues]


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return make_workspace(tmp_path / "firm")


def test_clean_sync_stores_rows_with_lineage(ws: Path) -> None:
    timesheet(ws / "timesheets" / "alm.xlsx", [entry(0, "ACME-01", "D1", "SA", 7.5)])
    result = run_sync(ws)
    assert result.to_json() == {
        "scanned": 4,
        "unchanged": 0,
        "read": 4,
        "skipped": 0,
        "rows": result.rows,
        "rejected_rows": 0,
        "conflicts": 0,
        "missing_timesheets": 0,  # run_sync alone counts no completeness
        "short_weeks": 0,
        "written_back": [],
        "skipped_open": [],
        "issues": [i.to_dict() for i in result.issues],
    }
    assert all(i.severity is not Severity.ERROR for i in result.issues)
    (row,) = rows_of(ws)
    assert (row.person, row.week, row.engagement, row.deliverable, row.role) == (
        "ALM",
        WEEK,
        "ACME-01",
        "D1",
        "SA",
    )
    assert str(row.hours) == "7.5"
    assert (row.path, row.sheet, row.row_num) == ("timesheets/alm.xlsx", "Time", 2)
    assert len(row.sha256) == 64


def test_reordered_and_extra_columns(ws: Path) -> None:
    header = ["Hours", "Comment", "Role", "Date", "Deliverable", "Engagement", "Billable"]
    day = WEEK + timedelta(days=1)
    timesheet(
        ws / "timesheets" / "odd.xlsx",
        [[6, "ignored", "DEV", day, "D2", "ACME-01", "N"]],
        header=header,
    )
    result = run_sync(ws)
    assert not [i for i in result.issues if i.is_error]
    (row,) = rows_of(ws)
    assert (row.date, row.engagement, row.deliverable, row.role, row.billable) == (
        day,
        "ACME-01",
        "D2",
        "DEV",
        False,
    )
    assert str(row.hours) in ("6", "6.0")


def test_conflicted_copy_counts_only_the_first(ws: Path) -> None:
    timesheet(ws / "timesheets" / "b-alm.xlsx", [entry(0, "ACME-01", "D1", "SA", 8)])
    timesheet(
        ws / "timesheets" / "a-alm (conflicted copy).xlsx",
        [entry(0, "ACME-01", "D1", "SA", 5)],
    )
    result = run_sync(ws)
    # both new: the lexicographically first path is counted
    assert [float(r.hours) for r in rows_of(ws)] == [5.0]
    assert result.conflicts == 1
    (issue,) = [i for i in result.issues if i.code is Code.CONFLICTED_COPY]
    assert str(issue.location) == "timesheets/b-alm.xlsx"
    assert "timesheets/a-alm (conflicted copy).xlsx" in issue.message
    assert result.exit_code == 1

    again = run_sync(ws)  # reported on every sync until resolved
    assert again.read == 0 and again.conflicts == 1

    (ws / "timesheets" / "a-alm (conflicted copy).xlsx").unlink()
    resolved = run_sync(ws)
    assert resolved.conflicts == 0
    assert [float(r.hours) for r in rows_of(ws)] == [8.0]
    assert not [i for i in resolved.issues if i.code is Code.CONFLICTED_COPY]


def test_the_copy_already_in_the_store_wins(ws: Path) -> None:
    timesheet(ws / "timesheets" / "z-alm.xlsx", [entry(0, "ACME-01", "D1", "SA", 8)])
    run_sync(ws)
    timesheet(ws / "timesheets" / "a-alm.xlsx", [entry(0, "ACME-01", "D1", "SA", 3)])
    result = run_sync(ws)
    assert [float(r.hours) for r in rows_of(ws)] == [8.0]
    (issue,) = [i for i in result.issues if i.code is Code.CONFLICTED_COPY]
    assert str(issue.location) == "timesheets/a-alm.xlsx"


def test_changing_the_marker_resolves_a_conflict(ws: Path) -> None:
    timesheet(ws / "timesheets" / "a.xlsx", [entry(0, "ACME-01", "D1", "SA", 8)])
    timesheet(ws / "timesheets" / "b.xlsx", [entry(0, "ACME-01", "D1", "SA", 2)])
    run_sync(ws)
    next_week = WEEK + timedelta(days=7)
    timesheet(
        ws / "timesheets" / "a.xlsx",
        [[next_week, "ACME-01", "D1", "SA", 8, "Y", ""]],
        week=next_week,
    )
    result = run_sync(ws)
    assert result.conflicts == 0
    assert sorted(float(r.hours) for r in rows_of(ws)) == [2.0, 8.0]


def test_truncated_workbook_keeps_its_last_good_rows(ws: Path) -> None:
    path = timesheet(ws / "timesheets" / "alm.xlsx", [entry(0, "ACME-01", "D1", "SA", 7)])
    run_sync(ws)
    good = path.read_bytes()
    path.write_bytes(good[: len(good) // 2])  # half-written

    broken = run_sync(ws)
    assert [float(r.hours) for r in rows_of(ws)] == [7.0]
    assert ("FILE_UNREADABLE", "timesheets/alm.xlsx") in codes(broken)
    assert broken.exit_code == 1
    again = run_sync(ws)  # its stat was not recorded as read: retried, still reported
    assert (again.read, again.skipped, again.unchanged) == (0, 1, again.scanned - 1)
    assert ("FILE_UNREADABLE", "timesheets/alm.xlsx") in codes(again)

    timesheet(path, [entry(0, "ACME-01", "D1", "SA", 7), entry(1, "ACME-01", "D2", "DEV", 3)])
    fixed = run_sync(ws)
    assert sorted(float(r.hours) for r in rows_of(ws)) == [3.0, 7.0]
    assert "FILE_UNREADABLE" not in [c for c, _ in codes(fixed)]
    (rec,) = [r for r in rows_of(ws, "workbooks") if r.path == "timesheets/alm.xlsx"]
    assert rec.status == "ok"


def test_missing_table_keeps_last_good_rows(ws: Path) -> None:
    path = timesheet(ws / "timesheets" / "alm.xlsx", [entry(0, "ACME-01", "D1", "SA", 7)])
    run_sync(ws)
    make_workbook(
        path, "timesheet", {"Notes": [["x"], [1]]}, marker={"person": "ALM", "week": WEEK}
    )
    result = run_sync(ws)
    assert [float(r.hours) for r in rows_of(ws)] == [7.0]
    assert "TABLE_MISSING" in [c for c, _ in codes(result)]
    assert run_sync(ws).read == 0  # recorded as read: not reopened until it changes


def test_deleted_workbook_is_retired(ws: Path) -> None:
    path = timesheet(ws / "timesheets" / "alm.xlsx", [entry(0, "ACME-01", "D1", "SA", 7)])
    run_sync(ws)
    path.unlink()
    result = run_sync(ws)
    assert rows_of(ws) == []
    assert result.retired == ["timesheets/alm.xlsx"]
    assert ("WORKBOOK_RETIRED", "timesheets/alm.xlsx") in codes(result)
    (rec,) = [r for r in rows_of(ws, "workbooks") if r.path == "timesheets/alm.xlsx"]
    assert rec.status == "retired" and rec.retired_at is not None
    assert run_sync(ws).retired == []


def test_lock_and_temp_files_are_never_read(ws: Path) -> None:
    real = timesheet(ws / "timesheets" / "alm.xlsx", [entry(0, "ACME-01", "D1", "SA", 7)])
    (ws / "timesheets" / "~$alm.xlsx").write_bytes(real.read_bytes())  # a real workbook
    (ws / "timesheets" / ".~lock.alm.xlsx#").write_text("ALM,host,2026")
    (ws / ".psos").mkdir(exist_ok=True)
    (ws / ".psos" / "old.xlsx").write_bytes(real.read_bytes())
    result = run_sync(ws)
    assert result.scanned == 4
    assert [r.path for r in rows_of(ws)] == ["timesheets/alm.xlsx"]
    assert all("~" not in r.path and ".psos" not in r.path for r in rows_of(ws, "workbooks"))


def test_workbooks_found_by_marker_not_by_name(ws: Path) -> None:
    timesheet(ws / "scopes" / "catalog-like-name.xlsx", [entry(0, "ACME-01", "D1", "SA", 4)])
    make_workbook(ws / "timesheets" / "report.xlsx", None, {"Time": [TIME_HEADER]})
    result = run_sync(ws)
    assert [r.path for r in rows_of(ws)] == ["scopes/catalog-like-name.xlsx"]
    recs = {r.path: r.status for r in rows_of(ws, "workbooks")}
    assert recs["timesheets/report.xlsx"] == "ignored"
    assert not [i for i in result.issues if str(i.location).startswith("timesheets/report")]
    assert run_sync(ws).read == 0


def test_second_sync_reads_nothing_and_changes_nothing(
    ws: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    timesheet(
        ws / "timesheets" / "alm.xlsx",
        [entry(0, "ACME-01", "D1", "SA", 7), entry(1, "NOPE", "X", "SA", 1)],
    )
    timesheet(ws / "timesheets" / "bob.xlsx", [entry(0, "BETA-01", "B1", "DEV", 8)], person="BOB")
    first = run_sync(ws)
    before = facts(ws)

    def no_reading(*args: Any) -> Any:
        raise AssertionError("a file was read")

    monkeypatch.setattr(engine, "read_workbook", no_reading)
    monkeypatch.setattr(engine, "sha256_of", no_reading)
    second = run_sync(ws)
    assert (second.read, second.rows, second.unchanged) == (0, 0, 5)
    assert facts(ws) == before
    assert second.issues == first.issues  # rejects are reported on every sync
    runs = rows_of(ws, "sync_runs")
    assert [r.status for r in runs] == ["issues", "issues"]


def test_touched_file_with_same_content_is_not_reread(ws: Path) -> None:
    path = timesheet(ws / "timesheets" / "alm.xlsx", [entry(0, "ACME-01", "D1", "SA", 7)])
    run_sync(ws)
    st_before = path.stat()
    import os

    os.utime(path, ns=(st_before.st_atime_ns, st_before.st_mtime_ns + 5_000_000_000))
    result = run_sync(ws)
    assert (result.read, result.unchanged) == (0, 4)
    (rec,) = [r for r in rows_of(ws, "workbooks") if r.path == "timesheets/alm.xlsx"]
    assert rec.mtime_ns == st_before.st_mtime_ns + 5_000_000_000
    assert run_sync(ws).unchanged == 4


def test_rejects_kept_with_exact_locations_and_cleared_once_fixed(ws: Path) -> None:
    path = timesheet(
        ws / "timesheets" / "alm.xlsx",
        [
            entry(0, "ACME-01", "D1", "SA", 7),
            entry(1, "ACME-01", "D1", "SA", "seven"),
            entry(2, "ACME-01", "D2", "SA", 30),
        ],
    )
    result = run_sync(ws)
    assert [float(r.hours) for r in rows_of(ws)] == [7.0]  # valid rows still go in
    assert ("NOT_A_NUMBER", "timesheets/alm.xlsx!Time!E3") in codes(result)
    assert ("HOURS_OUT_OF_RANGE", "timesheets/alm.xlsx!Time!E4") in codes(result)
    assert result.rejected_rows == 2
    rejects = rows_of(ws, "rejects")
    assert {(r.location, r.code) for r in rejects} >= {
        ("timesheets/alm.xlsx!Time!E3", "NOT_A_NUMBER"),
        ("timesheets/alm.xlsx!Time!E4", "HOURS_OUT_OF_RANGE"),
    }
    assert all(r.first_seen_run == 1 for r in rejects)
    assert run_sync(ws).rejected_rows == 2  # reported until fixed

    timesheet(
        path,
        [
            entry(0, "ACME-01", "D1", "SA", 7),
            entry(1, "ACME-01", "D1", "SA", 7),
            entry(2, "ACME-01", "D2", "SA", 3),
        ],
    )
    fixed = run_sync(ws)
    assert fixed.rejected_rows == 0
    assert not [i for i in fixed.issues if i.is_error]
    assert rows_of(ws, "rejects") == [] or all(
        r.severity != "error" for r in rows_of(ws, "rejects")
    )
    assert sorted(float(r.hours) for r in rows_of(ws)) == [3.0, 7.0, 7.0]


def test_store_aware_checks(ws: Path) -> None:
    timesheet(
        ws / "timesheets" / "alm.xlsx",
        [
            entry(0, "ACME-01", "D1", "SA", 1),  # row 2: fine
            entry(0, "NOPE-99", "D1", "SA", 1),  # row 3: unknown engagement
            entry(0, "ACME-01", "B1", "SA", 1),  # row 4: BETA-01's deliverable
            entry(0, "ACME-01", "D1", "QA", 1),  # row 5: unknown role
            entry(0, "LEAVE", "", "SA", 4, "N"),  # row 6: reserved, fine
            entry(0, "INTERNAL", "", "SA", 1, "N"),  # row 7: reserved, fine
        ],
    )
    early = WEEK - timedelta(days=7)  # 2026-01-26, before ACME-01's StartDate
    timesheet(
        ws / "timesheets" / "alm-early.xlsx",
        [[early, "ACME-01", "D1", "SA", 2, "Y", ""], [early, "BETA-01", "B1", "SA", 2, "Y", ""]],
        week=early,
    )
    result = run_sync(ws)
    found = codes(result)
    assert ("UNKNOWN_ENGAGEMENT", "timesheets/alm.xlsx!Time!B3") in found
    assert ("DELIVERABLE_NOT_IN_ENGAGEMENT", "timesheets/alm.xlsx!Time!C4") in found
    assert ("UNKNOWN_ROLE", "timesheets/alm.xlsx!Time!D5") in found
    assert ("DATE_BEFORE_START", "timesheets/alm-early.xlsx!Time!A2") in found
    assert found.count(("UNKNOWN_ROLE", "timesheets/alm.xlsx!Time!D5")) == 1
    (other,) = [i for i in result.issues if i.code is Code.DELIVERABLE_NOT_IN_ENGAGEMENT]
    assert "BETA-01" in other.message
    kept = sorted((r.path, r.row_num) for r in rows_of(ws))
    assert kept == [
        ("timesheets/alm-early.xlsx", 3),
        ("timesheets/alm.xlsx", 2),
        ("timesheets/alm.xlsx", 6),
        ("timesheets/alm.xlsx", 7),
    ]


def test_timesheets_rechecked_when_their_scope_changes(ws: Path) -> None:
    make_workbook(
        ws / "scopes" / "gamma.xlsx",
        "scope",
        scope_tables("GAMMA-01", "Draft", ["G1"], "2026-01-01"),
    )
    timesheet(ws / "timesheets" / "alm.xlsx", [entry(0, "GAMMA-01", "G1", "SA", 5)])
    result = run_sync(ws)
    assert ("ENGAGEMENT_NOT_BOOKABLE", "timesheets/alm.xlsx!Time!B2") in codes(result)
    assert rows_of(ws) == []

    make_workbook(
        ws / "scopes" / "gamma.xlsx",
        "scope",
        scope_tables("GAMMA-01", "Sold", ["G1"], "2026-01-01"),
    )
    sold = run_sync(ws)
    assert [float(r.hours) for r in rows_of(ws)] == [5.0]
    assert sold.rejected_rows == 0
    assert run_sync(ws).read == 0

    # the deliverable is renamed: the booked row is rejected again, nothing double counted
    make_workbook(
        ws / "scopes" / "gamma.xlsx",
        "scope",
        scope_tables("GAMMA-01", "Sold", ["G2"], "2026-01-01"),
    )
    renamed = run_sync(ws)
    assert rows_of(ws) == []
    assert ("DELIVERABLE_NOT_IN_ENGAGEMENT", "timesheets/alm.xlsx!Time!C2") in codes(renamed)


def test_catalog_first_then_scopes_then_timesheets(ws: Path) -> None:
    """A new role and a new timesheet using it, in the same run: the row goes in."""
    tables = copy.deepcopy(CATALOG_TABLES)
    tables["Roles"].append(["QA", "Tester", 50, 90, "EUR", "2025-01-01"])
    make_workbook(ws / "catalog.xlsx", "catalog", tables)
    timesheet(ws / "timesheets" / "a.xlsx", [entry(0, "ACME-01", "D1", "QA", 2)])
    result = run_sync(ws)
    assert [r.role for r in rows_of(ws)] == ["QA"]
    assert result.rejected_rows == 0


def test_progress_and_exit_code(ws: Path) -> None:
    seen: list[tuple[int, int, str]] = []
    result = run_sync(ws, progress=lambda done, total, path: seen.append((done, total, path)))
    assert [s[:2] for s in seen] == [(1, 3), (2, 3), (3, 3)]
    assert {s[2] for s in seen} == {"catalog.xlsx", "scopes/acme.xlsx", "scopes/beta.xlsx"}
    assert (result.issues, result.exit_code) == ([], 0)


def test_removing_the_marker_retires_the_rows(ws: Path) -> None:
    path = timesheet(ws / "timesheets" / "alm.xlsx", [entry(0, "ACME-01", "D1", "SA", 7)])
    run_sync(ws)
    make_workbook(path, None, {"Time": [TIME_HEADER, entry(0, "ACME-01", "D1", "SA", 7)]})
    result = run_sync(ws)
    assert rows_of(ws) == []
    assert ("WORKBOOK_RETIRED", "timesheets/alm.xlsx") in codes(result)
    assert result.exit_code == 0  # an INFO issue is not a problem


def test_after_store_hook_sees_the_result_and_the_store(ws: Path) -> None:
    seen: list[tuple[int, int]] = []

    def hook(result: engine.SyncResult, store: st.Store) -> None:
        with store.connect() as conn:
            seen.append((result.read, len(conn.execute(select(st.scopes)).all())))
        result.written_back.append("scopes/acme.xlsx")

    result = run_sync(ws, after_store=hook)
    assert seen == [(3, 2)]
    assert result.to_json()["written_back"] == ["scopes/acme.xlsx"]
