"""The hostile corpus of DESIGN §8: files that are damaged, odd or meant to harm, each
dropped into a synced workspace (see :mod:`hostile.harness`).

Each case holds: no crash, a located issue with a stable code, the last good rows of a
replaced workbook kept, the bystander synced, nothing counted twice, a second sync with
nothing to do, time and memory in bounds. Every file is made here, at test time.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import select
from sync.test_engine import timesheet
from wb import TIME_HEADER, make_workbook

from hostile.harness import VICTIM, WEEK, Outcome, assert_held, rows, run_case
from psos_xl import store as st
from psos_xl.store import open_store

OLE = bytes.fromhex("D0CF11E0A1B11AE1")  # the compound-file signature (.xls, encrypted .xlsx)
ODD = "timesheets/odd.xlsx"
PLAIN = "timesheets/plain.xlsx"


def victim_bytes(root: Path) -> bytes:
    return (root / VICTIM).read_bytes()


def replace_victim(make: Callable[[Path, bytes], bytes]) -> Callable[[Path], str]:
    def drop(root: Path) -> str:
        path = root / VICTIM
        path.write_bytes(make(root, path.read_bytes()))
        return VICTIM

    return drop


def victim_sheet(header: list[str] | None = None, data: list[list[Any]] | None = None) -> Any:
    def drop(root: Path) -> str:
        timesheet(root / VICTIM, data or rows("ALM", 11), person="ALM", header=header)
        return VICTIM

    return drop


def edit_victim(edit: Callable[[Any], None]) -> Callable[[Path], str]:
    """Open the victim with openpyxl, let ``edit`` change its Time sheet, save it."""

    def drop(root: Path) -> str:
        path = root / VICTIM
        book = openpyxl.load_workbook(path)
        edit(book["Time"])
        book.save(path)
        return VICTIM

    return drop


def with_marker(**marker: str) -> Callable[[Path], str]:
    def drop(root: Path) -> str:
        path = root / ODD
        keys = {"person": "CAT", "week": WEEK.isoformat(), **marker}
        kind = keys.pop("kind", "timesheet")
        make_workbook(path, kind, {"Time": [TIME_HEADER, *rows("CAT", 3)]}, marker=keys)
        return ODD

    return drop


def zip_without(member: str) -> Callable[[Path, bytes], bytes]:
    def make(_root: Path, data: bytes) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
            for info in src.infolist():
                if info.filename != member:
                    dst.writestr(info, src.read(info.filename))
        return out.getvalue()

    return make


def no_marker(root: Path) -> str:
    path = root / PLAIN
    book = openpyxl.Workbook()
    book.active.append(["Date", "Hours"])
    book.save(path)
    return PLAIN


def merged_cells(sheet: Any) -> None:
    sheet.merge_cells("E2:E4")  # three rows' Hours under one merged cell


def dates_and_numbers_as_text(sheet: Any) -> None:
    sheet["A2"] = (WEEK).isoformat()
    sheet["E2"] = "1.5"


def long_note(sheet: Any) -> None:
    sheet["G2"] = "x" * 32_767  # Excel's limit for one cell


def formula_injection(sheet: Any) -> None:
    sheet["G2"].value = '=HYPERLINK("http://example.invalid","click")'
    sheet["G2"].data_type = "s"  # typed as text, as a user's paste would be
    sheet["G3"] = "+1+1"
    sheet["G4"] = "@SUM(A1)"


CASES: dict[str, tuple[Callable[[Path], str], str | None, bool]] = {
    # case: (drop, the code expected at the file it drops, whether the victim's last good
    # rows must stay: the file replaced it and cannot be used as a whole)
    "truncated workbook": (
        replace_victim(lambda _r, d: d[: len(d) // 2]),
        "FILE_UNREADABLE",
        True,
    ),
    "empty file": (replace_victim(lambda _r, _d: b""), "FILE_UNREADABLE", True),
    "encrypted / legacy .xls renamed": (
        replace_victim(lambda _r, _d: OLE + bytes(4096)),
        "FILE_UNREADABLE",
        True,
    ),
    "CSV renamed to .xlsx": (
        replace_victim(lambda _r, _d: b"Date,Hours\n2026-02-02,7.5\n"),
        "FILE_UNREADABLE",
        True,
    ),
    "zip without workbook.xml": (
        replace_victim(zip_without("xl/workbook.xml")),
        "FILE_UNREADABLE",
        True,
    ),
    "no _psos marker": (no_marker, None, False),
    "unknown kind": (with_marker(kind="invoice-draft"), "MARKER_INVALID", False),
    "newer schema": (with_marker(schema="99"), "SCHEMA_UNSUPPORTED", False),
    "missing Time table": (
        replace_victim(zip_without("xl/tables/table1.xml")),
        None,
        True,
    ),
    "missing column": (
        victim_sheet(header=[h for h in TIME_HEADER if h != "Hours"]),
        "COLUMN_MISSING",
        True,
    ),
    "duplicate headers": (
        victim_sheet(header=[*TIME_HEADER[:4], "Date", *TIME_HEADER[5:]]),
        "COLUMN_DUPLICATE",
        True,
    ),
    "merged cells": (edit_victim(merged_cells), "VALUE_REQUIRED", False),
    "dates and numbers as text": (edit_victim(dates_and_numbers_as_text), None, False),
    "32,767-character cell": (edit_victim(long_note), None, False),
    "formula injection text": (edit_victim(formula_injection), None, False),
}


PENDING: set[str] = set()  # cases whose fix has not landed: xfail, strictly


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(c, marks=pytest.mark.xfail(strict=True, reason="pending"))
        if c in PENDING
        else c
        for c in CASES
    ],
)
def test_a_hostile_file_costs_one_workbook_never_the_sync(case: str, tmp_path: Path) -> None:
    drop, code, replaced = CASES[case]
    dropped: list[str] = []
    outcome = run_case(case, tmp_path / "ws", lambda root: dropped.append(drop(root)) or "")
    assert_held(outcome, dropped[0], code, replaced)
    check_case(case, outcome, tmp_path / "ws")


def notes(root: Path) -> dict[int, str]:
    store = open_store(st.default_url(root))
    try:
        with store.connect() as conn:
            t = st.time_entries
            query = select(t.c.row_num, t.c.note, t.c.hours, t.c.date).where(t.c.path == VICTIM)
            return {r.row_num: (r.note, r.hours, r.date) for r in conn.execute(query)}
    finally:
        store.close()


def check_case(case: str, outcome: Outcome, root: Path) -> None:
    """What a case stores when the file is readable: exactly what was typed."""
    stored = notes(root)
    if case == "32,767-character cell":
        assert stored[2][0] == "x" * 32_767
    elif case == "formula injection text":
        texts = {stored[r][0] for r in (2, 3, 4)}
        assert texts == {'=HYPERLINK("http://example.invalid","click")', "+1+1", "@SUM(A1)"}
    elif case == "dates and numbers as text":
        # read as the date and number they say, or reported at the cell: never silently 0
        at_row_2 = [c for c, where in outcome.codes if where.endswith(("!A2", "!E2"))]
        assert 2 in stored or at_row_2, outcome.codes
        if 2 in stored:
            assert (str(stored[2][1]), stored[2][2]) == ("1.5", WEEK)
    elif case == "merged cells":
        assert sorted(stored) == [r for r in range(2, 13) if r not in (3, 4)]
    elif case == "no _psos marker":
        assert outcome.sync.data.get("issues", []) == [] or all(
            i["code"] == "WRITE_BACK_NO_TABLE" for i in outcome.sync.data["issues"]
        )
        assert outcome.validate.code == 1  # validate names it: not a psos workbook
