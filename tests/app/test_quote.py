"""The client quote (workbook and PDF) and the scope's Pricing sheet.

LibreOffice runs twice in the whole module (one batch recalculation, one PDF export);
without soffice or pdftotext those tests are skipped with the package that provides them.
"""

from __future__ import annotations

import copy
import dataclasses
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from realclient.soffice import convert, error_cells, find_soffice
from wb import CATALOG_TABLES, SCOPE_TABLES, make_workbook

from psos_xl.app.price import price_file, sha256_file, write_snapshot
from psos_xl.app.quote import build_quote, money_text, quote_workbook, to_pdf
from psos_xl.errors import PsosError, WorkbookError
from psos_xl.pricing import price
from psos_xl.workbook import pricing_sheet as ps
from psos_xl.workbook import spec
from psos_xl.workbook import styles as st
from psos_xl.workbook.readers import read_scope
from psos_xl.workbook.templates import template_catalog, template_scope
from psos_xl.workbook.writers import write_scope

TODAY = date(2026, 1, 15)
ASSUMPTIONS = [
    ["ID", "Assumption", "Owner", "ImpactIfFalse"],
    ["A1", "Client provides test data", "Client", "+2 days"],
    ["A2", "One round of review per deliverable", "Client", "extra rounds billed at list"],
    ["A3", "Workshops are held remotely", "Both", "travel billed at cost"],
]
NO_SOFFICE = "LibreOffice not found: apt-get install -y libreoffice-calc-nogui"
NO_PDFTOTEXT = "pdftotext not found: apt-get install -y poppler-utils"


def milestone_scope() -> dict[str, list[list[Any]]]:
    tables = copy.deepcopy(SCOPE_TABLES)
    for row in tables["ScopeInfo"]:
        if row[0] == "BillingModel":
            row[1] = "Milestone"
    tables["Assumptions"] = ASSUMPTIONS
    return tables


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("firm")
    (root / "psos.toml").write_text(
        '[workspace]\nname = "Northwind Consulting"\nquote_validity_days = 45\n',
        encoding="utf-8",
    )
    make_workbook(root / "catalog.xlsx", "catalog", CATALOG_TABLES)
    (root / "scopes").mkdir()
    make_workbook(root / "scopes" / "acme.xlsx", "scope", milestone_scope())
    return root


@pytest.fixture(scope="module")
def scope_path(workspace: Path) -> Path:
    return workspace / "scopes" / "acme.xlsx"


def values(path: Path) -> Iterator[tuple[str, Any]]:
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None:
                    yield f"{ws.title}!{cell.coordinate}", cell.value


def visible(wb: Any) -> list[str]:
    """The sheets a reader sees (the hidden ``_psos`` marker aside)."""
    return [ws.title for ws in wb.worksheets if ws.sheet_state == "visible"]


# --- the quote workbook ---------------------------------------------------------------


def test_the_quote_shows_the_client_figures_and_no_internal_ones(
    scope_path: Path, tmp_path: Path
) -> None:
    files = build_quote(scope_path, tmp_path, today=TODAY, show_hours=True)
    assert files.xlsx == tmp_path / "ACME-01-quote.xlsx" and files.pdf is None
    assert files.quote.price == Decimal("46586.10")
    wb = openpyxl.load_workbook(files.xlsx)
    assert visible(wb) == ["Quote", "Deliverables", "Assumptions"]
    cover = {ws_row[0].value: ws_row[1].value for ws_row in wb["Quote"].iter_rows(max_col=2)}
    assert cover["Client"] == "Acme" and cover["Reference"] == "ACME-01"
    assert cover["Valid until"].date() == date(2026, 3, 1)  # 15 January + 45 days
    assert cover["Price"] == 46586.10
    assert cover["Milestone M1"] == 4451.70 and cover["Milestone M2"] == 42134.40
    assert wb["Quote"]["A1"].value == "Northwind Consulting"
    texts = [str(v) for _, v in values(files.xlsx)]
    labels = [str(v) for at, v in values(files.xlsx) if not at.startswith("Assumptions!")]
    numbers = {v for _, v in values(files.xlsx) if isinstance(v, int | float)}
    # no cost rates, costs or margin: 22 260 cost, 0.5222 margin, rates 100/60/70/95
    assert not numbers & {22260, 0.5222, 100, 60, 70, 95, 1680, 17280}
    assert not [t for t in labels if "cost" in t.casefold() or "margin" in t.casefold()]
    assert "+2 days" in texts  # text that looks like a formula stays text
    hours = {r[0].value: [c.value for c in r] for r in wb["Deliverables"].iter_rows()}
    assert hours["Deliverable"][4:] == ["Solution Architect", "Project Manager", "Developer"]
    assert hours["D2"][4:] == [28.8, 0, 288.0]


