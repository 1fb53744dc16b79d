"""The utilization workbook (``psos report utilization --xlsx``): three sheets, each one
formatted Excel Table with its header frozen and set up for print, the hidden report
marker, and no file that is not a psos report overwritten."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
from economics.test_utilization import AS_OF, PEOPLE, TIME, W1, W2, WEEK_BENCH, WEEK_LINES

from psos_xl.economics.utilization import Period, utilization
from psos_xl.workbook import styles as st
from psos_xl.workbook.readers import read_any
from psos_xl.workbook.report_book import ReportPathError, write_utilization

REPORT = utilization(PEOPLE, TIME, W1, W2 + timedelta(days=6), Period.WEEK, AS_OF, {"ACME"})


def rows(ws: object, ref: str) -> list[list[object]]:
    return [[c.value for c in row] for row in ws[ref]]  # type: ignore[index]


def test_three_tables_with_formats_frozen_headers_and_print_setup(tmp_path: Path) -> None:
    path = write_utilization(tmp_path / "out" / "utilization.xlsx", REPORT, AS_OF)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Utilization", "Org", "Bench", "_psos"]
    assert wb["_psos"].sheet_state == "hidden"
    ws = wb["Utilization"]
    assert ws["A1"].value == "Utilization by week, 2026-10-05 to 2026-10-18, as of 2026-10-19"
    table = ws.tables["Utilization"]
    assert table.ref == f"A3:I{3 + len(WEEK_LINES)}"
    got = rows(ws, table.ref)
    assert got[0] == [
        "Person", "Period", "Capacity", "Leave", "Available", "Billable", "NonBillable",
        "Utilization", "UtilizationTarget",
    ]  # fmt: skip
    lm_w2 = got[2]
    assert lm_w2[0] == "LM" and lm_w2[1].date() == W2
    assert lm_w2[2:] == [40, 16, 24, 20, 4, 0.8333, 0.8]
    assert [r[0] for r in got[1:]] == [x.person for x in WEEK_LINES]
    assert ws["B4"].number_format == st.DATE_FORMAT
    assert ws["C4"].number_format == st.HOURS_FORMAT
    assert ws["H4"].number_format == ws["I4"].number_format == st.PERCENT_FORMAT
    assert ws.freeze_panes == "A4"
    assert ws.print_title_rows == "$3:$3" and ws.page_setup.fitToWidth == 1
    org = rows(wb["Org"], wb["Org"].tables["Org"].ref)
    assert org[1] == ["All", None, 144, 16, 128, 72, 52, 0.5625, 0.7938]
    bench = rows(wb["Bench"], wb["Bench"].tables["Bench"].ref)
    assert [r[0] for r in bench[1:]] == [b.person for b in WEEK_BENCH] == ["NEW", "PK"]
    _, issues = read_any(path)  # psos' own output: passed over without an issue
    assert issues == []


def test_a_report_is_overwritten_and_any_other_file_is_not(tmp_path: Path) -> None:
    path = write_utilization(tmp_path / "u.xlsx", REPORT, AS_OF)
    assert write_utilization(path, REPORT, AS_OF + timedelta(days=1)) == path
    assert "as of 2026-10-20" in openpyxl.load_workbook(path)["Utilization"]["A1"].value
    other = tmp_path / "catalog.xlsx"
    openpyxl.Workbook().save(other)
    before = other.read_bytes()
    with pytest.raises(ReportPathError, match="is not a psos report"):
        write_utilization(other, REPORT, AS_OF)
    assert other.read_bytes() == before
    text = tmp_path / "notes.xlsx"
    text.write_text("not a workbook", encoding="utf-8")
    with pytest.raises(ReportPathError):
        write_utilization(text, REPORT, AS_OF)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["catalog.xlsx", "notes.xlsx", "u.xlsx"]
