"""Every workbook psos writes prints like one a finance team would send.

Printed through LibreOffice (one run for all of them) and read back as text: each table
sheet prints on pages one table wide with its header row on every page, the helper
sheets never print, fractions show as percentages and dates as dates, and no cell shows
a raw timestamp. To add a workbook, add it to ``workbooks`` and its printed sheets to
``SHEETS``; every test then covers it.
"""

from __future__ import annotations

import math
import re
import shutil
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from realclient.soffice import Soffice

from psos_xl.app.new import new_scope, new_timesheet
from psos_xl.app.price import price_file, sha256_file, write_snapshot
from psos_xl.app.quote import build_quote
from psos_xl.app.trust import approve
from psos_xl.demo.build import write_demo
from psos_xl.demo.firm import demo_firm
from psos_xl.demo.sample import init_workspace
from psos_xl.demo.simulate import Record, SimResult, write_accuracy_workbook
from psos_xl.sync import sync_workspace
from psos_xl.workbook.templates import build_templates
from psos_xl.workbook.writers import write_catalog, write_scope

from .harness import HELPER_TEXT, ISO_TIMESTAMP, Printed, one_line, print_all

TODAY = date(2026, 9, 14)
SCOPE_SHEETS = ["ScopeInfo", "Deliverables", "Assumptions", "Overrides", "Pricing", "Delivery"]
# the sheets each workbook prints, in order: every visible sheet, no helper sheet
SHEETS: dict[str, list[str]] = {
    "template catalog": [
        "Roles",
        "Services",
        "Complexity",
        "Risks",
        "Settings",
        "People",
        "Actuals",
    ],
    "active scope": SCOPE_SHEETS,
    "priced scope": SCOPE_SHEETS,
    "new scope": SCOPE_SHEETS,
    "new timesheet": ["Time", "Expenses"],
    "synced catalog": [
        "Roles",
        "Services",
        "Complexity",
        "Risks",
        "Settings",
        "People",
        "Actuals",
    ],
    "synced active scope": [*SCOPE_SHEETS, "Revisions"],
    "synced completed scope": SCOPE_SHEETS,
    "approved timesheet": ["Time", "Expenses", "Approval"],
    "quote": ["Quote", "Deliverables", "Assumptions"],
    "accuracy": ["Curve", "Summary", "Deliveries"],
}
# rows a printed page holds at the least (one page wide, portrait or landscape)
ROWS_PER_PAGE = 25
# the snapshot's PricedAt is stored as the ISO text psos price --write gives it
STORES_ISO_TEXT = {"priced scope"}


def simulated() -> SimResult:
    """A small learning history: three SKUs, each delivered eight times."""
    records = [
        Record(
            engagement=f"SIM-{n:02d}",
            start=date(2025, 1, 6 + n),
            deliverable="D1",
            sku=sku,
            role="SA",
            prior=n,
            basis="P50" if n >= 3 else "Catalog",
            catalog_estimate=Decimal(40),
            calibrated_estimate=Decimal(40 + 2 * n),
            actual=Decimal(52 + k),
        )
        for k, sku in enumerate(("DISC", "DESIGN", "MIGR"))
        for n in range(8)
    ]
    return SimResult(root=Path("firm"), records=records)


def synced_demo(root: Path) -> dict[str, Path]:
    """The demo firm synced twice: its catalog's Actuals, an Active scope re-scoped after
    the sale (its Delivery beside what was sold, and its Revisions), a Completed scope,
    and a timesheet approved (its Approval table)."""
    firm = demo_firm()
    write_demo(root, firm)
    sync_workspace(root)
    active = root / "scopes" / "NOR-01.xlsx"
    wb = openpyxl.load_workbook(active)
    ws = wb["Deliverables"]
    header = [c.value for c in ws[3]]
    quantity = header.index("Quantity") + 1
    ws.cell(row=4, column=quantity).value = 2 * (ws.cell(row=4, column=quantity).value or 1)
    wb.save(active)
    sheet = next(p for p in sorted((root / "timesheets").rglob("*.xlsx")))
    person = sheet.parent.name
    week = date.fromisoformat(sheet.stem.removeprefix(f"{person}-"))
    approve(root, week, "Mia Controller", [person])
    sync_workspace(root)
    return {
        "synced catalog": root / "catalog.xlsx",
        "synced active scope": active,
        "synced completed scope": root / "scopes" / "ALP-01.xlsx",
        "approved timesheet": sheet,
    }


