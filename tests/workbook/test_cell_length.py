"""A cell holding more than Excel's 32,767 characters is an issue at its cell, never a
value stored: in a table, in ScopeInfo, in the marker."""

from __future__ import annotations

import copy
import zipfile
from datetime import date
from pathlib import Path

from wb import SCOPE_TABLES, TIME_HEADER, make_workbook

from psos_xl import models as m
from psos_xl.workbook import cells
from psos_xl.workbook.cellread import READ, convert
from psos_xl.workbook.readers import read
from psos_xl.workbook.spec import Column, Type

LONG = "x" * (cells.MAX_CHARS + 1)
ROW = [date(2026, 2, 2), "ACME-01", "D1", "SA", 7.5, "Y"]
MARK = "LONG-TEXT-HERE"


def lengthen(path: Path) -> Path:
    """Put LONG where MARK stands (openpyxl itself cuts a cell's text to 32,767)."""
    with zipfile.ZipFile(path) as zin:
        parts = [(i.filename, zin.read(i.filename)) for i in zin.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in parts:
            zout.writestr(name, data.replace(MARK.encode(), LONG.encode()))
    return path


def test_a_long_note_rejects_its_row_at_its_cell(tmp_path: Path) -> None:
    path = make_workbook(
        tmp_path / "t.xlsx",
        "timesheet",
        {"Time": [TIME_HEADER, [*ROW, "fine"], [*ROW, MARK], [*ROW, "x" * cells.MAX_CHARS]]},
        marker={"person": "ALM", "week": "2026-02-02"},
    )
    lengthen(path)
    loaded = read(path, "t.xlsx")
    assert isinstance(loaded.model, m.Timesheet)
    assert [e.note for e in loaded.model.entries] == ["fine", "x" * cells.MAX_CHARS]
    [issue] = loaded.issues
    assert (str(issue.code), str(issue.location)) == ("CELL_TOO_LONG", "t.xlsx!Time!G3")
    assert issue.message == (
        "Note holds 32,768 characters, more than the 32,767 a cell can hold in Excel"
    )


def test_a_long_scope_field_and_a_long_marker_value(tmp_path: Path) -> None:
    tables = copy.deepcopy(SCOPE_TABLES)
    for row in tables["ScopeInfo"]:
        if row[0] == "Title":
            row[1] = MARK
    scope = lengthen(make_workbook(tmp_path / "s.xlsx", "scope", tables))
    assert ("CELL_TOO_LONG", "s.xlsx!ScopeInfo!B4") in [
        (str(i.code), str(i.location)) for i in read(scope, "s.xlsx").issues
    ]
    sheet = make_workbook(
        tmp_path / "t.xlsx",
        "timesheet",
        {"Time": [TIME_HEADER, [*ROW, ""]]},
        marker={"person": MARK, "week": "2026-02-02"},
    )
    loaded = read(lengthen(sheet), "t.xlsx")
    assert ("CELL_TOO_LONG", "t.xlsx!_psos!B3") in [
        (str(i.code), str(i.location)) for i in loaded.issues
    ]
    assert loaded.state == "invalid"  # a timesheet without a person is not counted


def test_every_cell_reader_refuses_a_long_text_as_the_plain_conversion_does() -> None:
    for typ in Type:
        column = Column("Note", "note", typ)
        for raw in (LONG, " " * (cells.MAX_CHARS + 1)):
            try:
                READ[typ](raw, "Note")
            except cells.CellError as err:
                fast = (err.code, err.message)
            try:
                convert(column, raw)
            except cells.CellError as err:
                plain = (err.code, err.message)
            assert fast == plain and fast[0] == "CELL_TOO_LONG", typ
