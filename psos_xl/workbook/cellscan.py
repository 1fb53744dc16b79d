"""Where a part's cells really are, measured by streaming it once: no part held whole.

A reader fills a sheet's grid from A1 to its last row and last column, whatever the
sheet's ``<dimension>`` says (it may lie, or be missing), so the grid's size is known
only from the cells themselves. :func:`scan_part` inflates a part in windows of 1 MB and
measures, in each window:

- **cells**: how many there are, and the last row and column any of them names.
  A cell tag of the common shape (``<c r="B7" …>``, as Excel, LibreOffice and openpyxl
  write it) is taken by a fast pattern: the window's first and last cells give the
  extent so far, and one search checks that no cell tag in between is of another shape
  or lies beyond it (a window that fails is measured cell by cell). A part with any
  other cell tag (a prefix, no reference, lower case, leading zeros, quotes of the
  other kind) is measured again from its start, tag by tag, each cell without a
  reference placed where a reader places it (after the one before it, in its row);
- **tables**: the ref and name of each ``<table>`` element;
- **shared strings**: the ``uniqueCount`` an ``<sst>`` declares (a reader reserves that
  many strings before it reads one).

Matches are taken conservatively: a cell tag inside a comment or a CDATA section counts
as a cell, so the measure errs towards refusing.
"""

from __future__ import annotations

import functools
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from html import unescape

WINDOW = 1 << 20  # inflated bytes looked at at once
TAG_MAX = 1 << 20  # longer than this, an unfinished tag is not waited for
SAMPLE = 8192  # bytes at each end of a window whose cells give the extent so far
EXCEL_COLUMNS = 16_384

