"""The dashboard workbook from hand-made report rows: a Summary, then a sheet per report,
each an Excel Table of the rows in psos' number formats with its alerts as conditional
formats, native charts that read the tables' cells, values only (no formula, so no error
value), the ``dashboard`` marker, and never written over a file that is not one."""

from __future__ import annotations

import posixpath
import re
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import openpyxl
import pytest

from psos_xl.workbook.dashboard import DashboardPathError, sheet_names, write_dashboard
from psos_xl.workbook.dashsheets import Section, role_totals
from psos_xl.workbook.reader import open_book
from workbook.dashboard_rows import AS_OF, BURN, FORECAST, MARGIN, PEOPLE, UTILIZATION, sections

D = Decimal
SHEETS = ["Summary", "Utilization", "Margin", "Burn", "Forecast", "Completeness"]


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("dash") / "dashboard.xlsx"
    return write_dashboard(path, "Economics firm", AS_OF, sections())


def table_rows(ws: Any, name: str) -> list[dict[str, Any]]:
    """The rows of table ``name`` on ``ws`` by header."""
    ref = ws.tables[name].ref
    cells = list(ws[ref])
    headers = [c.value for c in cells[0]]
    return [dict(zip(headers, (c.value for c in row), strict=True)) for row in cells[1:]]


def _targets(z: zipfile.ZipFile, part: str) -> dict[str, str]:
    """The relationships of ``part``: id → the part it targets (a path in the zip)."""
    folder, name = posixpath.split(part)
    rels = posixpath.join(folder, "_rels", name + ".rels")
    if rels not in z.namelist():
        return {}
    out = {}
    for rel in ElementTree.fromstring(z.read(rels)):
        target = rel.get("Target", "")
        path = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
        out[rel.get("Id", "")] = posixpath.normpath(path)
    return out


def charts(path: Path) -> dict[str, str]:
    """Each chart part's XML, by the sheet it is drawn on (one chart a sheet)."""
    ns = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    with zipfile.ZipFile(path) as z:
        sheets = _targets(z, "xl/workbook.xml")
        out: dict[str, str] = {}
        for sheet in ElementTree.fromstring(z.read("xl/workbook.xml")).iter():
            if not sheet.tag.endswith("}sheet"):
                continue
            for drawing in _targets(z, sheets[sheet.get(ns, "")]).values():
                for chart in _targets(z, drawing).values():
                    out[sheet.get("name", "")] = z.read(chart).decode()
        return out


def test_a_summary_then_a_sheet_per_report(book: Path) -> None:
    wb = openpyxl.load_workbook(book)
    visible = [ws.title for ws in wb.worksheets if ws.sheet_state == "visible"]
    assert visible == SHEETS == sheet_names(sections())
    assert wb["_psos"].sheet_state == "hidden"
    assert wb.active.title == "Summary"
    book_kind, _issues = open_book(book)
    assert book_kind.kind == "dashboard"
    tables = {name for ws in wb.worksheets for name in ws.tables}
    assert tables == {
        "Summary",
        "Utilization",
        "UtilizationByPerson",
        "Margin",
        "Burn",
        "BurnByEngagement",
        "Forecast",
        "ForecastByRole",
        "Completeness",
    }
    for title in SHEETS:
        ws = wb[title]
        assert ws.freeze_panes == "A4"
        assert ws.print_title_rows == "$3:$3"
        assert ws.page_setup.fitToWidth == 1


