"""Where a table ends: a row typed right below a table that did not grow over it is
ROW_OUTSIDE_TABLE (reported, not read); two tables of one name are TABLE_DUPLICATE
(the workbook invalid, neither read)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.table import Table
from wb import TIME_HEADER, make_workbook

from psos_xl.errors import Code, Issue, Severity
from psos_xl.models import Timesheet
from psos_xl.workbook import templates
from psos_xl.workbook.readers import INVALID, OK, read

MARKER = {"person": "ALM", "week": "2026-01-05"}
MON, TUE = date(2026, 1, 5), date(2026, 1, 6)
ROWS: list[list[Any]] = [
    [MON, "ACME-01", "D1", "SA", 7.5, "Y", "workshop"],
    [TUE, "ACME-01", "D1", "SA", 2, "N", ""],
]


def found(issues: list[Issue]) -> list[tuple[Code, str]]:
    return sorted((i.code, str(i.location)) for i in issues)


def timesheet(tmp_path: Path, cells: dict[str, Any] | None = None) -> Path:
    """A Time table on A1:G3, then ``cells`` typed on the Time sheet around it."""
    path = make_workbook(tmp_path / "ts.xlsx", "timesheet", {"Time": [TIME_HEADER, *ROWS]}, MARKER)
    wb = openpyxl.load_workbook(path)
    for ref, value in (cells or {}).items():
        wb["Time"][ref] = value
    wb.save(path)
    return path


def test_a_row_typed_right_below_the_table_is_reported_not_read(tmp_path: Path) -> None:
    loaded = read(timesheet(tmp_path, {"A4": date(2026, 1, 7), "B4": "ACME-01", "E4": 3}))
    assert loaded.state == OK and isinstance(loaded.model, Timesheet)
    assert len(loaded.model.entries) == 2  # not counted: the table does not hold it
    (issue,) = loaded.issues
    assert (issue.code, str(issue.location)) == (Code.ROW_OUTSIDE_TABLE, "ts.xlsx!Time!A4")
    assert issue.severity is Severity.WARNING
    assert "row 4" in issue.message and "'Time'" in issue.message


def test_each_row_of_a_block_typed_below_is_reported(tmp_path: Path) -> None:
    loaded = read(timesheet(tmp_path, {"A4": "x", "C5": "y", "G6": "z", "A8": "after a gap"}))
    assert found(loaded.issues) == [
        (Code.ROW_OUTSIDE_TABLE, "ts.xlsx!Time!A4"),
        (Code.ROW_OUTSIDE_TABLE, "ts.xlsx!Time!A5"),
        (Code.ROW_OUTSIDE_TABLE, "ts.xlsx!Time!A6"),
    ]


@pytest.mark.parametrize(
    "cells",
    [
        {"E4": "=SUM(Time[Hours])"},  # a total under the table
        {"A6": "a note after a blank row"},
        {"I2": "Week", "I4": 9.5, "J5": "=SUM(E2:E3)"},  # beside the table, not below
        {"A30": "far away"},
    ],
    ids=["total", "after-a-gap", "beside", "far"],
)
def test_what_is_not_a_row_typed_below_is_not_reported(
    tmp_path: Path, cells: dict[str, Any]
) -> None:
    loaded = read(timesheet(tmp_path, cells))
    assert loaded.issues == [] and loaded.state == OK


def test_psos_own_workbooks_have_nothing_outside_their_tables(tmp_path: Path) -> None:
    """The timesheet's week summary (right of Time, taller than a short table), the
    scope's Pricing sheet and every other sheet psos writes."""
    for path in templates.build_templates(tmp_path):
        loaded = read(path)
        assert [i for i in loaded.issues if i.code is Code.ROW_OUTSIDE_TABLE] == [], path.name


def with_second_table(tmp_path: Path, name: str, sheet: str = "Copy") -> Path:
    path = timesheet(tmp_path)
    wb = openpyxl.load_workbook(path)
    ws = wb.create_sheet(sheet)
    for r, row in enumerate([TIME_HEADER, ROWS[0]], start=3):
        for c, value in enumerate(row, start=2):
            ws.cell(row=r, column=c, value=value)
    table = Table(displayName="Placeholder", ref="B3:H4")
    ws.add_table(table)
    table.displayName = table.name = name  # openpyxl refuses a duplicate name itself
    wb.save(path)
    return path


@pytest.mark.parametrize("name", ["Time", "TIME", "time"])
def test_two_tables_of_one_name_leave_the_workbook_unread(tmp_path: Path, name: str) -> None:
    loaded = read(with_second_table(tmp_path, name))
    assert loaded.state == INVALID
    (issue,) = loaded.issues
    assert (issue.code, str(issue.location)) == (Code.TABLE_DUPLICATE, "ts.xlsx!Copy!B3")
    assert issue.is_error and "sheet 'Time'" in issue.message


def test_a_second_table_of_another_name_is_fine(tmp_path: Path) -> None:
    loaded = read(with_second_table(tmp_path, "TimeCopy"))
    assert loaded.state == OK and loaded.issues == []
