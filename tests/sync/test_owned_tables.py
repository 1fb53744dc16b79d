"""A workspace made by hand gets the tables psos owns, formatted (DESIGN §11): sync adds
the catalog's Actuals and the scope's Delivery, ``psos price --write`` the Pricing
sheet, and what they show is as readable as the sheets the user typed in."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from handbuilt import build
from workbook.test_owned_tables import ACTUAL_ROWS

from psos_xl.app.price import price_scope
from psos_xl.errors import Code
from psos_xl.sync import run_sync, sync_workspace
from psos_xl.sync.outputs import WriteBack, _old_actuals, timestamp
from psos_xl.workbook import spec
from psos_xl.workbook.patch import replace_table_rows
from psos_xl.workbook.readers import read_catalog, read_scope
from psos_xl.workbook.styles import DATETIME_FORMAT, MONEY_FORMAT, number_format

D = Decimal
FIRST = datetime(2026, 12, 5, 23, 1, 4, tzinfo=UTC)
LATER = datetime(2026, 12, 9, 7, 30, 0, tzinfo=UTC)


@pytest.fixture
def synced(tmp_path: Path) -> Path:
    root = build(tmp_path / "firm")
    result = run_sync(root, after_store=WriteBack(root.resolve(), now=lambda: FIRST))
    assert not [i for i in result.issues if i.code is Code.WRITE_BACK_NO_TABLE]
    assert result.issues == []
    assert sorted(result.written_back) == ["catalog.xlsx", "scopes/acme.xlsx"]
    return root


def test_the_catalog_gets_an_actuals_sheet_with_dates_and_percentages(synced: Path) -> None:
    catalog, issues = read_catalog(synced / "catalog.xlsx")
    assert issues == [] and catalog is not None
    # the store and JSON side keep the UTC text; only the cell is a date
    assert {a.updated_at for a in catalog.actuals} == {"2026-12-05T23:01:04Z"}
    disc_sa = next(a for a in catalog.actuals if (a.sku, a.role) == ("DISC", "SA"))
    assert disc_sa.deliveries == 1
    ws = openpyxl.load_workbook(synced / "catalog.xlsx")["Actuals"]
    assert ws["A1"].value == "Catalog · Actuals"
    header = [c.value for c in ws[3]]
    assert header == spec.ACTUALS.headers
    updated = 1 + header.index("UpdatedAt")
    cell = ws.cell(4, updated)
    assert cell.value == datetime(2026, 12, 5, 23, 1, 4) and cell.number_format == DATETIME_FORMAT
    mape = ws.cell(4, 1 + header.index("MeanAbsErrorPct"))
    assert mape.number_format == number_format(spec.ACTUALS.column("MeanAbsErrorPct"))
    assert mape.number_format.endswith("%")


def test_the_scope_gets_a_delivery_sheet_with_formats_and_alert_colours(synced: Path) -> None:
    scope, _ = read_scope(synced / "scopes" / "acme.xlsx")
    assert scope is not None
    assert [(r.deliverable, r.role, r.burn_pct, r.alert) for r in scope.delivery] == [
        ("D1", "SA", D("1.0925"), "≥100%"),
        ("D1", "PM", D("0.9167"), "≥90%"),
        ("D2", "DEV", D("0.2563"), ""),
        ("D2", "SA", D(0), ""),
    ]
    ws = openpyxl.load_workbook(synced / "scopes" / "acme.xlsx")["Delivery"]
    assert ws.tables["Delivery"].ref == "A3:H7"
    for r in range(4, 8):
        assert ws[f"C{r}"].number_format == number_format(spec.DELIVERY.column("BaselineHours"))
        assert ws[f"D{r}"].number_format == number_format(spec.DELIVERY.column("EstimatedHours"))
        assert ws[f"E{r}"].number_format == number_format(spec.DELIVERY.column("ActualHours"))
        assert ws[f"F{r}"].number_format == number_format(spec.DELIVERY.column("BurnPct"))
        assert ws[f"G{r}"].number_format == number_format(spec.DELIVERY.column("EACHours"))
    assert [str(cf.sqref) for cf in ws.conditional_formatting] == ["H4:H7"]


def test_an_unchanged_actuals_table_keeps_its_stamp_and_bytes(synced: Path) -> None:
    catalog = synced / "catalog.xlsx"
    before = catalog.read_bytes()
    sheet = synced / "timesheets" / "alm.xlsx"
    wb = openpyxl.load_workbook(sheet)
    wb["Time"]["G2"] = "a note: the hours stay the same"
    wb.save(sheet)
    result = run_sync(synced, after_store=WriteBack(synced.resolve(), now=lambda: LATER))
    assert result.read == 1 and "catalog.xlsx" not in result.written_back
    assert catalog.read_bytes() == before  # the date cells read back as the stamp they were


def test_old_actuals_read_text_stamps_and_date_cells_alike(synced: Path) -> None:
    catalog = synced / "catalog.xlsx"
    now = _old_actuals(catalog)
    assert {r.updated_at for r in now.rows} == {timestamp(FIRST)}
    # an older catalog holds the stamp as text: read as it is
    text = [[*row[:9], "2026-01-01T08:00:00Z", row[10]] for row in ACTUAL_ROWS]
    old = replace_table_rows(catalog.read_bytes(), "Actuals", spec.ACTUALS.headers, text)
    catalog.write_bytes(old)
    assert {r.updated_at for r in _old_actuals(catalog).rows} == {"2026-01-01T08:00:00Z"}
    ws = openpyxl.load_workbook(catalog)["Actuals"]
    assert ws["J4"].value == "2026-01-01T08:00:00Z"  # psos writes no more such text


def test_price_write_adds_the_pricing_sheet(synced: Path) -> None:
    path = synced / "scopes" / "acme.xlsx"
    priced = price_scope(path, write=True)
    assert priced.snapshot == "written" and priced.issues == []
    ws = openpyxl.load_workbook(path)["Pricing"]
    assert ws.tables["PricingInfo"].ref == "E4:F16"
    assert ws.tables["PricedLines"].ref == "H4:Q8"
    assert ws["L5"].value == pytest.approx(16.8)
    assert ws["L5"].number_format == number_format(spec.PRICED_LINES.column("Hours"))
    assert ws["P5"].number_format == ws["Q5"].number_format == MONEY_FORMAT  # Cost, List
    again = price_scope(path, write=True)
    assert again.snapshot in ("written", "unchanged") and again.issues == []


def test_a_second_sync_with_no_news_writes_nothing(synced: Path) -> None:
    before = {p: p.read_bytes() for p in synced.rglob("*.xlsx")}
    result = sync_workspace(synced, quick=False)
    assert result.written_back == [] and result.issues == []
    assert {p: p.read_bytes() for p in synced.rglob("*.xlsx")} == before
