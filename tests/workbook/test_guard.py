"""The guard: what a workbook file must pass before a parser sees it.

Each test builds the file from a small valid timesheet (``tests/wb.py``) and checks what
:func:`psos_xl.workbook.guard.inspect` says of it. Nothing here hands a hostile file to
calamine: the end-to-end cases, through the real command line, are in
``tests/hostile/test_bounds.py``.
"""

from __future__ import annotations

import io
import os
import re
import sys
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs
from wb import TIME_HEADER, make_workbook

from psos_xl.errors import Code, Issue
from psos_xl.workbook import cellscan, guard, zipcheck
from psos_xl.workbook.guard import Limits

POSIX = pytest.mark.skipif(sys.platform == "win32", reason="pipes and links of POSIX")
TIME_SHEET, MARKER_SHEET = "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"
ROW = [date(2026, 2, 2), "ACME-01", "D1", "SA", 7.5, "Y", "kick-off"]


def valid(path: Path, rows: int = 3) -> Path:
    return make_workbook(
        path,
        "timesheet",
        {"Time": [TIME_HEADER, *([ROW] * rows)]},
        marker={"person": "ALM", "week": "2026-02-02"},
    )


def rewrite(path: Path, edits: dict[str, Callable[[bytes], bytes]]) -> Path:
    with zipfile.ZipFile(path) as zin:
        parts = [(i.filename, zin.read(i.filename)) for i in zin.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in parts:
            zout.writestr(name, edits[name](data) if name in edits else data)
    return path


def add_row(xml: bytes) -> Callable[[bytes], bytes]:
    return lambda data: data.replace(b"</sheetData>", xml + b"</sheetData>")


def codes(issues: list[Issue]) -> list[tuple[str, str]]:
    return [(str(i.code), str(i.location)) for i in issues]


def test_a_valid_workbook_passes(tmp_path: Path) -> None:
    path = valid(tmp_path / "t.xlsx")
    admitted, issues = guard.admit(path, "t.xlsx")
    assert issues == []
    assert admitted is not None and admitted.data == path.read_bytes()
    assert (admitted.size, admitted.mtime_ns) == (path.stat().st_size, path.stat().st_mtime_ns)


# --- the folder entry ------------------------------------------------------------------


@POSIX
def test_a_fifo_is_reported_and_never_opened(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.xlsx")  # opening it for reading would block: nobody writes
    [issue] = guard.inspect(tmp_path / "pipe.xlsx", display="pipe.xlsx")
    assert issue.code is Code.FILE_NOT_REGULAR
    assert "named pipe (FIFO)" in issue.message


@POSIX
def test_a_device_is_not_read(tmp_path: Path) -> None:
    (tmp_path / "zero.xlsx").symlink_to("/dev/zero")
    [issue] = guard.inspect(tmp_path / "zero.xlsx")  # no folder to stay in: followed
    assert issue.code is Code.FILE_NOT_REGULAR and "character device" in issue.message
    [outside] = guard.inspect(tmp_path / "zero.xlsx", within=tmp_path)
    assert outside.code is Code.LINK_OUTSIDE_WORKSPACE and "/dev/zero" in outside.message


@POSIX
def test_links_in_a_loop_or_to_nothing_are_broken(tmp_path: Path) -> None:
    (tmp_path / "a.xlsx").symlink_to("b.xlsx")
    (tmp_path / "b.xlsx").symlink_to("a.xlsx")
    (tmp_path / "gone.xlsx").symlink_to("nothing.xlsx")
    [loop] = guard.inspect(tmp_path / "a.xlsx", within=tmp_path)
    [gone] = guard.inspect(tmp_path / "gone.xlsx", within=tmp_path)
    assert (loop.code, gone.code) == (Code.LINK_BROKEN, Code.LINK_BROKEN)
    assert "loop" in loop.message and "nothing.xlsx" in gone.message


@POSIX
def test_a_link_is_followed_inside_the_folder_only(tmp_path: Path) -> None:
    ws, elsewhere = tmp_path / "ws", tmp_path / "elsewhere"
    ws.mkdir()
    elsewhere.mkdir()
    valid(ws / "real.xlsx")
    valid(elsewhere / "out.xlsx")
    (ws / "inside.xlsx").symlink_to("real.xlsx")
    (ws / "outside.xlsx").symlink_to(elsewhere / "out.xlsx")
    assert guard.inspect(ws / "inside.xlsx", within=ws) == []
    [issue] = guard.inspect(ws / "outside.xlsx", within=ws)
    assert issue.code is Code.LINK_OUTSIDE_WORKSPACE


def test_a_missing_file_and_a_folder(tmp_path: Path) -> None:
    [missing] = guard.inspect(tmp_path / "nope.xlsx")
    (tmp_path / "dir.xlsx").mkdir()
    [folder] = guard.inspect(tmp_path / "dir.xlsx")
    assert missing.code is Code.FILE_NOT_FOUND
    assert folder.code is Code.FILE_NOT_REGULAR and "a folder" in folder.message


@POSIX
def test_a_fifo_swapped_in_after_the_look_is_not_waited_on(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.xlsx")
    with pytest.raises(guard.NotRegularError):
        guard.open_file(tmp_path / "pipe.xlsx")  # opened without blocking, then refused


# --- the bytes -------------------------------------------------------------------------


def test_over_max_file_mb_is_too_large_before_it_is_read(tmp_path: Path) -> None:
    path = valid(tmp_path / "t.xlsx")
    with zipfile.ZipFile(path, "a", zipfile.ZIP_STORED) as zf:
        zf.writestr("xl/media/noise.bin", os.urandom((1 << 20) + 10))
    [issue] = guard.inspect(path, Limits(file_mb=1))
    assert issue.code is Code.FILE_TOO_LARGE and "max_file_mb = 1" in issue.message
    assert guard.inspect(path, Limits(file_mb=2)) == []


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (bytes.fromhex("D0CF11E0A1B11AE1") + bytes(6000), "OLE compound file"),
        (b"Date;Hours\n2026-02-02;7.5\n", "holds text"),
        (b"", "empty"),
        (bytes(range(256)) * 4, "not a zip package"),
    ],
    ids=["ole", "csv", "empty", "binary"],
)
def test_what_is_not_a_zip_is_unreadable_and_says_what_it_is(
    tmp_path: Path, content: bytes, says: str
) -> None:
    (tmp_path / "t.xlsx").write_bytes(content)
    [issue] = guard.inspect(tmp_path / "t.xlsx")
    assert issue.code is Code.FILE_UNREADABLE and says in issue.message


def test_a_truncated_package_is_unreadable(tmp_path: Path) -> None:
    path = valid(tmp_path / "t.xlsx")
    path.write_bytes(path.read_bytes()[:3000])
    [issue] = guard.inspect(path)
    assert issue.code is Code.FILE_UNREADABLE and "cut short" in issue.message


def test_a_damaged_part_is_unreadable(tmp_path: Path) -> None:
    path = valid(tmp_path / "t.xlsx")
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(TIME_SHEET)
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start + 10 : start + 40] = bytes(30)  # inside the deflate stream
    path.write_bytes(bytes(data))
    [issue] = guard.inspect(path)
    assert issue.code is Code.FILE_UNREADABLE and TIME_SHEET in issue.message


