"""How the readers take workbooks as people actually leave them: columns moved or added,
blank rows, tables not at A1, tables that lost their definition, odd headers, broken
files."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from wb import CATALOG_TABLES, SCOPE_TABLES, TIME_HEADER, Tables, make_workbook

from psos_xl.errors import Code, Issue, Severity
from psos_xl.models import Timesheet
from psos_xl.workbook.readers import read_any, read_catalog, read_scope, read_timesheet

WEEK = {"person": "ALM", "week": "2026-01-05"}
MON, TUE = date(2026, 1, 5), date(2026, 1, 6)
ROWS: list[list[Any]] = [
    [MON, "ACME-01", "D1", "SA", 7.5, "Y", "workshop"],
    [TUE, "INTERNAL", "", "SA", 2, "N", ""],
]


def timesheet(tmp_path: Path, tables: Tables, **kwargs: Any) -> tuple[Timesheet, list[Issue]]:
    path = make_workbook(tmp_path / "ts.xlsx", "timesheet", tables, marker=WEEK, **kwargs)
    sheet, issues = read_timesheet(path)
    assert sheet is not None
    return sheet, issues


def found(issues: list[Issue]) -> set[tuple[Code, str]]:
    return {(i.code, str(i.location)) for i in issues}


def entries(sheet: Timesheet) -> list[dict[str, Any]]:
    return [e.model_dump() for e in sheet.entries]


def test_reordered_and_extra_columns_read_the_same(tmp_path: Path) -> None:
    plain, issues = timesheet(tmp_path, {"Time": [TIME_HEADER, *ROWS]})
    assert issues == []
    order = [4, 0, 6, 3, 1, 5, 2]  # Hours, Date, Note, Role, Engagement, Billable, Deliverable
    moved = [[r[i] for i in order] + ["extra"] for r in [TIME_HEADER, *ROWS]]
    moved[0][-1] = "Approved by"
    shuffled, issues = timesheet(tmp_path, {"Time": moved})
    assert issues == []
    assert entries(shuffled) == entries(plain)
    assert str(shuffled.entries[0].at("Hours")) == "ts.xlsx!Time!A2"
    assert str(shuffled.entries[1].at("Deliverable")) == "ts.xlsx!Time!G3"


def test_blank_rows_are_skipped_and_rows_keep_their_numbers(tmp_path: Path) -> None:
    blank: list[Any] = [None] * 7
    spaces: list[Any] = ["  ", None, " ", None, None, "", None]
    sheet, issues = timesheet(tmp_path, {"Time": [TIME_HEADER, ROWS[0], blank, spaces, ROWS[1]]})
    assert issues == []
    assert [e.src.row for e in sheet.entries if e.src] == [2, 5]
    assert str(sheet.entries[1].at("Hours")) == "ts.xlsx!Time!E5"


def test_a_table_placed_at_c5_gives_its_real_cells(tmp_path: Path) -> None:
    rows = [TIME_HEADER, ROWS[0], [TUE, "ACME-01", "D1", "SA", "two", "Y", ""]]
    sheet, issues = timesheet(tmp_path, {"Time": rows}, header_row=5, first_col=3)
    assert [str(e.at("Hours")) for e in sheet.entries] == ["ts.xlsx!Time!G6"]
    assert str(sheet.entries[0].at("Date")) == "ts.xlsx!Time!C6"
    assert found(issues) == {(Code.NOT_A_NUMBER, "ts.xlsx!Time!G7")}


def test_a_sheet_whose_table_was_removed_is_read_from_its_header_row(tmp_path: Path) -> None:
    rows = [TIME_HEADER, *ROWS]
    sheet, issues = timesheet(tmp_path, {"Time": rows}, header_row=3, first_col=2, as_tables=False)
    assert found(issues) == {(Code.TABLE_NOT_A_TABLE, "ts.xlsx!Time!B3")}
    assert issues[0].severity is Severity.WARNING
    plain, _ = timesheet(tmp_path, {"Time": rows})
    assert entries(sheet) == entries(plain)
    assert str(sheet.entries[0].at("Hours")) == "ts.xlsx!Time!F4"


def test_headers_match_trimmed_and_in_any_case(tmp_path: Path) -> None:
    header = [" date", "ENGAGEMENT ", "deliverable", " Role ", "hours", "BILLABLE", "note"]
    sheet, issues = timesheet(tmp_path, {"Time": [header, *ROWS]})
    assert issues == []
    plain, _ = timesheet(tmp_path, {"Time": [TIME_HEADER, *ROWS]})
    assert entries(sheet) == entries(plain)
    assert str(sheet.entries[0].at("Hours")) == "ts.xlsx!Time!E2"


def test_a_truncated_file_is_unreadable_and_nothing_crashes(tmp_path: Path) -> None:
    path = make_workbook(tmp_path / "catalog.xlsx", "catalog", CATALOG_TABLES)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    for read in (read_any, read_catalog, read_scope, read_timesheet):
        model, issues = read(path)
        assert model is None
        assert found(issues) == {(Code.FILE_UNREADABLE, "catalog.xlsx")}


def test_an_empty_file_and_a_csv_named_xlsx_are_unreadable(tmp_path: Path) -> None:
    (tmp_path / "empty.xlsx").write_bytes(b"")
    (tmp_path / "export.xlsx").write_text("Date,Hours\n2026-01-05,7.5\n")
    for name in ("empty.xlsx", "export.xlsx"):
        model, issues = read_any(tmp_path / name)
        assert model is None
        assert found(issues) == {(Code.FILE_UNREADABLE, name)}


def test_a_missing_file(tmp_path: Path) -> None:
    model, issues = read_any(tmp_path / "gone.xlsx")
    assert model is None
    assert found(issues) == {(Code.FILE_NOT_FOUND, "gone.xlsx")}


def test_a_workbook_without_the_marker_is_not_a_psos_workbook(tmp_path: Path) -> None:
    path = make_workbook(tmp_path / "budget.xlsx", None, {"Time": [TIME_HEADER, *ROWS]})
    model, issues = read_any(path)
    assert model is None
    assert found(issues) == {(Code.NOT_PSOS_WORKBOOK, "budget.xlsx")}
    assert "_psos" in issues[0].message


def test_a_duplicate_header_is_reported_at_the_second_one(tmp_path: Path) -> None:
    header = [*TIME_HEADER, "Hours"]
    sheet, issues = timesheet(tmp_path, {"Time": [header, [*ROWS[0], 3]]})
    assert found(issues) == {(Code.COLUMN_DUPLICATE, "ts.xlsx!Time!H1")}
    assert [e.hours for e in sheet.entries] == [7.5]  # the first Hours column counts


def test_a_duplicate_extra_header_is_ignored(tmp_path: Path) -> None:
    header = [*TIME_HEADER, "Memo", "memo"]
    _, issues = timesheet(tmp_path, {"Time": [header, [*ROWS[0], "a", "b"]]})
    assert issues == []


def test_a_missing_required_column_and_table(tmp_path: Path) -> None:
    header = [h for h in TIME_HEADER if h != "Role"]
    rows = [[v for i, v in enumerate(r) if i != 3] for r in ROWS]
    sheet, issues = timesheet(tmp_path, {"Time": [header, *rows]})
    assert found(issues) == {(Code.COLUMN_MISSING, "ts.xlsx!Time!A1")}
    assert "'Role'" in issues[0].message
    assert sheet.entries == []

    tables = {k: v for k, v in SCOPE_TABLES.items() if k != "Deliverables"}
    scope, issues = read_scope(make_workbook(tmp_path / "scope.xlsx", "scope", tables))
    assert scope is not None
    assert found(issues) == {(Code.TABLE_MISSING, "scope.xlsx!Deliverables")}


def test_a_workbook_of_another_kind(tmp_path: Path) -> None:
    path = make_workbook(tmp_path / "ts.xlsx", "timesheet", {"Time": [TIME_HEADER]}, marker=WEEK)
    model, issues = read_scope(path)
    assert model is None
    assert found(issues) == {(Code.WRONG_KIND, "ts.xlsx!_psos!B1")}


def test_a_bad_row_is_left_out_and_the_others_are_read(tmp_path: Path) -> None:
    bad = [TUE, "ACME-01", "D1", "SA", "7.5h", "maybe", ""]
    sheet, issues = timesheet(tmp_path, {"Time": [TIME_HEADER, ROWS[0], bad, ROWS[1]]})
    assert [e.src.row for e in sheet.entries if e.src] == [2, 4]
    assert found(issues) == {
        (Code.NOT_A_NUMBER, "ts.xlsx!Time!E3"),
        (Code.NOT_A_BOOLEAN, "ts.xlsx!Time!F3"),
    }


def damaged_copy(source: Path, target: Path, part: str) -> Path:
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        for name in zin.namelist():
            data = zin.read(name)
            zout.writestr(name, data[: len(data) // 2] if name == part else data)
    return target


def test_a_damaged_sheet_inside_an_intact_file_is_reported(tmp_path: Path) -> None:
    path = make_workbook(tmp_path / "ts.xlsx", "timesheet", {"Time": [TIME_HEADER, *ROWS]}, WEEK)
    damaged = damaged_copy(path, tmp_path / "bad.xlsx", "xl/worksheets/sheet1.xml")
    _model, issues = read_any(damaged)
    assert Code.FILE_UNREADABLE in {i.code for i in issues}


@pytest.mark.parametrize("week", [5, True])
def test_a_marker_week_that_is_no_date_is_reported(tmp_path: Path, week: Any) -> None:
    path = make_workbook(
        tmp_path / "ts.xlsx",
        "timesheet",
        {"Time": [TIME_HEADER, *ROWS]},
        marker={"person": "ALM", "week": week},
    )
    sheet, issues = read_timesheet(path)
    assert sheet is not None and sheet.week is None
    assert found(issues) == {(Code.NOT_A_DATE, "ts.xlsx!_psos!B4")}


def test_a_scope_field_listed_twice_is_reported_and_the_first_wins(tmp_path: Path) -> None:
    from wb import SCOPE_TABLES

    tables = {k: [list(r) for r in v] for k, v in SCOPE_TABLES.items()}
    tables["ScopeInfo"].append(["Client", "Someone Else"])
    path = make_workbook(tmp_path / "s.xlsx", "scope", tables)
    scope, issues = read_scope(path)
    assert scope is not None and scope.info.client == "Acme"
    assert (Code.DUPLICATE_CODE, "s.xlsx!ScopeInfo!A13") in found(issues)
