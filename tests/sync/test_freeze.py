"""Approved and locked time (DESIGN §12): sync keeps what was approved or locked, and
reports each edit at its cell."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from psos_xl.app.trust import TrustError, approve, list_locks, lock
from psos_xl.cli.main import app
from psos_xl.errors import Code
from psos_xl.sync import run_sync
from sync.test_engine import WEEK, entry, make_workspace, rows_of, timesheet

TUE = WEEK + timedelta(days=1)


def booked(root: Path) -> list[tuple[date, str, str]]:
    return sorted((r.date, r.deliverable, str(r.hours.normalize())) for r in rows_of(root))


def issues_of(result: object, code: Code) -> list[tuple[str, str]]:
    return [(str(i.location), i.message) for i in result.issues if i.code is code]  # type: ignore[attr-defined]


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = make_workspace(tmp_path / "firm")
    # rows 2, 3, 4 of the Time sheet: Monday, Tuesday, Wednesday
    timesheet(
        root / "timesheets" / "alm.xlsx",
        [
            entry(0, "ACME-01", "D1", "SA", 8),
            entry(1, "ACME-01", "D1", "SA", 6),
            entry(2, "ACME-01", "D2", "DEV", 4),
        ],
    )
    run_sync(root)
    return root


def test_a_locked_period_keeps_its_rows_and_reports_each_edit(ws: Path) -> None:
    lock(ws, TUE, "Mia")
    timesheet(
        ws / "timesheets" / "alm.xlsx",
        [
            entry(0, "ACME-01", "D1", "SA", 10),  # changed: locked
            entry(2, "ACME-01", "D2", "DEV", 5),  # Tuesday's row removed: locked
            entry(3, "ACME-01", "D2", "DEV", 2),  # after the lock: applied
        ],
    )
    result = run_sync(ws)
    assert booked(ws) == [
        (WEEK, "D1", "8"),
        (TUE, "D1", "6"),
        (WEEK + timedelta(days=2), "D2", "5"),
        (WEEK + timedelta(days=3), "D2", "2"),
    ]
    found = issues_of(result, Code.PERIOD_LOCKED)
    assert [loc for loc, _ in found] == [
        "timesheets/alm.xlsx!Time!E2",
        "timesheets/alm.xlsx!Time!A3",
    ]
    assert "Hours was 8, now 10; time is locked until 2026-02-03" in found[0][1]
    assert "was removed" in found[1][1]
    # nothing changes on the next sync, and the issues stand until the file is put back
    before = booked(ws)
    again = run_sync(ws)
    assert booked(ws) == before
    assert [loc for loc, _ in issues_of(again, Code.PERIOD_LOCKED)] == [loc for loc, _ in found]


def test_a_new_timesheet_for_a_locked_week_adds_nothing(ws: Path) -> None:
    lock(ws, WEEK + timedelta(days=6), "Mia")
    timesheet(ws / "timesheets" / "bob.xlsx", [entry(0, "ACME-01", "D1", "DEV", 8)], person="BOB")
    result = run_sync(ws)
    assert len(rows_of(ws)) == 3
    assert [loc for loc, _ in issues_of(result, Code.PERIOD_LOCKED)] == [
        "timesheets/bob.xlsx!Time!A2"
    ]


def test_an_approved_week_changed_keeps_its_approved_rows_until_approved_again(ws: Path) -> None:
    done = approve(ws, WEEK, "Mia")
    assert [a.person for a in done.approved] == ["ALM"] and done.approved[0].rows == 3
    run_sync(ws)
    assert booked(ws) == [
        (WEEK, "D1", "8"),
        (TUE, "D1", "6"),
        (WEEK + timedelta(days=2), "D2", "4"),
    ]
    edited = [
        entry(0, "ACME-01", "D1", "SA", 8),
        entry(1, "ACME-01", "D1", "SA", 7),
        entry(2, "ACME-01", "D2", "DEV", 4),
    ]
    timesheet(ws / "timesheets" / "alm.xlsx", edited)
    result = run_sync(ws)
    assert (TUE, "D1", "6") in booked(ws)
    found = issues_of(result, Code.CHANGED_AFTER_APPROVAL)
    assert [loc for loc, _ in found] == ["timesheets/alm.xlsx!Time!E3"]
    assert "Hours was 6, now 7; the week was approved by Mia" in found[0][1]
    # approved again: the edit counts, and nothing is reported
    approve(ws, WEEK, "Mia")
    result = run_sync(ws)
    assert (TUE, "D1", "7") in booked(ws)
    assert issues_of(result, Code.CHANGED_AFTER_APPROVAL) == []


def test_the_same_rows_reordered_are_no_change_after_approval(ws: Path) -> None:
    approve(ws, WEEK, "Mia")
    timesheet(
        ws / "timesheets" / "alm.xlsx",
        [
            entry(2, "ACME-01", "D2", "DEV", 4),
            entry(0, "ACME-01", "D1", "SA", 8),
            entry(1, "ACME-01", "D1", "SA", 6),
        ],
    )
    result = run_sync(ws)
    assert issues_of(result, Code.CHANGED_AFTER_APPROVAL) == []
    assert len(rows_of(ws)) == 3


def test_a_lock_never_moves_back_and_is_listed(ws: Path) -> None:
    lock(ws, TUE, "Mia")
    with pytest.raises(TrustError, match="already locked until 2026-02-03"):
        lock(ws, WEEK, "Bo")
    lock(ws, TUE + timedelta(days=7), "Bo")
    listed = list_locks(ws)
    assert listed.until == TUE + timedelta(days=7)
    assert [(k.until, k.locked_by) for k in listed.locks] == [
        (TUE, "Mia"),
        (TUE + timedelta(days=7), "Bo"),
    ]


def test_cli_approve_and_lock(ws: Path) -> None:
    runner = CliRunner()
    out = runner.invoke(app, ["approve", str(ws), "--week", "2026-02-03", "--by", "Mia"])
    assert out.exit_code == 2 and "must be a Monday" in out.output
    out = runner.invoke(
        app, ["approve", str(ws), "--week", "2026-02-02", "--by", "Mia", "--person", "ZED"]
    )
    assert out.exit_code == 1 and "no timesheet of ZED" in out.output
    out = runner.invoke(app, ["approve", str(ws), "--week", "2026-02-02", "--by", "Mia", "--json"])
    assert out.exit_code == 0, out.output
    assert '"person": "ALM"' in out.stdout and '"rows": 3' in out.stdout
    out = runner.invoke(app, ["lock", str(ws), "--until", "2026-02-03", "--by", "Mia"])
    assert out.exit_code == 0 and "Locked until 2026-02-03 by Mia" in out.output
    out = runner.invoke(app, ["lock", str(ws), "--list", "--json"])
    assert '"locked_until": "2026-02-03"' in out.stdout


def test_rows_read_in_worker_processes_are_held_the_same(ws: Path) -> None:
    people = [f"P{n:02d}" for n in range(20)]  # enough files for the reading pool
    for person in people:
        timesheet(
            ws / "timesheets" / f"{person}.xlsx",
            [entry(0, "ACME-01", "D1", "DEV", 8)],
            person=person,
        )
    run_sync(ws, workers=2)
    lock(ws, WEEK, "Mia")
    for person in people:
        timesheet(
            ws / "timesheets" / f"{person}.xlsx",
            [entry(0, "ACME-01", "D1", "DEV", 6), entry(1, "ACME-01", "D1", "DEV", 2)],
            person=person,
        )
    result = run_sync(ws, workers=2)
    mine = [r for r in rows_of(ws) if r.person != "ALM"]
    assert sorted({(r.date, str(r.hours.normalize())) for r in mine}) == [(WEEK, "8"), (TUE, "2")]
    assert len(mine) == 40
    locked = issues_of(result, Code.PERIOD_LOCKED)
    assert len(locked) == 20 and all(loc.endswith("!Time!E2") for loc, _ in locked)


def test_a_locked_timesheet_removed_keeps_its_locked_rows(ws: Path) -> None:
    lock(ws, TUE, "Mia")
    (ws / "timesheets" / "alm.xlsx").unlink()
    result = run_sync(ws)
    assert booked(ws) == [(WEEK, "D1", "8"), (TUE, "D1", "6")]  # Wednesday's row went
    found = issues_of(result, Code.PERIOD_LOCKED)
    assert [loc for loc, _ in found] == ["timesheets/alm.xlsx"]
    assert "its 2 locked rows are kept" in found[0][1]
    assert "timesheets/alm.xlsx" not in result.retired
    # reported on every sync until the file is back; then read as usual
    assert [loc for loc, _ in issues_of(run_sync(ws), Code.PERIOD_LOCKED)] == [
        "timesheets/alm.xlsx"
    ]
    timesheet(
        ws / "timesheets" / "alm.xlsx",
        [entry(0, "ACME-01", "D1", "SA", 8), entry(1, "ACME-01", "D1", "SA", 6)],
    )
    back = run_sync(ws)
    assert issues_of(back, Code.PERIOD_LOCKED) == []
    assert booked(ws) == [(WEEK, "D1", "8"), (TUE, "D1", "6")]


def test_a_deliverables_progress_is_stored(tmp_path: Path) -> None:
    import copy as copying

    from sqlalchemy import select
    from wb import SCOPE_TABLES, make_workbook

    from psos_xl import store as st
    from psos_xl.store import open_store

    root = make_workspace(tmp_path / "firm")
    tabs = copying.deepcopy(SCOPE_TABLES)
    tabs["Deliverables"][0] += ["ChangeOrder", "PercentComplete", "CompletedOn"]
    tabs["Deliverables"][1] += ["", 1, "2026-03-02"]
    tabs["Deliverables"][2] += ["CO-7", 0.4, ""]
    make_workbook(root / "scopes" / "acme.xlsx", "scope", tabs)
    run_sync(root)
    store = open_store(st.default_url(root))
    try:
        with store.connect() as conn:
            d = st.deliverables
            rows = conn.execute(
                select(d.c.deliverable, d.c.change_order, d.c.percent_complete, d.c.completed_on)
                .where(d.c.engagement == "ACME-01")
                .order_by(d.c.deliverable)
            ).all()
    finally:
        store.close()
    assert [tuple(r) for r in rows] == [
        ("D1", "", Decimal(1), date(2026, 3, 2)),
        ("D2", "CO-7", Decimal("0.4"), None),
    ]


def approval_table(path: Path) -> list[list[object]]:
    from python_calamine import CalamineWorkbook

    table = CalamineWorkbook.from_path(str(path), load_tables=True).get_table_by_name("Approval")
    return [list(table.columns), *(list(r) for r in table.to_python())]


def test_the_timesheet_shows_its_approval_and_a_change_after_it(ws: Path) -> None:
    from psos_xl.sync import sync_workspace

    sheet = ws / "timesheets" / "alm.xlsx"
    sync_workspace(ws)
    before = sheet.read_bytes()
    approve(ws, WEEK, "Mia")
    first = sync_workspace(ws)
    assert "timesheets/alm.xlsx" in first.written_back
    [header, row] = approval_table(sheet)
    assert header == ["Status", "By", "At"] and row[:2] == ["Approved", "Mia"]
    assert sheet.read_bytes() != before
    assert sync_workspace(ws).read == 0  # psos' own write is not read as a change
    timesheet(
        sheet,
        [
            entry(0, "ACME-01", "D1", "SA", 8),
            entry(1, "ACME-01", "D1", "SA", 7),
            entry(2, "ACME-01", "D2", "DEV", 4),
        ],
    )
    changed = sync_workspace(ws)
    assert "timesheets/alm.xlsx" in changed.written_back
    assert approval_table(sheet)[1][:2] == ["Changed after approval", "Mia"]
    approve(ws, WEEK, "Bo")
    sync_workspace(ws)
    assert approval_table(sheet)[1][:2] == ["Approved", "Bo"]
