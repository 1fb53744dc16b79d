"""Replacing a table's rows inside the package keeps everything else as it was."""

from __future__ import annotations

import base64
import io
import re
import struct
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.comments import Comment
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import PatternFill
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableStyleInfo
from python_calamine import CalamineWorkbook

from psos_xl.workbook.package import Package
from psos_xl.workbook.patch import CellValue, PatchError, edit_table_rows, replace_table_rows

SHEET = "xl/worksheets/sheet1.xml"
TABLE = "xl/tables/table1.xml"
HEADER = [
    "Deliverable",
    "Role",
    "EstimatedHours",
    "ActualHours",
    "BurnPct",
    "Alert",
    "LastEntry",
    "Notes",  # the user's own column inside the table
]
PSOS = HEADER[:7]
ROWS: list[list[CellValue]] = [
    ["D1", "SA", Decimal("16"), Decimal("12.5"), Decimal("0.78"), "", date(2026, 1, 9)],
    ["D2", "DEV", Decimal("160"), Decimal("150"), Decimal("0.94"), "90%", date(2026, 1, 8)],
    ["D2", "SA", Decimal("12.345"), Decimal("3"), Decimal("0.25"), "=SUM(A1)", None],
    ["D3", "PM", 8, 9.5, 1.1875, "100%", datetime(2026, 1, 7, 12, 30)],
    ["D4", "PM", 0, 0, None, " -2 ", date(2026, 1, 6)],
]
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
NS_ROOT = (
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'mc:Ignorable="x14ac xr xr2 xr3" '
    'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac" '
    'xmlns:xr="http://schemas.microsoft.com/office/spreadsheetml/2014/revision" '
    'xmlns:xr2="http://schemas.microsoft.com/office/spreadsheetml/2015/revision2" '
    'xmlns:xr3="http://schemas.microsoft.com/office/spreadsheetml/2016/revision3" '
    'xr:uid="{00000000-0001-0000-0000-000000000000}">'
)
EXT_LST = (
    "<extLst>"
    '<ext uri="{78C0D931-6437-407d-A8EE-F0AAD7539E65}" '
    'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
    "<x14:conditionalFormattings><x14:conditionalFormatting "
    'xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
    '<x14:cfRule type="dataBar" id="{5E2C4C0A-1111-4A4A-9A9A-000000000001}">'
    '<x14:dataBar minLength="0" maxLength="100" gradient="0">'
    '<x14:cfvo type="autoMin"/><x14:cfvo type="autoMax"/>'
    '<x14:negativeFillColor rgb="FFFF0000"/><x14:axisColor rgb="FF000000"/>'
    "</x14:dataBar></x14:cfRule><xm:sqref>F4:F5</xm:sqref>"
    "</x14:conditionalFormatting></x14:conditionalFormattings></ext>"
    '<ext uri="{05C60535-1F16-4fd2-B633-F4F36F0B64E0}" '
    'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
    '<x14:sparklineGroups xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
    '<x14:sparklineGroup displayEmptyCellsAs="gap"><x14:colorSeries rgb="FF376092"/>'
    "<x14:sparklines><x14:sparkline><xm:f>Delivery!D4:E4</xm:f><xm:sqref>L4</xm:sqref>"
    "</x14:sparkline></x14:sparklines></x14:sparklineGroup></x14:sparklineGroups></ext>"
    "</extLst>"
)
DRAWING = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
    "<xdr:oneCellAnchor><xdr:from><xdr:col>12</xdr:col><xdr:colOff>0</xdr:colOff>"
    "<xdr:row>1</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from>"
    '<xdr:ext cx="95250" cy="95250"/><xdr:pic><xdr:nvPicPr><xdr:cNvPr id="2" name="Logo"/>'
    '<xdr:cNvPicPr/></xdr:nvPicPr><xdr:blipFill><a:blip xmlns:r="http://schemas.openxml'
    'formats.org/officeDocument/2006/relationships" r:embed="rId1"/><a:stretch><a:fillRect/>'
    '</a:stretch></xdr:blipFill><xdr:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="95250" '
    'cy="95250"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></xdr:spPr>'
    "</xdr:pic><xdr:clientData/></xdr:oneCellAnchor></xdr:wsDr>"
)
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def build_scope(path: Path, data_rows: int = 2) -> Path:
    """A scope-like workbook: the Delivery table at B3 with user content around it, a
    comment, a validation, a conditional format, a defined name, more sheets; then,
    by editing the package, what openpyxl cannot write: x14 formats, a sparkline, an
    image, Excel's namespaces, and for .xlsm a VBA project."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Delivery"
    ws["A1"] = "Burn by deliverable"
    for c, h in enumerate(HEADER, start=2):
        ws.cell(row=3, column=c, value=h)
    for r in range(data_rows):
        row = [f"D{r + 1}", "SA", 10 + r, 5, 0.5, "", date(2026, 1, 5 + r), f"mine {r}"]
        for c, v in enumerate(row, start=2):
            cell = ws.cell(row=4 + r, column=c, value=v)
            if c == 8:
                cell.number_format = "yyyy-mm-dd"
            if c in (4, 5):
                cell.number_format = "0.00"
            if c == 6:
                cell.number_format = "0%"
    ws["A4"] = "left of the table"
    ws["K4"] = "right of the table"
    ws["K4"].comment = Comment("Keep this note", "Finance")
    ws["K5"] = 42
    ws.add_table(
        Table(
            displayName="Delivery",
            ref=f"B3:I{3 + data_rows}",
            tableStyleInfo=TableStyleInfo(name="TableStyleMedium2", showRowStripes=True),
        )
    )
    dv = DataValidation(type="list", formula1='"SA,DEV,PM"', allow_blank=True)
    ws.add_data_validation(dv)
    dv.add("C4:C50")
    red = PatternFill(start_color="FFC7CE", end_color="FFC7CE", fill_type="solid")
    ws.conditional_formatting.add(
        "F4:F50", CellIsRule(operator="greaterThan", formula=["1"], fill=red)
    )
    wb.defined_names["BurnLimit"] = DefinedName("BurnLimit", attr_text="Delivery!$K$5")
    other = wb.create_sheet("Other")
    other["A1"] = "keep me"
    other["B2"] = 3.5
    marker = wb.create_sheet("_psos")
    marker.sheet_state = "hidden"
    marker.append(["kind", "scope"])
    marker.append(["schema", 1])
    path.parent.mkdir(parents=True, exist_ok=True)
    plain = path.with_suffix(".tmp.xlsx")
    wb.save(plain)
    _excelify(plain, path, vba=path.suffix == ".xlsm")
    plain.unlink()
    return path


def _excelify(src: Path, dst: Path, vba: bool) -> None:
    with zipfile.ZipFile(src) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    sheet = parts[SHEET].decode()
    sheet = re.sub(r"<worksheet\b[^>]*>", NS_ROOT, sheet, count=1)
    sheet = re.sub(r'(<row r="\d+")', r'\1 spans="1:11" x14ac:dyDescent="0.25"', sheet)
    sheet = sheet.replace("<legacyDrawing", '<drawing r:id="rIdImg"/><legacyDrawing', 1)
    sheet = sheet.replace("</worksheet>", EXT_LST + "</worksheet>")
    parts[SHEET] = sheet.encode()
    rels = "xl/worksheets/_rels/sheet1.xml.rels"
    parts[rels] = parts[rels].replace(
        b"</Relationships>",
        f'<Relationship Id="rIdImg" Type="{REL}/drawing" '
        'Target="../drawings/drawing1.xml"/></Relationships>'.encode(),
    )
    parts["xl/media/image1.png"] = PNG
    parts["xl/drawings/drawing1.xml"] = DRAWING.encode()
    parts["xl/drawings/_rels/drawing1.xml.rels"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{REL}/image" Target="../media/image1.png"/>'
        "</Relationships>"
    ).encode()
    ct = parts["[Content_Types].xml"].decode()
    extra = (
        '<Default Extension="png" ContentType="image/png"/>'
        '<Override PartName="/xl/drawings/drawing1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.drawing+xml"/>'
    )
    if vba:
        parts["xl/vbaProject.bin"] = bytes(range(256)) * 8
        extra += '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
        ct = ct.replace(
            "spreadsheetml.sheet.main+xml", "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
        ).replace("application/vnd.openxmlformats-officedocument.application/", "application/")
        wrels = "xl/_rels/workbook.xml.rels"
        parts[wrels] = parts[wrels].replace(
            b"</Relationships>",
            b'<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/'
            b'relationships/vbaProject" Target="vbaProject.bin"/></Relationships>',
        )
    parts["[Content_Types].xml"] = ct.replace("</Types>", extra + "</Types>").encode()
    order = ["[Content_Types].xml", *(n for n in parts if n != "[Content_Types].xml")]
    write_package(dst, {n: parts[n] for n in order})


# Members stored the ways other writers store them, so every way is copied and read:
# sizes in a data descriptor after the data (streaming writers such as Java's
# ZipOutputStream), ZIP64 fields on a small member, no compression at all.
STREAMED = frozenset({SHEET, "docProps/app.xml", "xl/worksheets/sheet2.xml", "xl/vbaProject.bin"})
ZIP64 = frozenset({TABLE, "docProps/core.xml", "xl/drawings/drawing1.xml"})
STORED = frozenset({"xl/media/image1.png", "xl/styles.xml"})
COMMENT = b"written by a test"


def write_package(dst: Path, parts: dict[str, bytes]) -> None:
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as z:
        z.comment = COMMENT
        for name, body in parts.items():
            if name in ZIP64:
                with z.open(name, "w", force_zip64=True) as fh:
                    fh.write(body)
            elif name in STORED:
                z.writestr(name, body, zipfile.ZIP_STORED)
            elif name in STREAMED:
                z._seekable = False  # type: ignore[attr-defined]  # as if writing to a pipe
                try:
                    z.writestr(name, body)
                finally:
                    z._seekable = True  # type: ignore[attr-defined]
            else:
                z.writestr(name, body)


# --- helpers -----------------------------------------------------------------------


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def table_rows(path: Path, name: str = "Delivery") -> list[list[Any]]:
    book = CalamineWorkbook.from_path(str(path), load_tables=True)
    return [list(r) for r in book.get_table_by_name(name).to_python()]


def table_ref(data: bytes) -> tuple[str, str]:
    xml = members(data)[TABLE].decode()
    ref = re.search(r'<table\b[^>]*\sref="([^"]+)"', xml)
    auto = re.search(r'<autoFilter\b[^>]*\sref="([^"]+)"', xml)
    assert ref and auto
    return ref[1], auto[1]


def outside_sheet_data(xml: str) -> tuple[str, str]:
    head, rest = xml.split("<sheetData", 1)
    return re.sub(r"<dimension [^>]*>", "", head), rest.split("</sheetData>", 1)[1]


def patched(tmp_path: Path, rows: list[list[CellValue]], name: str = "out.xlsx") -> Path:
    src = build_scope(tmp_path / "scope.xlsx")
    out = tmp_path / name
    out.write_bytes(replace_table_rows(src.read_bytes(), "Delivery", PSOS, rows))
    return out


# --- tests -------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".xlsx", ".xlsm"])
def test_every_other_part_is_byte_identical(tmp_path: Path, suffix: str) -> None:
    before = build_scope(tmp_path / f"scope{suffix}").read_bytes()
    after = replace_table_rows(before, "Delivery", PSOS, ROWS)
    old, new = members(before), members(after)
    assert list(new) == list(old)
    changed = sorted(n for n in old if old[n] != new[n])
    assert changed == sorted([SHEET, TABLE])
    if suffix == ".xlsm":
        assert new["xl/vbaProject.bin"] == old["xl/vbaProject.bin"]
    with zipfile.ZipFile(tmp_path / f"scope{suffix}") as zin:
        kinds = {i.filename: i.compress_type for i in zin.infolist()}
    with zipfile.ZipFile(io.BytesIO(after)) as zout:
        assert {i.filename: i.compress_type for i in zout.infolist()} == kinds


def test_sheet_outside_sheet_data_is_untouched(tmp_path: Path) -> None:
    before = build_scope(tmp_path / "scope.xlsx").read_bytes()
    after = replace_table_rows(before, "Delivery", PSOS, ROWS)
    old, new = members(before)[SHEET].decode(), members(after)[SHEET].decode()
    assert outside_sheet_data(new) == outside_sheet_data(old)
    assert new.startswith(old.split("<sheetData", 1)[0].split("<dimension", 1)[0])
    for survivor in ("mc:Ignorable=", "xmlns:x14ac=", "xr:uid=", "<x14:sparklineGroups"):
        assert survivor in new
    assert 'x14ac:dyDescent="0.25"' in new.split("<sheetData", 1)[1]  # new rows keep it
    assert re.search(r'<dimension ref="A1:K8"', new)  # grew to the table's new end
    # rows the table does not touch keep Excel's spans hint; rewritten ones drop it
    assert '<row r="3" spans="1:11"' in new
    assert re.findall(r'<row r="([4-8])" spans', new) == []


def test_table_grows_and_shrinks(tmp_path: Path) -> None:
    data = build_scope(tmp_path / "scope.xlsx").read_bytes()
    assert table_ref(data) == ("B3:I5", "B3:I5")
    grown = replace_table_rows(data, "Delivery", PSOS, ROWS)
    assert table_ref(grown) == ("B3:I8", "B3:I8")
    shrunk = replace_table_rows(grown, "Delivery", PSOS, ROWS[:1])
    assert table_ref(shrunk) == ("B3:I4", "B3:I4")
    empty = replace_table_rows(shrunk, "Delivery", PSOS, [])
    assert table_ref(empty) == ("B3:I4", "B3:I4")
    out = tmp_path / "empty.xlsx"
    out.write_bytes(empty)
    assert table_rows(out) == [[""] * 8]


def test_calamine_reads_exactly_the_new_rows(tmp_path: Path) -> None:
    out = patched(tmp_path, ROWS)
    got = table_rows(out)
    assert [r[:2] for r in got] == [[r[0], r[1]] for r in ROWS]
    assert got[2][2] == 12.345  # Decimal('12.345'), its exact digits
    assert got[2][5] == "=SUM(A1)"  # text that looks like a formula stays text
    assert got[4][5] == " -2 "
    assert got[0][6] == date(2026, 1, 9)
    assert got[3][6] == datetime(2026, 1, 7, 12, 30)
    assert got[2][6] == ""
    assert [r[7] for r in got] == [""] * 5  # the user's column in the table: empty
    assert got[3][3:5] == [9.5, 1.1875]


def test_openpyxl_opens_it_and_keeps_user_content(tmp_path: Path) -> None:
    out = patched(tmp_path, ROWS)
    wb = openpyxl.load_workbook(out)
    ws = wb["Delivery"]
    assert ws["A1"].value == "Burn by deliverable"
    assert ws["A4"].value == "left of the table"
    assert ws["K4"].value == "right of the table"
    assert ws["K4"].comment is not None and "Keep this note" in ws["K4"].comment.text
    assert ws["K5"].value == 42
    assert ws["G6"].value == "=SUM(A1)" and ws["G6"].data_type == "s"
    assert ws["H4"].number_format == "yyyy-mm-dd"  # the first row's style carried over
    assert ws["E7"].number_format == "0.00"
    assert ws.tables["Delivery"].ref == "B3:I8"
    assert [str(dv.sqref) for dv in ws.data_validations.dataValidation] == ["C4:C50"]
    assert "BurnLimit" in wb.defined_names
    assert wb["Other"]["A1"].value == "keep me"


def test_shrinking_keeps_user_rows_beside_the_table(tmp_path: Path) -> None:
    src = build_scope(tmp_path / "scope.xlsx", data_rows=3)
    out = tmp_path / "out.xlsx"
    out.write_bytes(replace_table_rows(src.read_bytes(), "Delivery", PSOS, ROWS[:1]))
    ws = openpyxl.load_workbook(out)["Delivery"]
    assert ws["K5"].value == 42  # a row the table left still holds the user's cell
    assert ws["B5"].value is None and ws["B6"].value is None
    assert table_rows(out) == [
        ["D1", "SA", 16, 12.5, 0.78, "", date(2026, 1, 9), ""],
    ]


def test_growing_keeps_user_cells_beside_the_new_rows(tmp_path: Path) -> None:
    src = build_scope(tmp_path / "scope.xlsx")
    wb = openpyxl.load_workbook(src)
    wb["Delivery"]["K7"] = "beside a row the table grows into"
    wb["Delivery"]["A8"] = "left of the new last row"
    wb.save(src)
    out = tmp_path / "out.xlsx"
    out.write_bytes(replace_table_rows(src.read_bytes(), "Delivery", PSOS, ROWS))
    ws = openpyxl.load_workbook(out)["Delivery"]
    assert ws["K7"].value == "beside a row the table grows into"
    assert ws["A8"].value == "left of the new last row"
    assert ws["B7"].value == "D3" and ws["B8"].value == "D4"


def test_columns_match_by_header_in_any_order(tmp_path: Path) -> None:
    src = build_scope(tmp_path / "scope.xlsx")
    headers = [" role ", "DELIVERABLE", "alert", "LastEntry", "BurnPct", "ActualHours"]
    out = tmp_path / "out.xlsx"
    rows: list[list[CellValue]] = [["PM", "D9", "80%", None, 0.8, 4]]
    out.write_bytes(replace_table_rows(src.read_bytes(), "delivery", headers, rows))
    assert table_rows(out) == [["D9", "PM", "", 4, 0.8, "80%", "", ""]]


def test_a_missing_column_is_named(tmp_path: Path) -> None:
    data = build_scope(tmp_path / "scope.xlsx").read_bytes()
    with pytest.raises(PatchError, match=r"lacks column\(s\) Forecast"):
        replace_table_rows(data, "Delivery", [*PSOS, "Forecast"], [[*ROWS[0], 1]])
    with pytest.raises(PatchError, match="headers given twice: role"):
        replace_table_rows(data, "Delivery", ["Role", "role"], [["SA", "SA"]])
    with pytest.raises(PatchError, match=r"no table named 'Actuals'.*Delivery"):
        replace_table_rows(data, "Actuals", PSOS, ROWS)
    with pytest.raises(PatchError, match="row 1 has 2 values"):
        replace_table_rows(data, "Delivery", PSOS, [["D1", "SA"]])


def test_refuses_to_overwrite_content_below_the_table(tmp_path: Path) -> None:
    src = build_scope(tmp_path / "scope.xlsx")
    wb = openpyxl.load_workbook(src)
    wb["Delivery"]["C9"] = "a total the user typed"
    wb.save(src)
    data = src.read_bytes()
    with pytest.raises(PatchError, match=r"Delivery!C9: not empty"):
        replace_table_rows(data, "Delivery", PSOS, ROWS * 2)
    assert table_ref(replace_table_rows(data, "Delivery", PSOS, ROWS))[0] == "B3:I8"


def test_same_rows_twice_returns_the_same_bytes(tmp_path: Path) -> None:
    data = build_scope(tmp_path / "scope.xlsx").read_bytes()
    once = replace_table_rows(data, "Delivery", PSOS, ROWS)
    assert replace_table_rows(once, "Delivery", PSOS, ROWS) is once


def test_text_is_escaped_and_round_trips(tmp_path: Path) -> None:
    texts = ["a < b & c > d", "  padded  ", "two\nlines", "_x0041_ literal", "bell\x07", "@x"]
    rows: list[list[CellValue]] = [["D1", t, 1, 1, 1, "", None] for t in texts]
    out = patched(tmp_path, rows)
    assert [r[1] for r in table_rows(out)] == texts  # _xHHHH_ escapes decoded by calamine


def test_formula_cells_replaced_drop_the_calc_chain(tmp_path: Path) -> None:
    src = build_scope(tmp_path / "scope.xlsx")
    parts = members(src.read_bytes())
    sheet = parts[SHEET].decode()
    sheet = re.sub(r'(<c r="F4"[^>]*?)(?:/>|>.*?</c>)', r"\1><f>E4/D4</f><v>0.5</v></c>", sheet)
    parts[SHEET] = sheet.encode()
    assert "<f>E4/D4</f>" in sheet
    parts["xl/calcChain.xml"] = (
        b'<calcChain xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<c r="F4" i="1"/></calcChain>'
    )
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        f'<Relationship Id="rIdCalc" Type="{REL}/calcChain" Target="calcChain.xml"/>'
        "</Relationships>".encode(),
    )
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/xl/calcChain.xml" ContentType="application/vnd.openxmlformats-'
        b'officedocument.spreadsheetml.calcChain+xml"/></Types>',
    )
    write_package(src, parts)
    after = members(replace_table_rows(src.read_bytes(), "Delivery", PSOS, ROWS))
    assert "xl/calcChain.xml" not in after
    assert b"calcChain" not in after["xl/_rels/workbook.xml.rels"]
    assert b"calcChain" not in after["[Content_Types].xml"]
    out = tmp_path / "out.xlsx"
    out.write_bytes(replace_table_rows(src.read_bytes(), "Delivery", PSOS, ROWS))
    assert openpyxl.load_workbook(out)["Delivery"]["F4"].value == 0.78
    # once no formula is in the table's rows, the chain of the rest stays
    parts["xl/calcChain.xml"] = parts["xl/calcChain.xml"].replace(b"F4", b"K9")
    parts[SHEET] = re.sub(r"<f>E4/D4</f>", "", sheet).encode()
    write_package(src, parts)
    kept = members(replace_table_rows(src.read_bytes(), "Delivery", PSOS, ROWS))
    assert kept["xl/calcChain.xml"] == parts["xl/calcChain.xml"]


def test_totals_row_moves_with_the_table(tmp_path: Path) -> None:
    src = build_scope(tmp_path / "scope.xlsx")
    parts = members(src.read_bytes())
    parts[TABLE] = (
        parts[TABLE]
        .replace(b'ref="B3:I5"', b'ref="B3:I6"', 1)
        .replace(b'headerRowCount="1"', b'headerRowCount="1" totalsRowCount="1"')
    )
    sheet = (
        parts[SHEET]
        .decode()
        .replace(
            "</sheetData>",
            '<row r="6"><c r="B6" t="inlineStr"><is><t>Total</t></is></c>'
            '<c r="E6"><f>SUBTOTAL(109,Delivery[ActualHours])</f><v>10</v></c>'
            '<c r="K6" t="inlineStr"><is><t>stays</t></is></c></row></sheetData>',
        )
    )
    parts[SHEET] = sheet.encode()
    write_package(src, parts)
    out = tmp_path / "out.xlsx"
    out.write_bytes(replace_table_rows(src.read_bytes(), "Delivery", PSOS, ROWS))
    xml = members(out.read_bytes())[TABLE].decode()
    assert 'ref="B3:I9"' in xml and '<autoFilter ref="B3:I8"' in xml
    ws = openpyxl.load_workbook(out)["Delivery"]
    assert ws["B9"].value == "Total"
    assert ws["E9"].value == "=SUBTOTAL(109,Delivery[ActualHours])"
    assert ws["K6"].value == "stays"
    assert ws["B6"].value == "D2" and ws["E6"].value == 3


def test_date1904_workbooks_get_1904_serials(tmp_path: Path) -> None:
    src = build_scope(tmp_path / "scope.xlsx")
    parts = members(src.read_bytes())
    book = parts["xl/workbook.xml"].decode()
    book = re.sub(r"<workbookPr\b", '<workbookPr date1904="1"', book)
    if "<workbookPr" not in book:
        book = book.replace("<bookViews", '<workbookPr date1904="1"/><bookViews')
    parts["xl/workbook.xml"] = book.encode()
    write_package(src, parts)
    after = members(replace_table_rows(src.read_bytes(), "Delivery", PSOS, ROWS[:1]))
    serial = (date(2026, 1, 9) - date(1904, 1, 1)).days
    assert '<c r="H4" s="' in after[SHEET].decode()
    assert f"<v>{serial}</v>" in after[SHEET].decode()


def test_a_sheet_with_a_prefixed_namespace(tmp_path: Path) -> None:
    src = build_scope(tmp_path / "scope.xlsx")
    parts = members(src.read_bytes())
    xml = parts[SHEET].decode()
    xml = re.sub(r"<(/?)(?=[a-zA-Z])(?![\w.-]+:)", r"<\1x:", xml)
    xml = xml.replace('xmlns="http://schemas', 'xmlns:x="http://schemas', 1)
    parts[SHEET] = xml.encode()
    write_package(src, parts)
    out = tmp_path / "out.xlsx"
    out.write_bytes(replace_table_rows(src.read_bytes(), "Delivery", PSOS, ROWS))
    assert "<x:c " in members(out.read_bytes())[SHEET].decode()
    assert [r[0] for r in table_rows(out)] == ["D1", "D2", "D2", "D3", "D4"]


def test_not_a_workbook_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(PatchError, match="not a readable"):
        replace_table_rows(b"not a zip", "Delivery", PSOS, ROWS)
    src = build_scope(tmp_path / "scope.xlsx")
    parts = members(src.read_bytes())
    parts[SHEET] = parts[SHEET].replace(b"</sheetData>", b"")
    write_package(src, parts)
    with pytest.raises(PatchError, match="not laid out as a workbook"):
        replace_table_rows(src.read_bytes(), "Delivery", PSOS, ROWS)


# --- members psos does not own: copied as stored, never inflated -------------------


def records(data: bytes) -> dict[str, bytes]:
    """Each member's local record as stored (header, compressed data, descriptor): the
    bytes from its header to the next member's, or to the central directory."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        infos = sorted(z.infolist(), key=lambda i: i.header_offset)
        ends = [i.header_offset for i in infos[1:]] + [z.start_dir]
    return {i.filename: data[i.header_offset : end] for i, end in zip(infos, ends, strict=True)}


