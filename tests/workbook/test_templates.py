"""The checked-in template workbooks are exactly what the code generates."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from psos_xl import models as m
from psos_xl.settings import CATALOG_SETTINGS
from psos_xl.workbook import spec
from psos_xl.workbook.inspect import dropdown_lists, workbook_content
from psos_xl.workbook.readers import read_catalog, read_scope
from psos_xl.workbook.templates import build_templates, main

CHECKED_IN = Path(__file__).resolve().parents[2] / "workbooks"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return {p.name: p for p in build_templates(tmp_path_factory.mktemp("templates"))}


@pytest.mark.parametrize("name", ["catalog.xlsx", "scope.xlsx", "scope.xlsm", "timesheet.xlsx"])
def test_checked_in_template_matches_the_code(generated: dict[str, Path], name: str) -> None:
    checked_in = CHECKED_IN / name
    assert checked_in.is_file(), f"workbooks/{name} is missing: run `make templates`"
    assert workbook_content(generated[name]) == workbook_content(checked_in), (
        f"workbooks/{name} is out of date with psos_xl/workbook/templates.py: "
        "run `make templates` and commit the result"
    )


def test_catalog_template_has_defaults_and_one_example_row(generated: dict[str, Path]) -> None:
    catalog, issues = read_catalog(generated["catalog.xlsx"])
    assert issues == [] and catalog is not None
    assert [(c.level, c.multiplier) for c in catalog.complexity] == [
        ("Low", Decimal("0.75")),
        ("Medium", Decimal(1)),
        ("High", Decimal("1.5")),
    ]
    assert [s.key for s in catalog.settings_rows] == [d.key for d in CATALOG_SETTINGS]
    assert catalog.settings == m.CatalogSettings()
    assert (len(catalog.roles), len(catalog.services), len(catalog.risks)) == (1, 1, 1)
    assert catalog.services[0].role == catalog.roles[0].role


def test_scope_template_fills_every_field_as_a_draft(generated: dict[str, Path]) -> None:
    scope, issues = read_scope(generated["scope.xlsx"])
    assert issues == [] and scope is not None
    assert scope.info.status is m.Status.DRAFT
    content = workbook_content(generated["scope.xlsx"])
    info = next(s for s in content["sheets"] if s["name"] == "ScopeInfo")["cells"]
    fields = {info[f"A{r}"]["value"]: info.get(f"B{r}") for r in range(4, 4 + 12)}
    assert list(fields) == [name for name, *_rest in spec.SCOPE_FIELDS]
    assert all(cell is not None for cell in fields.values())


def test_timesheet_template_offers_only_the_reserved_engagements(
    generated: dict[str, Path],
) -> None:
    lists = dropdown_lists(generated["timesheet.xlsx"])
    assert lists["Engagements"] == ["LEAVE", "INTERNAL"]
    assert lists["Deliverables"] == []
    assert lists["Roles"] == ["SA"]


def test_content_ignores_save_time(tmp_path: Path) -> None:
    first = build_templates(tmp_path / "a")
    second = build_templates(tmp_path / "b")
    for a, b in zip(first, second, strict=True):
        assert workbook_content(a) == workbook_content(b)


def test_content_sees_a_changed_cell(generated: dict[str, Path], tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.load_workbook(generated["catalog.xlsx"])
    wb["Roles"]["D4"] = 191
    wb.save(tmp_path / "changed.xlsx")
    assert workbook_content(tmp_path / "changed.xlsx") != workbook_content(
        generated["catalog.xlsx"]
    )


def test_module_entry_point_writes_the_three_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "catalog.xlsx",
        "scope.xlsm",
        "scope.xlsx",
        "timesheet.xlsx",
    ]
    assert main([]) == 2


def test_the_macro_enabled_scope_is_an_xlsm_that_reads_like_the_xlsx(
    generated: dict[str, Path],
) -> None:
    import zipfile

    with zipfile.ZipFile(generated["scope.xlsm"]) as z:
        types = z.read("[Content_Types].xml").decode()
    assert "application/vnd.ms-excel.sheet.macroEnabled.main+xml" in types
    assert "spreadsheetml.sheet.main+xml" not in types
    xlsm, xlsm_issues = read_scope(generated["scope.xlsm"])
    xlsx, xlsx_issues = read_scope(generated["scope.xlsx"])
    assert xlsm is not None and xlsx is not None
    assert xlsm.model_dump(exclude={"workbook"}) == xlsx.model_dump(exclude={"workbook"})
    assert [(i.code, str(i.location).split("!", 1)[1]) for i in xlsm_issues] == [
        (i.code, str(i.location).split("!", 1)[1]) for i in xlsx_issues
    ]
