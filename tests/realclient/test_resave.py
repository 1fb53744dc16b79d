"""A workbook LibreOffice has opened and saved reads exactly like the one psos wrote.

Each workbook is saved twice by LibreOffice: original → LO1 → LO2. A workbook without
formulas must read the same from all three. openpyxl writes a formula with no cached
value (python-calamine reads it as blank), so for workbooks with formulas the check is
LO1 == LO2 in full, plus the values LibreOffice computed.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from wb import CATALOG_TABLES, SCOPE_TABLES, TIME_HEADER, Tables, make_workbook

from psos_xl import models as m
from psos_xl.workbook.readers import read_any
from realclient.soffice import Soffice, reading

WEEK = date(2026, 1, 5)
TS_MARKER = {"person": "ALM", "week": WEEK.isoformat()}
EXPENSE_HEADER = ["Date", "Engagement", "Category", "Amount", "Currency", "Billable", "Note"]

PEOPLE: list[list[Any]] = [
    ["Person", "Name", "Role", "CapacityHoursPerWeek", "UtilizationTarget", "StartDate", "EndDate"],
    ["ALM", "Ana Lima", "SA", 40, 0.8, date(2025, 3, 1), None],
    ["BOK", "Bo Kent", "DEV", 32, 0.85, date(2025, 6, 15), date(2026, 6, 30)],
]
TIME_ROWS: list[list[Any]] = [
    TIME_HEADER,
    [date(2026, 1, 5), "ACME-01", "D1", "SA", 7.5, "Y", "Kick-off"],
    [date(2026, 1, 6), "ACME-01", "D2", "SA", 6.25, True, ""],
    [date(2026, 1, 7), "INTERNAL", None, "SA", 2, "N", "Hiring"],
    [date(2026, 1, 8), "LEAVE", None, "SA", 8, False, "Holiday"],
]
EXPENSE_ROWS: list[list[Any]] = [
    EXPENSE_HEADER,
    [date(2026, 1, 6), "ACME-01", "Travel", 182.4, "EUR", "Y", "Train"],
]


def _reordered(rows: list[list[Any]], order: list[str], extra: str) -> list[list[Any]]:
    """The same table with its columns in ``order`` and an extra column ``extra``."""
    index = [rows[0].index(h) for h in order]
    return [[*(row[i] for i in index), extra if r == 0 else f"x{r}"] for r, row in enumerate(rows)]


@dataclass(frozen=True)
class Case:
    kind: str
    tables: Tables
    marker: dict[str, Any] | None = None
    as_tables: bool = True
    formulas: bool = False


CASES: dict[str, Case] = {
    "catalog.xlsx": Case("catalog", {**CATALOG_TABLES, "People": PEOPLE}),
    "scope.xlsx": Case("scope", SCOPE_TABLES),
    "timesheet.xlsx": Case("timesheet", {"Time": TIME_ROWS, "Expenses": EXPENSE_ROWS}, TS_MARKER),
    # cells the reader rejects: the issues must name the same cells after a re-save
    "catalog-bad.xlsx": Case(
        "catalog",
        {
            **CATALOG_TABLES,
            "Roles": [
                CATALOG_TABLES["Roles"][0],
                ["SA", "Solution Architect", 95, "n/a", "EUR", "2025-01-01"],
                ["DEV", "Developer", "60 EUR", 120, "EUR", "someday"],
            ],
            "Complexity": [["Level", "Multiplier"], ["Low", "75%"], [None, None], ["High", 1.5]],
        },
    ),
    "timesheet-bad.xlsx": Case(
        "timesheet",
        {
            "Time": [
                TIME_HEADER,
                [date(2026, 1, 5), "ACME-01", "D1", "SA", "7,5", "Y", ""],
                ["next monday", "ACME-01", "D1", "SA", 4, "maybe", ""],
                [date(2026, 1, 7), None, "D1", "SA", 3, "Y", ""],
                [date(2026, 1, 8), "ACME-01", "D1", "SA", 8, "Y", "fine"],
            ]
        },
        TS_MARKER,
    ),
    # the data lost its Excel Table definition: read from the header row, with a warning
    "timesheet-plain.xlsx": Case("timesheet", {"Time": TIME_ROWS}, TS_MARKER, as_tables=False),
    "catalog-reordered.xlsx": Case(
        "catalog",
        {
            **CATALOG_TABLES,
            "People": _reordered(PEOPLE, list(reversed(PEOPLE[0])), "Team"),
            "Roles": _reordered(
                CATALOG_TABLES["Roles"],
                ["EffectiveFrom", "BillRate", "Role", "Currency", "CostRate", "Name"],
                "Comment",
            ),
            "Services": _reordered(
                CATALOG_TABLES["Services"], ["Hours", "Role", "SKU", "Name"], "Owner"
            ),
        },
    ),
    "timesheet-reordered.xlsx": Case(
        "timesheet",
        {
            "Time": _reordered(
                TIME_ROWS,
                ["Note", "Hours", "Role", "Billable", "Deliverable", "Engagement", "Date"],
                "Ticket",
            ),
            "Expenses": EXPENSE_ROWS,
        },
        TS_MARKER,
    ),
    "timesheet-formula.xlsx": Case(
        "timesheet",
        {
            "Time": [
                TIME_HEADER,
                [date(2026, 1, 5), "ACME-01", "D1", "SA", "=3.5+4", "Y", "Workshop"],
                [date(2026, 1, 6), "ACME-01", "D2", "SA", "=ROUND(17/3,2)", "Y", ""],
                [date(2026, 1, 7), "ACME-01", "D2", "SA", 8, "Y", ""],
                [date(2026, 1, 8), "ACME-01", "D2", "SA", "=SUM(E2:E3)-E4", "Y", ""],
            ]
        },
        TS_MARKER,
        formulas=True,
    ),
}
# a reordered workbook reads like the one in the contract's order
SAME_AS = {
    "catalog-reordered.xlsx": "catalog.xlsx",
    "timesheet-reordered.xlsx": "timesheet.xlsx",
}


@dataclass(frozen=True)
class Saved:
    original: Path
    lo1: Path
    lo2: Path


@pytest.fixture(scope="module")
def saved(soffice: Soffice, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Saved]:
    """Every case written by openpyxl, then saved by LibreOffice twice (two soffice calls)."""
    root = tmp_path_factory.mktemp("resave")
    (root / "orig").mkdir()
    originals = [
        make_workbook(
            root / "orig" / name, c.kind, c.tables, marker=c.marker, as_tables=c.as_tables
        )
        for name, c in CASES.items()
    ]
    lo1 = soffice.convert(originals, root / "lo1")
    lo2 = soffice.convert(lo1, root / "lo2")
    return {name: Saved(o, a, b) for name, o, a, b in zip(CASES, originals, lo1, lo2, strict=True)}


def application(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        app = z.read("docProps/app.xml").decode("utf-8", errors="replace")
    return app.split("<Application>", 1)[-1].split("</Application>", 1)[0]


def test_the_copies_are_saved_by_libreoffice(saved: dict[str, Saved]) -> None:
    for s in saved.values():
        assert "LibreOffice" in application(s.lo1), s.lo1
        assert "LibreOffice" in application(s.lo2), s.lo2
        assert "LibreOffice" not in application(s.original)


@pytest.mark.parametrize("name", [n for n, c in CASES.items() if not c.formulas])
def test_resaved_workbook_reads_like_the_original(name: str, saved: dict[str, Saved]) -> None:
    s = saved[name]
    original = reading(s.original, name)
    assert original[0] is not None, original[1]
    assert reading(s.lo1, name) == original
    assert reading(s.lo2, name) == original


@pytest.mark.parametrize("name", list(CASES))
def test_a_second_resave_changes_nothing(name: str, saved: dict[str, Saved]) -> None:
    s = saved[name]
    first = reading(s.lo1, name)
    assert first[0] is not None, first[1]
    assert reading(s.lo2, name) == first


@pytest.mark.parametrize("name", list(SAME_AS))
def test_reordered_and_extra_columns_read_the_same(name: str, saved: dict[str, Saved]) -> None:
    reference_name = SAME_AS[name]
    reference, reference_issues = reading(saved[reference_name].original, reference_name)
    for path in (saved[name].original, saved[name].lo1):
        model, issues = reading(path, reference_name)
        assert issues == reference_issues == []
        assert model == reference


def test_issues_name_the_same_cells_after_a_resave(saved: dict[str, Saved]) -> None:
    """The bad cells are reported at the same places, not shifted or lost."""
    _, issues = reading(saved["timesheet-bad.xlsx"].lo1, "t.xlsx")
    assert [(code, where) for code, _sev, where, _msg in issues] == [
        ("NOT_A_NUMBER", "t.xlsx!Time!E2"),
        ("NOT_A_DATE", "t.xlsx!Time!A3"),
        ("NOT_A_BOOLEAN", "t.xlsx!Time!F3"),
        ("VALUE_REQUIRED", "t.xlsx!Time!B4"),
    ]
    _, issues = reading(saved["timesheet-plain.xlsx"].lo1, "p.xlsx")
    assert [(code, where) for code, _sev, where, _msg in issues] == [
        ("TABLE_NOT_A_TABLE", "p.xlsx!Time!A1")
    ]


def test_formula_hours_read_as_libreoffice_computed_them(saved: dict[str, Saved]) -> None:
    for path in (saved["timesheet-formula.xlsx"].lo1, saved["timesheet-formula.xlsx"].lo2):
        model, issues = read_any(path)
        assert issues == []
        assert isinstance(model, m.Timesheet)
        assert [e.hours for e in model.entries] == [
            Decimal("7.5"),
            Decimal("5.67"),
            Decimal("8"),
            Decimal("5.17"),
        ]
