"""Tables psos owns are added when a workbook lacks them, and every cell psos writes
into them is formatted by its column's type (DESIGN §11)."""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import PatternFill
from python_calamine import CalamineWorkbook
from wb import CATALOG_TABLES, SCOPE_TABLES, make_workbook

from psos_xl.errors import Code
from psos_xl.sync.outputs import ALERT_HIGHLIGHT, delivery_table
from psos_xl.sync.writeback import write_table
from psos_xl.workbook import spec
from psos_xl.workbook.owned import OwnedTable
from psos_xl.workbook.patch import CellValue, replace_table_rows
from psos_xl.workbook.sheetxml import NoRoomError, xml_rows
from psos_xl.workbook.styles import DATETIME_FORMAT, number_format
from workbook.owned_checks import check_only_owned_parts_changed, only_added, parts
from workbook.test_patch import PSOS, ROWS, _excelify, build_scope

D = Decimal
ACTUALS = OwnedTable(spec.ACTUALS, "Catalog · Actuals", "What delivery taught.")
DELIVERY = OwnedTable(spec.DELIVERY, "Scope ACME-01 · Delivery", highlights=(ALERT_HIGHLIGHT,))
ACTUAL_ROWS: list[list[CellValue]] = [
    ["DISC", "SA", D(16), 3, D("17.48"), D("19.2"), D("0.0111"), D("-0.0847"), D("16.37"),
     "2026-12-05T23:01:04Z", D(3)],
    ["BUILD", "DEV", D(80), 0, None, None, None, None, D(80), "2026-12-05T23:01:04Z", D(3)],
]  # fmt: skip
DELIVERY_ROWS: list[list[CellValue]] = [
    ["D1", "SA", D("16.8"), D("16.8"), D("18.354"), D("1.0925"), D("18.35"), "≥100%"],
    ["D1", "PM", D(6), D(6), D("5.5"), D("0.9167"), D(6), "≥90%"],
    ["D2", "DEV", D(144), D(288), D("73.8"), D("0.2563"), D(288), ""],
    ["D2", "SA", None, D("28.8"), D(0), D(0), D("28.8"), ""],
]


def catalog(path: Path) -> Path:
    """A catalog made by hand: every input table, no Actuals."""
    people = [["Person", "Name", "Role"], ["ALM", "Alma", "SA"]]
    return make_workbook(path, "catalog", {**CATALOG_TABLES, "People": people})


def scope(path: Path) -> Path:
    return make_workbook(path, "scope", SCOPE_TABLES)


def added_sheet(data: bytes, before: bytes) -> tuple[str, str]:
    """The worksheet and table parts the write added."""
    new = check_only_owned_parts_changed(before, data, set())
    sheet = next(n for n in new if n.startswith("xl/worksheets/sheet"))
    table = next(n for n in new if n.startswith("xl/tables/"))
    assert new == {sheet, table, f"xl/worksheets/_rels/{sheet.rsplit('/', 1)[1]}.rels"}
    return sheet, table


def user_cells(data: bytes) -> dict[str, str]:
    """The XML of every cell of the Delivery sheet outside the table (B3:I…)."""
    xml = parts(data)["xl/worksheets/sheet1.xml"].decode()
    inner = xml.split("<sheetData>", 1)[1].split("</sheetData>", 1)[0]
    return {
        f"{c.col}:{r.index}": c.text
        for r in xml_rows(inner, "")
        for c in r.cells("")
        if r.index < 3 or not 2 <= c.col <= 9
    }


def load(data: bytes, tmp_path: Path, name: str = "out.xlsx") -> openpyxl.Workbook:
    out = tmp_path / name
    out.write_bytes(data)
    return openpyxl.load_workbook(out)


