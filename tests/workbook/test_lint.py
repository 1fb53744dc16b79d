"""The workbook lint: the faults LibreOffice forgives and Excel refuses."""

from __future__ import annotations

import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableColumn

from psos_xl import models as m
from psos_xl.workbook.lint import lint_workbook, name_problem, referenced_names
from psos_xl.workbook.templates import build_templates, template_catalog, template_scope
from psos_xl.workbook.writers import Lists, write_catalog, write_scope, write_timesheet


def roles_book(path: Path, headers: list[object], columns: list[str] | None = None) -> Path:
    """A one-table workbook: header cells ``headers``; table columns ``columns``
    (defaults to the header texts)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Roles"
    ws.append(headers)
    ws.append(["SA", 100, 200][: len(headers)])
    last = openpyxl.utils.get_column_letter(len(headers))
    table = Table(displayName="Roles", ref=f"A1:{last}2")
    names = columns if columns is not None else [str(h) for h in headers]
    table.tableColumns = [TableColumn(id=i, name=n) for i, n in enumerate(names, start=1)]
    ws.add_table(table)
    wb.save(path)
    return path


def patched(path: Path, part: str, old: str, new: str) -> Path:
    """Rewrite one XML part of a saved workbook (to make faults no library would write)."""
    with zipfile.ZipFile(path) as zf:
        parts = {name: zf.read(name) for name in zf.namelist()}
    text = parts[part].decode("utf-8")
    assert old in text, f"{old!r} not in {part}"
    parts[part] = text.replace(old, new).encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


def with_validation(path: Path, formula: str, name: str | None = None) -> Path:
    wb = openpyxl.load_workbook(path)
    if name:
        wb.defined_names[name] = DefinedName(name, attr_text="Roles!$A$2:$A$2")
    dv = DataValidation(type="list", formula1=formula, allow_blank=True)
    dv.add("A2:A50")
    wb["Roles"].add_data_validation(dv)
    wb.save(path)
    return path


def one(problems: list[str], *words: str) -> str:
    assert len(problems) == 1, problems
    for word in words:
        assert word in problems[0], problems[0]
    return problems[0]


# --- clean workbooks ------------------------------------------------------------------


def test_templates_are_clean(tmp_path: Path) -> None:
    for path in build_templates(tmp_path):
        assert lint_workbook(path) == [], path.name


def test_written_workbooks_are_clean(tmp_path: Path) -> None:
    catalog = template_catalog()
    scope = template_scope()
    scope.info.status = m.Status.ACTIVE
    sheet = m.Timesheet(
        person="ALM",
        week=date(2026, 1, 5),
        entries=[
            m.TimeEntry(date=date(2026, 1, 5), engagement="LEAVE", role="SA", hours=Decimal(8))
        ],
    )
    paths = [
        write_catalog(tmp_path / "c.xlsx", catalog),
        write_scope(tmp_path / "s.xlsx", scope, catalog),
        write_scope(tmp_path / "bare.xlsx", m.Scope()),
        write_timesheet(tmp_path / "t.xlsx", sheet, Lists.from_catalog(catalog, [scope])),
    ]
    for path in paths:
        assert lint_workbook(path) == [], path.name


def test_a_plain_table_is_clean(tmp_path: Path) -> None:
    assert lint_workbook(roles_book(tmp_path / "ok.xlsx", ["Role", "CostRate"])) == []


# --- table headers --------------------------------------------------------------------


def test_header_differing_from_the_column_name(tmp_path: Path) -> None:
    path = roles_book(tmp_path / "b.xlsx", ["Role", "CostRate"], ["Role", "Cost"])
    one(lint_workbook(path), "Roles!B1", "'CostRate'", "'Cost'")


def test_empty_header_cell(tmp_path: Path) -> None:
    path = roles_book(tmp_path / "b.xlsx", ["Role", None], ["Role", "Column2"])
    one(lint_workbook(path), "Roles!B1", "is empty")


def test_numeric_header_cell(tmp_path: Path) -> None:
    path = roles_book(tmp_path / "b.xlsx", ["Role", 2026], ["Role", "2026"])
    one(lint_workbook(path), "Roles!B1", "holds a number")


def test_duplicate_column_names(tmp_path: Path) -> None:
    path = roles_book(tmp_path / "b.xlsx", ["Role", "role"], ["Role", "role"])
    one(lint_workbook(path), "two columns named 'role'")


def test_table_wider_than_its_columns(tmp_path: Path) -> None:
    path = roles_book(tmp_path / "b.xlsx", ["Role", "CostRate"])
    patched(path, "xl/tables/table1.xml", 'ref="A1:B2"', 'ref="A1:C2"')
    problems = lint_workbook(path)
    assert any("spans 3 columns but defines 2" in p for p in problems), problems


# --- names ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        ("A1", "cell reference"),
        ("R1C1", "cell reference"),
        ("XFD1048576", "cell reference"),
        ("1Roles", "must start"),
        ("Role-Rates", "only letters"),
        ("x" * 256, "longer than 255"),
    ],
)
def test_invalid_table_name(tmp_path: Path, bad: str, why: str) -> None:
    path = roles_book(tmp_path / "b.xlsx", ["Role", "CostRate"])
    patched(path, "xl/tables/table1.xml", 'displayName="Roles"', f'displayName="{bad}"')
    one(lint_workbook(path), "table name", why)


def test_invalid_defined_name(tmp_path: Path) -> None:
    path = with_validation(roles_book(tmp_path / "b.xlsx", ["Role"]), "lst_Roles", "lst_Roles")
    patched(path, "xl/workbook.xml", 'name="lst_Roles"', 'name="C5"')
    problems = lint_workbook(path)
    assert any("defined name 'C5' looks like a cell reference" in p for p in problems)
    assert any("undefined name 'lst_Roles'" in p for p in problems)


def test_defined_name_clashing_with_a_table_name(tmp_path: Path) -> None:
    path = roles_book(tmp_path / "b.xlsx", ["Role"])
    wb = openpyxl.load_workbook(path)
    wb.defined_names["ROLES"] = DefinedName("ROLES", attr_text="Roles!$A$1")
    wb.save(path)
    one(lint_workbook(path), "'ROLES'", "table 'Roles'")


def test_defined_names_differing_only_in_case(tmp_path: Path) -> None:
    path = with_validation(roles_book(tmp_path / "b.xlsx", ["Role"]), "lst_a", "lst_a")
    wb = openpyxl.load_workbook(path)
    wb.defined_names["LST_A"] = DefinedName("LST_A", attr_text="Roles!$A$1")
    wb.save(path)
    one(lint_workbook(path), "defined twice")


def test_names_excel_accepts() -> None:
    for good in ("lst_Roles", "_xlnm.Print_Area", "\\x", "Time", "XFE1", "Rate2026.v1"):
        assert name_problem(good) is None, good


# --- data validations -----------------------------------------------------------------


def test_long_inline_list(tmp_path: Path) -> None:
    items = ",".join(f"ROLE{i:03d}" for i in range(40))
    path = with_validation(roles_book(tmp_path / "b.xlsx", ["Role"]), f'"{items}"')
    one(lint_workbook(path), "Roles!A2:A50", "inline dropdown list", "255")


def test_short_inline_list_is_fine(tmp_path: Path) -> None:
    path = with_validation(roles_book(tmp_path / "b.xlsx", ["Role"]), '"Y,N"')
    assert lint_workbook(path) == []


def test_validation_naming_a_missing_name(tmp_path: Path) -> None:
    path = with_validation(roles_book(tmp_path / "b.xlsx", ["Role"]), "lst_Roles")
    one(lint_workbook(path), "Roles!A2:A50", "undefined name 'lst_Roles'")


def test_validation_naming_an_existing_name_or_table(tmp_path: Path) -> None:
    path = with_validation(
        roles_book(tmp_path / "b.xlsx", ["Role"]),
        "OFFSET(INDEX(lst_R,1),0,0,ROWS(Roles[Role]),1)",
        "lst_R",
    )
    assert lint_workbook(path) == []


def test_formula_names_skip_functions_cells_sheets_and_strings() -> None:
    formula = "SUMIFS(Time[Hours],'My sheet'!$A:$A,\"lst_no\",B4)+SUM(A:A)+#N/A+lst_Yes"
    assert referenced_names(formula) == {"Time", "lst_Yes"}


def test_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "notes.xlsx"
    path.write_text("not a zip", encoding="utf-8")
    one(lint_workbook(path), "notes.xlsx", "cannot be read")
