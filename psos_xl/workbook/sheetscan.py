"""What calamine does not say of a sheet, read from the package's own XML: which cells
hold an error value, what lies just below a table, and which tables the sheets hold.

python-calamine gives an error cell (``#DIV/0!``, ``#N/A`` …, typed or the cached result
of a formula) as an empty string, exactly as it gives a blank cell, and it hands out a
table's rows without a word about the rows under it. The sheet's XML says both: a cell
``<c t="e">`` holds an error, and ``<row r="N">`` elements past a table's last row are
cells typed below it.

Cheap when there is nothing to find, as in almost every workbook: the package is opened
once per workbook and a sheet's part is searched with a bytes search; the XML is walked
cell by cell only on a sheet that holds an error, and only the rows right below a table
are looked at. Never an XML parser: regular expressions over the bytes, so no DTD or
entity is ever expanded (calamine refuses a part that uses one before this runs).
"""

from __future__ import annotations

import functools
import html
import posixpath
import re
import struct
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from psos_xl.workbook.sheetxml import Area, col_index
from psos_xl.workbook.zipread import Members, inflate

_ATTR = re.compile(rb"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
# a row's or a cell's start tag, with or without a namespace prefix
_TAG = re.compile(rb"<(?:[\w.-]+:)?(row|c)\b([^>]*)>")
_CELL_END = re.compile(rb"</(?:[\w.-]+:)?c\s*>")
_VALUE = re.compile(rb"<(?:[\w.-]+:)?v(?:\s[^>]*)?>([^<]*)<")
_TEXT = re.compile(rb"<(?:[\w.-]+:)?t(?:\s[^>]*)?>([^<]*)<")
_FORMULA = re.compile(rb"<(?:[\w.-]+:)?f\b")
_ERROR_TYPE = re.compile(rb"""\st\s*=\s*["']e["']""")
_CELL_REF = re.compile(rb"^\$?([A-Za-z]{1,3})\$?(\d+)$")
_SHEET = re.compile(rb"<(?:[\w.-]+:)?sheet\s([^>]*)>")
_RELATIONSHIP = re.compile(rb"<(?:[\w.-]+:)?Relationship\s([^>]*)>")
_TABLE = re.compile(rb"<(?:[\w.-]+:)?table\b([^>]*)>")
_DIMENSION = re.compile(rb"<(?:[\w.-]+:)?dimension\s([^>]*)>")
_HEAD = 2048  # bytes of a sheet's part that hold its <dimension>, after a long root tag
_OFFICE_DOCUMENT = "/officeDocument"
_WORKBOOK = "xl/workbook.xml"
_TABLE_TYPE = "/table"

# row (1-based) → column (0-based) → the error's text, as Excel shows it
ErrorCells = dict[int, dict[int, str]]


@dataclass(frozen=True)
class TablePart:
    """One Excel Table as its part declares it."""

    name: str
    sheet: str
    area: Area  # 1-based columns and rows, header row included


@dataclass(frozen=True)
class RowBelow:
    """A row right below a table with something in the table's columns."""

    row: int
    typed: bool  # a value typed in (not only formulas, such as a total under the table)


def _attrs(tag: bytes) -> dict[bytes, bytes]:
    """A start tag's attributes: name → value, both as in the XML (see :func:`_text`)."""
    return {name: double or single for name, double, single in _ATTR.findall(tag)}


def _text(value: bytes) -> str:
    """An attribute's or an element's text, its character references resolved."""
    text = value.decode("utf-8", "replace")
    return html.unescape(text) if "&" in text else text


def _prefixed(attrs: dict[bytes, bytes], name: bytes) -> bytes | None:
    """The attribute ``name`` under its namespace prefix (``r:id``, ``ns1:id``)."""
    for key, value in attrs.items():
        if key.endswith(b":" + name):
            return value
    return None


def _relationship(folder: str, a: dict[bytes, bytes]) -> tuple[str, str, str] | None:
    """(id, type, target part) of an internal relationship of a part in ``folder``."""
    target = _text(a.get(b"Target", b""))
    if not target or a.get(b"TargetMode", b"").lower() == b"external":
        return None
    if target.startswith("/"):
        full = target.lstrip("/")
    else:
        full = f"{folder}/{target}" if folder else target
        if "./" in full:
            full = posixpath.normpath(full)
    return _text(a.get(b"Id", b"")), _text(a.get(b"Type", b"")), full


def _rels_of(part: str) -> str:
    """The relationships part of ``part`` (``xl/_rels/workbook.xml.rels``)."""
    folder, base = posixpath.split(part)
    return f"{folder}/_rels/{base}.rels" if folder else f"_rels/{base}.rels"


def _cell_ref(ref: bytes) -> tuple[int, int] | None:
    """``b"C7"`` → (row 7, column 2 0-based)."""
    m = _CELL_REF.match(ref)
    return (int(m[2]), col_index(m[1].decode("ascii")) - 1) if m else None


def _area(ref: bytes) -> Area | None:
    """``b"A3:G43"`` → its Area (1-based); None when it is no range."""
    parts = ref.split(b":")
    first, last = _cell_ref(parts[0]), _cell_ref(parts[-1])
    if len(parts) > 2 or first is None or last is None:
        return None
    (r1, c1), (r2, c2) = first, last
    return Area(min(c1, c2) + 1, min(r1, r2), max(c1, c2) + 1, max(r1, r2))


@functools.lru_cache(maxsize=64)
def _sheet_map(
    book: str, stored: tuple[int, bytes], rels: tuple[int, bytes]
) -> dict[str, tuple[str, str]]:
    """Each sheet's name (casefolded) → (its name, its part), from the workbook part
    ``book`` and its relationships, both as the zip stores them. Kept for the last
    workbooks read: the timesheets of one template share these two parts byte for
    byte, so a folder of them parses them once (read it, do not change it)."""
    folder = posixpath.dirname(book)
    ids: dict[str, str] = {}
    for tag in _RELATIONSHIP.findall(inflate(book, *rels) if rels[1] else b""):
        found = _relationship(folder, _attrs(tag))
        if found is not None:
            ids[found[0]] = found[2]
    out: dict[str, tuple[str, str]] = {}
    for tag in _SHEET.findall(inflate(book, *stored)):
        a = _attrs(tag)
        name, rid = _text(a.get(b"name", b"")), _prefixed(a, b"id")
        part = ids.get(_text(rid)) if rid else None
        if name and part:
            out.setdefault(name.casefold(), (name, part))
    return out


class Package:
    """The zip package of one workbook, opened lazily, read part by part.

    ``source``: the file's bytes (what sync read and hashed) or its path. A source that is
    no zip (an .xls calamine reads by its content) has no parts: nothing to say.
    Reading a part raises when the part is damaged (a broken deflate stream, a bad CRC).
    """

    def __init__(self, source: bytes | Path) -> None:
        self.source = source
        self._members: Members | None = None
        self._opened = False
        self._sheets: dict[str, tuple[str, str]] | None = None  # casefolded → (name, part)
        self._xml: dict[str, bytes] = {}
        self._errors: dict[str, ErrorCells] = {}

    # --- the parts ---------------------------------------------------------------------

    def _zip(self) -> Members | None:
        """The package's members (None when the source is no zip), opened once."""
        if not self._opened:
            self._opened = True
            try:
                data = self.source if isinstance(self.source, bytes) else self.source.read_bytes()
                self._members = Members(data)
            except (zipfile.BadZipFile, OSError, ValueError, struct.error):
                self._members = None
        return self._members

    def _part(self, name: str) -> bytes | None:
        """A part's bytes by its name; None when the package has no such part."""
        members = self._zip()
        return members.read(name.lstrip("/")) if members is not None else None

    def _rels(self, part: str) -> list[tuple[str, str, str]]:
        """(id, type, target part) of each internal relationship of ``part``."""
        folder = posixpath.dirname(part)
        data = self._part(_rels_of(part))
        out: list[tuple[str, str, str]] = []
        for tag in _RELATIONSHIP.findall(data or b""):
            found = _relationship(folder, _attrs(tag))
            if found is not None:
                out.append(found)
        return out

    def _workbook_part(self) -> tuple[str, tuple[int, bytes]] | None:
        """The workbook part's name and stored bytes (see :meth:`Members.stored`)."""
        stored = self._part_stored(_WORKBOOK)
        if stored is not None:
            return _WORKBOOK, stored
        for _i, typ, target in self._rels(""):
            if typ.endswith(_OFFICE_DOCUMENT):
                stored = self._part_stored(target)
                return (target, stored) if stored is not None else None
        return None

    def _part_stored(self, name: str) -> tuple[int, bytes] | None:
        members = self._zip()
        return members.stored(name.lstrip("/")) if members is not None else None

    def sheet_part(self, sheet: str) -> str | None:
        """The part of the sheet named ``sheet`` (None: the package has none)."""
        named = self.sheets().get(sheet.casefold())
        return named[1] if named is not None else None

    def sheets(self) -> dict[str, tuple[str, str]]:
        """Each sheet's name (casefolded) → (its name, its part), in workbook order."""
        if self._sheets is None:
            self._sheets = {}
            found = self._workbook_part()
            if found is not None:
                book, stored = found
                rels = self._part_stored(_rels_of(book))
                self._sheets = dict(_sheet_map(book, stored, rels or (0, b"")))
        return self._sheets

    def sheet_xml(self, sheet: str) -> bytes:
        """The XML of the sheet named ``sheet`` (b"" when the package has none)."""
        part = self.sheet_part(sheet)
        if part is None:
            return b""
        if part not in self._xml:
            self._xml[part] = self._part(part) or b""
        return self._xml[part]

    # --- error cells -------------------------------------------------------------------

    def errors(self, sheet: str) -> ErrorCells:
        """The sheet's error cells: row → column → the error's text (``#DIV/0!``)."""
        key = sheet.casefold()
        if key not in self._errors:
            xml = self.sheet_xml(sheet)
            # an error cell has t="e": without a quoted e anywhere there is none
            maybe = b'"e"' in xml or b"'e'" in xml
            self._errors[key] = _error_cells(xml) if maybe else {}
        return self._errors[key]

    # --- rows below a table ------------------------------------------------------------

    def rows_below(self, sheet: str, area: Area) -> list[RowBelow]:
        """The rows right below ``area`` (1-based, its last row the table's last) with
        something in its columns, up to the first row with nothing there or the first
        row of another table. An error value counts as something."""
        declared = self._declared_last_row(sheet)
        if declared is not None and declared <= area.r2:
            return []
        xml = self.sheet_xml(sheet)
        last = _last_row(xml)
        if last is not None and last <= area.r2:
            return []
        others: list[Area] | None = None
        out: list[RowBelow] = []
        expected = area.r2 + 1
        for number, cells in _rows_from(xml, expected):
            inside = [c for c in cells if area.c1 - 1 <= c.col <= area.c2 - 1 and c.filled]
            if number != expected or not inside:
                break
            if others is None:
                others = [t.area for t in self.tables() if t.sheet.casefold() == sheet.casefold()]
            if any(o.overlaps(area.rows(number, number)) for o in others):
                break
            out.append(RowBelow(number, any(not c.formula for c in inside)))
            expected += 1
        return out

    def _declared_last_row(self, sheet: str) -> int | None:
        """The last row of the sheet's used range as its ``<dimension>`` declares it, read
        from the head of its part alone (None: not declared there). Excel, LibreOffice
        and openpyxl declare it exactly or wider (formatted cells count), never narrower."""
        part = self.sheet_part(sheet)
        if part is None or part in self._xml or self._members is None:
            return None
        head = self._members.head(part, _HEAD)
        if head is None:
            return None
        data = head.split(b"sheetData", 1)[0]
        m = _DIMENSION.search(data)
        area = _area(_attrs(m[1]).get(b"ref", b"")) if m is not None else None
        return area.r2 if area is not None else None

    # --- the tables --------------------------------------------------------------------

    def tables(self) -> list[TablePart]:
        """Every Excel Table of the workbook, sheet by sheet in workbook order."""
        out: list[TablePart] = []
        for name, part in self.sheets().values():
            for _id, typ, target in self._rels(part):
                if not typ.endswith(_TABLE_TYPE):
                    continue
                m = _TABLE.search(self._part(target) or b"")
                if m is None:
                    continue
                a = _attrs(m[1])
                area = _area(a.get(b"ref", b""))
                if area is None:
                    continue
                title = _text(a.get(b"displayName") or a.get(b"name", b""))
                out.append(TablePart(title, name, area))
        return out


# --- walking the XML ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Cell:
    col: int  # 0-based
    filled: bool  # holds a value, an inline string, an error or a formula
    formula: bool


def _walk(xml: bytes, start: int = 0) -> Iterator[tuple[int, int, dict[bytes, bytes], bytes]]:
    """(row 1-based, column 0-based, attributes, inner XML) of each cell from ``start``,
    numbering rows and cells that carry no ``r`` the way Excel does: one past the last."""
    row, col = 0, -1
    pos = start
    while True:
        m = _TAG.search(xml, pos)
        if m is None:
            return
        pos = m.end()
        attrs = _attrs(m[2])
        if m[1] == b"row":
            r = attrs.get(b"r", b"")
            row = int(r) if r.isdigit() else row + 1
            col = -1
            continue
        where = _cell_ref(attrs.get(b"r", b""))
        if where is not None:
            row, col = where
        else:
            col += 1
        inner = b""
        if not m[2].endswith(b"/"):
            end = _CELL_END.search(xml, pos)
            if end is not None:
                inner, pos = xml[pos : end.start()], end.end()
        yield row, col, attrs, inner


def _error_cells(xml: bytes) -> ErrorCells:
    """Each error cell of the sheet, found by its type attribute (``t="e"``) and placed by
    its reference; a sheet whose error cells carry no reference is walked cell by cell."""
    out: ErrorCells = {}
    for m in _ERROR_TYPE.finditer(xml):
        start = xml.rfind(b"<", 0, m.start())
        tag = _TAG.match(xml, start)
        if tag is None or tag[1] != b"c" or tag.end() < m.end():
            continue  # not a cell's type: text that reads t="e", another element
        where = _cell_ref(_attrs(tag[2]).get(b"r", b""))
        if where is None:
            return _error_cells_walking(xml)
        end = _CELL_END.search(xml, tag.end())
        inner = xml[tag.end() : end.start()] if end and not tag[2].endswith(b"/") else b""
        out.setdefault(where[0], {})[where[1]] = _error_text(inner)
    return out


def _error_cells_walking(xml: bytes) -> ErrorCells:
    out: ErrorCells = {}
    for row, col, attrs, inner in _walk(xml):
        if attrs.get(b"t") == b"e":
            out.setdefault(row, {})[col] = _error_text(inner)
    return out


def _error_text(inner: bytes) -> str:
    """The error an error cell holds, as Excel shows it (``#DIV/0!``)."""
    m = _VALUE.search(inner)
    return (_text(m[1]).strip() if m else "") or "#ERROR"


def _last_row(xml: bytes) -> int | None:
    """The number of the sheet's last ``<row>`` element (0: none; None: it has no ``r``)."""
    end = xml.rfind(b"</sheetData")
    if end < 0:
        end = len(xml)
    pos = end
    while True:
        pos = xml.rfind(b"row", 0, pos)
        if pos <= 0:
            return 0
        before, after = xml[pos - 1 : pos], xml[pos + 3 : pos + 4]
        if before in (b"<", b":") and (after.isspace() or after in (b">", b"/")):
            close = xml.find(b">", pos)
            r = _attrs(xml[pos + 3 : close]).get(b"r", b"")
            return int(r) if r.isdigit() else None


def _rows_from(xml: bytes, number: int) -> Iterator[tuple[int, list[_Cell]]]:
    """The cells of each row from the row numbered ``number`` on, row by row (nothing
    when the sheet has no such row, or numbers none of its rows)."""
    start = _row_start(xml, number)
    if start is None:
        return
    row: int = number
    cells: list[_Cell] = []
    for r, col, attrs, inner in _walk(xml, start):
        if r != row:
            yield row, cells
            row, cells = r, []
        value, text = _VALUE.search(inner), _TEXT.search(inner)
        formula = _FORMULA.search(inner) is not None
        filled = (
            formula
            or attrs.get(b"t") == b"e"
            or bool(value and value[1].strip())
            or bool(text and text[1].strip())
        )
        cells.append(_Cell(col, filled, formula))
    yield row, cells


def _row_start(xml: bytes, number: int) -> int | None:
    """Where the ``<row>`` numbered ``number`` starts (None: the sheet has none)."""
    fast = xml.find(b'<row r="%d"' % number)
    if fast >= 0:
        return fast
    tag = re.compile(rb"""<(?:[\w.-]+:)?row\s(?:[^>]*\s)?r\s*=\s*["']%d["']""" % number)
    m = tag.search(xml)
    return m.start() if m is not None else None
