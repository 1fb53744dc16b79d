"""Turn raw cell values (as python-calamine returns them) into typed values.

Each converter returns the value, or raises :class:`CellError` with the issue code
and a message that says what was found and what is expected. Messages quote the
cell's content so a finance user sees at once what to fix ("got '7,5'").
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from psos_xl.errors import Code

Raw = Any  # int | float | str | bool | date | datetime | time | timedelta

_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_COMMA_DECIMAL = re.compile(r"^[+-]?\d+,\d+$")
_NUMBER_WITH_UNIT = re.compile(r"^([+-]?\d+(?:[.,]\d+)?)\s*([a-zA-Z%€$£]+)$")
_EXCEL_EPOCH = date(1899, 12, 30)
# Excel serial numbers that are plausible dates (1990-01-01 .. 2099-12-31)
_SERIAL_RANGE = (32874, 73050)
# the words a Y/N cell may hold (trimmed, casefolded) and what they mean
BOOL_WORDS = {"y": True, "true": True, "yes": True, "n": False, "false": False, "no": False}


class CellError(Exception):
    def __init__(self, code: Code, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


MAX_CHARS = 32_767  # the most text one cell holds in Excel


def too_long(text: str, label: str) -> CellError:
    """CELL_TOO_LONG for a cell's text over Excel's limit (never a stored value)."""
    return CellError(
        Code.CELL_TOO_LONG,
        f"{label} holds {len(text):,} characters, more than the {MAX_CHARS:,} a cell can "
        "hold in Excel",
    )


def is_blank(value: Raw) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _show(value: Raw) -> str:
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime | date):
        return f"the date {value.isoformat()[:10]}"
    return repr(value)


def to_text(value: Raw) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def to_code(value: Raw, label: str) -> str:
    if isinstance(value, datetime | date | time | timedelta):
        raise CellError(Code.NOT_TEXT, f"{label} must be a code, got {_show(value)}")
    return to_text(value)


def to_codes(value: Raw, label: str) -> list[str]:
    text = to_code(value, label)
    out: list[str] = []
    for part in re.split(r"[,;]", text):
        code = part.strip()
        if code and code not in out:
            out.append(code)
    return out


def float_to_decimal(value: float) -> Decimal:
    # Excel keeps 15 significant digits; round away binary noise such as 0.30000000000000004
    if (value * 512).is_integer():
        # A multiple of 1/512 (whole, half and quarter hours) has at most 9 decimals, so
        # rounding it to 9 gives it back unchanged: skip round(), the costly part. Scaling
        # by a power of two is exact; inf and nan fail is_integer() and take the long way.
        return Decimal(repr(value))
    return Decimal(repr(round(value, 9)))


def to_decimal(value: Raw, label: str) -> Decimal:
    if isinstance(value, bool):
        raise CellError(Code.NOT_A_NUMBER, f"{label} must be a number, got {_show(value)}")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise CellError(Code.NOT_A_NUMBER, f"{label} must be a number, got {value}")
        return float_to_decimal(value)
    if isinstance(value, str):
        text = value.strip().replace("\u00a0", "")
        if _PLAIN_NUMBER.match(text):
            try:
                return Decimal(text)
            except InvalidOperation:  # pragma: no cover - the regex admits only numbers
                pass
        raise CellError(Code.NOT_A_NUMBER, _number_hint(label, text))
    raise CellError(Code.NOT_A_NUMBER, f"{label} must be a number, got {_show(value)}")


def _number_hint(label: str, text: str) -> str:
    got = f"{label} must be a number, got the text {text!r}"
    if _COMMA_DECIMAL.match(text):
        return f"{got}: use a decimal point ({text.replace(',', '.')}) or a number cell"
    m = _NUMBER_WITH_UNIT.match(text)
    if m:
        number = m.group(1).replace(",", ".")
        if m.group(2) == "%":
            return f"{got}: enter it as a number ({Decimal(number) / 100}) or a percent cell"
        return f"{got}: enter the number alone ({number}), without '{m.group(2)}'"
    return got


def to_int(value: Raw, label: str) -> int:
    number = to_decimal(value, label)
    if number != number.to_integral_value():
        raise CellError(Code.NOT_A_NUMBER, f"{label} must be a whole number, got {number}")
    return int(number)


def to_date(value: Raw, label: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if _SERIAL_RANGE[0] <= value <= _SERIAL_RANGE[1]:
            return _EXCEL_EPOCH + timedelta(days=int(value))
        raise CellError(Code.NOT_A_DATE, f"{label} must be a date, got the number {value}")
    if isinstance(value, str):
        text = value.strip()
        try:
            return date.fromisoformat(text[:10]) if len(text) >= 10 else date.fromisoformat(text)
        except ValueError:
            pass
        raise CellError(
            Code.NOT_A_DATE,
            f"{label} must be a date, got the text {text!r}: use a date cell or YYYY-MM-DD",
        )
    raise CellError(Code.NOT_A_DATE, f"{label} must be a date, got {_show(value)}")


def to_timestamp(value: Raw, label: str) -> str:
    """A moment as psos stores it: UTC ISO text to the second (``2026-10-12T08:00:00Z``).

    A date-time cell is taken as UTC and rounded to the second (a serial carries float
    noise); text, as older workbooks hold it, is kept as typed."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not _SERIAL_RANGE[0] <= value <= _SERIAL_RANGE[1]:
            raise CellError(Code.NOT_A_DATE, f"{label} must be a date and time, got {value}")
        value = datetime.combine(_EXCEL_EPOCH, time()) + timedelta(days=value)
    if isinstance(value, datetime):
        moment = (value + timedelta(microseconds=500_000)).replace(microsecond=0, tzinfo=None)
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return f"{value.isoformat()}T00:00:00Z"
    raise CellError(Code.NOT_A_DATE, f"{label} must be a date and time, got {_show(value)}")


def to_bool(value: Raw, label: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = BOOL_WORDS.get(value.strip().casefold())
        if word is not None:
            return word
    raise CellError(
        Code.NOT_A_BOOLEAN, f"{label} must be Y or N (or TRUE/FALSE), got {_show(value)}"
    )