def test_the_tables_hold_the_report_rows_in_psos_formats(book: Path) -> None:
    wb = openpyxl.load_workbook(book)
    rows = table_rows(wb["Margin"], "Margin")
    assert [r["Engagement"] for r in rows] == [m["engagement"] for m in MARGIN]
    ff = rows[1]
    assert (ff["Revenue"], ff["Cost"], ff["Margin"]) == (3000, 3600, -0.2)
    assert rows[3]["Margin"] is None  # no revenue yet: blank, not #DIV/0!
    formats = {
        c.value: wb["Margin"].cell(row=4, column=c.column).number_format for c in wb["Margin"][3]
    }
    assert formats["Revenue"] == formats["Price"] == "#,##0.00"
    assert formats["Margin"] == formats["ForecastMargin"] == "0.0%"
    assert formats["EACHours"] == "#,##0.00"
    use = table_rows(wb["Utilization"], "Utilization")
    assert len(use) == len(UTILIZATION)
    assert use[0]["Period"].date().isoformat() == "2026-11-02"
    assert wb["Utilization"]["B4"].number_format == "yyyy-mm-dd"
    assert wb["Utilization"]["H4"].number_format == "0.0%"
    people = table_rows(wb["Utilization"], "UtilizationByPerson")
    assert [(p["Person"], p["Utilization"], p["Target"]) for p in people] == [
        (p["person"], float(p["utilization"]), float(p["target"])) for p in PEOPLE
    ]
    burn = table_rows(wb["Burn"], "BurnByEngagement")
    assert [b["Engagement"] for b in burn] == ["TM-01", "FF-01", "MS-01"]
    assert len(table_rows(wb["Burn"], "Burn")) == len(BURN)
    roles = table_rows(wb["Forecast"], "ForecastByRole")
    assert roles == [
        {"Role": "SA", "Supply": 80, "Demand": 72, "Pipeline": 12, "Gap": 8},
        {"Role": "DE", "Supply": 120, "Demand": 66.5, "Pipeline": 0, "Gap": 53.5},
    ]
    overdue = [r["Overdue"] for r in table_rows(wb["Forecast"], "Forecast")]
    assert overdue == ["Y", "N", "N", "N"]


def test_the_summary_names_where_each_figure_comes_from(book: Path) -> None:
    wb = openpyxl.load_workbook(book)
    rows = {r["Figure"]: (r["Value"], r["Sheet"]) for r in table_rows(wb["Summary"], "Summary")}
    assert rows["Utilization (everyone)"] == (0.81, "Utilization")
    assert rows["People under target"] == (1, "Utilization")  # AN
    assert rows["Revenue recognised to date"] == (9500, "Margin")
    assert rows["Cost to date"] == (7000, "Margin")
    assert rows["Margin to date"] == (0.2632, "Margin")  # 2,500 ÷ 9,500
    assert rows["Engagements under zero margin"] == (1, "Margin")
    assert rows["Burn lines with an alert"] == (5, "Burn")
    assert rows["Role-weeks with demand over supply"] == (1, "Forecast")
    assert rows["Missing timesheets"] == (1, "Completeness")
    assert rows["Short weeks"] == (1, "Completeness")
    assert wb["Summary"]["B4"].value.date() == AS_OF


def test_values_only_never_a_formula(book: Path) -> None:
    wb = openpyxl.load_workbook(book)
    formulas = [
        f"{ws.title}!{c.coordinate}"
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.data_type == "f" or (isinstance(c.value, str) and c.value.startswith("="))
    ]
    assert formulas == []


def refs(xml: str) -> list[str]:
    """The cell references a chart's series read, in order."""
    return re.findall(r"<(?:c:)?f>([^<]+)</(?:c:)?f>", xml)


def test_the_charts_read_the_tables_cells(book: Path) -> None:
    drawn = charts(book)
    assert set(drawn) == {"Utilization", "Margin", "Burn", "Forecast"}
    for xml in drawn.values():
        assert not re.search(r"<(c:)?(numLit|strLit)>", xml)  # no number of its own
    use = drawn["Utilization"]
    assert re.search(r"<(c:)?barChart>", use) and re.search(r"<(c:)?lineChart>", use)
    assert len(set(re.findall(r'<(?:c:)?axId val="(\d+)"', use))) == 2  # one pair of axes
    assert refs(use) == [
        "'Utilization'!N3",
        "'Utilization'!$K$4:$K$6",
        "'Utilization'!$N$4:$N$6",
        "'Utilization'!O3",
        "'Utilization'!$K$4:$K$6",
        "'Utilization'!$O$4:$O$6",
    ]
    margin = refs(drawn["Margin"])
    assert "'Margin'!$E$4:$E$7" in margin and "'Margin'!$H$4:$H$7" in margin
    assert "'Margin'!$A$4:$A$7" in margin
    burn = refs(drawn["Burn"])
    assert "'Burn'!$H$4:$H$6" in burn and "'Burn'!$I$4:$I$6" in burn
    forecast = refs(drawn["Forecast"])
    assert {"'Forecast'!$J$4:$J$5", "'Forecast'!$K$4:$K$5", "'Forecast'!$L$4:$L$5"} <= set(forecast)


