"""Excel cells, rows and ranges as SpreadsheetML text: what the table patch edits.

The patch never re-serialises a sheet through an XML library (that would rename the
prefixes Excel relies on); it edits the text of ``<sheetData>`` with these helpers.
Strings are written as inline strings, so text that begins with ``=`` stays text.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from psos_xl.errors import WorkbookError

CellValue = str | int | Decimal | float | date | datetime | bool | None

_ATTR = re.compile(r"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)(?::\$?([A-Za-z]{1,3})\$?(\d+))?$")
_CELL_REF = re.compile(r"^([A-Za-z]{1,3})(\d+)$")
_ESCAPED = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
_BAD_XML_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_EPOCH_1900 = date(1899, 12, 30)
_EPOCH_1904 = date(1904, 1, 1)
_LEAP_BUG_END = date(1900, 3, 1)  # Excel counts a 29 Feb 1900 that never was


class PatchError(WorkbookError):
    """The table cannot be rewritten safely; nothing was changed."""


class NoRoomError(PatchError):
    """An owned table is missing and cannot be added without writing over the user's
    cells; ``where`` is the sheet and cell in the way (``Delivery!A3``)."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where
        self.reason = message


# --- cell references ---------------------------------------------------------------


def col_index(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def col_letters(index: int) -> str:
    out = ""
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


@dataclass(frozen=True)
class Area:
    c1: int
    r1: int
    c2: int
    r2: int

    @classmethod
    def parse(cls, ref: str) -> Area:
        m = _REF.match(ref.strip())
        if m is None:
            raise PatchError(f"not a cell range: {ref!r}")
        c1, r1 = col_index(m[1]), int(m[2])
        c2, r2 = (col_index(m[3]), int(m[4])) if m[3] else (c1, r1)
        return cls(min(c1, c2), min(r1, r2), max(c1, c2), max(r1, r2))

    def __str__(self) -> str:
        return f"{col_letters(self.c1)}{self.r1}:{col_letters(self.c2)}{self.r2}"

    def rows(self, r1: int, r2: int) -> Area:
        return Area(self.c1, r1, self.c2, r2)

    def overlaps(self, other: Area) -> bool:
        return not (
            other.c2 < self.c1 or other.c1 > self.c2 or other.r2 < self.r1 or other.r1 > self.r2
        )

    def union(self, o: Area) -> Area:
        return Area(min(self.c1, o.c1), min(self.r1, o.r1), max(self.c2, o.c2), max(self.r2, o.r2))


# --- the package -------------------------------------------------------------------


# --- cells and rows ---------------------------------------------------------------


def _escape_text(text: str) -> str:
    text = _ESCAPED.sub(r"_x005F_\1", text)
    text = _BAD_XML_CHAR.sub(lambda m: f"_x{ord(m[0]):04X}_", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _serial(value: date, date1904: bool) -> int | float:
    day = value.date() if isinstance(value, datetime) else value
    if date1904:
        if day < _EPOCH_1904:
            raise PatchError(f"{value} lies before 1904-01-01, the workbook's first date")
        days = (day - _EPOCH_1904).days
    else:
        if day < date(1900, 1, 1):
            raise PatchError(f"{value} lies before 1900-01-01, Excel's first date")
        days = (day - _EPOCH_1900).days - (1 if day < _LEAP_BUG_END else 0)
    if not isinstance(value, datetime):
        return days
    seconds = value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
    return days + seconds / 86400 if seconds else days


def _number(value: float | Decimal) -> str:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise PatchError(f"{value} is not a number a cell can hold")
        return format(value, "f")
    if not math.isfinite(value):
        raise PatchError(f"{value} is not a number a cell can hold")
    return repr(value)


def cell_xml(ref: str, style: str | None, value: CellValue, date1904: bool, p: str = "") -> str:
    """One ``<c>`` element for ``value`` (``p`` is the sheet's prefix, e.g. ``"x:"``)."""
    s = f' s="{style}"' if style is not None else ""
    if value is None or (isinstance(value, str) and value == ""):
        return f'<{p}c r="{ref}"{s}/>'
    if isinstance(value, bool):
        return f'<{p}c r="{ref}"{s} t="b"><{p}v>{int(value)}</{p}v></{p}c>'
    if isinstance(value, str):
        keep = ' xml:space="preserve"' if value != value.strip() or "\n" in value else ""
        text = _escape_text(value)
        return f'<{p}c r="{ref}"{s} t="inlineStr"><{p}is><{p}t{keep}>{text}</{p}t></{p}is></{p}c>'
    if isinstance(value, date):
        v = _serial(value, date1904)
        return f'<{p}c r="{ref}"{s}><{p}v>{v if isinstance(v, int) else repr(v)}</{p}v></{p}c>'
    if isinstance(value, int):
        return f'<{p}c r="{ref}"{s}><{p}v>{value}</{p}v></{p}c>'
    if isinstance(value, float | Decimal):
        return f'<{p}c r="{ref}"{s}><{p}v>{_number(value)}</{p}v></{p}c>'
    raise PatchError(f"cannot write a {type(value).__name__} into a cell: {value!r}")


# --- sheet XML surgery ---------------------------------------------------------------


def attrs(tag: str) -> dict[str, str]:
    return {m[1]: m[2] if m[2] is not None else m[3] for m in _ATTR.finditer(tag)}


def set_attr(tag: str, name: str, value: str | None) -> str:
    """``tag`` (a start tag) with attribute ``name`` set, added or (None) removed."""
    pattern = re.compile(rf"""(\s){re.escape(name)}\s*=\s*(?:"[^"]*"|'[^']*')""")
    if pattern.search(tag):
        if value is None:
            return pattern.sub("", tag, count=1)
        return pattern.sub(lambda m: f'{m[1]}{name}="{value}"', tag, count=1)
    if value is None:
        return tag
    m = re.match(r"<[\w:.-]+", tag)
    assert m is not None
    return f'{tag[: m.end()]} {name}="{value}"{tag[m.end() :]}'


@dataclass
class XmlCell:
    col: int
    text: str

    @property
    def has_content(self) -> bool:
        return re.search(r"<(?:[\w.-]+:)?(?:v|f|is)\b", self.text) is not None

    @property
    def has_formula(self) -> bool:
        return re.search(r"<(?:[\w.-]+:)?f\b", self.text) is not None

    def moved(self, row: int) -> XmlCell:
        m = re.match(r"<[^>]*?/?>", self.text)
        assert m is not None
        tag = set_attr(m[0], "r", f"{col_letters(self.col)}{row}")
        return XmlCell(self.col, tag + self.text[m.end() :])


@dataclass
class XmlRow:
    index: int
    start_tag: str  # "<row ...>" or "<row .../>"
    body: str
    text: str

    def cells(self, p: str) -> list[XmlCell]:
        out: list[XmlCell] = []
        col = 0
        pat = rf"<{p}c\b[^>]*?/>|<{p}c\b[^>]*>.*?</{p}c>"
        for m in re.finditer(pat, self.body, re.DOTALL):
            ref = attrs(m[0][: m[0].index(">")]).get("r")
            cm = _CELL_REF.match(ref) if ref else None
            col = col_index(cm[1]) if cm else col + 1
            out.append(XmlCell(col, m[0]))
        return out


def xml_rows(inner: str, p: str) -> list[XmlRow]:
    out: list[XmlRow] = []
    index = 0
    pat = rf"<{p}row\b[^>]*?/>|(<{p}row\b[^>]*>)(.*?)</{p}row>"
    for m in re.finditer(pat, inner, re.DOTALL):
        start = m[1] or m[0]
        r = attrs(start).get("r")
        index = int(r) if r else index + 1
        out.append(XmlRow(index, start, m[2] or "", m[0]))
    return out


def row_xml(start_tag: str, index: int, cells: list[XmlCell], p: str) -> str:
    tag = set_attr(start_tag, "r", str(index))
    tag = set_attr(tag, "spans", None)  # an optional hint; stale once cells change
    tag = tag[:-2].rstrip() + ">" if tag.endswith("/>") else tag
    if not cells:
        return tag[:-1] + "/>"
    return tag + "".join(c.text for c in sorted(cells, key=lambda c: c.col)) + f"</{p}row>"