def test_too_many_parts(tmp_path: Path) -> None:
    path = valid(tmp_path / "t.xlsx")
    with zipfile.ZipFile(path, "a") as zf:
        for i in range(30):
            zf.writestr(f"customXml/item{i}.xml", b"<x/>")
    [issue] = guard.inspect(path, Limits(parts=20))
    assert issue.code is Code.FILE_TOO_LARGE and "max_parts = 20" in issue.message
    assert guard.inspect(path, Limits(parts=100)) == []


def test_the_zip_directory_is_counted_before_it_is_parsed() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for i in range(3):
            zf.writestr(f"p{i}", b"")
    assert zipcheck.directory_size(buf.getvalue()) == (3, 3 * (46 + len("p0")))
    assert zipcheck.directory_size(b"PK\x03\x04 and no end record") is None


def test_a_compression_bomb_is_suspicious_and_a_large_total_too_large(tmp_path: Path) -> None:
    path = valid(tmp_path / "t.xlsx")
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf:  # a reader opens it by name
        zf.writestr("xl/sharedStrings.xml", b"<sst><si><t>" + b"A" * (8 << 20) + b"</t></si></sst>")
    [bomb] = guard.inspect(path)
    assert bomb.code is Code.FILE_SUSPICIOUS and "max_ratio = 100" in bomb.message
    [large] = guard.inspect(path, Limits(unzipped_mb=5, ratio=10_000))
    assert large.code is Code.FILE_TOO_LARGE and "max_unzipped_mb = 5" in large.message


