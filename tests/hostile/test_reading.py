"""Hostile workbooks on the reading side, each dropped into a workspace that has synced
already, beside a bystander timesheet that must keep syncing.

Every case ends with: no crash, one located issue with a stable code, the last good
rows still in the store (nothing lost, nothing counted twice), the bystander synced, and
``psos validate`` reporting the same. Cases: a damaged part inside an intact zip (a
broken deflate stream, an undefined entity, an entity bomb) in a timesheet, in a scope's
Deliverables and in the catalog's Roles; error cells; a row typed below the table; two
tables named Time; an error in the marker.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.table import Table
from wb import CATALOG_TABLES, SCOPE_TABLES, TIME_HEADER, make_workbook

from psos_xl import store as st
from psos_xl.app.validate import validate_path
from psos_xl.errors import Code
from psos_xl.store import open_store
from psos_xl.sync import run_sync
from psos_xl.workbook.sheetscan import Package

WEEK = date(2026, 2, 2)
ALM = "timesheets/alm.xlsx"
FLOOD = {Code.DELIVERABLE_NOT_IN_ENGAGEMENT, Code.UNKNOWN_ROLE, Code.UNKNOWN_ENGAGEMENT}


def row(day: int, eng: str, dlv: str, role: str, hours: Any, billable: str = "Y") -> list[Any]:
    return [WEEK + timedelta(days=day), eng, dlv, role, hours, billable, "work"]


ALM_ROWS = [row(0, "ACME-01", "D1", "SA", 7), row(1, "ACME-01", "D2", "DEV", 3)]


def timesheet(path: Path, rows: list[list[Any]], person: str = "ALM") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    make_workbook(
        path, "timesheet", {"Time": [TIME_HEADER, *rows]}, {"person": person, "week": WEEK}
    )
    return deflated(path)


def deflated(path: Path, part: str = "", edit: Callable[[bytes], bytes] | None = None) -> Path:
    """``path`` with every part deflated, and ``part`` edited by ``edit``."""
    with zipfile.ZipFile(path) as zin:
        parts = [(i, zin.read(i.filename)) for i in zin.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in parts:
            info.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(info, edit(data) if edit and info.filename == part else data)
    return path


def sheet_part(path: Path, sheet: str) -> str:
    part = Package(path).sheet_part(sheet)
    assert part is not None
    return part


# --- the damage ------------------------------------------------------------------------


def broken_deflate(path: Path, sheet: str) -> None:
    part = sheet_part(path, sheet)
    raw = bytearray(path.read_bytes())
    info = zipfile.ZipFile(path).getinfo(part)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    raw[start + 8 : start + 40] = bytes(32)
    path.write_bytes(bytes(raw))


def undefined_entity(path: Path, sheet: str) -> None:
    deflated(path, sheet_part(path, sheet), lambda d: d.replace(b"</t>", b"&nowhere;</t>", 1))


def entity_bomb(path: Path, sheet: str) -> None:
    defs = b'<!ENTITY a0 "lol">' + b"".join(
        b'<!ENTITY a%d "%s">' % (i, b"&a%d;" % (i - 1) * 10) for i in range(1, 10)
    )
    bomb = b"<!DOCTYPE worksheet [" + defs + b"]>"
    deflated(path, sheet_part(path, sheet), lambda d: bomb + d.replace(b"</t>", b"&a9;</t>", 1))


DAMAGE = {"deflate": broken_deflate, "undefined-entity": undefined_entity, "bomb": entity_bomb}


# --- the workspace ---------------------------------------------------------------------


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    """Synced: a catalog, ACME-01 (D1, D2), ALM's timesheet and BOB, the bystander."""
    root = tmp_path / "firm"
    (root / "scopes").mkdir(parents=True)
    deflated(make_workbook(root / "catalog.xlsx", "catalog", CATALOG_TABLES))
    deflated(make_workbook(root / "scopes" / "acme.xlsx", "scope", SCOPE_TABLES))
    timesheet(root / ALM, ALM_ROWS)
    timesheet(root / "timesheets" / "bob.xlsx", [row(0, "ACME-01", "D1", "PM", 5)], "BOB")
    first = run_sync(root)
    assert not [i for i in first.issues if i.is_error], first.issues
    assert stored(root) == {("ALM", 7.0), ("ALM", 3.0), ("BOB", 5.0)}
    return root


def stored(root: Path) -> set[tuple[str, float]]:
    store = open_store(st.default_url(root))
    try:
        with store.connect() as conn:
            t = st.metadata.tables["time_entries"]
            rows = [(r.person, float(r.hours)) for r in conn.execute(t.select())]
    finally:
        store.close()
    assert len(rows) == len(set(rows)), f"counted twice: {rows}"
    return set(rows)


def bystander_changes(root: Path) -> None:
    timesheet(root / "timesheets" / "bob.xlsx", [row(0, "ACME-01", "D1", "PM", 6)], "BOB")


@dataclass(frozen=True)
class Outcome:
    issues: list[tuple[Code, str]]
    stored: set[tuple[str, float]]


def sync_after(root: Path) -> Outcome:
    bystander_changes(root)
    result = run_sync(root)
    return Outcome(sorted((i.code, str(i.location)) for i in result.issues), stored(root))


KEPT = {("ALM", 7.0), ("ALM", 3.0), ("BOB", 6.0)}


# --- a damaged part: the whole workbook unreadable, its last good version kept ---------


