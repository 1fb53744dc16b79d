"""What the package's XML says that calamine does not: error cells, rows under a table,
the tables of each sheet; and the zip members read without zipfile."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.table import Table
from wb import TIME_HEADER, make_workbook

from psos_xl.workbook.sheetscan import Package, RowBelow
from psos_xl.workbook.sheetxml import Area
from psos_xl.workbook.zipread import Members

ERRORS = ["#VALUE!", "#DIV/0!", "#N/A", "#REF!", "#NAME?", "#NUM!", "#NULL!"]
TIME_AREA = Area(1, 1, 7, 3)  # A1:G3, as make_workbook lays a Time table of two rows


def rewrite(path: Path, part: str, edit: Callable[[bytes], bytes]) -> Path:
    """``path`` with one part's bytes replaced by ``edit(bytes)``, every other part kept."""
    with zipfile.ZipFile(path) as zin:
        parts = [(i, zin.read(i.filename)) for i in zin.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in parts:
            zout.writestr(info, edit(data) if info.filename == part else data)
    return path


def two_rows(tmp_path: Path, name: str = "t.xlsx") -> Path:
    rows = [["2026-01-05", "ACME-01", "D1", "SA", 7.5, "Y", "a"]] * 2
    return make_workbook(tmp_path / name, "timesheet", {"Time": [TIME_HEADER, *rows]})


def below(path: Path, cells: dict[str, object]) -> list[RowBelow]:
    wb = openpyxl.load_workbook(path)
    for ref, value in cells.items():
        wb["Time"][ref] = value
    wb.save(path)
    return Package(path.read_bytes()).rows_below("Time", TIME_AREA)


# --- error cells -------------------------------------------------------------------


def test_every_error_value_is_found_at_its_cell(tmp_path: Path) -> None:
    rows = [[e, i, "x"] for i, e in enumerate(ERRORS)]
    path = make_workbook(tmp_path / "e.xlsx", None, {"S": [["A", "B", "C"], *rows]})
    assert Package(path).errors("S") == {r: {0: e} for r, e in enumerate(ERRORS, start=2)}


def test_a_sheet_without_errors_has_none_and_text_that_looks_like_one_is_text(
    tmp_path: Path,
) -> None:
    path = two_rows(tmp_path)
    assert Package(path).errors("Time") == {}
    # typed as text ('#N/A with a leading quote): a string, not an error
    rewrite(path, "xl/worksheets/sheet1.xml", lambda d: d.replace(b">a<", b">#N/A<"))
    assert Package(path).errors("Time") == {}


def test_cached_formula_errors_prefixed_tags_and_unnumbered_cells(tmp_path: Path) -> None:
    """A formula's cached error (as Excel and LibreOffice save it), a namespace prefix,
    single quotes and cells that carry no reference are all placed right."""
    sheet = (
        b'<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<x:sheetData>"
        b'<x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c><x:c r="C1" t=\'e\'><x:f>1/0</x:f>'
        b"<x:v>#DIV/0!</x:v></x:c></x:row>"
        b'<x:row><x:c t="n"><x:v>2</x:v></x:c><x:c t="e"><x:v>#N/A</x:v></x:c></x:row>'
        b"</x:sheetData></x:worksheet>"
    )
    path = make_workbook(tmp_path / "p.xlsx", None, {"S": [["x"]]}, as_tables=False)
    rewrite(path, "xl/worksheets/sheet1.xml", lambda _d: sheet)
    assert Package(path).errors("S") == {1: {2: "#DIV/0!"}, 2: {1: "#N/A"}}


# --- rows below a table ----------------------------------------------------------------


def test_a_row_typed_right_below_is_found(tmp_path: Path) -> None:
    found = below(two_rows(tmp_path), {"A4": "2026-01-07", "E4": 3, "B5": "ACME-01"})
    assert found == [RowBelow(4, True), RowBelow(5, True)]


def test_a_total_under_the_table_is_the_sheets_own(tmp_path: Path) -> None:
    found = below(two_rows(tmp_path), {"E4": "=SUM(Time[Hours])", "A5": "2026-01-08"})
    assert found == [RowBelow(4, False), RowBelow(5, True)]


@pytest.mark.parametrize(
    "cells",
    [
        {"A5": "a note after a blank row"},
        {"I4": "beside, right of the table", "J9": "=1+1"},
        {"A40": "far away"},
        {"A4": None},
    ],
    ids=["after-a-gap", "beside", "far", "blank"],
)
def test_content_not_right_below_is_not_found(tmp_path: Path, cells: dict[str, object]) -> None:
    assert below(two_rows(tmp_path), cells) == []


def test_a_table_right_below_is_no_row_of_this_one(tmp_path: Path) -> None:
    path = two_rows(tmp_path)
    wb = openpyxl.load_workbook(path)
    ws = wb["Time"]
    for col, value in enumerate(["Field", "Value"], start=1):
        ws.cell(row=4, column=col, value=value)
    ws.cell(row=5, column=1, value="k")
    ws.add_table(Table(displayName="Other", ref="A4:B5"))
    wb.save(path)
    assert Package(path).rows_below("Time", TIME_AREA) == []


def test_the_declared_used_range_answers_without_the_whole_sheet(tmp_path: Path) -> None:
    path = two_rows(tmp_path)
    package = Package(path.read_bytes())
    assert package.rows_below("Time", TIME_AREA) == []
    assert package._xml == {}  # the <dimension> said A1:G3: the sheet was not inflated
    below(path, {"A4": "x"})
    package = Package(path.read_bytes())
    assert package.rows_below("Time", TIME_AREA) == [RowBelow(4, True)]


def test_without_a_declared_range_the_sheet_is_read(tmp_path: Path) -> None:
    path = two_rows(tmp_path)
    below(path, {"A4": "x"})
    rewrite(
        path,
        "xl/worksheets/sheet1.xml",
        lambda d: d.replace(b'<dimension ref="A1:G4" />', b""),
    )
    assert b"dimension" not in zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml")
    assert Package(path).rows_below("Time", TIME_AREA) == [RowBelow(4, True)]


# --- tables and sheets -----------------------------------------------------------------


def test_tables_with_their_sheets_and_areas(tmp_path: Path) -> None:
    path = make_workbook(
        tmp_path / "t.xlsx",
        None,
        {"Time": [TIME_HEADER, [1] * 7], "Other": [["A"], [1], [2]]},
        header_row=3,
    )
    tables = Package(path).tables()
    assert [(t.name, t.sheet, str(t.area)) for t in tables] == [
        ("Time", "Time", "A3:G4"),
        ("Other", "Other", "A3:A5"),
    ]
    assert Package(path).sheet_part("time") == Package(path).sheet_part("Time")
    assert Package(path).sheet_part("Nope") is None


def test_a_source_that_is_no_zip_has_nothing_to_say(tmp_path: Path) -> None:
    for data in (b"", b"Date,Hours\n2026-01-05,7\n", b"\xd0\xcf\x11\xe0" + bytes(600)):
        package = Package(data)
        assert package.errors("Time") == {}
        assert package.rows_below("Time", TIME_AREA) == []
        assert package.tables() == []


# --- zip members -----------------------------------------------------------------------


def test_members_read_as_zipfile_reads_them(tmp_path: Path) -> None:
    data = two_rows(tmp_path).read_bytes()
    members = Members(data)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert sorted(members.names()) == sorted(z.namelist())
        for name in z.namelist():
            assert members.read(name) == z.read(name)
            assert members.read(name.upper()) == z.read(name)  # part names ignore case
            assert members.head(name, 10) == z.read(name)[:10]
    assert members.read("xl/nothing.xml") is None


def test_a_zip_with_bytes_before_it_is_read_through_zipfile(tmp_path: Path) -> None:
    data = b"junk before the archive" + two_rows(tmp_path).read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert Members(data).read("xl/workbook.xml") == z.read("xl/workbook.xml")


def test_a_damaged_member_raises(tmp_path: Path) -> None:
    path = two_rows(tmp_path)
    data = bytearray(path.read_bytes())
    info = zipfile.ZipFile(path).getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start + 5 : start + 40] = bytes(35)  # zeros in the middle of the deflate stream
    members = Members(bytes(data))
    assert members.read("xl/workbook.xml") is not None  # the other parts still read
    with pytest.raises(zipfile.BadZipFile):
        members.read("xl/worksheets/sheet1.xml")
    with pytest.raises(zipfile.BadZipFile):
        Members(b"no zip at all")


# --- the fast paths give what the plain ones give ---------------------------------------


@pytest.mark.parametrize("name", ["Time", "R&D 'notes'", 'say "hi"', "Café <2>", "time"])
def test_a_sheets_part_found_by_its_name_is_the_one_the_mapping_gives(
    tmp_path: Path, name: str
) -> None:
    path = make_workbook(
        tmp_path / "n.xlsx", None, {"First": [["a"]], name: [["b"]]}, as_tables=False
    )
    package = Package(path)
    fast = package.sheet_part(name)
    assert fast is not None and fast == package.sheets()[name.casefold()][1]
    assert b"b" in package.sheet_xml(name)


def test_the_declared_range_gives_what_reading_the_sheet_gives(tmp_path: Path) -> None:
    from psos_xl.workbook import templates

    for path in templates.build_templates(tmp_path):
        package = Package(path)
        for table in package.tables():
            for last in (table.area.r2, table.area.r2 + 3):
                area = Area(table.area.c1, table.area.r1, table.area.c2, last)
                fast = Package(path).rows_below(table.sheet, area)
                plain = Package(path)
                plain._declared_last_row = lambda _sheet: None  # type: ignore[method-assign]
                assert fast == plain.rows_below(table.sheet, area), (path.name, table.name)