def _copy(path: Path, folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    return Path(shutil.copyfile(path, folder / path.name))


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("workbooks")
    templates = {p.name: p for p in build_templates(tmp / "templates")}
    firm = demo_firm()
    ws = init_workspace(tmp / "firm", name="Northwind Consulting")
    write_catalog(ws.catalog_path, firm.catalog)
    rel = Path("scopes/NOR-01.xlsx")
    active = write_scope(ws.root / rel, firm.scopes[rel], firm.catalog)
    priced = Path(shutil.copyfile(active, tmp / "NOR-01-priced.xlsx"))
    quote, _issues = price_file(priced, ws.catalog_path, today=TODAY)
    assert write_snapshot(priced, quote, sha256_file(ws.catalog_path)).ok
    synced = synced_demo(tmp / "demo")
    return {
        **synced,
        "template catalog": templates["catalog.xlsx"],
        "active scope": active,
        "priced scope": priced,
        "new scope": new_scope(
            ws, "NEW-01", "Example Client Ltd", "Data platform", TODAY, date(2026, 12, 18)
        ),
        "new timesheet": new_timesheet(ws, firm.catalog.people[0].person, TODAY),
        # quoted from a copy: issuing adds a Quotes table to the scope it quotes
        "quote": build_quote(_copy(active, ws.root / "quoted"), tmp / "quotes", today=TODAY).xlsx,
        "accuracy": write_accuracy_workbook(tmp / "accuracy.xlsx", simulated()),
    }


@pytest.fixture(scope="module")
def printed(
    workbooks: dict[str, Path], soffice: Soffice, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Printed]:
    return print_all(workbooks, soffice, tmp_path_factory.mktemp("pdf"))


def _shown(value: object) -> str:
    """A first-column value as the printed page has it (a date as its ISO day)."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value)


def tables(path: Path) -> dict[str, list[tuple[list[str], list[str]]]]:
    """Each visible sheet's tables as (headers, first-column values of the data rows).
    A sheet without an Excel Table (the quote's) has its row-1 headings as its table."""
    wb = openpyxl.load_workbook(path)
    out: dict[str, list[tuple[list[str], list[str]]]] = {}
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        found = []
        for table in ws.tables.values():
            cells = list(ws[table.ref])
            headers = [str(c.value) for c in cells[0]]
            firsts = [_shown(r[0].value) for r in cells[1:] if r[0].value is not None]
            found.append((headers, firsts))
        if not found and ws.freeze_panes == "A2":
            rows = list(ws.iter_rows(values_only=True))
            firsts = [str(r[0]) for r in rows[1:] if r[0] is not None]
            found.append(([str(v) for v in rows[0] if v is not None], firsts))
        out[ws.title] = found
    return out


@pytest.mark.parametrize("name", list(SHEETS))
def test_every_visible_sheet_prints_and_no_helper_sheet_does(
    printed: dict[str, Printed], name: str
) -> None:
    sheet = printed[name]
    assert sheet.sheets == SHEETS[name]
    for text in HELPER_TEXT:
        assert text not in sheet.text, f"{name} prints {text!r}"


@pytest.mark.parametrize("name", list(SHEETS))
def test_each_table_prints_one_page_wide_with_its_header_on_every_page(
    printed: dict[str, Printed], workbooks: dict[str, Path], name: str
) -> None:
    for sheet, found in tables(workbooks[name]).items():
        pages = printed[name].pages_of(sheet)
        rows = sum(len(firsts) for _headers, firsts in found)
        assert 1 <= len(pages) <= max(1, math.ceil(rows / ROWS_PER_PAGE)), (sheet, len(pages))
        for headers, firsts in found:
            for page in pages:  # the whole header row: the page holds every column
                missing = [h for h in headers if h not in page]
                assert not missing, f"{name}!{sheet}: a page lacks the headers {missing}"
            shown = "\n".join(pages)
            assert all(first in shown for first in firsts), f"{name}!{sheet} lost rows"


def test_the_template_catalog_prints_one_page_a_sheet(printed: dict[str, Printed]) -> None:
    assert len(printed["template catalog"].pages) == len(SHEETS["template catalog"])


@pytest.mark.parametrize("name", sorted(set(SHEETS) - STORES_ISO_TEXT))
def test_no_cell_shows_a_raw_timestamp(printed: dict[str, Printed], name: str) -> None:
    assert not ISO_TIMESTAMP.search(printed[name].text)


def page(printed: dict[str, Printed], name: str, sheet: str) -> str:
    return one_line("\n".join(printed[name].pages_of(sheet)))


def test_fractions_print_as_percentages_and_dates_as_dates(printed: dict[str, Printed]) -> None:
    settings = page(printed, "template catalog", "Settings")
    assert "FixedFeeContingency 10.0%" in settings and "TargetMargin 35.0%" in settings
    assert "CalibrationMinDeliveries 3 " in settings and "AccuracyMinHistory 5 " in settings
    assert "NEWTECH New or unproven technology 15.0%" in page(printed, "template catalog", "Risks")
    assert "SA Solution Architect 95.00 190.00 EUR 2026-01-01" in page(
        printed, "template catalog", "Roles"
    )
    info = page(printed, "active scope", "ScopeInfo")
    assert "StartDate 2026-08-31" in info and "Discount 0.0%" in info
    assert "Mon 2026-09-14" in page(printed, "new timesheet", "Time")
    assert "StartDate 2026-09-14" in page(printed, "new scope", "ScopeInfo")
    cover = page(printed, "quote", "Quote")
    assert "Quote date 14 September 2026" in cover
    assert "Quote number Q-2026-0001" in cover and "Version v1" in cover
    curve = page(printed, "accuracy", "Curve")
    assert "0 3 24.5% 24.5%" in curve and "7 3 24.5% 1.9%" in curve, curve


def test_the_snapshot_shows_its_margin_as_the_live_cell_does(
    printed: dict[str, Printed], workbooks: dict[str, Path]
) -> None:
    text = printed["priced scope"].pages_of("Pricing")
    assert len(text) == 1
    lines = text[0].splitlines()
    margins = [re.findall(r"\d+\.\d%", line) for line in lines if "Margin" in line]
    assert [len(m) for m in margins] == [1, 1]  # the live cell, then the snapshot's row
    assert margins[0] == margins[1]
    discount = next(line for line in lines if "Discount" in line)
    assert re.search(r"Discount\s+0\.0%", discount)
    sha = sha256_file(workbooks["template catalog"].parent.parent / "firm" / "catalog.xlsx")
    row = next(line for line in lines if "CatalogSha256" in line)
    # the whole hash, clear of the PricedLines table beside it
    assert re.search(rf"CatalogSha256\s+{sha}\s+D1\s", row), row


def test_written_back_tables_print_formatted(printed: dict[str, Printed]) -> None:
    """What sync wrote prints as the templates do: percentages, hours to the hundredth,
    date-times, the hours sold beside the estimate, revisions and the approval."""
    actuals = page(printed, "synced catalog", "Actuals")
    assert re.search(r"\d+\.\d%", actuals) and re.search(r"20\d\d-\d\d-\d\d \d\d:\d\d", actuals)
    delivery = page(printed, "synced active scope", "Delivery")
    assert "BaselineHours" in delivery and re.search(
        r"\d+\.\d\d \d+\.\d\d \d+\.\d\d \d+\.\d%", delivery
    )
    revisions = page(printed, "synced active scope", "Revisions")
    assert "Quantity" in revisions and re.search(r"1 20\d\d-\d\d-\d\d \d\d:\d\d", revisions)
    completed = page(printed, "synced completed scope", "Delivery")
    assert re.search(r"\d+\.\d%", completed)
    approval = page(printed, "approved timesheet", "Approval")
    assert re.search(r"Approved Mia Controller 20\d\d-\d\d-\d\d \d\d:\d\d", approval), approval
