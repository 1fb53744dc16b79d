"""A workbook package measured without trusting it, before any parser sees it.

python-calamine believes what a package says. One value in XFD1048576 (whatever the
sheet's ``<dimension>`` claims) makes it allocate the whole grid, 17 billion cells, and
abort the process; a table whose ref covers the sheet does the same; a shared-strings
part that declares four billion strings has them reserved before one is read; a small
part may inflate to gigabytes. So :func:`inspect_package` looks at the zip first:

- **the directory**: the number of parts (from the end record, before the directory is
  parsed), each part's declared sizes, encryption and compression method. The zip
  reader under calamine refuses a part that inflates past the size its central
  directory declares, so the declared sizes bound what reading inflates: their total,
  and the ratio of each part over 1 MB, are judged against the limits.
- **the cells**: every part is streamed once, never held whole, and where its cells
  really are, its table refs and its shared-string counts measured
  (:mod:`psos_xl.workbook.cellscan`). A sheet or table that spans more than
  ``max_sparse_cells`` (last row × last column, from A1: a reader fills the grid from
  A1) while fewer than a quarter of those cells hold anything is refused, as is
  anything beyond Excel's last cell, or a shared-strings count far beyond its part.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from psos_xl.errors import Code, Issue, Location
from psos_xl.workbook.cellscan import PartScan, TableTag, column_letters, parse_ref, scan_part
from psos_xl.workbook.partmap import PartMap, part_map

MB = 1 << 20
RATIO_FLOOR = MB  # smaller parts are not judged by their ratio
EXCEL_ROWS, EXCEL_COLUMNS = 1_048_576, 16_384
DENSITY = 4  # a span over the limit passes when one cell in this many holds something
DIRECTORY_ENTRY_MAX = 512  # bytes per part a central directory may take on average
STRINGS_FLOOR = 1_000_000  # shared strings a part may declare whatever its size

OLE = bytes.fromhex("D0CF11E0A1B11AE1")


def _issue(code: Code, display: str, message: str, sheet: str = "", cell: str = "") -> Issue:
    return Issue.make(code, Location(display, sheet, cell), message)


def _mb(size: int) -> str:
    if size >= MB:
        return f"{size / MB:,.0f} MB"
    return f"{size / 1024:,.0f} KB" if size >= 1024 else f"{size:,} bytes"


# --- the end of central directory record -----------------------------------------------


def directory_size(data: bytes) -> tuple[int, int] | None:
    """(parts, bytes) the zip's central directory holds, from its end record; None when
    there is no end record (not a zip, or cut short)."""
    tail_start = max(0, len(data) - (65_536 + 22))
    at = data.rfind(b"PK\x05\x06", tail_start)
    if at < 0 or len(data) - at < 22:
        return None
    parts, size = struct.unpack_from("<HI", data, at + 10)
    if parts == 0xFFFF or size == 0xFFFFFFFF:  # zip64: the real numbers are elsewhere
        locator = at - 20
        if locator < 0 or data[locator : locator + 4] != b"PK\x06\x07":
            return None
        (record,) = struct.unpack_from("<Q", data, locator + 8)
        if record + 56 > len(data) or data[record : record + 4] != b"PK\x06\x06":
            return None
        parts, size = struct.unpack_from("<QQ", data, record + 32)
    return parts, size


# --- the package -----------------------------------------------------------------------


def not_a_package(data: bytes, display: str) -> Issue | None:
    """FILE_UNREADABLE for bytes that are not a zip package, saying what they look like."""
    if data.startswith(b"PK\x03\x04"):
        return None
    if data.startswith(OLE):
        why = (
            "it is an OLE compound file: a legacy .xls workbook, or an .xlsx encrypted with "
            "a password; save it from Excel as an .xlsx without a password"
        )
    elif not data:
        why = "the file is empty"
    elif data.startswith(b"PK"):
        why = "it is a zip that starts with no part (cut short or damaged)"
    elif _looks_like_text(data[:4096]):
        why = "it holds text, not a workbook (a CSV or a web page renamed .xlsx?)"
    else:
        why = "it is not a zip package, as every .xlsx/.xlsm is"
    return _unreadable(display, why)


def _unreadable(display: str, why: str) -> Issue:
    return _issue(Code.FILE_UNREADABLE, display, f"cannot be read as an Excel workbook: {why}")


def _looks_like_text(head: bytes) -> bool:
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        text = head.decode("latin-1")
    return sum(ch.isprintable() or ch in "\r\n\t" for ch in text) >= 0.95 * len(text)


@dataclass(frozen=True)
class Limits:
    """The limits a package is judged by, in bytes and counts (see guard.Limits)."""

    unzipped_bytes: int
    ratio: int
    parts: int
    sparse_cells: int


def inspect_package(data: bytes, display: str, limits: Limits) -> list[Issue]:
    """Every reason the zip package ``data`` must not reach a parser (none: it may)."""
    found = not_a_package(data, display)
    if found is not None:
        return [found]
    directory = directory_size(data)
    if directory is None:
        why = "its zip directory is missing: the file is cut short, or still being written"
        return [_unreadable(display, why)]
    parts, size = directory
    if parts > limits.parts or size > limits.parts * DIRECTORY_ENTRY_MAX:
        return [_issue(Code.FILE_TOO_LARGE, display, _too_many(parts, limits))]
    # zipfile raises NotImplementedError for a version or compression it does not know,
    # which a damaged directory can claim
    damaged = (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except damaged as err:
        return [_unreadable(display, f"its zip directory is damaged ({err})")]
    with zf:
        try:
            return _judge(zf, display, limits)
        except NotImplementedError as err:
            return [_unreadable(display, f"a part is stored in a way no reader knows ({err})")]


def _too_many(parts: int, limits: Limits) -> str:
    return (
        f"holds {parts:,} parts, over max_parts = {limits.parts:,}; not read "
        "(raise the limit in psos.toml if the workbook is genuine)"
    )


def _judge(zf: zipfile.ZipFile, display: str, limits: Limits) -> list[Issue]:
    infos = zf.infolist()
    if len(infos) > limits.parts:
        return [_issue(Code.FILE_TOO_LARGE, display, _too_many(len(infos), limits))]
    try:
        parts = part_map(zf, infos)
    except _DAMAGE as err:
        return [_unreadable(display, f"its relationships are damaged ({err})")]
    parsed = [i for i in infos if i.filename in parts.parsed]  # the rest is never inflated
    for info in parsed:
        if info.flag_bits & 0x1:
            return [_unreadable(display, f"its part {info.filename} is encrypted")]
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            method = info.compress_type
            why = f"its part {info.filename} uses compression method {method}, not Excel's"
            return [_unreadable(display, why)]
    for info in parsed:
        if info.file_size > RATIO_FLOOR and info.file_size > limits.ratio * info.compress_size:
            ratio = info.file_size / max(info.compress_size, 1)
            message = (
                f"its part {info.filename} inflates {_mb(info.compress_size)} to "
                f"{_mb(info.file_size)} ({ratio:,.0f}:1), over max_ratio = {limits.ratio}: "
                "a zip bomb; not read"
            )
            return [_issue(Code.FILE_SUSPICIOUS, display, message, parts.sheet(info.filename))]
    total = sum(i.file_size for i in parsed)
    if total > limits.unzipped_bytes:
        message = (
            f"uncompresses to {_mb(total)}, over max_unzipped_mb = "
            f"{limits.unzipped_bytes // MB:,}; not read (raise the limit in psos.toml if "
            "the workbook is genuine)"
        )
        return [_issue(Code.FILE_TOO_LARGE, display, message)]
    return _measure(zf, parsed, parts, display, limits)


_DAMAGE = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError)


def _measure(
    zf: zipfile.ZipFile,
    parsed: list[zipfile.ZipInfo],
    parts: PartMap,
    display: str,
    limits: Limits,
) -> list[Issue]:
    scans: dict[str, PartScan] = {}
    for info in parsed:
        name = info.filename
        try:
            scans[name] = scan_part(zf, info)
        except _DAMAGE as err:
            sheet = f"the sheet '{parts.sheet(name)}' cannot be read: " if parts.sheet(name) else ""
            return [_unreadable(display, f"{sheet}its part {name} is damaged ({err})")]
    for info in parsed:
        found = _judge_part(info.filename, scans, parts, info, display, limits)
        for issue in found:
            return [issue]  # one reason is enough: nothing of the workbook is read
    return []


def _judge_part(
    name: str,
    scans: dict[str, PartScan],
    parts: PartMap,
    info: zipfile.ZipInfo,
    display: str,
    limits: Limits,
) -> Iterator[Issue]:
    scan, sheet = scans[name], parts.sheet(name)
    where = f"the sheet '{sheet}'" if sheet else f"the part {name}"
    if scan.unfinished:
        message = f"{where} has a cell or table tag that never ends"
        yield _issue(Code.FILE_SUSPICIOUS, display, message, sheet)
    if scan.cells:
        corner = scan.corner()
        if scan.max_row > EXCEL_ROWS or scan.max_col > EXCEL_COLUMNS:
            message = f"{where} has a cell beyond Excel's last cell XFD1048576; not read"
            yield _issue(Code.FILE_SUSPICIOUS, display, message, sheet)
        elif scan.span > limits.sparse_cells and scan.cells * DENSITY < scan.span:
            message = (
                f"{where} reaches {corner}: A1:{corner} is {scan.span:,} cells, of which "
                f"{scan.cells:,} hold anything, and a reader allocates them all; not read "
                f"(clear what lies far out, around {corner}, or raise max_sparse_cells in "
                "psos.toml)"
            )
            yield _issue(Code.FILE_SUSPICIOUS, display, message, sheet, corner)
    on = parts.tables.get(name, "")  # the part of the sheet the table is on
    for table in scan.tables:
        found = _table_issue(table, scans.get(on), parts.sheet(on), limits)
        if found is not None:
            code, message, cell = found
            yield _issue(code, display, message, parts.sheet(on), cell)
    if scan.strings > max(STRINGS_FLOOR, info.file_size // 4):
        message = (
            f"the part {name} declares {scan.strings:,} shared strings in "
            f"{_mb(info.file_size)}, which a reader reserves room for first; not read"
        )
        yield _issue(Code.FILE_SUSPICIOUS, display, message)


def _table_issue(
    table: TableTag, sheet_scan: PartScan | None, sheet: str, limits: Limits
) -> tuple[Code, str, str] | None:
    """Why the table must not be read (code, message, the cell it starts at); None if
    fine. ``sheet_scan``: its sheet's cells (None when the sheet cannot be told)."""
    ends = [parse_ref(end) for end in table.ref.split(b":")]
    if not ends or len(ends) > 2 or any(e is None for e in ends):
        return None  # not a range: the reader reports the table it cannot read
    (r1, c1), (r2, c2) = ends[0], ends[-1]  # type: ignore[misc]
    first = f"{column_letters(min(c1, c2))}{min(r1, r2)}"
    text, name = table.ref.decode("ascii", "replace"), table.name
    if max(r1, r2) > EXCEL_ROWS or max(c1, c2) > EXCEL_COLUMNS:
        why = f"the table '{name}' ({text}) reaches beyond Excel's last cell; not read"
        return Code.FILE_SUSPICIOUS, why, first
    rows = r2 - r1 + 1
    header, totals = table.header_rows, table.totals_rows
    if r2 < r1 or c2 < c1:
        why = f"the table '{name}' has its ref {text} backwards; a reader cannot take it"
        return Code.FILE_UNREADABLE, why, first
    if header is None or totals is None:
        why = f"the table '{name}' counts its header or totals rows in something not a number"
        return Code.FILE_UNREADABLE, why, first
    if rows <= header + totals:
        why = (
            f"the table '{name}' ({text}) has no data row between its header and totals "
            "rows; a reader cannot take it (give it one row, even empty: Excel keeps one)"
        )
        return Code.FILE_UNREADABLE, why, first
    span = rows * (c2 - c1 + 1)
    held = sheet_scan.cells if sheet_scan is not None else 0
    if span > limits.sparse_cells and held * DENSITY < span:
        on = f"its sheet '{sheet}'" if sheet else "its sheet"
        why = (
            f"the table '{name}' spans {text}, {span:,} cells, while {on} holds {held:,}, "
            "and a reader allocates them all; not read (resize the table to its rows: "
            "Table Design → Resize Table)"
        )
        return Code.FILE_SUSPICIOUS, why, first
    return None