def entries(data: bytes) -> list[tuple[Any, ...]]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return [
            (i.filename, i.CRC, i.compress_size, i.file_size, i.compress_type, i.flag_bits,
             i.date_time, i.external_attr, i.extra, i.comment)
            for i in z.infolist()
        ]  # fmt: skip


@pytest.mark.parametrize("suffix", [".xlsx", ".xlsm"])
def test_members_psos_does_not_own_are_copied_as_stored(tmp_path: Path, suffix: str) -> None:
    before = build_scope(tmp_path / f"scope{suffix}").read_bytes()
    after = replace_table_rows(before, "Delivery", PSOS, ROWS)
    old, new = records(before), records(after)
    assert list(new) == list(old)  # the same members in the same order
    assert sorted(n for n in old if old[n] != new[n]) == sorted([SHEET, TABLE])
    owned = {SHEET, TABLE}
    assert [e for e in entries(after) if e[0] not in owned] == [
        e for e in entries(before) if e[0] not in owned
    ]
    with zipfile.ZipFile(io.BytesIO(after)) as z:
        assert z.testzip() is None
        assert z.comment == COMMENT
        kept = {n for n in old if n not in owned}
        assert {i.filename for i in z.infolist() if i.flag_bits & 0x08} == STREAMED & kept
        assert {i.filename for i in z.infolist() if i.compress_type == 0} == STORED & kept


