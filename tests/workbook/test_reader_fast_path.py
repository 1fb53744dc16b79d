"""The reader's fast paths give exactly what the plain conversions give.

Each column type has a cell reader that takes the common raw values straight (a str
for a code, a finite float for a number, a date for a date) and hands the rest to the
general case: the blank check, then :func:`psos_xl.workbook.cellread.convert`. These
tests hold the readers to that general case for every kind of value calamine returns,
value and type, or issue code and message.

The error cells of a table's sheet are looked up only when calamine gave one of its
cells as an empty string (as it gives every error cell): the last tests hold that
premise and the lookup to what looking always gives.
"""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import python_calamine as pc
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel
from wb import make_workbook

from psos_xl import models as m
from psos_xl.workbook import cells
from psos_xl.workbook.cellread import BLANK, READ, convert
from psos_xl.workbook.reader import Book
from psos_xl.workbook.spec import Column, Type

RAW: list[Any] = [
    None, "", " ", "\t", "\u00a0", "  x  ", "ENG-01", " D1 ", "Y", "y", " n ", "yes", "NO",
    "TRUE", "false", "maybe", "café", True, False, 0, 1, -3, 45000, 0.0, -0.0, 1.0, 7.5,
    0.25, 0.1 + 0.2, 2.675, 1e20, 1e-12, 123456789.123456789, 45000.7, 32874.0, 73051.0,
    math.inf, -math.inf, math.nan, "7,5", "7.5h", "50%", "3", " 3.25 ", "\u00a03", "+.5",
    "1e3", "-4.", "2026-01-05", "2026-01-05T10:00", "05/01/2026", date(2026, 1, 5),
    datetime(2026, 1, 5), datetime(2026, 1, 5, 13, 30), time(8, 30), timedelta(hours=5),
    "ENG-1, ENG-2;ENG-1", " ,; ", "#DIV/0!", "#N/A",
]  # fmt: skip


def fast(column: Column, raw: Any) -> tuple[str, Any]:
    """What the column's cell reader gives."""
    try:
        value = READ[column.type](raw, column.header)
    except cells.CellError as err:
        return ("error", (err.code, err.message))
    return ("blank", None) if value is BLANK else ("value", (type(value), repr(value)))


def plain(column: Column, raw: Any) -> tuple[str, Any]:
    """What the reader did before it had fast paths: the blank check, then convert."""
    if raw is None or raw == "" or (type(raw) is str and not raw.strip()):
        return ("blank", None)
    try:
        value = convert(column, raw)
    except cells.CellError as err:
        return ("error", (err.code, err.message))
    return ("value", (type(value), repr(value)))


@pytest.mark.parametrize("typ", list(Type))
def test_each_cell_reader_matches_the_plain_conversion(typ: Type) -> None:
    column = Column("Hours", "hours", typ)
    for raw in RAW:
        assert fast(column, raw) == plain(column, raw), raw


@given(st.floats(allow_nan=False) | st.integers(-(10**12), 10**12).map(lambda n: n / 512))
def test_a_float_becomes_the_decimal_of_its_value_rounded_to_9_places(value: float) -> None:
    assert repr(cells.float_to_decimal(value)) == repr(Decimal(repr(round(value, 9))))


def test_row_models_are_built_by_their_validator_alone() -> None:
    # readers._build calls the model's validator directly: right only while no row model
    # has an __init__ of its own
    rows = [m.RoleRate, m.ServiceLine, m.ComplexityLevel, m.Risk, m.Person, m.ActualRow]
    rows += [m.Deliverable, m.Assumption, m.Override, m.DeliveryRow, m.TimeEntry, m.Expense]
    for model in rows:
        assert model.__init__ is BaseModel.__init__, model


# --- error cells: looked up only where calamine shows an empty string ---------------

ERRORS = ["#VALUE!", "#DIV/0!", "#N/A", "#REF!", "#NAME?", "#NUM!", "#NULL!"]


def test_calamine_gives_every_error_cell_as_an_empty_string(tmp_path: Path) -> None:
    """What Book.errors_among rests on: a grid with no "" holds no error cell."""
    rows = [["Kind", "Value"], *([e, e] for e in ERRORS)]
    path = make_workbook(tmp_path / "e.xlsx", None, {"S": rows})
    book = Book(path, "e.xlsx", pc.CalamineWorkbook.from_path(str(path), load_tables=True))
    table = book.workbook.get_table_by_name("S")  # type: ignore[union-attr]
    assert table.to_python() == [["", ""]] * len(ERRORS)
    sheet = book.workbook.get_sheet_by_name("S").to_python()  # type: ignore[union-attr]
    assert sheet[1:] == [["", ""]] * len(ERRORS)


@pytest.mark.parametrize(
    "cells",
    [{}, {"B2": "#N/A"}, {"G3": "#DIV/0!"}, {"I2": "#REF!"}, {"B2": "", "E3": "#NUM!"}],
    ids=["none", "code", "note", "outside", "blank-and-error"],
)
def test_errors_among_a_grid_are_the_sheets_errors_in_it(
    tmp_path: Path, cells: dict[str, Any]
) -> None:
    rows = [
        ["Date", "Engagement", "Deliverable", "Role", "Hours", "Billable", "Note"],
        [date(2026, 1, 5), "ACME-01", "D1", "SA", 7.5, "Y", "a"],
        [date(2026, 1, 6), "ACME-01", "D1", "SA", 2, "N", "b"],
    ]
    path = make_workbook(tmp_path / "t.xlsx", None, {"Time": rows})
    wb = openpyxl.load_workbook(path)
    for ref, value in cells.items():
        wb["Time"][ref] = value
    wb.save(path)
    book = Book(path, "t.xlsx", pc.CalamineWorkbook.from_path(str(path), load_tables=True))
    data = book.workbook.get_table_by_name("Time").to_python()  # type: ignore[union-attr]

    def inside(errors: dict[int, dict[int, str]]) -> dict[tuple[int, int], str]:
        return {
            (r, c): text
            for r, row in errors.items()
            for c, text in row.items()
            if 2 <= r <= 1 + len(data) and c < len(rows[0])
        }

    assert inside(book.errors_among("Time", data)) == inside(book.errors("Time"))