def test_a_part_no_reader_reaches_rides_along_unjudged(tmp_path: Path) -> None:
    """Write-back copies it as stored; reading never inflates it."""
    path = valid(tmp_path / "t.xlsx")
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/embeddings/filler.bin", bytes(64 << 20))  # 64 MB of zeros: ~1000:1
    assert guard.inspect(path, Limits(unzipped_mb=5)) == []
    # the same part reached from a sheet's relationships is judged
    link = (
        b'<Relationship Id="rId9" Target="../embeddings/filler.bin" Type="http://'
        b'schemas.openxmlformats.org/officeDocument/2006/relationships/package"/>'
    )
    rewrite(
        path,
        {
            "xl/worksheets/_rels/sheet1.xml.rels": lambda d: d.replace(
                b"</Relationships>", link + b"</Relationships>"
            )
        },
    )
    [bomb] = guard.inspect(path)
    assert bomb.code is Code.FILE_SUSPICIOUS and "xl/embeddings/filler.bin" in bomb.message


def test_a_small_part_is_not_judged_by_its_ratio(tmp_path: Path) -> None:
    path = valid(tmp_path / "t.xlsx")
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/sharedStrings.xml", b"<sst><si><t>" + b"A" * 500_000 + b"</t></si></sst>")
    assert guard.inspect(path) == []


def test_an_encrypted_part_or_a_foreign_method_is_unreadable(tmp_path: Path) -> None:
    path = valid(tmp_path / "t.xlsx")
    with zipfile.ZipFile(path, "a", zipfile.ZIP_BZIP2) as zf:
        zf.writestr("xl/sharedStrings.xml", b"<sst/>")
    [issue] = guard.inspect(path)
    assert issue.code is Code.FILE_UNREADABLE and "compression method 12" in issue.message


# --- where the cells are ---------------------------------------------------------------

FAR = b'<row r="1048576"><c r="XFD1048576" t="n"><v>1</v></c></row>'


@pytest.mark.parametrize(
    ("part", "row", "where"),
    [
        (TIME_SHEET, FAR, "t.xlsx!Time!XFD1048576"),
        (MARKER_SHEET, FAR, "t.xlsx!_psos!XFD1048576"),
        (TIME_SHEET, b'<row r="1048576"><c r="xfd1048576"><v>1</v></c></row>', "Time"),
        (TIME_SHEET, b'<row r="1048576"><c r="XFD001048576"><v>1</v></c></row>', "Time"),
        (TIME_SHEET, b'<row r="9"><c t="n" r="XFD1048576"><v>1</v></c></row>', "Time"),
        (TIME_SHEET, b"<row r='9'><c r='XFD1048576'><v>1</v></c></row>", "Time"),
        (TIME_SHEET, b'<x:c xmlns:x="urn:x" r="XFD1048576"><x:v>1</x:v></x:c>', "Time"),
        (TIME_SHEET, b'<row r="9"><c a=">" r="XFD1048576"><v>1</v></c></row>', "Time"),
        (TIME_SHEET, b'<row r="1048576">' + b"<c><v>1</v></c>" * 16_384 + b"</row>", "Time"),
        (TIME_SHEET, b'<row r="1048576"><c r="G1048576"><v>1</v></c></row>', "!G1048576"),
        (TIME_SHEET, b'<row r="5"><c r="XFE5"><v>1</v></c></row>', "beyond Excel"),
    ],
    ids=[
        "time",
        "marker",
        "lower case",
        "leading zeros",
        "r not first",
        "single quotes",
        "prefix",
        "quoted >",
        "no references",
        "far row",
        "past XFD",
    ],
)
def test_a_cell_far_beyond_the_data_is_suspicious(
    tmp_path: Path, part: str, row: bytes, where: str
) -> None:
    # the sheet's <dimension> still says A1:G4: the cells themselves are measured
    path = rewrite(valid(tmp_path / "t.xlsx"), {part: add_row(row)})
    [issue] = guard.inspect(path, display="t.xlsx")
    assert issue.code is Code.FILE_SUSPICIOUS
    assert where in str(issue.location) + issue.message