def test_parts_psos_does_not_own_are_never_inflated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = build_scope(tmp_path / "scope.xlsm").read_bytes()
    opened: list[str] = []
    real_open = zipfile.ZipFile.open

    def spy(self: zipfile.ZipFile, name: Any, mode: str = "r", *args: Any, **kw: Any) -> Any:
        if mode == "r":
            opened.append(name.filename if isinstance(name, zipfile.ZipInfo) else name)
        return real_open(self, name, mode, *args, **kw)

    monkeypatch.setattr(zipfile.ZipFile, "open", spy)
    replace_table_rows(data, "Delivery", PSOS, ROWS)
    assert sorted(set(opened)) == sorted(
        {
            "_rels/.rels",
            "xl/workbook.xml",
            "xl/_rels/workbook.xml.rels",
            "xl/worksheets/_rels/sheet1.xml.rels",  # the only sheet with relationships
            SHEET,
            TABLE,
        }
    )


def test_a_damaged_member_psos_does_not_read_is_kept_as_it_is(tmp_path: Path) -> None:
    src = build_scope(tmp_path / "scope.xlsx")
    with zipfile.ZipFile(src, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr("customXml/item9.bin", b"precious bytes " * 1000)
    data = bytearray(src.read_bytes())
    damaged = records(bytes(data))["customXml/item9.bin"]
    at = bytes(data).index(damaged) + len(damaged) - 8  # inside its deflate stream
    data[at : at + 4] = b"\xff\xff\xff\xff"
    before = bytes(data)
    with zipfile.ZipFile(io.BytesIO(before)) as z, pytest.raises(zipfile.BadZipFile):
        z.read("customXml/item9.bin")  # damaged: a reader that inflated it would fail
    after = replace_table_rows(before, "Delivery", PSOS, ROWS)
    assert records(after)["customXml/item9.bin"] == records(before)["customXml/item9.bin"]
    out = tmp_path / "out.xlsx"
    out.write_bytes(after)
    assert [r[0] for r in table_rows(out)] == ["D1", "D2", "D2", "D3", "D4"]


def test_a_descriptor_that_contradicts_the_directory_is_written_true(tmp_path: Path) -> None:
    before = bytearray(build_scope(tmp_path / "scope.xlsx").read_bytes())
    app = records(bytes(before))["docProps/app.xml"]
    at = bytes(before).index(app) + len(app) - 12  # the CRC in its 16-byte descriptor
    assert bytes(before[at - 4 : at]) == b"PK\x07\x08"
    before[at : at + 4] = b"\x00\x00\x00\x00"
    after = replace_table_rows(bytes(before), "Delivery", PSOS, ROWS)
    with zipfile.ZipFile(io.BytesIO(after)) as z:
        info = z.getinfo("docProps/app.xml")
        assert z.testzip() is None
    fixed = records(after)["docProps/app.xml"]
    assert fixed[:-16] == app[:-16]  # header and data as stored
    assert fixed[-16:] == struct.pack(
        "<4sLLL", b"PK\x07\x08", info.CRC, info.compress_size, info.file_size
    )


def test_members_sharing_their_bytes_are_refused(tmp_path: Path) -> None:
    """A zip bomb's trick: two entries over one compressed stream. Copied, it would
    multiply; it is refused instead."""
    data = bytearray(build_scope(tmp_path / "scope.xlsx").read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        png = z.getinfo("xl/media/image1.png").header_offset
        at = z.start_dir
        for info in z.infolist():  # walk the central directory to the drawing's entry
            if info.filename == "xl/drawings/drawing1.xml":
                break
            at += 46 + len(info.filename.encode()) + len(info.extra) + len(info.comment)
    assert bytes(data[at : at + 4]) == b"PK\x01\x02"
    data[at + 42 : at + 46] = struct.pack("<L", png)  # its local header offset
    with pytest.raises(PatchError, match="overlap"):
        replace_table_rows(bytes(data), "Delivery", PSOS, ROWS)


def test_the_streamed_edit_writes_what_the_in_memory_one_returns(tmp_path: Path) -> None:
    src = build_scope(tmp_path / "scope.xlsm")
    out = tmp_path / "out.xlsm"
    with src.open("rb") as fh:
        edit = edit_table_rows(fh, "Delivery", PSOS, ROWS)
        assert edit is not None
        with out.open("wb") as dst:
            edit.write(dst)
    assert out.read_bytes() == replace_table_rows(src.read_bytes(), "Delivery", PSOS, ROWS)
    with out.open("rb") as fh:
        assert edit_table_rows(fh, "Delivery", PSOS, ROWS) is None


def zip64_directory(data: bytes, name: str) -> bytes:
    """``data`` with ``name``'s central directory entry in ZIP64 form (its sizes in a
    ZIP64 field), as writers that always use ZIP64 store it."""
    eocd = data.rindex(b"PK\x05\x06")
    size, offset = struct.unpack("<LL", data[eocd + 12 : eocd + 20])
    out, at = [], offset
    while at < offset + size:
        n, m, k = struct.unpack("<HHH", data[at + 28 : at + 34])
        entry = data[at : at + 46 + n + m + k]
        if entry[46 : 46 + n] == name.encode():
            packed, full = struct.unpack("<LL", entry[20:28])
            field = struct.pack("<HHQQ", 1, 16, full, packed)
            lengths = entry[28:30] + struct.pack("<H", m + len(field))
            entry = (
                entry[:20] + b"\xff" * 8 + lengths + entry[32 : 46 + n] + field + entry[46 + n :]
            )
        out.append(entry)
        at += 46 + n + m + k
    directory = b"".join(out)
    end = data[eocd : eocd + 12] + struct.pack("<LL", len(directory), offset) + data[eocd + 20 :]
    return data[:offset] + directory + end


def test_a_zip64_entry_is_written_as_its_sizes_need(tmp_path: Path) -> None:
    name = "docProps/core.xml"
    before = zip64_directory(build_scope(tmp_path / "scope.xlsx").read_bytes(), name)
    with zipfile.ZipFile(io.BytesIO(before)) as z:
        assert z.getinfo(name).extra.startswith(b"\x01\x00\x10\x00")  # the ZIP64 field
        assert z.read(name) == members(build_scope(tmp_path / "again.xlsx").read_bytes())[name]
    after = replace_table_rows(before, "Delivery", PSOS, ROWS)
    assert records(after)[name] == records(before)[name]
    with zipfile.ZipFile(io.BytesIO(after)) as z:
        assert z.testzip() is None
        info = z.getinfo(name)
        assert info.extra == b"" and info.file_size < 1000  # plain 32-bit sizes suffice


def test_a_new_part_is_added_after_the_others(tmp_path: Path) -> None:
    src = build_scope(tmp_path / "scope.xlsx")
    with src.open("rb") as fh:
        pkg = Package(fh)
        out = io.BytesIO()
        pkg.write(out, {"customXml/item1.xml": b"<a/>"}, remove={"docProps/app.xml"})
    before, after = records(src.read_bytes()), records(out.getvalue())
    assert list(after) == [n for n in before if n != "docProps/app.xml"] + ["customXml/item1.xml"]
    assert all(after[n] == before[n] for n in before if n != "docProps/app.xml")
    with zipfile.ZipFile(out) as z:
        assert z.read("customXml/item1.xml") == b"<a/>"
        assert z.getinfo("customXml/item1.xml").date_time == (1980, 1, 1, 0, 0, 0)