def test_the_print_layout(scope_path: Path, tmp_path: Path) -> None:
    files = build_quote(scope_path, tmp_path, today=TODAY)
    wb = openpyxl.load_workbook(files.xlsx)
    for ws in (wb[name] for name in visible(wb)):
        assert ws.page_setup.orientation == "portrait"
        assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)
        assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert not ws.print_options.gridLines and not ws.sheet_view.showGridLines
        assert ws.oddHeader.left.text == "Northwind Consulting"
        assert ws.oddFooter.center.text == "Page &P of &N"
        assert ws.print_area
    assert wb["Deliverables"].print_title_rows == "$1:$1"
    assert wb["Assumptions"].print_title_rows == "$1:$1"
    no_hours = [c.value for c in wb["Deliverables"][1]]
    assert no_hours == ["Deliverable", "Description", "Quantity", "Milestone"]


def test_a_scope_with_errors_is_not_quoted(workspace: Path, tmp_path: Path) -> None:
    tables = milestone_scope()
    tables["Deliverables"].append(["D3", "NOPE", "", 1, "Medium", "", ""])
    path = make_workbook(workspace / "scopes" / "broken.xlsx", "scope", tables)
    try:
        with pytest.raises(WorkbookError) as caught:
            build_quote(path, tmp_path, today=TODAY)
        assert [i.code for i in caught.value.issues] == ["UNKNOWN_SKU"]
        assert not list(tmp_path.iterdir())
    finally:
        path.unlink()


def test_a_scope_in_another_currency_is_not_quoted(workspace: Path, tmp_path: Path) -> None:
    tables = milestone_scope()
    tables["ScopeInfo"] = [[k, "USD" if k == "Currency" else v] for k, v in tables["ScopeInfo"]]
    path = make_workbook(workspace / "scopes" / "usd.xlsx", "scope", tables)
    try:
        with pytest.raises(WorkbookError) as caught:
            build_quote(path, tmp_path, today=TODAY)
        [issue] = caught.value.issues
        assert (issue.code, str(issue.location)) == (
            "CURRENCY_MISMATCH",
            "scopes/usd.xlsx!ScopeInfo!B12",
        )
        assert not list(tmp_path.iterdir())
    finally:
        path.unlink()


def test_without_libreoffice_the_pdf_names_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOFFICE", str(tmp_path / "no-soffice"))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(PsosError, match="LibreOffice not found: install libreoffice-calc-nogui"):
        to_pdf(tmp_path / "x.xlsx", tmp_path)


# --- the Pricing sheet --------------------------------------------------------------------


def test_the_pricing_sheet_holds_live_cells_and_empty_snapshot_tables(
    scope_path: Path, tmp_path: Path
) -> None:
    path = _scope_with_pricing_sheet(scope_path, tmp_path / "s.xlsx", workspace="/srv/firm")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames.index("Pricing") == wb.sheetnames.index("Delivery") - 1
    ws = wb["Pricing"]
    assert ws.tables["PricingInfo"].ref == "E4:F5"
    assert ws.tables["PricedLines"].ref == "H4:Q5"
    assert [c.value for c in ws["E4:F4"][0]] == spec.PRICING_INFO.headers
    assert [c.value for c in ws["H4:Q4"][0]] == spec.PRICED_LINES.headers
    assert ws["B5"].value == (
        '=IFERROR(PSOS_PRICE(ScopeInfo[#All],Deliverables[#All],Overrides[#All],"",'
        'psos_workspace),IFERROR(INDEX(PricingInfo[Value],MATCH("Price",PricingInfo[Field],0)),'
        '"not priced yet"))'
    )
    assert '"P50"' in ws["C5"].value and "PSOS_MARGIN" in ws["B6"].value
    assert ws["A10"].value.startswith("=IFERROR(PSOS_VALIDATE(")
    assert ws["L5"].number_format == "#,##0.00" and ws["Q5"].number_format == "#,##0.00"
    conf = wb[ps.CONF_SHEET]
    assert [[c.value for c in r] for r in conf["A1:B2"]] == [
        ["UDF Modules", "psos_xl.udfs.functions"],
        ["PSOS_WORKSPACE", "/srv/firm"],
    ]
    assert "psos_workspace" in wb.defined_names
    # rebuilding keeps one Pricing sheet in place
    ps.build_pricing_sheet(wb, read_scope(scope_path)[0])  # type: ignore[arg-type]
    assert wb.sheetnames.count("Pricing") == 1


