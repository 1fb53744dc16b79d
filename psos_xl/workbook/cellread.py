"""The cell reader of each column type: one raw cell, as python-calamine returns it,
into its typed value, BLANK, or a :class:`~psos_xl.workbook.cells.CellError`.

:func:`convert` is the plain conversion of a non-blank cell (:mod:`psos_xl.workbook.cells`);
the readers in :data:`READ` take the common raw types of their column straight, with the
same result (tests/workbook/test_reader_fast_path.py holds them equal).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from psos_xl.workbook import cells
from psos_xl.workbook.spec import Column, Type


def _text(value: Any, _label: str) -> str:
    return value.strip() if type(value) is str else cells.to_text(value)


def _code(value: Any, label: str) -> str:
    return value.strip() if type(value) is str else cells.to_code(value, label)


def _decimal(value: Any, label: str) -> Any:
    # a finite float, as Excel stores every number: the common case, without the checks
    if type(value) is float and value - value == 0:
        return cells.float_to_decimal(value)
    return cells.to_decimal(value, label)


_CONVERT: dict[Type, Callable[[Any, str], Any]] = {
    Type.TEXT: _text,
    Type.CODE: _code,
    Type.CODES: cells.to_codes,
    Type.DECIMAL: _decimal,
    Type.INT: cells.to_int,
    Type.DATE: cells.to_date,
    Type.DATETIME: cells.to_timestamp,
    Type.BOOL: cells.to_bool,
    Type.ANY: lambda v, _label: v,
}


# What a cell reader returns for a blank cell (None, "" or only spaces).
BLANK: Any = object()

# A cell reader turns one raw cell into its typed value, or BLANK, or raises CellError.
CellReader = Callable[[Any, str], Any]


def _read_any_way(raw: Any, label: str, conv: Callable[[Any, str], Any]) -> Any:
    """The general case of every cell reader: the blank check, then the column's converter."""
    if type(raw) is str and len(raw) > cells.MAX_CHARS:
        raise cells.too_long(raw, label)
    return BLANK if cells.is_blank(raw) else conv(raw, label)


# The cell readers below take the common raw type(s) of their column straight and hand
# anything else to _read_any_way, with the same result as _read_any_way would give
# (tests/workbook/test_reader_fast_path.py). They test exact types: python-calamine
# returns exact builtin types. They are chosen once per table, by column type (READ).


def _read_string(conv: Callable[[Any, str], Any]) -> CellReader:
    """TEXT and CODE cells: a str is trimmed, blank when nothing is left."""

    def read(raw: Any, label: str) -> Any:
        if type(raw) is str and len(raw) <= cells.MAX_CHARS:
            return raw.strip() or BLANK
        return _read_any_way(raw, label, conv)

    return read


def _read_decimal(raw: Any, label: str) -> Any:
    if type(raw) is float and raw - raw == 0:  # a finite float, as Excel stores every number
        return cells.float_to_decimal(raw)
    return _read_any_way(raw, label, cells.to_decimal)


def _read_date(raw: Any, label: str) -> Any:
    kind = type(raw)
    if kind is date:
        return raw
    if kind is datetime:
        return raw.date()
    return _read_any_way(raw, label, cells.to_date)


def _read_bool(raw: Any, label: str) -> Any:
    if type(raw) is str:
        word = cells.BOOL_WORDS.get(raw.strip().casefold())
        if word is not None:
            return word
    elif type(raw) is bool:
        return raw
    return _read_any_way(raw, label, cells.to_bool)


def _read_generic(conv: Callable[[Any, str], Any]) -> CellReader:
    return lambda raw, label: _read_any_way(raw, label, conv)


READ: dict[Type, CellReader] = {
    Type.TEXT: _read_string(_text),
    Type.CODE: _read_string(_code),
    Type.DECIMAL: _read_decimal,
    Type.DATE: _read_date,
    Type.BOOL: _read_bool,
    **{t: _read_generic(_CONVERT[t]) for t in (Type.CODES, Type.INT, Type.DATETIME, Type.ANY)},
}


def convert(column: Column, raw: Any) -> Any:
    """Convert one non-blank cell value by its column's type (raises CellError)."""
    if type(raw) is str and len(raw) > cells.MAX_CHARS:
        raise cells.too_long(raw, column.header)
    return _CONVERT[column.type](raw, column.header)
