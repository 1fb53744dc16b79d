"""The forecast workbook (``psos report forecast --xlsx``): three sheets, each one
formatted Excel Table with its header frozen and set up for print, the hidden report
marker, and no file that is not a psos report overwritten."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from economics.test_forecast import AS_OF, DRAFTS, FIRM, LINES, PEOPLE, TIME, W1

from psos_xl.economics.forecast import forecast
from psos_xl.workbook import styles as st
from psos_xl.workbook.readers import read_any
from psos_xl.workbook.report_book import ReportPathError, write_forecast

REPORT = forecast(PEOPLE, TIME, FIRM, DRAFTS, AS_OF, 30)


def rows(ws: object, ref: str) -> list[list[object]]:
    return [[c.value for c in row] for row in ws[ref]]  # type: ignore[index]


def test_three_tables_with_formats_frozen_headers_and_print_setup(tmp_path: Path) -> None:
    path = write_forecast(tmp_path / "out" / "forecast.xlsx", REPORT)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Forecast", "Demand", "Overdue", "_psos"]
    assert wb["_psos"].sheet_state == "hidden"
    ws = wb["Forecast"]
    assert ws["A1"].value == (
        "Forecast by role and week, 30 days from 2026-12-02 (weeks 2026-11-30 to 2026-12-28)"
    )
    table = ws.tables["Forecast"]
    assert table.ref == f"A3:G{3 + len(LINES)}"
    got = rows(ws, table.ref)
    assert got[0] == ["Role", "Week", "Supply", "Demand", "Gap", "Pipeline", "Overdue"]
    assert got[1][0] == "DE" and got[1][1].date() == W1
    assert got[1][2:] == [60, 10.5, 49.5, 12, "Y"]
    assert got[6][2:] == [0, 0.69, -0.69, 0, "N"]  # PM: nobody's role
    assert ws["B4"].number_format == st.DATE_FORMAT
    assert ws["C4"].number_format == ws["E4"].number_format == st.HOURS_FORMAT
    assert ws.freeze_panes == "A4"
    assert ws.print_title_rows == "$3:$3" and ws.page_setup.fitToWidth == 1
    demand = rows(wb["Demand"], wb["Demand"].tables["Demand"].ref)
    assert demand[0] == ["Role", "Week", "Engagement", "Kind", "Hours", "Overdue"]
    assert [r[2:5] for r in demand[1:3]] == [["E3", "Firm", 10.5], ["P3", "Pipeline", 12]]
    assert len(demand) == 1 + 12  # every share of every line
    overdue = rows(wb["Overdue"], wb["Overdue"].tables["Overdue"].ref)
    assert overdue[1][:3] == ["E3", "DE", 10.5] and overdue[1][4] == "scopes/E3.xlsx"
    _, issues = read_any(path)  # psos' own output: passed over without an issue
    assert issues == []


def test_a_report_is_overwritten_and_any_other_file_is_not(tmp_path: Path) -> None:
    path = write_forecast(tmp_path / "f.xlsx", REPORT)
    assert write_forecast(path, REPORT) == path
    other = tmp_path / "catalog.xlsx"
    openpyxl.Workbook().save(other)
    before = other.read_bytes()
    with pytest.raises(ReportPathError, match="is not a psos report"):
        write_forecast(other, REPORT)
    assert other.read_bytes() == before
