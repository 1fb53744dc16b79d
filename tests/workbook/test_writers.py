"""The writers: model → workbook → the same model, laid out the way the contract says."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal as D  # noqa: N817
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from psos_xl import models as m
from psos_xl.workbook import spec
from psos_xl.workbook.readers import read_catalog, read_scope, read_timesheet
from psos_xl.workbook.writers import Lists, write_catalog, write_scope, write_timesheet

EXCEL_2010_FUNCTIONS = {
    "IF",
    "SUM",
    "SUMIFS",
    "SUMPRODUCT",
    "IFERROR",
    "INDEX",
    "MATCH",
    "ROUND",
    "OFFSET",
    "COUNTIF",
    "ROWS",
    "DATE",
}


def catalog() -> m.Catalog:
    return m.Catalog(
        roles=[
            m.RoleRate(
                role="SA",
                name="Solution Architect",
                cost_rate=D("100.5"),
                bill_rate=D(200),
                currency="EUR",
                effective_from=date(2025, 1, 1),
            ),
            m.RoleRate(
                role="DEV",
                name="Developer",
                cost_rate=D("60.1"),
                bill_rate=D("120.25"),
                currency="EUR",
                effective_from=date(2026, 1, 1),
            ),
        ],
        services=[
            m.ServiceLine(sku="DISC", name="=Discovery workshop", role="SA", hours=D("7.25")),
            m.ServiceLine(sku="BUILD", name="Build sprint", role="DEV", hours=D(80)),
        ],
        complexity=[
            m.ComplexityLevel(level="Low", multiplier=D("0.75")),
            m.ComplexityLevel(level="Medium", multiplier=D(1)),
            m.ComplexityLevel(level="High", multiplier=D("1.5")),
        ],
        risks=[m.Risk(code="NEWTECH", description="+ new technology", uplift=D("0.1"))],
        settings_rows=[
            m.Setting(key="Currency", value="EUR"),
            m.Setting(key="FixedFeeContingency", value="0.1"),
            m.Setting(key="TargetMargin", value="0.35"),
        ],
        settings=m.CatalogSettings(fixed_fee_contingency=D("0.1"), target_margin=D("0.35")),
        people=[
            m.Person(
                person="ALM",
                name="Alice Martin",
                role="SA",
                capacity_hours_per_week=D("37.5"),
                utilization_target=D("0.8"),
                start_date=date(2025, 3, 1),
            )
        ],
        actuals=[
            m.ActualRow(
                sku="DISC",
                role="SA",
                catalog_hours=D("7.25"),
                deliveries=4,
                p50_hours=D("8.5"),
                p80_hours=D("10.1"),
                mean_abs_error_pct=D("0.12"),
                bias_pct=D("-0.05"),
                calibrated_hours=D("7.89"),
                updated_at="2026-01-31T18:00:00",
            )
        ],
    )


def scope(engagement: str = "ACME-01", status: m.Status = m.Status.ACTIVE) -> m.Scope:
    return m.Scope(
        info=m.ScopeInfo(
            engagement=engagement,
            client="Acme",
            title="Customer portal",
            start_date=date(2026, 2, 2),
            end_date=date(2026, 4, 30),
            billing_model=m.BillingModel.FIXED_FEE,
            discount=D("0.05"),
            status=status,
            estimate_basis=m.EstimateBasis.P80,
            risks=["NEWTECH", "REMOTE"],
            currency="EUR",
        ),
        deliverables=[
            m.Deliverable(
                deliverable="D1",
                sku="DISC",
                description='=HYPERLINK("x")',
                quantity=D("2.5"),
                complexity="High",
                risks=["NEWTECH", "REMOTE"],
                milestone="M1",
            ),
            m.Deliverable(deliverable="D2", sku="BUILD", quantity=D("0.1")),
        ],
        assumptions=[m.Assumption(id="A1", assumption="@client provides test data", owner="-PM")],
        overrides=[m.Override(deliverable="D1", role="SA", hours=D("0.1"))],
        delivery=[
            m.DeliveryRow(
                deliverable="D1",
                role="SA",
                estimated_hours=D(10),
                actual_hours=D("8.5"),
                burn_pct=D("0.85"),
                alert="80%",
            )
        ],
    )


def timesheet() -> m.Timesheet:
    return m.Timesheet(
        person="ALM",
        week=date(2026, 1, 5),
        entries=[
            m.TimeEntry(
                date=date(2026, 1, 5),
                engagement="ACME-01",
                deliverable="D1",
                role="SA",
                hours=D("7.25"),
                note="=SUM(A1:A9) is not a formula",
            ),
            m.TimeEntry(
                date=date(2026, 1, 6),
                engagement="LEAVE",
                role="SA",
                hours=D(8),
                billable=False,
            ),
        ],
        expenses=[
            m.Expense(
                date=date(2026, 1, 6),
                engagement="ACME-01",
                category="Travel",
                amount=D("123.45"),
                currency="EUR",
                note="+train",
            )
        ],
    )


def lists() -> Lists:
    return Lists.from_catalog(catalog(), [scope()])


def same(a: Any, b: Any) -> bool:
    return bool(a.model_dump(exclude={"workbook"}) == b.model_dump(exclude={"workbook"}))


# --- round trips ----------------------------------------------------------------------


def test_catalog_round_trip(tmp_path: Path) -> None:
    path = write_catalog(tmp_path / "catalog.xlsx", catalog())
    back, issues = read_catalog(path)
    assert issues == []
    assert back is not None and same(back, catalog())


def test_scope_round_trip(tmp_path: Path) -> None:
    path = write_scope(tmp_path / "scope.xlsx", scope(), catalog())
    back, issues = read_scope(path)
    assert issues == []
    assert back is not None and same(back, scope())
    assert back.info.risks == ["NEWTECH", "REMOTE"]


def test_scope_without_catalog_round_trips(tmp_path: Path) -> None:
    back, issues = read_scope(write_scope(tmp_path / "scope.xlsx", scope()))
    assert issues == [] and back is not None and same(back, scope())


def test_timesheet_round_trip(tmp_path: Path) -> None:
    path = write_timesheet(tmp_path / "ts.xlsx", timesheet(), lists(), "Alice Martin")
    back, issues = read_timesheet(path)
    assert issues == []
    assert back is not None and same(back, timesheet())
    assert back.entries[0].hours == D("7.25")


@pytest.mark.parametrize("kind", list(m.Kind))
def test_empty_models_give_tables_with_one_blank_row(tmp_path: Path, kind: m.Kind) -> None:
    path = tmp_path / f"{kind}.xlsx"
    if kind is m.Kind.CATALOG:
        write_catalog(path, m.Catalog())
        back: Any = read_catalog(path)[0]
        assert same(back, m.Catalog())
    elif kind is m.Kind.SCOPE:
        write_scope(path, m.Scope())
        back = read_scope(path)[0]
        assert same(back, m.Scope())
    else:
        write_timesheet(path, m.Timesheet(person="ALM", week=date(2026, 1, 5)), lists())
        back = read_timesheet(path)[0]
        assert same(back, m.Timesheet(person="ALM", week=date(2026, 1, 5)))
    wb = openpyxl.load_workbook(path)
    for table in spec.TABLES[kind]:
        if table is spec.SCOPE_INFO:
            continue  # always lists every field
        assert wb[table.sheet].tables[table.name].ref.endswith(str(4))


def test_catalog_settings_without_rows_are_written_in_full(tmp_path: Path) -> None:
    source = m.Catalog(settings=m.CatalogSettings(currency="USD", target_margin=D("0.4")))
    back, _issues = read_catalog(write_catalog(tmp_path / "c.xlsx", source))
    assert back is not None and back.settings == source.settings
    assert [r.key for r in back.settings_rows][:3] == [
        "Currency",
        "FixedFeeContingency",
        "TargetMargin",
    ]


# --- layout ---------------------------------------------------------------------------


def written(tmp_path: Path) -> dict[m.Kind, Path]:
    return {
        m.Kind.CATALOG: write_catalog(tmp_path / "catalog.xlsx", catalog()),
        m.Kind.SCOPE: write_scope(tmp_path / "scope.xlsx", scope(), catalog()),
        m.Kind.TIMESHEET: write_timesheet(tmp_path / "ts.xlsx", timesheet(), lists()),
    }


def test_every_table_is_an_excel_table_under_a_title(tmp_path: Path) -> None:
    for kind, path in written(tmp_path).items():
        wb = openpyxl.load_workbook(path)
        for table in spec.TABLES[kind]:
            ws = wb[table.sheet]
            xl = ws.tables[table.name]
            assert xl.tableStyleInfo is not None
            assert [c.name for c in xl.tableColumns] == table.headers
            assert [c.value for c in ws[3]][: len(table.headers)] == table.headers
            assert ws["A1"].value and ws["A2"].value, f"{table.name} lacks title or help"
            assert ws.freeze_panes == "A4"
            assert ws.column_dimensions["A"].width == table.columns[0].width


def test_marker_and_lists_sheets_are_hidden(tmp_path: Path) -> None:
    for kind, path in written(tmp_path).items():
        wb = openpyxl.load_workbook(path)
        marker = wb[spec.MARKER_SHEET]
        assert marker.sheet_state == "hidden"
        assert wb[spec.LISTS_SHEET].sheet_state == "hidden"
        pairs = {r[0]: r[1] for r in marker.iter_rows(values_only=True)}
        assert pairs["kind"] == kind.value and pairs["schema"] == spec.SCHEMA_VERSION
        if kind is m.Kind.TIMESHEET:
            assert pairs["person"] == "ALM" and pairs["week"] == "2026-01-05"
        assert wb.active.title == spec.TABLES[kind][0].sheet


def test_text_that_looks_like_a_formula_stays_text(tmp_path: Path) -> None:
    paths = written(tmp_path)
    ts = openpyxl.load_workbook(paths[m.Kind.TIMESHEET])["Time"]
    note = ts["G4"]
    assert note.value == "=SUM(A1:A9) is not a formula" and note.data_type == "s"
    assert note.quotePrefix
    deliverables = openpyxl.load_workbook(paths[m.Kind.SCOPE])["Deliverables"]
    assert deliverables["C4"].data_type == "s"


def test_number_formats_follow_the_column_type(tmp_path: Path) -> None:
    paths = written(tmp_path)
    roles = openpyxl.load_workbook(paths[m.Kind.CATALOG])["Roles"]
    assert roles["C4"].number_format == "#,##0.00"
    assert roles["F4"].number_format == "yyyy-mm-dd"
    risks = openpyxl.load_workbook(paths[m.Kind.CATALOG])["Risks"]
    assert risks["C4"].number_format == "0.0%"
    info = openpyxl.load_workbook(paths[m.Kind.SCOPE])["ScopeInfo"]
    values = {info.cell(r, 1).value: info.cell(r, 2) for r in range(4, 15)}
    assert values["Discount"].number_format == "0.0%"
    assert values["StartDate"].number_format == "yyyy-mm-dd"
    assert values["Risks"].value == "NEWTECH, REMOTE"
    time = openpyxl.load_workbook(paths[m.Kind.TIMESHEET])["Time"]
    assert time["E4"].number_format == "#,##0.00" and time["E4"].value == 7.25
    assert time["F5"].value == "N"


def validations(path: Path) -> dict[str, list[tuple[str, str, bool]]]:
    """sheet → [(sqref, formula1, showErrorMessage)] of list validations."""
    wb = openpyxl.load_workbook(path)
    return {
        ws.title: [
            (str(dv.sqref), dv.formula1, bool(dv.showErrorMessage))
            for dv in ws.data_validations.dataValidation
            if dv.type == "list"
        ]
        for ws in wb.worksheets
    }


def test_dropdowns_use_names_on_the_lists_sheet(tmp_path: Path) -> None:
    for path in written(tmp_path).values():
        wb = openpyxl.load_workbook(path)
        names = {n: d.attr_text for n, d in wb.defined_names.items()}
        for sheet, dvs in validations(path).items():
            for sqref, formula, _strict in dvs:
                assert not formula.startswith('"'), f"{sheet}!{sqref} has an inline list"
                used = set(re.findall(r"lst_\w+", formula))
                assert used and used <= set(names), f"{sheet}!{sqref}: {formula}"
                assert sqref.endswith("500") or ":" not in sqref


def test_scope_dropdowns_cover_every_coded_cell(tmp_path: Path) -> None:
    dvs = validations(written(tmp_path)[m.Kind.SCOPE])
    info = {formula for _ref, formula, _strict in dvs["ScopeInfo"]}
    assert info == {
        "lst_BillingModels",
        "lst_Statuses",
        "lst_EstimateBases",
        "lst_Risks",
        "lst_Currencies",
    }
    deliverables = {formula: strict for _ref, formula, strict in dvs["Deliverables"]}
    assert deliverables == {"lst_SKUs": True, "lst_Complexity": True, "lst_Risks": False}
    assert {f for _r, f, _s in dvs["Overrides"]} == {"lst_ScopeDeliverables", "lst_Roles"}


def test_timesheet_deliverable_dropdown_follows_the_engagement(tmp_path: Path) -> None:
    dvs = validations(written(tmp_path)[m.Kind.TIMESHEET])
    by_ref = {ref: formula for ref, formula, _strict in dvs["Time"]}
    assert by_ref["B4:B500"] == "lst_Engagements"
    assert "MATCH($B4,lst_PairEngagement,0)" in by_ref["C4:C500"]
    assert by_ref["D4:D500"] == "lst_Roles" and by_ref["F4:F500"] == "lst_Billable"
    assert {f for _r, f, _s in dvs["Expenses"]} == {
        "lst_Engagements",
        "lst_ExpenseCategories",
        "lst_Currencies",
        "lst_Billable",
    }


def lists_sheet(path: Path) -> dict[str, list[str]]:
    ws = openpyxl.load_workbook(path)[spec.LISTS_SHEET]
    columns = list(ws.iter_cols(values_only=True))
    return {str(c[0]): [str(v) if v is not None else "" for v in c[1:]] for c in columns}


def test_lists_sheet_holds_the_dropdown_values(tmp_path: Path) -> None:
    values = lists_sheet(written(tmp_path)[m.Kind.TIMESHEET])
    assert values["Engagements"][:3] == ["ACME-01", "LEAVE", "INTERNAL"]
    assert values["PairEngagement"][:4] == ["ACME-01", "ACME-01", "LEAVE", "INTERNAL"]
    assert values["PairDeliverable"][:4] == ["D1", "D2", "", ""]
    assert values["Roles"][:2] == ["SA", "DEV"]
    assert values["ExpenseCategories"][: len(spec.EXPENSE_CATEGORIES)] == list(
        spec.EXPENSE_CATEGORIES
    )


def test_formulas_use_only_functions_older_excel_knows(tmp_path: Path) -> None:
    for path in written(tmp_path).values():
        wb = openpyxl.load_workbook(path)
        formulas = [
            str(c.value)
            for ws in wb.worksheets
            for row in ws.iter_rows()
            for c in row
            if c.data_type == "f"
        ]
        formulas += [
            str(dv.formula1) for ws in wb.worksheets for dv in ws.data_validations.dataValidation
        ]
        used = {f for text in formulas for f in re.findall(r"([A-Z][A-Z0-9._]*)\(", text)}
        # PSOS_ functions are the product's own (xlwings); the sheet falls back around them
        spreadsheet = {f for f in used if not f.startswith("PSOS_")}
        assert spreadsheet <= EXCEL_2010_FUNCTIONS, spreadsheet - EXCEL_2010_FUNCTIONS


def test_timesheet_shows_day_and_week_totals(tmp_path: Path) -> None:
    ws = openpyxl.load_workbook(written(tmp_path)[m.Kind.TIMESHEET])["Time"]
    assert ws["I4"].value == "Week of" and ws["J4"].value.date() == date(2026, 1, 5)
    assert ws["J6"].value == '=IF($J$4="",0,SUMIFS(Time[Hours],Time[Date],I6))'
    assert ws["I13"].value == "Week" and ws["J13"].value == "=SUM(J6:J12)"


def test_lists_from_catalog_offer_sold_and_active_engagements() -> None:
    scopes = [
        scope("ZED-02", m.Status.SOLD),
        scope("ACME-01", m.Status.ACTIVE),
        scope("OLD-01", m.Status.COMPLETED),
        scope("NEW-01", m.Status.DRAFT),
        scope("GONE-01", m.Status.LOST),
    ]
    result = Lists.from_catalog(catalog(), scopes)
    assert result.engagements == ["ACME-01", "ZED-02", "LEAVE", "INTERNAL"]
    assert result.deliverables == {"ACME-01": ["D1", "D2"], "ZED-02": ["D1", "D2"]}
    assert result.roles == ["SA", "DEV"]
    assert result.complexity == ["Low", "Medium", "High"]
    assert result.people == ["ALM"]
    assert result.currencies[0] == "EUR"


def test_writing_replaces_the_file_and_leaves_no_temp_file(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "catalog.xlsx"
    write_catalog(path, m.Catalog())
    write_catalog(path, catalog())
    assert sorted(p.name for p in path.parent.iterdir()) == ["catalog.xlsx"]
    back, _issues = read_catalog(path)
    assert back is not None and same(back, catalog())
