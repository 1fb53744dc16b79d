"""An error value in a cell (#VALUE!, #DIV/0!, …), typed or left by a formula, is
CELL_ERROR at that cell with the error's text: never read as blank, never as a value."""

from __future__ import annotations

import copy
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from wb import CATALOG_TABLES, SCOPE_TABLES, TIME_HEADER, make_workbook

from psos_xl.errors import Code, Issue
from psos_xl.loader import check, load
from psos_xl.models import Catalog, Scope, Timesheet
from psos_xl.rules import RuleContext
from psos_xl.workbook.readers import INVALID, OK, read

ERRORS = ["#VALUE!", "#DIV/0!", "#N/A", "#REF!", "#NAME?", "#NUM!", "#NULL!"]
MARKER = {"person": "ALM", "week": "2026-01-05"}
MON = date(2026, 1, 5)
GOOD = [MON, "ACME-01", "D1", "SA", 7.5, "Y", "workshop"]


def found(issues: list[Issue]) -> list[tuple[Code, str]]:
    return sorted((i.code, str(i.location)) for i in issues)


def rewrite(path: Path, part: str, edit: Callable[[bytes], bytes]) -> Path:
    with zipfile.ZipFile(path) as zin:
        parts = [(i, zin.read(i.filename)) for i in zin.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in parts:
            zout.writestr(info, edit(data) if info.filename == part else data)
    return path


def timesheet(tmp_path: Path, *rows: list[Any], header: list[str] = TIME_HEADER) -> Path:
    return make_workbook(tmp_path / "ts.xlsx", "timesheet", {"Time": [header, *rows]}, MARKER)


@pytest.mark.parametrize("error", ERRORS)
@pytest.mark.parametrize("column", ["Date", "Engagement", "Hours", "Billable", "Note"])
def test_an_error_in_any_column_is_reported_and_its_row_left_out(
    tmp_path: Path, error: str, column: str
) -> None:
    bad = list(GOOD)
    bad[TIME_HEADER.index(column)] = error
    loaded = read(timesheet(tmp_path, GOOD, bad, GOOD))
    assert isinstance(loaded.model, Timesheet) and loaded.state == OK
    assert [e.src.row for e in loaded.model.entries if e.src] == [2, 4]
    letter = "ABCDEFG"[TIME_HEADER.index(column)]
    (issue,) = loaded.issues
    assert (issue.code, str(issue.location)) == (Code.CELL_ERROR, f"ts.xlsx!Time!{letter}3")
    assert issue.is_error and error in issue.message and column in issue.message


def test_value_in_billable_and_div0_in_hours_are_not_taken_as_blank(tmp_path: Path) -> None:
    """The two silent cases: a #VALUE! Billable stored as billable, a #DIV/0! Hours
    reported as 'Hours is required'."""
    loaded = read(
        timesheet(
            tmp_path,
            [MON, "ACME-01", "D1", "SA", 4, "#VALUE!", ""],
            [MON, "ACME-01", "D1", "SA", "#DIV/0!", "Y", ""],
        )
    )
    assert isinstance(loaded.model, Timesheet) and loaded.model.entries == []
    assert found(loaded.issues) == [
        (Code.CELL_ERROR, "ts.xlsx!Time!E3"),
        (Code.CELL_ERROR, "ts.xlsx!Time!F2"),
    ]
    assert "Hours is required" not in " ".join(i.message for i in loaded.issues)


def test_other_bad_cells_of_the_row_are_reported_too(tmp_path: Path) -> None:
    loaded = read(timesheet(tmp_path, [MON, "", "D1", "SA", "#N/A", "maybe", ""]))
    assert found(loaded.issues) == sorted(
        [
            (Code.VALUE_REQUIRED, "ts.xlsx!Time!B2"),
            (Code.CELL_ERROR, "ts.xlsx!Time!E2"),
            (Code.NOT_A_BOOLEAN, "ts.xlsx!Time!F2"),
        ]
    )


def test_a_row_holding_only_an_error_is_that_one_issue(tmp_path: Path) -> None:
    loaded = read(timesheet(tmp_path, GOOD, [None] * 6 + ["#REF!"]))
    assert found(loaded.issues) == [(Code.CELL_ERROR, "ts.xlsx!Time!G3")]


def test_an_error_in_a_column_psos_does_not_read_is_left_alone(tmp_path: Path) -> None:
    loaded = read(timesheet(tmp_path, [*GOOD, "#DIV/0!"], header=[*TIME_HEADER, "Check"]))
    assert loaded.issues == []
    assert isinstance(loaded.model, Timesheet) and len(loaded.model.entries) == 1


def test_a_formulas_cached_error_is_an_error(tmp_path: Path) -> None:
    """As Excel and LibreOffice save ``=1/0``: the formula with its cached error value."""
    path = timesheet(tmp_path, [MON, "ACME-01", "D1", "SA", 3, "Y", "x"])
    cell = b'<c r="E2" t="n"><v>3</v></c>'
    assert cell in zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml")
    cached = b'<c r="E2" s="0" t="e"><f>1/0</f><v>#DIV/0!</v></c>'
    rewrite(path, "xl/worksheets/sheet1.xml", lambda d: d.replace(cell, cached))
    loaded = read(path)
    assert found(loaded.issues) == [(Code.CELL_ERROR, "ts.xlsx!Time!E2")]
    assert "#DIV/0!" in loaded.issues[0].message


def test_a_scope_field_holding_an_error_is_reported_once_at_its_value(tmp_path: Path) -> None:
    tables = copy.deepcopy(SCOPE_TABLES)
    row = next(r for r in tables["ScopeInfo"] if r[0] == "StartDate")
    row[1] = "#REF!"
    path = make_workbook(tmp_path / "s.xlsx", "scope", tables)
    scope, issues = load(path)
    assert isinstance(scope, Scope) and scope.info.start_date is None
    cell = f"s.xlsx!ScopeInfo!B{tables['ScopeInfo'].index(row) + 1}"
    assert found(issues) == [(Code.CELL_ERROR, cell)]
    # the rule that wants a StartDate does not say it again at the table
    checked = check(scope, RuleContext(), issues)
    assert [i for i in checked if i.code is Code.FIELD_MISSING] == []


def test_a_setting_holding_an_error_is_reported_at_its_value(tmp_path: Path) -> None:
    tables = copy.deepcopy(CATALOG_TABLES)
    tables["Settings"] = [["Key", "Value"], ["Currency", "EUR"], ["TargetMargin", "#NUM!"]]
    catalog, issues = load(make_workbook(tmp_path / "c.xlsx", "catalog", tables))
    assert isinstance(catalog, Catalog)
    assert (Code.CELL_ERROR, "c.xlsx!Settings!B3") in found(issues)
    assert [s.key for s in catalog.settings_rows] == ["Currency"]


@pytest.mark.parametrize("key", ["kind", "person", "week", "schema"])
def test_an_error_in_the_marker_leaves_the_workbook_unread(tmp_path: Path, key: str) -> None:
    marker = {**MARKER, key: "#N/A"} if key != "kind" else MARKER
    path = make_workbook(tmp_path / "ts.xlsx", "timesheet", {"Time": [TIME_HEADER, GOOD]}, marker)
    if key == "kind":
        typed = b'<c r="B1" t="inlineStr"><is><t>timesheet</t></is></c>'
        error = b'<c r="B1" t="e"><v>#N/A</v></c>'
        assert typed in zipfile.ZipFile(path).read("xl/worksheets/sheet2.xml")
        rewrite(path, "xl/worksheets/sheet2.xml", lambda d: d.replace(typed, error))
    row = {"kind": 1, "schema": 2, "person": 3, "week": 4}[key]
    loaded = read(path)
    assert loaded.state == INVALID
    assert found(loaded.issues) == [(Code.CELL_ERROR, f"ts.xlsx!_psos!B{row}")]


def test_an_error_in_a_sheet_read_from_its_header_row_is_found_at_its_cell(
    tmp_path: Path,
) -> None:
    rows = [TIME_HEADER, GOOD, [MON, "ACME-01", "D1", "SA", "#VALUE!", "Y", ""]]
    path = make_workbook(
        tmp_path / "ts.xlsx", "timesheet", {"Time": rows}, MARKER, 3, 2, as_tables=False
    )
    loaded = read(path)
    assert found(loaded.issues) == [
        (Code.CELL_ERROR, "ts.xlsx!Time!F5"),
        (Code.TABLE_NOT_A_TABLE, "ts.xlsx!Time!B3"),
    ]
