"""Sync keeps a workbook's last good rows when a part of it cannot be read, and a
catalog's or a scope's last good version stays what timesheets are checked against.

A damaged part inside an intact zip used to be stored as read with no rows: a timesheet
lost its rows, a scope its deliverables (every timesheet row on it then rejected as
DELIVERABLE_NOT_IN_ENGAGEMENT), a catalog its roles (UNKNOWN_ROLE everywhere).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from wb import TIME_HEADER, make_workbook

from psos_xl.errors import Code
from psos_xl.sync import run_sync
from psos_xl.workbook.sheetscan import Package
from sync.test_engine import codes, entry, make_workspace, rows_of, timesheet

FLOOD = {str(Code.DELIVERABLE_NOT_IN_ENGAGEMENT), str(Code.UNKNOWN_ROLE)}


def damage_sheet(path: Path, sheet: str) -> None:
    """Zeros in the deflate stream of ``sheet``'s part: the zip itself stays intact."""
    part = Package(path).sheet_part(sheet)
    assert part is not None
    raw = bytearray(path.read_bytes())
    info = zipfile.ZipFile(path).getinfo(part)
    assert info.compress_type == zipfile.ZIP_DEFLATED
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    raw[start + 8 : start + 40] = bytes(32)
    path.write_bytes(bytes(raw))


def deflated(path: Path) -> Path:
    """``path`` with every part deflated (openpyxl stores small ones as they are)."""
    with zipfile.ZipFile(path) as zin:
        parts = [(i, zin.read(i.filename)) for i in zin.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in parts:
            info.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(info, data)
    return path


def statuses(root: Path) -> dict[str, str]:
    return {r.path: r.status for r in rows_of(root, "workbooks")}


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = make_workspace(tmp_path / "firm")
    for p in (root / "catalog.xlsx", root / "scopes" / "acme.xlsx"):
        deflated(p)
    timesheet(
        root / "timesheets" / "alm.xlsx",
        [entry(0, "ACME-01", "D1", "SA", 7), entry(1, "ACME-01", "D2", "DEV", 3)],
    )
    timesheet(root / "timesheets" / "bob.xlsx", [entry(0, "BETA-01", "B1", "PM", 5)], "BOB")
    first = run_sync(root)
    assert not [i for i in first.issues if i.is_error]
    return root


def hours(root: Path) -> list[float]:
    return sorted(float(r.hours) for r in rows_of(root))


def test_a_timesheet_with_a_damaged_sheet_keeps_its_last_good_rows(ws: Path) -> None:
    path = deflated(ws / "timesheets" / "alm.xlsx")
    damage_sheet(path, "Time")
    result = run_sync(ws)
    assert hours(ws) == [3.0, 5.0, 7.0]
    assert [c for c in codes(result) if c[1].startswith("timesheets/alm")] == [
        ("FILE_UNREADABLE", "timesheets/alm.xlsx")
    ]
    assert statuses(ws)["timesheets/alm.xlsx"] == "unreadable"
    again = run_sync(ws)  # tried again on every sync until it opens
    assert (again.read, again.skipped, again.unchanged) == (0, 1, again.scanned - 1)

    timesheet(path, [entry(0, "ACME-01", "D1", "SA", 6)])
    assert not [i for i in run_sync(ws).issues if i.is_error]
    assert hours(ws) == [5.0, 6.0]


@pytest.mark.parametrize(
    ("workbook", "sheet"), [("scopes/acme.xlsx", "Deliverables"), ("catalog.xlsx", "Roles")]
)
def test_a_damaged_scope_or_catalog_stays_in_force_as_last_read(
    ws: Path, workbook: str, sheet: str
) -> None:
    damage_sheet(ws / workbook, sheet)
    # a timesheet written in the same sync is checked against the last good version
    timesheet(ws / "timesheets" / "cid.xlsx", [entry(2, "ACME-01", "D2", "SA", 4)], "CID")
    result = run_sync(ws)
    assert hours(ws) == [3.0, 4.0, 5.0, 7.0]
    assert not FLOOD & {c for c, _ in codes(result)}
    named = [c for c in codes(result) if c[1].startswith(workbook)]
    assert named == [("FILE_UNREADABLE", workbook)]
    assert [i for i in result.issues if i.is_error] == [
        i for i in result.issues if str(i.location) == workbook
    ]
    assert statuses(ws)[workbook] == "unreadable"
    # the same file, repaired: no timesheet is read again for it (nothing changed)
    again = run_sync(ws)
    assert not FLOOD & {c for c, _ in codes(again)}


def test_a_scope_back_as_it_was_marks_no_timesheet_to_read_again(ws: Path) -> None:
    path = ws / "scopes" / "acme.xlsx"
    good = path.read_bytes()
    damage_sheet(path, "Deliverables")
    run_sync(ws)
    path.write_bytes(good)
    repaired = run_sync(ws)
    assert repaired.read == 1  # the scope alone: what it says did not change
    assert statuses(ws)["scopes/acme.xlsx"] == "ok"


def test_two_time_tables_keep_the_last_good_rows(ws: Path) -> None:
    import openpyxl
    from openpyxl.worksheet.table import Table

    path = ws / "timesheets" / "alm.xlsx"
    wb = openpyxl.load_workbook(path)
    sheet = wb.create_sheet("More")
    for c, head in enumerate(TIME_HEADER, start=1):
        sheet.cell(row=1, column=c, value=head)
    for c, value in enumerate(entry(2, "ACME-01", "D1", "SA", 9), start=1):
        sheet.cell(row=2, column=c, value=value)
    table = Table(displayName="Placeholder", ref="A1:G2")
    sheet.add_table(table)
    table.displayName = table.name = "time"
    wb.save(path)
    result = run_sync(ws)
    assert hours(ws) == [3.0, 5.0, 7.0]
    assert ("TABLE_DUPLICATE", "timesheets/alm.xlsx!More!A1") in codes(result)
    assert statuses(ws)["timesheets/alm.xlsx"] == "invalid"


def test_error_cells_are_rejects_and_rows_below_a_warning(ws: Path) -> None:
    make_workbook(
        ws / "timesheets" / "alm.xlsx",
        "timesheet",
        {
            "Time": [
                TIME_HEADER,
                [*entry(0, "ACME-01", "D1", "SA", 4)[:5], "#VALUE!", ""],
                entry(1, "ACME-01", "D1", "SA", "#DIV/0!"),
                entry(2, "ACME-01", "D2", "DEV", 2),
            ]
        },
        marker={"person": "ALM", "week": "2026-02-02"},
    )
    import openpyxl

    wb = openpyxl.load_workbook(ws / "timesheets" / "alm.xlsx")
    wb["Time"]["A5"], wb["Time"]["E5"] = entry(3, "", "", "", 1)[0], 1
    wb.save(ws / "timesheets" / "alm.xlsx")
    result = run_sync(ws)
    assert hours(ws) == [2.0, 5.0]
    found = [c for c in codes(result) if c[1].startswith("timesheets/alm")]
    assert sorted(found) == [
        ("CELL_ERROR", "timesheets/alm.xlsx!Time!E3"),
        ("CELL_ERROR", "timesheets/alm.xlsx!Time!F2"),
        ("ROW_OUTSIDE_TABLE", "timesheets/alm.xlsx!Time!A5"),
    ]
    assert result.rejected_rows == 2
    assert run_sync(ws).read == 0  # stored as read: the issues stand until it changes