@pytest.mark.parametrize("how", list(DAMAGE))
def test_a_timesheet_with_a_damaged_time_sheet_keeps_its_rows(ws: Path, how: str) -> None:
    timesheet(ws / ALM, [row(2, "ACME-01", "D1", "SA", 1)])  # a new version, then damaged
    DAMAGE[how](ws / ALM, "Time")
    started = time.perf_counter()
    outcome = sync_after(ws)
    assert time.perf_counter() - started < 30
    assert outcome.stored == KEPT
    assert outcome.issues == [(Code.FILE_UNREADABLE, ALM)]
    (issue,) = validate_path(ws / ALM)
    assert (issue.code, str(issue.location)) == (Code.FILE_UNREADABLE, ALM)
    assert "'Time'" in issue.message


@pytest.mark.parametrize("how", list(DAMAGE))
@pytest.mark.parametrize(
    ("workbook", "sheet"), [("scopes/acme.xlsx", "Deliverables"), ("catalog.xlsx", "Roles")]
)
def test_a_damaged_scope_or_catalog_keeps_its_last_good_version_in_force(
    ws: Path, how: str, workbook: str, sheet: str
) -> None:
    DAMAGE[how](ws / workbook, sheet)
    timesheet(ws / ALM, [*ALM_ROWS, row(2, "ACME-01", "D2", "SA", 2)])  # checked meanwhile
    outcome = sync_after(ws)
    assert outcome.stored == {*KEPT, ("ALM", 2.0)}
    assert outcome.issues == [(Code.FILE_UNREADABLE, workbook)]  # and no flood
    # validate has no last good version: it names the workbook, once
    issues = validate_path(ws / workbook)
    assert [(i.code, str(i.location)) for i in issues] == [(Code.FILE_UNREADABLE, workbook)]
    assert f"'{sheet}'" in issues[0].message


def test_an_entity_bomb_costs_neither_time_nor_memory(ws: Path) -> None:
    entity_bomb(ws / ALM, "Time")
    code = (
        "import json, resource, sys, time\n"
        "from pathlib import Path\n"
        "from psos_xl.workbook.readers import read\n"
        "t = time.perf_counter()\n"
        "loaded = read(Path(sys.argv[1]))\n"
        "print(json.dumps([loaded.state, time.perf_counter() - t,\n"
        "                  resource.getrusage(resource.RUSAGE_SELF).ru_maxrss]))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code, str(ws / ALM)], capture_output=True, text=True, timeout=120
    )
    state, seconds, max_kib = json.loads(run.stdout)
    assert state == "unreadable"
    assert seconds < 5 and max_kib < 400 * 1024  # an expanded bomb would be ~3 GB


# --- error cells, rows outside the table, two tables, the marker -----------------------


def test_error_cells_are_reported_never_blank_never_a_value(ws: Path) -> None:
    timesheet(
        ws / ALM,
        [
            row(0, "ACME-01", "D1", "SA", 7),
            row(1, "ACME-01", "D2", "DEV", 3, "#VALUE!"),  # was stored as billable
            row(2, "ACME-01", "D2", "DEV", "#DIV/0!"),  # was 'Hours is required'
            row(3, "#N/A", "D2", "DEV", 2),
            row(4, "ACME-01", "#REF!", "DEV", 2),
        ],
    )
    outcome = sync_after(ws)
    assert outcome.stored == {("ALM", 7.0), ("BOB", 6.0)}
    assert outcome.issues == [
        (Code.CELL_ERROR, f"{ALM}!Time!B5"),
        (Code.CELL_ERROR, f"{ALM}!Time!C6"),
        (Code.CELL_ERROR, f"{ALM}!Time!E4"),
        (Code.CELL_ERROR, f"{ALM}!Time!F3"),
    ]
    assert sorted((i.code, str(i.location)) for i in validate_path(ws / ALM)) == outcome.issues


def test_a_row_typed_below_a_table_that_did_not_grow_is_reported(ws: Path) -> None:
    wb = openpyxl.load_workbook(ws / ALM)
    for c, value in enumerate(row(2, "ACME-01", "D1", "SA", 4), start=1):
        wb["Time"].cell(row=4, column=c, value=value)
    wb.save(ws / ALM)
    outcome = sync_after(ws)
    assert outcome.stored == KEPT  # not read: the table (and its own totals) do not hold it
    assert outcome.issues == [(Code.ROW_OUTSIDE_TABLE, f"{ALM}!Time!A4")]
    found = [(i.code, str(i.location)) for i in validate_path(ws / ALM)]
    assert found == [(Code.ROW_OUTSIDE_TABLE, f"{ALM}!Time!A4")]


def test_two_tables_named_time_leave_the_last_good_rows(ws: Path) -> None:
    wb = openpyxl.load_workbook(ws / ALM)
    other = wb.create_sheet("Copy")
    for r, values in enumerate([TIME_HEADER, row(2, "ACME-01", "D1", "SA", 9)], start=1):
        for c, value in enumerate(values, start=1):
            other.cell(row=r, column=c, value=value)
    table = Table(displayName="Placeholder", ref="A1:G2")
    other.add_table(table)
    table.displayName = table.name = "TIME"
    wb.save(ws / ALM)
    outcome = sync_after(ws)
    assert outcome.stored == KEPT
    assert outcome.issues == [(Code.TABLE_DUPLICATE, f"{ALM}!Copy!A1")]
    found = [(i.code, str(i.location)) for i in validate_path(ws / ALM)]
    assert found == [(Code.TABLE_DUPLICATE, f"{ALM}!Copy!A1")]


def test_an_error_in_the_marker_keeps_the_last_good_rows(ws: Path) -> None:
    make_workbook(
        ws / ALM, "timesheet", {"Time": [TIME_HEADER, *ALM_ROWS]}, {"person": "#N/A", "week": WEEK}
    )
    outcome = sync_after(ws)
    assert outcome.stored == KEPT
    assert outcome.issues == [(Code.CELL_ERROR, f"{ALM}!_psos!B3")]
    assert not FLOOD & {c for c, _ in outcome.issues}