_PREFIX = rb"(?:[A-Za-z_][\w.-]*:)?"
_ATTRS = rb"((?:[^>\"']|\"[^\"]*\"|'[^']*')*)"
_REF_CELL = re.compile(rb'<c r="([A-Z]{1,3})([1-9][0-9]{0,6})"')
_ANY_CELL = re.compile(rb"<" + _PREFIX + rb"c[\s/>]")
_TAG = re.compile(rb"<" + _PREFIX + rb"(row|c|table|sst)(?=[\s/>])" + _ATTRS + rb">")
_TAG_START = re.compile(rb"<" + _PREFIX + rb"(?:row|c|table|sst)[\s/>]")
_RARE = re.compile(rb"<" + _PREFIX + rb"(table|sst)(?=[\s/>])" + _ATTRS + rb">")
_RARE_START = re.compile(rb"<" + _PREFIX + rb"(?:table|sst)[\s/>]")
_ATTR = re.compile(rb"(?:^|\s)(?:[\w.-]+:)?([\w.-]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_REF = re.compile(rb"^\$?([A-Za-z]{1,3})\$?0*([0-9]{1,9})$")


def column_letters(number: int) -> str:
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_number(letters: bytes) -> int:
    """A1-style column letters (any case) → 1-based column; past XFD when over three."""
    if len(letters) > 3:
        return EXCEL_COLUMNS + 1
    number = 0
    for byte in letters.upper():
        number = number * 26 + byte - 64
    return number


def parse_ref(text: bytes) -> tuple[int, int] | None:
    """``B7`` (any case, ``$`` signs, leading zeros) → (row, column); None if not a cell."""
    found = _REF.match(text.strip())
    if found is None:
        return None
    return int(found[2]), column_number(found[1])


def attributes(raw: bytes) -> dict[bytes, bytes]:
    """A tag's attributes by local name; of one given twice, the last."""
    return {m[1]: m[2] if m[2] is not None else m[3] for m in _ATTR.finditer(raw)}


@dataclass(frozen=True)
class TableTag:
    """A ``<table>`` element: its name, ref and the rows its header and totals take."""

    name: str
    ref: bytes
    header_rows: int | None = 1  # None: not a whole number
    totals_rows: int | None = 0


@dataclass
class PartScan:
    """What streaming one part found."""

    cells: int = 0
    max_row: int = 0
    max_col: int = 0
    tables: list[TableTag] = field(default_factory=list)
    strings: int = 0  # the largest uniqueCount an <sst> declares
    unfinished: bool = False  # a cell or table tag that never ends

    @property
    def span(self) -> int:
        """The cells of the grid a reader fills: A1 to the last row and column."""
        return self.max_row * self.max_col

    def corner(self) -> str:
        return f"{column_letters(self.max_col)}{self.max_row}"


class _UncommonTagError(Exception):
    """A cell tag the fast pattern does not take: measure the part tag by tag."""


def scan_part(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> PartScan:
    """Stream the part once; again, tag by tag, if a cell tag is not of the common shape.
    Raises what the zip reader raises for a damaged part."""
    if info.file_size <= WINDOW:  # one window: read at once, and passed over if it can
        data = zf.read(info)
        if not any(word in data for word in (b"<c", b":c", b"table", b"sst")):
            return PartScan()
        chunks: Callable[[], Iterable[bytes]] = lambda: (data,)  # noqa: E731
    else:
        chunks = lambda: _windows(zf, info)  # noqa: E731
    try:
        return _scan(chunks(), fast=True)
    except _UncommonTagError:
        return _scan(chunks(), fast=False)


def _windows(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    with zf.open(info) as fh:
        while chunk := fh.read(WINDOW):
            yield chunk


def _scan(chunks: Iterable[bytes], fast: bool) -> PartScan:
    out = PartScan()
    place = [0, 0]  # where a reader stands: row, column (for tags without a reference)
    carry = b""
    ahead = iter(chunks)
    chunk = next(ahead, None)
    while chunk is not None:
        buf = carry + chunk
        chunk = next(ahead, None)  # None: buf ends the part, no tag continues past it
        # each search of the window costs a pass over it: each is made once
        seen = _Seen(b"table" in buf or b"sst" in buf, b":c" in buf, b"<c" in buf)
        cut = len(buf) if chunk is None else _cut(buf, fast, seen.rare)
        if len(buf) - cut > TAG_MAX:
            out.unfinished = True
            return out
        _look(buf[:cut] if cut < len(buf) else buf, out, place, fast, seen)
        carry = buf[cut:]
    return out


@dataclass(frozen=True)
class _Seen:
    """What a window holds at all: a table or shared-strings tag, a prefixed cell tag,
    a plain one (a region of the window holds no more)."""

    rare: bool
    prefixed: bool
    plain: bool


def _cut(buf: bytes, fast: bool, rare: bool) -> int:
    """Where to stop looking in ``buf`` so that no tag is split: before the last ``<``
    whose tag has not ended, and before a tag measured that has not ended yet (a ``>``
    may sit inside its quoted attributes)."""
    cut = buf.rfind(b"<")
    if cut < 0 or buf.find(b">", cut) >= 0:
        cut = len(buf)
    if fast and not rare:
        return cut  # a cell tag split by a quoted '>' fails the fast pattern's check
    tags, starts = (_RARE, _RARE_START) if fast else (_TAG, _TAG_START)
    ended = {m.start() for m in tags.finditer(buf, 0, cut)}
    for start in starts.finditer(buf, 0, cut):
        if start.start() not in ended:
            return start.start()
    return cut


def _look(region: bytes, out: PartScan, place: list[int], fast: bool, seen: _Seen) -> None:
    if not fast:
        for m in _TAG.finditer(region):
            _element(m[1], attributes(m[2]), out, place)
        return
    if seen.plain or seen.prefixed:
        _cells(region, out, seen.prefixed)
    if seen.rare:
        for m in _RARE.finditer(region):
            _element(m[1], attributes(m[2]), out, place)


def _cells(region: bytes, out: PartScan, prefixed: bool) -> None:
    """Count and measure the cell tags of ``region``, all of the common shape (else
    _UncommonTagError)."""
    if len(region) > 4 * SAMPLE:  # a large window: checked against its ends' extent
        _extend(out, _REF_CELL.findall(region, 0, SAMPLE))
        _extend(out, _REF_CELL.findall(region, len(region) - SAMPLE))
        within = out.max_row > 0 and not prefixed
        if within and _beyond(out.max_row, out.max_col).search(region) is None:
            out.cells += region.count(b'<c r="')  # every cell tag is one, within the extent
            return
    found = _REF_CELL.findall(region)
    if len(found) != len(_ANY_CELL.findall(region)):
        raise _UncommonTagError
    _extend(out, found)
    out.cells += len(found)


def _extend(out: PartScan, refs: list[tuple[bytes, bytes]]) -> None:
    if refs:
        out.max_col = max(out.max_col, max(column_number(c) for c in {c for c, _ in refs}))
        out.max_row = max(out.max_row, max(int(r) for r in {r for _, r in refs}))


@functools.lru_cache(maxsize=64)
def _beyond(max_row: int, max_col: int) -> re.Pattern[bytes]:
    """A cell tag that is not ``<c r="…"`` with a plain reference within the extent."""
    within = _at_most_letters(column_letters(max_col)) + _at_most_digits(str(max_row))
    return re.compile(rb'<c(?=[\s/>])(?! r="' + within.encode() + rb'")')


def _at_most_digits(top: str) -> str:
    """A pattern for the whole numbers 1..top, written without leading zeros."""
    alts = [f"[1-9][0-9]{{0,{len(top) - 2}}}"] if len(top) > 1 else []
    for i, digit in enumerate(top):
        low = 1 if i == 0 else 0
        if int(digit) > low:
            rest = len(top) - i - 1
            alts.append(f"{top[:i]}[{low}-{int(digit) - 1}][0-9]{{{rest}}}")
    alts.append(top)
    return f"(?:{'|'.join(alts)})"


def _at_most_letters(top: str) -> str:
    """A pattern for the column letters A..top."""
    alts = [f"[A-Z]{{1,{len(top) - 1}}}"] if len(top) > 1 else []
    for i, letter in enumerate(top):
        if letter > "A":
            rest = len(top) - i - 1
            alts.append(f"{top[:i]}[A-{chr(ord(letter) - 1)}][A-Z]{{{rest}}}")
    alts.append(top)
    return f"(?:{'|'.join(alts)})"


def _count(text: bytes) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() else None


def _element(name: bytes, attrs: dict[bytes, bytes], out: PartScan, place: list[int]) -> None:
    if name == b"row":
        row = attrs.get(b"r", b"").strip()
        place[0] = int(row) if row.isdigit() else place[0] + 1
        place[1] = 0
    elif name == b"c":
        ref = parse_ref(attrs[b"r"]) if b"r" in attrs else None
        if ref is None:
            ref = (max(place[0], 1), place[1] + 1)
        place[0], place[1] = ref
        out.cells += 1
        out.max_row = max(out.max_row, ref[0])
        out.max_col = max(out.max_col, ref[1])
    elif name == b"table":
        label = attrs.get(b"displayName") or attrs.get(b"name") or b""
        name_text = unescape(label.decode("utf-8", "replace"))
        header, totals = attrs.get(b"headerRowCount", b"1"), attrs.get(b"totalsRowCount", b"0")
        out.tables.append(
            TableTag(name_text, attrs.get(b"ref", b""), _count(header), _count(totals))
        )
    elif name == b"sst":
        count = attrs.get(b"uniqueCount", b"").strip()
        if count.isdigit():
            out.strings = max(out.strings, int(count))
