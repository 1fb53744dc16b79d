"""Which parts of a package a reader parses: followed through the relationships, each
target taken every way a reader might resolve it."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from wb import TIME_HEADER, make_workbook

from psos_xl.workbook.partmap import key, part_map, resolutions

SHEET_RELS = "xl/worksheets/_rels/sheet1.xml.rels"


def mapped(path: Path) -> tuple[set[str], dict[str, str], dict[str, str]]:
    with zipfile.ZipFile(path) as zf:
        found = part_map(zf, zf.infolist())
    return found.parsed, found.sheets, found.tables


def test_a_workbook_maps_its_sheets_tables_and_what_rides_along(tmp_path: Path) -> None:
    path = make_workbook(
        tmp_path / "t.xlsx",
        "timesheet",
        {"Time": [TIME_HEADER]},
        marker={"person": "ALM", "week": "2026-02-02"},
    )
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr("xl/media/photo.png", b"\x89PNG")
    parsed, sheets, tables = mapped(path)
    assert sheets == {"xl/worksheets/sheet1.xml": "Time", "xl/worksheets/sheet2.xml": "_psos"}
    assert tables == {"xl/tables/table1.xml": "xl/worksheets/sheet1.xml"}
    assert {"xl/workbook.xml", "xl/styles.xml", SHEET_RELS, "xl/tables/table1.xml"} <= parsed
    assert "xl/media/photo.png" not in parsed  # nothing refers to it: never parsed


def test_a_target_is_taken_every_way_a_reader_resolves_it() -> None:
    sheet = "xl/worksheets/sheet1.xml"
    assert {"xl/tables/t.xml"} <= resolutions("../tables/t.xml", sheet)
    assert "xl/worksheets/x.xml" in resolutions("worksheets/x.xml", "xl/workbook.xml")
    assert "xl/x.xml" in resolutions("/xl/x.xml", "xl/workbook.xml")
    assert "xl/odd.xml" in resolutions("odd.xml", "_rels/.rels")  # calamine puts it in xl/
    assert key("XL\\Worksheets\\Sheet1.XML") == "xl/worksheets/sheet1.xml"


def test_a_sheet_stored_under_another_spelling_is_still_parsed() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(
            "xl/_rels/workbook.xml.rels",
            b'<Relationships><Relationship Id="rId1" Target="/xl/Sheets/Big.xml" Type="x/'
            b'worksheet"/></Relationships>',
        )
        zf.writestr(
            "xl/workbook.xml",
            b'<workbook><sheets><sheet name="S" r:id="rId1"/></sheets></workbook>',
        )
        zf.writestr("XL\\sheets\\big.xml", b"<worksheet/>")
        zf.writestr("xl/sheets/other.xml", b"<worksheet/>")
    with zipfile.ZipFile(buf) as zf:
        found = part_map(zf, zf.infolist())
    assert "XL\\sheets\\big.xml" in found.parsed
    assert "xl/sheets/other.xml" not in found.parsed