def test_alerts_are_conditional_formats(book: Path) -> None:
    wb = openpyxl.load_workbook(book)

    def rules(sheet: str) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for rng in wb[sheet].conditional_formatting:
            for rule in rng.rules:
                found.setdefault(str(rng.sqref), []).extend(rule.formula)
        return found

    assert rules("Utilization")["H4:H15"] == ["AND(ISNUMBER($H4),ISNUMBER($I4),$H4<$I4)"]
    assert rules("Margin")["E4:E7"] == ["AND(ISNUMBER($E4),$E4<0)"]
    assert rules("Forecast")["F4:F7"] == ["AND(ISNUMBER($F4),$F4<0)"]
    burn = rules("Burn")
    assert burn["C4:C10"] == [
        "AND(ISNUMBER($C4),$C4>=1)",
        "AND(ISNUMBER($C4),$C4>=0.9)",
        "AND(ISNUMBER($C4),$C4>=0.8)",
    ]
    assert 'ISNUMBER(SEARCH("budget",$E4))' in burn["E4:E10"][0]
    assert rules("Completeness")["C4:C5"] == [
        'ISNUMBER(SEARCH("MISSING",$C4))',
        'ISNUMBER(SEARCH("SHORT",$C4))',
    ]


def test_decimals_and_their_json_text_give_the_same_workbook(tmp_path: Path) -> None:
    typed = [
        {
            k: D(v) if k in ("revenue", "cost", "margin") and v is not None else v
            for k, v in row.items()
        }
        for row in MARGIN
    ]
    a = write_dashboard(tmp_path / "a.xlsx", "F", AS_OF, [Section("margin", MARGIN)])
    b = write_dashboard(tmp_path / "b.xlsx", "F", AS_OF, [Section("margin", typed)])
    rows_a = table_rows(openpyxl.load_workbook(a)["Margin"], "Margin")
    assert rows_a == table_rows(openpyxl.load_workbook(b)["Margin"], "Margin")


def test_a_report_with_no_rows_gets_a_blank_row_and_no_chart(tmp_path: Path) -> None:
    path = write_dashboard(
        tmp_path / "d.xlsx", "F", AS_OF, [Section("forecast", []), Section("utilization", [])]
    )
    assert charts(path) == {}
    wb = openpyxl.load_workbook(path)
    assert wb["Forecast"].tables["Forecast"].ref == "A3:G4"
    assert [ws.title for ws in wb.worksheets][:3] == ["Summary", "Utilization", "Forecast"]


def test_never_written_over_a_file_that_is_not_a_dashboard(tmp_path: Path, book: Path) -> None:
    other = tmp_path / "budget.xlsx"
    openpyxl.Workbook().save(other)
    before = other.read_bytes()
    with pytest.raises(DashboardPathError, match="not a psos dashboard"):
        write_dashboard(other, "F", AS_OF, sections())
    assert other.read_bytes() == before
    again = tmp_path / "again.xlsx"
    again.write_bytes(book.read_bytes())
    write_dashboard(again, "F", AS_OF, [Section("margin", MARGIN)])  # its own: replaced
    assert openpyxl.load_workbook(again).sheetnames[:2] == ["Summary", "Margin"]
    assert not list(tmp_path.glob(".~psos-*"))


def test_a_report_without_a_sheet_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="invoices"):
        write_dashboard(tmp_path / "x.xlsx", "F", AS_OF, [Section("invoices", [])])


def test_role_totals_add_each_roles_weeks() -> None:
    assert role_totals(FORECAST)[0] == {
        "role": "SA",
        "supply": D("80.00"),
        "demand": D("72.00"),
        "pipeline": D("12.00"),
        "gap": D("8.00"),
    }


def test_the_summary_takes_a_reports_own_totals(tmp_path: Path) -> None:
    totals = {"revenue": "9000.00", "cost": "6000.00", "margin": "0.3333"}
    path = write_dashboard(
        tmp_path / "t.xlsx", "F", AS_OF, [Section("margin", MARGIN, totals=totals)]
    )
    rows = {
        r["Figure"]: r["Value"]
        for r in table_rows(openpyxl.load_workbook(path)["Summary"], "Summary")
    }
    assert (rows["Revenue recognised to date"], rows["Cost to date"]) == (9000, 6000)
    assert rows["Margin to date"] == 0.3333
