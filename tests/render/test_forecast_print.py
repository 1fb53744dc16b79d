"""The forecast workbook as LibreOffice prints it: each sheet on a page of its own,
hours formatted, dates as dates, no helper sheet."""

from __future__ import annotations

from pathlib import Path

from realclient.soffice import Soffice
from workbook.test_forecast_book import REPORT

from psos_xl.workbook.report_book import write_forecast
from render.harness import HELPER_TEXT, ISO_TIMESTAMP, one_line, print_all


def test_the_forecast_workbook_prints_formatted(soffice: Soffice, tmp_path: Path) -> None:
    path = write_forecast(tmp_path / "forecast.xlsx", REPORT)
    printed = print_all({"f": path}, soffice, tmp_path / "pdf")["f"]
    assert printed.sheets == ["Forecast", "Demand", "Overdue"]
    assert len(printed.pages) == 3
    first = one_line(printed.pages_of("Forecast")[0])
    assert "DE 2026-11-30 60.00 10.50 49.50 12.00" in first
    assert "PM 2026-11-30 0.00 0.69 -0.69 0.00" in first
    demand = one_line(printed.pages_of("Demand")[0])
    assert "DE 2026-11-30 E3 Firm 10.50" in demand
    assert "E3 DE 10.50 2026-11-27 scopes/E3.xlsx" in one_line(printed.pages_of("Overdue")[0])
    assert not ISO_TIMESTAMP.search(printed.text)
    assert not any(h in printed.text for h in HELPER_TEXT)
