"""Replacing a table's rows inside the package keeps everything else as it was."""

from __future__ import annotations

import base64
import re
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

from psos_xl.workbook.patch import CellValue, PatchError, replace_table_rows

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
    order = [n for n in parts if n != "[Content_Types].xml"]
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", parts["[Content_Types].xml"])
        for name in order:
            z.writestr(name, parts[name])


# --- helpers -----------------------------------------------------------------------


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(__import__("io").BytesIO(data)) as z:
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
    with zipfile.ZipFile(__import__("io").BytesIO(after)) as zout:
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
    with zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in parts.items():
            z.writestr(name, body)
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
    with zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in parts.items():
            z.writestr(name, body)
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
    with zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in parts.items():
            z.writestr(name, body)
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
    with zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in parts.items():
            z.writestr(name, body)
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
    with zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in parts.items():
            z.writestr(name, body)
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
    with zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in parts.items():
            z.writestr(name, body)
    with pytest.raises(PatchError, match="not laid out as a workbook"):
        replace_table_rows(src.read_bytes(), "Delivery", PSOS, ROWS)