# --- created when missing ------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".xlsx", ".xlsm"])
def test_a_missing_actuals_table_gets_a_sheet_laid_out_like_the_template(
    tmp_path: Path, suffix: str
) -> None:
    src = catalog(tmp_path / "plain.xlsx")
    if suffix == ".xlsm":
        _excelify(src, tmp_path / "catalog.xlsm", vba=True)
        src = tmp_path / "catalog.xlsm"
    before = src.read_bytes()
    after = replace_table_rows(before, "Actuals", spec.ACTUALS.headers, ACTUAL_ROWS, ACTUALS)
    added_sheet(after, before)  # every other part as it was, the registers only grown
    new, old = parts(after), parts(before)
    only_added(old["xl/workbook.xml"], new["xl/workbook.xml"])
    book = new["xl/workbook.xml"].decode()
    assert re.search(r'<sheet name="Actuals" sheetId="8" r:id="rId\d+"/>', book)
    # the eighth sheet: its index is 7, and the seven before it keep theirs
    want = """<definedName name="_xlnm.Print_Titles" localSheetId="7">'Actuals'!$3:$3<"""
    assert want in book
    if suffix == ".xlsm":
        assert new["xl/vbaProject.bin"] == old["xl/vbaProject.bin"]

    wb = load(after, tmp_path, f"out{suffix}")
    # the other sheets keep their index: Actuals comes last, after the hidden marker
    assert wb.sheetnames == [*CATALOG_TABLES, "People", "_psos", "Actuals"]
    ws = wb["Actuals"]
    assert ws["A1"].value == "Catalog · Actuals" and ws["A1"].font.b
    assert ws["A2"].value == "What delivery taught." and ws["A2"].font.i
    assert ws.tables["Actuals"].ref == "A3:K5"
    assert [c.value for c in ws[3]] == spec.ACTUALS.headers
    assert all(c.font.b for c in ws[3])
    assert ws.freeze_panes == "A4"
    assert ws.print_title_rows == "$3:$3"
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.orientation == "landscape"  # eleven columns: wider than a page
    for i, column in enumerate(spec.ACTUALS.columns, start=1):
        width = ws.column_dimensions[openpyxl.utils.get_column_letter(i)].width
        assert width >= max(column.width, len(column.header) + 2), column.header
    book = CalamineWorkbook.from_path(str(tmp_path / f"out{suffix}"), load_tables=True)
    got = book.get_table_by_name("Actuals").to_python()
    assert got[0][:3] == ["DISC", "SA", 16.0]
    assert got[0][9] == datetime(2026, 12, 5, 23, 1, 4)


def test_a_missing_delivery_table_and_its_alert_colours(tmp_path: Path) -> None:
    before = scope(tmp_path / "scope.xlsx").read_bytes()
    after = replace_table_rows(before, "Delivery", spec.DELIVERY.headers, DELIVERY_ROWS, DELIVERY)
    sheet, _ = added_sheet(after, before)
    xml = parts(after)[sheet].decode()
    assert 'sqref="H4:H7"' in xml and xml.count("<cfRule") == 3
    ws = load(after, tmp_path)["Delivery"]
    assert ws.page_setup.orientation == "portrait"  # eight columns fit a page upright
    [(ranges, rules)] = [(str(cf.sqref), cf.rules) for cf in ws.conditional_formatting]
    assert ranges == "H4:H7"
    formulas = [r.formula[0] for r in rules]
    assert formulas == [
        'OR(ISNUMBER(SEARCH("≥100%",H4)),ISNUMBER(SEARCH("over budget",H4)))',
        'ISNUMBER(SEARCH("≥90%",H4))',
        'ISNUMBER(SEARCH("≥80%",H4))',
    ]
    fills = [r.dxf.fill.bgColor.rgb for r in rules]
    assert fills == ["FFFFC7CE", "FFFFCC99", "FFFFEB9C"]  # red, orange, amber


def test_writing_the_same_rows_again_changes_nothing(tmp_path: Path) -> None:
    before = catalog(tmp_path / "catalog.xlsx").read_bytes()
    once = replace_table_rows(before, "Actuals", spec.ACTUALS.headers, ACTUAL_ROWS, ACTUALS)
    assert replace_table_rows(once, "Actuals", spec.ACTUALS.headers, ACTUAL_ROWS, ACTUALS) is once
    # more rows: only the sheet and the table part change; the styles hold what they need
    more = replace_table_rows(once, "Actuals", spec.ACTUALS.headers, ACTUAL_ROWS * 3, ACTUALS)
    changed = {n for n, b in parts(more).items() if parts(once)[n] != b}
    assert {n.split("/")[1] for n in changed} == {"worksheets", "tables"}