def test_a_declared_dimension_alone_is_not_data(tmp_path: Path) -> None:
    path = rewrite(
        valid(tmp_path / "t.xlsx"),
        {
            TIME_SHEET: lambda d: re.sub(
                rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', d
            )
        },
    )
    assert guard.inspect(path) == []


def test_a_sheet_whose_data_is_there_may_span_far(tmp_path: Path) -> None:
    dense = b"".join(
        b'<row r="%d">' % r
        + b"".join(
            b'<c r="%s%d"><v>1</v></c>' % (cellscan.column_letters(c).encode(), r)
            for c in range(1, 31)
        )
        + b"</row>"
        for r in range(5, 40)
    )
    path = rewrite(valid(tmp_path / "t.xlsx"), {TIME_SHEET: add_row(dense)})
    assert guard.inspect(path, Limits(sparse_cells=100)) == []  # 1,170 cells, 1,050 filled
    sparse = rewrite(
        valid(tmp_path / "s.xlsx"),
        {TIME_SHEET: add_row(b'<row r="39"><c r="AD39"><v>1</v></c></row>')},
    )
    [issue] = guard.inspect(sparse, Limits(sparse_cells=100))
    assert issue.code is Code.FILE_SUSPICIOUS and "1,170 cells" in issue.message


def test_a_table_ref_over_the_sheet_is_suspicious(tmp_path: Path) -> None:
    path = rewrite(
        valid(tmp_path / "t.xlsx"),
        {"xl/tables/table1.xml": lambda d: d.replace(b'ref="A1:G4"', b'ref="A1:XFD1048576"')},
    )
    [issue] = guard.inspect(path, display="t.xlsx")
    assert (str(issue.code), str(issue.location)) == ("FILE_SUSPICIOUS", "t.xlsx!Time!A1")
    assert "the table 'Time' spans A1:XFD1048576" in issue.message
    assert "while its sheet 'Time' holds 28" in issue.message


def test_a_table_over_its_rows_only_passes(tmp_path: Path) -> None:
    path = rewrite(
        valid(tmp_path / "t.xlsx"),
        {"xl/tables/table1.xml": lambda d: d.replace(b'ref="A1:G4"', b'ref="A1:G500"')},
    )
    assert guard.inspect(path) == []


def test_shared_strings_declared_far_beyond_their_part(tmp_path: Path) -> None:
    path = valid(tmp_path / "t.xlsx")
    sst = b'<sst xmlns="urn:x" uniqueCount="4000000000"><si><t>x</t></si></sst>'
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr("xl/sharedStrings.xml", sst)
    [issue] = guard.inspect(path)
    assert issue.code is Code.FILE_SUSPICIOUS and "4,000,000,000 shared strings" in issue.message


# --- the cell scan: exact whatever the windows -------------------------------------------


def scan(xml: bytes) -> cellscan.PartScan:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("sheet.xml", xml)
    with zipfile.ZipFile(buf) as zf:
        return cellscan.scan_part(zf, zf.getinfo("sheet.xml"))


SHEET = (
    b'<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" s="1"/></row>'
    b'<row r="2"><c r="C2"><v>1</v></c><c r="D2" t="inlineStr"><is><t>a&gt;b</t></is></c></row>'
    b'<row r="7"><c r="AB7"><v>2</v></c></row></sheetData>'
    b'<tableParts count="1"><tablePart r:id="rId1"/></tableParts></worksheet>'
)


@settings(max_examples=60, deadline=None)
@given(window=hs.integers(min_value=1, max_value=len(SHEET) + 5), sample=hs.integers(1, 64))
def test_the_scan_does_not_depend_on_where_the_windows_fall(window: int, sample: int) -> None:
    whole = scan(SHEET)
    assert (whole.cells, whole.max_row, whole.max_col) == (5, 7, 28)
    saved = cellscan.WINDOW, cellscan.SAMPLE
    cellscan.WINDOW, cellscan.SAMPLE = window, sample
    try:
        assert scan(SHEET) == whole
        far = scan(SHEET.replace(b"</sheetData>", FAR + b"</sheetData>"))
        assert (far.max_row, far.max_col) == (1_048_576, 16_384)
    finally:
        cellscan.WINDOW, cellscan.SAMPLE = saved


