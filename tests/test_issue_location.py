"""An issue's location is data: workbook, sheet and cell as fields, text only when printed."""

from __future__ import annotations

import pytest

from psos_xl.errors import Code, Issue, Location, sort_issues
from psos_xl.models import RowRef


def test_a_location_keeps_its_parts_and_prints_as_workbook_sheet_cell() -> None:
    where = Location("t.xlsx", "Time", "E10")
    assert (where.workbook, where.sheet, where.cell) == ("t.xlsx", "Time", "E10")
    assert (where.row, where.column) == (10, "E")
    assert str(where) == "t.xlsx!Time!E10"
    assert str(Location("t.xlsx")) == "t.xlsx"
    assert str(Location("t.xlsx", "Time")) == "t.xlsx!Time"


@pytest.mark.parametrize(
    "text", ["t.xlsx!Time!E10", "t.xlsx!Time!7", "t.xlsx!Time", "t.xlsx", "a!b.xlsx!Time!C3"]
)
def test_text_from_the_store_parses_back_to_the_same_location(text: str) -> None:
    assert str(Location.parse(text)) == text


def test_issues_sort_by_row_then_column_not_as_text() -> None:
    cells = ["E10", "E9", "AA2", "B2", "A10"]
    issues = [Issue.make(Code.NOT_A_NUMBER, Location("t.xlsx", "Time", c), "x") for c in cells]
    ordered = [i.location.cell for i in sort_issues(issues)]
    assert ordered == ["B2", "AA2", "E9", "A10", "E10"]


def test_a_row_reference_names_its_cell_as_a_location() -> None:
    ref = RowRef("t.xlsx", "Time", 9, {"hours": "E"})
    assert ref.cell("Hours") == Location("t.xlsx", "Time", "E9")
    assert ref.cell("Note") == Location("t.xlsx", "Time", "9")  # no such column: the row


def test_the_json_shape_keeps_the_location_as_text() -> None:
    issue = Issue.make(Code.NOT_A_NUMBER, "t.xlsx!Time!E10", "Hours must be a number")
    assert issue.location == Location("t.xlsx", "Time", "E10")
    assert issue.to_dict()["location"] == "t.xlsx!Time!E10"
    assert str(issue) == "t.xlsx!Time!E10: NOT_A_NUMBER Hours must be a number"