def test_the_snapshot_rows_are_laid_out_by_the_pricing_sheet(scope_path: Path) -> None:
    quote, _ = price_file(scope_path, today=TODAY)
    when = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
    info, lines = ps.snapshot_rows(quote, "ab" * 32, when)
    assert info == [
        ["PricedAt", "2026-01-15T09:30:00+00:00"],
        ["CatalogSha256", "ab" * 32],
        ["Engagement", "ACME-01"],
        ["BillingModel", "Milestone"],
        ["Basis", "Catalog"],
        ["Currency", "EUR"],
        ["Hours", quote.hours],
        ["Cost", quote.cost],
        ["List", quote.list],
        ["Discount", Decimal("0.05")],
        ["Price", quote.price],
        [
            "Margin",
            quote.margin.quantize(Decimal("0.0001"), ROUND_HALF_UP) if quote.margin else None,
        ],
    ]
    assert [row[0] for row in info] == list(ps.INFO_FIELDS)
    first = quote.lines[0]
    assert lines[0] == [
        first.deliverable, first.sku, first.role, "Catalog", first.hours, first.rate_from,
        first.cost_rate, first.bill_rate, first.cost, first.list,
    ]  # fmt: skip
    assert len(lines) == len(quote.lines) and {len(r) for r in lines} == {10}
    # priced both ways: the usual rows, then the two bases' prices and hours
    on_p50 = dataclasses.replace(quote, price=Decimal("1234.56"), hours=Decimal("78.5"))
    both, same_lines = ps.snapshot_rows(quote, "ab" * 32, when, both_ways=(quote, on_p50))
    assert both[: len(info)] == info and same_lines == lines
    assert both[len(info) :] == [
        ["PriceCatalog", quote.price],
        ["PriceCalibrated", Decimal("1234.56")],
        ["HoursCatalog", quote.hours],
        ["HoursCalibrated", Decimal("78.5")],
    ]


def _scope_with_pricing_sheet(source: Path, target: Path, workspace: str = "") -> Path:
    scope, _ = read_scope(source)
    assert scope is not None
    write_scope(target, scope)
    wb = openpyxl.load_workbook(target)
    ps.build_pricing_sheet(wb, scope, workspace=workspace)
    wb.save(target)
    return target


# --- through LibreOffice --------------------------------------------------------------------


@pytest.fixture(scope="module")
def soffice() -> str:
    binary = find_soffice()
    if binary is None:
        pytest.skip(NO_SOFFICE)
    return binary


def test_quote_and_pricing_sheets_recalculate_in_libreoffice_without_errors(
    soffice: str, workspace: Path, scope_path: Path, tmp_path: Path
) -> None:
    quote = build_quote(scope_path, tmp_path / "quote", today=TODAY, show_hours=True).xlsx
    unpriced = _scope_with_pricing_sheet(scope_path, tmp_path / "unpriced.xlsx")
    priced = _scope_with_pricing_sheet(scope_path, tmp_path / "priced.xlsx")
    result, _issues = price_file(priced, workspace / "catalog.xlsx")
    assert write_snapshot(priced, result, sha256_file(workspace / "catalog.xlsx")).ok
    inputs = [quote, unpriced, priced]
    outputs = convert(inputs, tmp_path / "lo")
    for original, out in zip(inputs, outputs, strict=True):
        assert error_cells(out, original=original) == [], original.name
    live = openpyxl.load_workbook(outputs[2], data_only=True)["Pricing"]
    # no add-in in LibreOffice: the live cells show the snapshot
    assert live["B5"].value == pytest.approx(46586.10)
    assert live["B6"].value == pytest.approx(0.5222)
    assert live["C5"].value in (None, "")
    fresh = openpyxl.load_workbook(outputs[1], data_only=True)["Pricing"]
    assert fresh["B5"].value == "not priced yet"
    assert fresh["A10"].value.startswith("Checks need the psos functions")


def test_the_pdf_shows_the_price_and_every_assumption(
    soffice: str, scope_path: Path, tmp_path: Path
) -> None:
    if shutil.which("pdftotext") is None:
        pytest.skip(NO_PDFTOTEXT)
    files = build_quote(scope_path, tmp_path, pdf=True, today=TODAY)
    assert files.pdf is not None and files.pdf.stat().st_size > 0
    text = subprocess.run(
        ["pdftotext", "-layout", str(files.pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    flat = " ".join(text.split())
    assert money_text(files.quote.price, "EUR") in flat  # "46,586.10 EUR", as the cell shows
    assert "Northwind Consulting" in flat and "Valid until 1 March 2026" in flat
    assert files.issued is not None and files.issued.number.startswith("Q-2026-")
    assert (
        f"Quote number {files.issued.number}" in flat and f"Version v{files.issued.version}" in flat
    )
    for _id, assumption, _owner, impact in ASSUMPTIONS[1:]:
        assert assumption in flat and impact in flat
    assert "Page 1 of" in flat


def test_the_quote_sizes_its_wrapped_rows() -> None:
    catalog, scope = template_catalog(), template_scope()
    long = "Meter-data interface specifications come from the offshore team in week 4 " * 2
    scope = scope.model_copy(
        update={"assumptions": [scope.assumptions[0].model_copy(update={"assumption": long})]}
    )
    wb = quote_workbook(scope, catalog, price(catalog, scope), "Firm", date(2026, 1, 5), 30, False)
    ws = wb["Assumptions"]
    assert ws.row_dimensions[2].height >= 3 * st.LINE_POINTS
    assert all(sheet.page_setup.orientation == "portrait" for sheet in wb.worksheets[:3])
