"""The reader's fast paths give exactly what the plain conversions give.

Each column type has a cell reader that takes the common raw values straight (a str
for a code, a finite float for a number, a date for a date) and hands the rest to the
general case: the blank check, then :func:`psos_xl.workbook.reader.convert`. These
tests hold the readers to that general case for every kind of value calamine returns,
value and type, or issue code and message.
"""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel

from psos_xl import models as m
from psos_xl.workbook import cells
from psos_xl.workbook.reader import _READ, BLANK, convert
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
        value = _READ[column.type](raw, column.header)
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