def test_the_pricing_sheet_gets_both_snapshot_tables_side_by_side(tmp_path: Path) -> None:
    from psos_xl.app.price import snapshot_tables

    lines, info = snapshot_tables("ACME-01")
    data = scope(tmp_path / "scope.xlsx").read_bytes()
    row = ["D1", "DISC", "SA", "Catalog", D("16.8"), date(2026, 1, 1), 100, 200, D(1680), D(3360)]
    data = replace_table_rows(data, "PricedLines", spec.PRICED_LINES.headers, [row], lines)
    data = replace_table_rows(data, "PricingInfo", ["Field", "Value"], [["Price", 10]], info)
    ws = load(data, tmp_path)["Pricing"]
    assert ws.tables["PricedLines"].ref == "H4:Q5"
    assert ws.tables["PricingInfo"].ref == "E4:F5"
    assert ws["A1"].value == "Scope ACME-01 · Pricing"
    assert ws["M5"].number_format == number_format(spec.PRICED_LINES.column("RateFrom"))
    assert ws["M5"].value == datetime(2026, 1, 1)


# --- a sheet of that name is there --------------------------------------------------------


def test_a_sheet_of_that_name_gets_the_table_where_it_is_empty(tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(scope(tmp_path / "s.xlsx"))
    ws = wb.create_sheet("Delivery")
    ws["A1"] = "My burn notes"
    ws["I3"] = "beside"
    ws["A12"] = 42
    wb.save(tmp_path / "s.xlsx")
    before = (tmp_path / "s.xlsx").read_bytes()
    after = replace_table_rows(before, "Delivery", spec.DELIVERY.headers, DELIVERY_ROWS, DELIVERY)
    new = check_only_owned_parts_changed(before, after, {"xl/worksheets/sheet6.xml"})
    assert [n for n in new if "tables/" in n] and not [n for n in new if "worksheets/sheet" in n]
    ws = load(after, tmp_path)["Delivery"]
    assert ws.tables["Delivery"].ref == "A3:H7"
    assert (ws["A1"].value, ws["I3"].value, ws["A12"].value) == ("My burn notes", "beside", 42)
    assert ws["F4"].number_format == number_format(spec.DELIVERY.column("BurnPct"))


def test_cells_of_the_user_where_the_table_goes_are_never_written_over(tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(scope(tmp_path / "s.xlsx"))
    wb.create_sheet("Delivery")["B4"] = "my own table"
    wb.save(tmp_path / "s.xlsx")
    before = (tmp_path / "s.xlsx").read_bytes()
    with pytest.raises(NoRoomError) as err:
        replace_table_rows(before, "Delivery", spec.DELIVERY.headers, DELIVERY_ROWS, DELIVERY)
    assert err.value.where == "Delivery!B4"
    result = write_table(
        tmp_path / "s.xlsx", "Delivery", spec.DELIVERY.headers, DELIVERY_ROWS, owned=DELIVERY
    )
    assert result.status == "no_table" and not result.ok
    issue = result.issue("scopes/s.xlsx")
    assert issue is not None and issue.code is Code.WRITE_BACK_NO_TABLE
    assert str(issue.location) == "scopes/s.xlsx!Delivery!B4"
    assert "never writes over your cells" in issue.message
    assert (tmp_path / "s.xlsx").read_bytes() == before


def test_a_workbook_name_taken_by_the_table_is_reported(tmp_path: Path) -> None:
    from openpyxl.workbook.defined_name import DefinedName

    wb = openpyxl.load_workbook(scope(tmp_path / "s.xlsx"))
    wb.defined_names["delivery"] = DefinedName("delivery", attr_text="ScopeInfo!$B$2")
    wb.save(tmp_path / "s.xlsx")
    with pytest.raises(NoRoomError, match="cannot share it"):
        replace_table_rows(
            (tmp_path / "s.xlsx").read_bytes(),
            "Delivery",
            spec.DELIVERY.headers,
            DELIVERY_ROWS,
            DELIVERY,
        )


# --- formats on every write ----------------------------------------------------------------


def test_every_written_cell_has_its_column_types_format(tmp_path: Path) -> None:
    before = catalog(tmp_path / "catalog.xlsx").read_bytes()
    after = replace_table_rows(before, "Actuals", spec.ACTUALS.headers, ACTUAL_ROWS, ACTUALS)
    ws = load(after, tmp_path)["Actuals"]
    for i, column in enumerate(spec.ACTUALS.columns, start=1):
        for r in (4, 5):
            want = number_format(column) or "General"
            assert ws.cell(r, i).number_format == want, (column.header, r)
    assert ws["J4"].number_format == DATETIME_FORMAT
    assert ws["J4"].value == datetime(2026, 12, 5, 23, 1, 4)  # a date cell, not ISO text
    assert ws["G4"].value == pytest.approx(0.0111) and ws["G4"].number_format.endswith("%")


def test_an_existing_table_without_formats_gets_them_and_keeps_the_users_fill(
    tmp_path: Path,
) -> None:
    src = build_scope(tmp_path / "scope.xlsx")  # BurnPct "0%", hours "0.00", a user's column
    wb = openpyxl.load_workbook(src)
    yellow = PatternFill(start_color="FFFF00", end_color="FFFF00", fill_type="solid")
    wb["Delivery"]["E4"].fill = yellow  # EstimatedHours of the first row: the user's fill
    wb.save(src)
    _excelify(src, tmp_path / "user.xlsx", vba=False)
    before = (tmp_path / "user.xlsx").read_bytes()
    owned = OwnedTable(spec.DELIVERY)
    after = replace_table_rows(before, "Delivery", PSOS[:6], [r[:6] for r in ROWS], owned)
    check_only_owned_parts_changed(
        before, after, {"xl/worksheets/sheet1.xml", "xl/tables/table1.xml"}
    )
    assert len(user_cells(before)) >= 4
    assert user_cells(before) == user_cells(after)  # byte for byte, beside and above
    ws = load(after, tmp_path)["Delivery"]
    hours = number_format(spec.DELIVERY.column("EstimatedHours"))
    burn = number_format(spec.DELIVERY.column("BurnPct"))
    for r in range(4, 9):
        assert ws[f"D{r}"].number_format == hours
        assert ws[f"E{r}"].fill.fgColor.rgb == "00FFFF00"  # the user's fill, kept
        assert ws[f"F{r}"].number_format == burn
    assert ws["H4"].number_format == "yyyy-mm-dd"  # the user's column keeps its style


# --- ranges that follow the table ----------------------------------------------------------


def test_conditional_formats_and_validations_follow_the_table(tmp_path: Path) -> None:
    src = build_scope(tmp_path / "scope.xlsx", data_rows=2)  # x14 data bar on F4:F5
    wb = openpyxl.load_workbook(src)
    ws = wb["Delivery"]
    red = PatternFill(start_color="FFC7CE", end_color="FFC7CE", fill_type="solid")
    ws.conditional_formatting.add("E4:E5", CellIsRule(operator="lessThan", formula=["0"], fill=red))
    wb.save(src)
    _excelify(src, tmp_path / "user.xlsx", vba=False)
    owned = OwnedTable(spec.DELIVERY, highlights=(ALERT_HIGHLIGHT,))
    headers = PSOS[:6]
    grown = replace_table_rows(
        (tmp_path / "user.xlsx").read_bytes(), "Delivery", headers, [r[:6] for r in ROWS], owned
    )
    xml = parts(grown)["xl/worksheets/sheet1.xml"].decode()
    assert 'sqref="E4:E8"' in xml  # the user's format over the table's rows grew with them
    assert "<xm:sqref>F4:F8</xm:sqref>" in xml  # so did the x14 data bar
    assert 'sqref="G4:G8"' in xml  # psos' own Alert colours
    assert 'sqref="C4:C50"' in xml and 'sqref="F4:F50"' in xml  # reaching past: kept
    assert "<xm:sqref>L4</xm:sqref>" in xml  # a sparkline's cell is not a range
    shrunk = replace_table_rows(grown, "Delivery", headers, [ROWS[0][:6]], owned)
    xml = parts(shrunk)["xl/worksheets/sheet1.xml"].decode()
    assert 'sqref="E4"' in xml and "<xm:sqref>F4</xm:sqref>" in xml and 'sqref="G4"' in xml
    assert xml.count("<cfRule") == 2 + 3  # the user's two, psos' three: never twice
    ws = load(shrunk, tmp_path)["Delivery"]
    assert "G4" in {str(cf.sqref) for cf in ws.conditional_formatting}


def test_a_too_narrow_owned_column_widens_and_a_wide_one_stays(tmp_path: Path) -> None:
    src = build_scope(tmp_path / "scope.xlsx")
    wb = openpyxl.load_workbook(src)
    ws = wb["Delivery"]
    ws.column_dimensions["D"].width = 4  # EstimatedHours, too narrow for "1,234,567.00"
    ws.column_dimensions["C"].width = 40  # Role, wider than needed: the user's choice
    wb.save(src)
    _excelify(src, tmp_path / "user.xlsx", vba=False)
    rows = [["D1", "SA", D("1234567"), 1, D("0.5"), ""]]
    out = replace_table_rows(
        (tmp_path / "user.xlsx").read_bytes(), "Delivery", PSOS[:6], rows, OwnedTable(spec.DELIVERY)
    )
    ws = load(out, tmp_path)["Delivery"]
    assert ws.column_dimensions["D"].width >= len("1,234,567.00") + 1
    assert ws.column_dimensions["C"].width == 40


def test_a_libreoffice_like_styles_part_gains_entries_with_its_prefix(tmp_path: Path) -> None:
    """A styles part whose elements carry a prefix and whose dxfs list is missing."""
    src = catalog(tmp_path / "catalog.xlsx")
    with zipfile.ZipFile(src) as z:
        members = {n: z.read(n) for n in z.namelist()}
    styles = members["xl/styles.xml"].decode()
    styles = re.sub(r"<(/?)(?!\?)", r"<\1x:", styles).replace("xmlns=", "xmlns:x=")
    members["xl/styles.xml"] = re.sub(r"<x:dxfs[^>]*/>", "", styles).encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for n, b in members.items():
            z.writestr(n, b)
    before = buf.getvalue()
    owned = OwnedTable(spec.DELIVERY, highlights=(ALERT_HIGHLIGHT,))
    # a catalog is as good a package as any to hold a Delivery table
    after = replace_table_rows(before, "Delivery", spec.DELIVERY.headers, DELIVERY_ROWS, owned)
    new_styles = parts(after)["xl/styles.xml"].decode()
    assert '<x:dxfs count="3"><x:dxf>' in new_styles
    only_added(members["xl/styles.xml"], new_styles.encode(), counts=True)
    out = tmp_path / "prefixed.xlsx"
    out.write_bytes(after)
    assert openpyxl.load_workbook(out)["Delivery"]["F4"].number_format.endswith("%")


def test_the_scope_delivery_table_is_titled_like_the_template() -> None:
    from psos_xl import models as m

    s = m.Scope(info=m.ScopeInfo(engagement="ACME-01", title="Portal"))
    owned = delivery_table(s)
    assert owned.title == "Scope ACME-01 · Portal · Delivery"
    assert owned.highlights == (ALERT_HIGHLIGHT,) and owned.spec is spec.DELIVERY


def test_write_table_adds_the_table_through_the_safe_protocol(tmp_path: Path) -> None:
    """Hash checked, temp file, rename; the second write finds the rows there."""
    path = catalog(tmp_path / "catalog.xlsx")
    keep = tmp_path / "before.xlsx"
    shutil.copyfile(path, keep)
    stale = write_table(path, "Actuals", spec.ACTUALS.headers, ACTUAL_ROWS, "0" * 64, owned=ACTUALS)
    assert stale.status == "changed" and path.read_bytes() == keep.read_bytes()
    lock = tmp_path / ".~lock.catalog.xlsx#"
    lock.write_text("someone")
    busy = write_table(path, "Actuals", spec.ACTUALS.headers, ACTUAL_ROWS, owned=ACTUALS)
    assert busy.status == "open" and path.read_bytes() == keep.read_bytes()
    lock.unlink()
    result = write_table(
        path, "Actuals", spec.ACTUALS.headers, ACTUAL_ROWS, keep_sha(keep), owned=ACTUALS
    )
    assert result.status == "written"
    assert {p.name for p in tmp_path.iterdir()} == {"catalog.xlsx", "before.xlsx"}  # no temp
    again = write_table(path, "Actuals", spec.ACTUALS.headers, ACTUAL_ROWS, owned=ACTUALS)
    assert again.status == "unchanged"


def keep_sha(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- an older layout gains the columns the contract added -----------------------------------

OLD_DELIVERY = ["Deliverable", "Role", "EstimatedHours", "ActualHours", "BurnPct", "Alert"]


def old_layout_scope(path: Path, beside: dict[str, object] | None = None) -> bytes:
    """A scope whose Delivery table predates BaselineHours (A3:F5), with ``beside``
    typed into the sheet."""
    make_workbook(
        path, "scope", {**SCOPE_TABLES, "Delivery": [OLD_DELIVERY, ["D1", "SA", 1, 0, 0, ""]]}
    )
    wb = openpyxl.load_workbook(path)
    for ref, value in (beside or {}).items():
        wb["Delivery"][ref] = value
    wb.save(path)
    return path.read_bytes()


def test_an_older_table_gains_the_missing_column_at_its_right(tmp_path: Path) -> None:
    before = old_layout_scope(tmp_path / "s.xlsx", {"I1": "note beside"})
    after = replace_table_rows(before, "Delivery", spec.DELIVERY.headers, DELIVERY_ROWS, DELIVERY)
    ws = load(after, tmp_path)["Delivery"]
    table = ws.tables["Delivery"]
    assert [c.name for c in table.tableColumns] == [*OLD_DELIVERY, "BaselineHours", "EACHours"]
    assert [c.id for c in table.tableColumns] == list(range(1, 9))
    header = next(r for r in ws.iter_rows(values_only=True) if r and r[0] == "Deliverable")
    assert list(header[:8]) == [*OLD_DELIVERY, "BaselineHours", "EACHours"]
    first_row = table.ref.split(":")[0]
    top = int(first_row[1:])
    assert table.ref == f"A{top}:H{top + 4}" and table.autoFilter.ref == table.ref
    assert [ws.cell(top + 1 + i, 7).value for i in range(4)] == [16.8, 6, 144, None]
    assert [ws.cell(top + 1 + i, 8).value for i in range(4)] == [18.35, 6, 288, 28.8]
    assert [ws.cell(top + 1 + i, 3).value for i in range(4)] == [16.8, 6, 288, 28.8]
    assert ws["I1"].value == "note beside"
    again = replace_table_rows(after, "Delivery", spec.DELIVERY.headers, DELIVERY_ROWS, DELIVERY)
    assert again is after  # the grown table takes the same rows without a change


def test_a_cell_where_the_column_would_go_stops_the_write(tmp_path: Path) -> None:
    make_workbook(
        tmp_path / "probe.xlsx",
        "scope",
        {**SCOPE_TABLES, "Delivery": [OLD_DELIVERY, ["D1", "SA", 1, 0, 0, ""]]},
    )
    ref = openpyxl.load_workbook(tmp_path / "probe.xlsx")["Delivery"].tables["Delivery"].ref
    top = int(ref.split(":")[0][1:])
    before = old_layout_scope(tmp_path / "s.xlsx", {f"G{top + 1}": "mine"})
    with pytest.raises(Exception, match=rf"Delivery!G{top + 1}: not empty.*BaselineHours"):
        replace_table_rows(before, "Delivery", spec.DELIVERY.headers, DELIVERY_ROWS, DELIVERY)
