"""The utilization workbook as LibreOffice prints it: each sheet on a page of its own,
hours and percentages formatted, dates as dates, no helper sheet."""

from __future__ import annotations

from pathlib import Path

from realclient.soffice import Soffice
from workbook.test_report_book import AS_OF, REPORT

from psos_xl.workbook.report_book import write_completeness, write_utilization
from render.harness import HELPER_TEXT, ISO_TIMESTAMP, one_line, print_all


def test_the_utilization_workbook_prints_formatted(soffice: Soffice, tmp_path: Path) -> None:
    path = write_utilization(tmp_path / "utilization.xlsx", REPORT, AS_OF)
    printed = print_all({"u": path}, soffice, tmp_path / "pdf")["u"]
    assert printed.sheets == ["Utilization", "Org", "Bench"]
    assert len(printed.pages) == 3
    first = one_line(printed.pages_of("Utilization")[0])
    assert "LM 2026-10-12 40.00 16.00 24.00 20.00 4.00 83.3% 80.0%" in first
    assert "All 144.00 16.00 128.00 72.00 52.00 56.3% 79.4%" in one_line(printed.text)
    assert "PK 40.00 0.00 40.00 22.00 14.00 55.0% 75.0%" in one_line(printed.text)
    assert not ISO_TIMESTAMP.search(printed.text)
    assert not any(h in printed.text for h in HELPER_TEXT)


def test_the_completeness_workbook_prints_formatted(soffice: Soffice, tmp_path: Path) -> None:
    from datetime import date
    from decimal import Decimal

    from psos_xl.economics.completeness import Gap
    from psos_xl.errors import Code

    week = date(2026, 11, 16)
    gaps = [
        Gap("AN", week, Code.MISSING_TIMESHEET, Decimal(0), Decimal(40)),
        Gap("BO", week, Code.SHORT_WEEK, Decimal("12.5"), Decimal(20)),
    ]
    path = write_completeness(tmp_path / "completeness.xlsx", gaps, week, date(2026, 11, 30))
    printed = print_all({"c": path}, soffice, tmp_path / "pdf")["c"]
    assert printed.sheets == ["Completeness"]
    text = one_line(printed.text)
    assert "weeks through 2026-11-16, as of 2026-11-30" in text
    assert "AN 2026-11-16 MISSING_TIMESHEET 0.00 40.00" in text
    assert "BO 2026-11-16 SHORT_WEEK 12.50 20.00" in text
    assert not any(h in printed.text for h in HELPER_TEXT)