def test_cells_without_a_reference_are_placed_as_a_reader_places_them() -> None:
    xml = b'<sheetData><row r="3"><c r="B3"/><c/><c/></row><row><c/></row></sheetData>'
    found = scan(xml)
    assert (found.cells, found.max_row, found.max_col) == (4, 4, 4)


def test_a_cell_tag_that_never_ends_is_not_waited_for() -> None:
    saved = cellscan.WINDOW, cellscan.TAG_MAX
    cellscan.WINDOW, cellscan.TAG_MAX = 64, 256
    try:
        assert scan(b'<sheetData><c r="A1" x="' + b"y" * 2000).unfinished
    finally:
        cellscan.WINDOW, cellscan.TAG_MAX = saved


@pytest.mark.parametrize("top", [1, 9, 10, 11, 99, 100, 101, 209, 1000, 1234, 9999])
def test_the_row_bound_pattern_takes_exactly_one_to_top(top: int) -> None:
    pattern = re.compile(cellscan._at_most_digits(str(top)))
    taken = [n for n in range(0, 20_000) if pattern.fullmatch(str(n))]
    assert taken == list(range(1, top + 1))
    assert not pattern.fullmatch(f"0{top}")


@pytest.mark.parametrize("top", ["A", "B", "Z", "AA", "AZ", "BA", "ZZ", "AAA", "ABC", "XFD"])
def test_the_column_bound_pattern_takes_exactly_a_to_top(top: str) -> None:
    pattern = re.compile(cellscan._at_most_letters(top))
    last = cellscan.column_number(top.encode())
    names = [cellscan.column_letters(n) for n in range(1, 18_279)]
    assert [n for n in names if pattern.fullmatch(n)] == names[:last]


# --- the limits ------------------------------------------------------------------------


def test_limits_come_from_the_settings_and_refuse_nonsense() -> None:
    assert Limits.of({}) == guard.DEFAULT == Limits(50, 500, 100, 10_000, 4_000_000)
    assert Limits.of({"max_file_mb": "5", "max_parts": "20"}) == Limits(5, 500, 100, 20, 4_000_000)
    for bad in ("0", "-1", "1.5", "ten", ""):
        with pytest.raises(ValueError, match="max_ratio must be a whole number above zero"):
            Limits.of({"max_ratio": bad})


@pytest.mark.parametrize(
    ("ref", "attrs", "says"),
    [
        (b"A1:G1", b"", "no data row"),
        (b"A1:G4", b' headerRowCount="4"', "no data row"),
        (b"A1:G4", b' headerRowCount="3" totalsRowCount="1"', "no data row"),
        (b"XFD1048576", b"", "no data row"),
        (b"G4:A1", b"", "backwards"),
        (b"A1:G4", b' headerRowCount="one"', "not a number"),
    ],
    ids=["header only", "all header", "header and totals", "one far cell", "backwards", "nan"],
)
def test_a_table_a_reader_cannot_take_is_unreadable_at_the_table(
    tmp_path: Path, ref: bytes, attrs: bytes, says: str
) -> None:
    # calamine panics on each of these (pyo3's PanicException, not an Exception)
    def table(data: bytes) -> bytes:
        data = data.replace(b'ref="A1:G4"', b'ref="' + ref + b'"', 1)
        return data.replace(b' headerRowCount="1"', attrs or b' headerRowCount="1"')

    path = rewrite(valid(tmp_path / "t.xlsx"), {"xl/tables/table1.xml": table})
    [issue] = guard.inspect(path, display="t.xlsx")
    assert issue.code is Code.FILE_UNREADABLE and says in issue.message
    assert str(issue.location).startswith("t.xlsx!Time!")


def test_a_table_without_a_header_row_is_fine(tmp_path: Path) -> None:
    def table(data: bytes) -> bytes:
        return data.replace(b' headerRowCount="1"', b' headerRowCount="0"')

    assert guard.inspect(rewrite(valid(tmp_path / "t.xlsx"), {"xl/tables/table1.xml": table})) == []
