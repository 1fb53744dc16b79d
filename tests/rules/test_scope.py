"""Scope rules: header fields, deliverables, overrides, and pricing against the catalog."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from wb import CATALOG_TABLES, SCOPE_TABLES, Tables, make_workbook

from psos_xl.errors import Code, Issue, Severity
from psos_xl.models import Catalog, Deliverable, RowRef, Scope, ScopeInfo
from psos_xl.rules import RuleContext, run_rules
from psos_xl.rules import scope as rules
from psos_xl.workbook.readers import read_catalog, read_scope

DELIVERABLES_HEADER = SCOPE_TABLES["Deliverables"][0]


def copy(base: Tables) -> Tables:
    return {name: [list(r) for r in rows] for name, rows in base.items()}


def with_info(base: Tables, **values: Any) -> Tables:
    """The tables with ScopeInfo values replaced; a value of ... drops the field's row."""
    out = copy(base)
    rows = [out["ScopeInfo"][0]]
    for field, value in out["ScopeInfo"][1:]:
        new = values.get(field, value)
        if new is not ...:
            rows.append([field, new])
    out["ScopeInfo"] = rows
    return out


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    tabs = copy(CATALOG_TABLES)
    tabs["Roles"].append(["QA", "Tester", 50, 100, "EUR", "2026-06-01"])
    tabs["Services"] += [["TEST", "Test cycle", "QA", 24], ["AUDIT", "Audit", "AUD", 8]]
    path = make_workbook(tmp_path / "catalog.xlsx", "catalog", tabs)
    model, issues = read_catalog(path)
    assert model is not None and issues == []
    return model


def read(tmp_path: Path, tabs: Tables) -> tuple[Scope, list[Issue]]:
    path = make_workbook(tmp_path / "scope.xlsx", "scope", tabs)
    scope, issues = read_scope(path)
    assert scope is not None
    return scope, issues


def check(scope: Scope, catalog: Catalog | None, reader: list[Issue] | None = None) -> list[Issue]:
    reported = frozenset(i.location for i in reader or [] if i.is_error)
    return run_rules(rules.RULES, scope, RuleContext(catalog=catalog, reported=reported))


def found(issues: list[Issue]) -> set[tuple[Code, str]]:
    return {(i.code, str(i.location)) for i in issues}


def test_the_fixture_scope_is_clean(tmp_path: Path, catalog: Catalog) -> None:
    scope, issues = read(tmp_path, copy(SCOPE_TABLES))
    assert issues == []
    assert check(scope, catalog) == []


def test_every_rule_says_what_it_checks() -> None:
    for rule in rules.RULES:
        assert rule.__doc__ and rule.__doc__.strip(), rule.__name__


def test_without_a_catalog_one_warning_says_what_was_skipped(tmp_path: Path) -> None:
    tabs = copy(SCOPE_TABLES)
    tabs["Deliverables"].append(["D3", "NOPE", "", 1, "Extreme", "WHAT", ""])
    scope, _ = read(tmp_path, tabs)
    ctx = RuleContext(catalog=None, catalog_note="no catalog at catalog.xlsx")
    [issue] = run_rules(rules.RULES, scope, ctx)
    assert (issue.code, str(issue.location)) == (Code.CATALOG_NOT_FOUND, "scope.xlsx")
    assert issue.severity is Severity.WARNING
    assert "no catalog at catalog.xlsx" in issue.message
    assert "SKUs" in issue.message and "rates in force" in issue.message


def test_required_fields_missing_or_blank(tmp_path: Path, catalog: Catalog) -> None:
    scope, _ = read(tmp_path, with_info(SCOPE_TABLES, Client=..., Title="", Status=None))
    issues = check(scope, catalog)
    assert found(issues) == {
        (Code.FIELD_MISSING, "scope.xlsx!ScopeInfo!A1"),  # no Client row at all
        (Code.FIELD_MISSING, "scope.xlsx!ScopeInfo!B3"),  # Title blank
        (Code.FIELD_MISSING, "scope.xlsx!ScopeInfo!B8"),  # Status blank
    }
    assert {i.message for i in issues} == {
        "ScopeInfo needs a value for Client",
        "ScopeInfo needs a value for Title",
        "ScopeInfo needs a value for Status",
    }


def test_a_field_the_reader_rejected_is_not_also_missing(tmp_path: Path, catalog: Catalog) -> None:
    scope, reader = read(tmp_path, with_info(SCOPE_TABLES, StartDate="next week"))
    assert found(reader) == {(Code.NOT_A_DATE, "scope.xlsx!ScopeInfo!B5")}
    assert check(scope, catalog, reader) == []


def test_end_before_start(tmp_path: Path, catalog: Catalog) -> None:
    scope, _ = read(tmp_path, with_info(SCOPE_TABLES, EndDate="2026-01-31"))
    [issue] = check(scope, catalog)
    assert (issue.code, str(issue.location)) == (Code.DATES_REVERSED, "scope.xlsx!ScopeInfo!B6")
    assert "2026-01-31" in issue.message and "2026-02-01" in issue.message


@pytest.mark.parametrize(
    ("discount", "hint"),
    [(1, "0.01 for 1 %"), (5, "0.05 for 5 %"), (-0.1, None), (150, None)],
)
def test_discount_out_of_range(
    tmp_path: Path, catalog: Catalog, discount: float, hint: str | None
) -> None:
    scope, _ = read(tmp_path, with_info(SCOPE_TABLES, Discount=discount))
    [issue] = check(scope, catalog)
    assert (issue.code, str(issue.location)) == (
        Code.DISCOUNT_OUT_OF_RANGE,
        "scope.xlsx!ScopeInfo!B8",
    )
    assert (hint in issue.message) if hint else ("fraction" not in issue.message)


@pytest.mark.parametrize("discount", [0, 0.99])
def test_discount_in_range(tmp_path: Path, catalog: Catalog, discount: float) -> None:
    scope, _ = read(tmp_path, with_info(SCOPE_TABLES, Discount=discount))
    assert check(scope, catalog) == []


def with_probability(value: object) -> Tables:
    """The tables of a Draft with a Probability row (row 13, its value in B13)."""
    tabs = with_info(SCOPE_TABLES, Status="Draft")
    tabs["ScopeInfo"].append(["Probability", value])
    return tabs


@pytest.mark.parametrize(("probability", "hint"), [(-0.1, None), (150, None), (50, "0.5 for 50")])
def test_probability_out_of_range_names_its_cell(
    tmp_path: Path, catalog: Catalog, probability: float, hint: str | None
) -> None:
    scope, _ = read(tmp_path, with_probability(probability))
    [issue] = check(scope, catalog)
    assert (issue.code, str(issue.location)) == (
        Code.PERCENT_OUT_OF_RANGE,
        "scope.xlsx!ScopeInfo!B13",
    )
    assert "Probability lies between 0 and 1" in issue.message
    assert (hint in issue.message) if hint else ("fraction" not in issue.message)


@pytest.mark.parametrize("probability", [0, 0.5, 1, None])
def test_probability_in_range(tmp_path: Path, catalog: Catalog, probability: float | None) -> None:
    scope, _ = read(tmp_path, with_probability(probability))
    assert check(scope, catalog) == []
    expected = None if probability is None else Decimal(str(probability))
    assert scope.info.probability == expected


def test_deliverables_are_checked_against_the_catalog(tmp_path: Path, catalog: Catalog) -> None:
    tabs = copy(SCOPE_TABLES)
    tabs["Deliverables"] += [
        ["D1", "DISC", "again", 1, "Low", "", ""],  # row 4: duplicate code
        ["D3", "DISCO", "", 1, "high", "", ""],  # row 5: unknown SKU; 'high' is fine
        ["D4", "DISC", "", 0, "Extreme", "REMOTE, WHAT", ""],  # row 6
        ["D5", "BUILD", "", -2, "Medium", "", ""],  # row 7
    ]
    scope, _ = read(tmp_path, tabs)
    issues = check(scope, catalog)
    assert found(issues) == {
        (Code.DUPLICATE_DELIVERABLE, "scope.xlsx!Deliverables!A4"),
        (Code.UNKNOWN_SKU, "scope.xlsx!Deliverables!B5"),
        (Code.QUANTITY_NOT_POSITIVE, "scope.xlsx!Deliverables!D6"),
        (Code.UNKNOWN_COMPLEXITY, "scope.xlsx!Deliverables!E6"),
        (Code.UNKNOWN_RISK, "scope.xlsx!Deliverables!F6"),
        (Code.QUANTITY_NOT_POSITIVE, "scope.xlsx!Deliverables!D7"),
    }
    by_cell = {str(i.location): i.message for i in issues}
    assert "rows 2 and 4" in by_cell["scope.xlsx!Deliverables!A4"]
    assert "'DISCO'" in by_cell["scope.xlsx!Deliverables!B5"]
    assert "did you mean 'DISC'" in by_cell["scope.xlsx!Deliverables!B5"]
    assert "'WHAT'" in by_cell["scope.xlsx!Deliverables!F6"]


def test_scope_risks_are_checked(tmp_path: Path, catalog: Catalog) -> None:
    scope, _ = read(tmp_path, with_info(SCOPE_TABLES, Risks="REMOTE, remote, ONSITE"))
    issues = check(scope, catalog)
    assert found(issues) == {(Code.UNKNOWN_RISK, "scope.xlsx!ScopeInfo!B11")}
    assert sorted(i.message for i in issues) == [
        "ScopeInfo Risks: risk 'ONSITE' is not in the catalog's Risks",
        "ScopeInfo Risks: risk 'remote' is not in the catalog's Risks (did you mean 'REMOTE'?)",
    ]


def test_overrides_are_checked(tmp_path: Path, catalog: Catalog) -> None:
    tabs = copy(SCOPE_TABLES)
    tabs["Overrides"] += [
        ["D9", "SA", 4],  # row 3: no such deliverable
        ["D2", "ARCH", 4],  # row 4: no such role
        ["D2", "DEV", -8],  # row 5: negative hours
        ["D1", "PM", 5],  # row 6: D1 × PM overridden twice
    ]
    scope, _ = read(tmp_path, tabs)
    issues = check(scope, catalog)
    assert found(issues) == {
        (Code.OVERRIDE_UNKNOWN_DELIVERABLE, "scope.xlsx!Overrides!A3"),
        (Code.UNKNOWN_ROLE, "scope.xlsx!Overrides!B4"),
        (Code.HOURS_NEGATIVE, "scope.xlsx!Overrides!C5"),
        (Code.DUPLICATE_OVERRIDE, "scope.xlsx!Overrides!B6"),
    }
    assert "rows 2 and 6" in {str(i.location): i.message for i in issues}["scope.xlsx!Overrides!B6"]


def test_a_needed_role_without_a_rate_at_the_start_date(tmp_path: Path, catalog: Catalog) -> None:
    tabs = copy(SCOPE_TABLES)
    tabs["Deliverables"] += [
        ["D3", "TEST", "", 1, "Medium", "", ""],  # row 4: QA rated only from 2026-06-01
        ["D4", "TEST", "", 1, "Medium", "", ""],  # the same role: reported once
        ["D5", "AUDIT", "", 1, "Medium", "", ""],  # row 6: AUD is not in Roles at all
    ]
    tabs["Overrides"].append(["D3", "QA", 10])
    scope, _ = read(tmp_path, tabs)
    issues = check(scope, catalog)
    assert found(issues) == {
        (Code.NO_RATE_IN_FORCE, "scope.xlsx!Deliverables!B4"),
        (Code.NO_RATE_IN_FORCE, "scope.xlsx!Deliverables!B6"),
    }
    by_cell = {str(i.location): i.message for i in issues}
    assert "'QA'" in by_cell["scope.xlsx!Deliverables!B4"]
    assert "2026-02-01" in by_cell["scope.xlsx!Deliverables!B4"]
    assert "first rate starts 2026-06-01" in by_cell["scope.xlsx!Deliverables!B4"]
    assert "does not define it" in by_cell["scope.xlsx!Deliverables!B6"]


def test_a_role_needed_only_by_an_override(tmp_path: Path, catalog: Catalog) -> None:
    tabs = copy(SCOPE_TABLES)
    tabs["Overrides"].append(["D1", "QA", 3])
    scope, _ = read(tmp_path, tabs)
    assert found(check(scope, catalog)) == {(Code.NO_RATE_IN_FORCE, "scope.xlsx!Overrides!B3")}


def test_rates_are_fine_once_the_role_is_rated(tmp_path: Path, catalog: Catalog) -> None:
    tabs = with_info(SCOPE_TABLES, StartDate="2026-07-01", EndDate="2026-09-30")
    tabs["Deliverables"].append(["D3", "TEST", "", 1, "Medium", "", ""])
    scope, _ = read(tmp_path, tabs)
    assert check(scope, catalog) == []


def test_no_assumptions_is_a_warning_at_the_table(tmp_path: Path, catalog: Catalog) -> None:
    tabs = copy(SCOPE_TABLES)
    tabs["Assumptions"] = [tabs["Assumptions"][0]]
    scope, _ = read(tmp_path, tabs)
    [issue] = check(scope, catalog)
    assert (issue.code, str(issue.location)) == (Code.NO_ASSUMPTIONS, "scope.xlsx!Assumptions!A1")
    assert issue.severity is Severity.WARNING

    del tabs["Assumptions"]
    scope, _ = read(tmp_path, tabs)
    assert found(check(scope, catalog)) == {(Code.NO_ASSUMPTIONS, "scope.xlsx!Assumptions")}


def test_duplicate_assumption_ids(tmp_path: Path, catalog: Catalog) -> None:
    tabs = copy(SCOPE_TABLES)
    tabs["Assumptions"].append(["a1", "Another", "", ""])
    scope, _ = read(tmp_path, tabs)
    assert found(check(scope, catalog)) == {(Code.DUPLICATE_CODE, "scope.xlsx!Assumptions!A3")}


def test_no_deliverables_is_a_warning_at_the_table(tmp_path: Path, catalog: Catalog) -> None:
    tabs = copy(SCOPE_TABLES)
    tabs["Deliverables"] = [DELIVERABLES_HEADER]
    tabs["Overrides"] = [["Deliverable", "Role", "Hours"]]
    scope, _ = read(tmp_path, tabs)
    [issue] = check(scope, catalog)
    assert (issue.code, str(issue.location)) == (Code.NO_DELIVERABLES, "scope.xlsx!Deliverables!A1")
    assert issue.severity is Severity.WARNING


def test_rows_the_reader_rejected_are_not_also_no_deliverables(
    tmp_path: Path, catalog: Catalog
) -> None:
    tabs = copy(SCOPE_TABLES)
    tabs["Deliverables"] = [DELIVERABLES_HEADER, ["D1", "DISC", "", "one", "Medium", "", ""]]
    tabs["Overrides"] = [["Deliverable", "Role", "Hours"]]
    scope, reader = read(tmp_path, tabs)
    assert found(reader) == {(Code.NOT_A_NUMBER, "scope.xlsx!Deliverables!D2")}
    assert check(scope, catalog, reader) == []


def test_a_scope_in_another_currency_is_an_error(tmp_path: Path, catalog: Catalog) -> None:
    scope, _ = read(tmp_path, with_info(SCOPE_TABLES, Currency="usd"))
    [issue] = check(scope, catalog)
    assert (issue.code, str(issue.location)) == (Code.CURRENCY_MISMATCH, "scope.xlsx!ScopeInfo!B12")
    assert issue.severity is Severity.ERROR
    assert "usd" in issue.message and "EUR" in issue.message


@pytest.mark.parametrize("currency", ["EUR", "eur", ""])
def test_a_scope_in_the_catalogs_currency_or_none_is_clean(
    tmp_path: Path, catalog: Catalog, currency: str
) -> None:
    scope, _ = read(tmp_path, with_info(SCOPE_TABLES, Currency=currency))
    assert [i for i in check(scope, catalog) if i.code is Code.CURRENCY_MISMATCH] == []


def test_rules_work_on_a_literal_model(catalog: Catalog) -> None:
    src = RowRef("s.xlsx", "Deliverables", 7, {"sku": "B", "complexity": "E"})
    scope = Scope(
        workbook="s.xlsx",
        info=ScopeInfo(engagement="X"),
        deliverables=[Deliverable(deliverable="D1", sku="X", complexity="LOW", src=src)],
    )
    ctx = RuleContext(catalog=catalog)
    assert found(rules.known_skus(scope, ctx)) == {(Code.UNKNOWN_SKU, "s.xlsx!Deliverables!B7")}
    assert rules.known_complexity(scope, ctx) == []
    assert rules.known_skus(scope, RuleContext()) == []  # no catalog: skipped


def test_without_complexity_levels_the_default_levels_apply(catalog: Catalog) -> None:
    bare = catalog.model_copy(update={"complexity": []})
    levels = ["Low", "medium", "HIGH", "Extreme"]
    scope = Scope(
        workbook="s.xlsx",
        deliverables=[
            Deliverable(deliverable=f"D{i}", sku="DISC", complexity=c) for i, c in enumerate(levels)
        ],
    )
    issues = rules.known_complexity(scope, RuleContext(catalog=bare))
    assert [i.message for i in issues] == [
        "deliverable 'D3': complexity 'Extreme' is not in Complexity"
    ]


def test_progress_columns_are_read_and_checked(tmp_path: Path, catalog: Catalog) -> None:
    """PercentComplete (0–1) and CompletedOn (a date, meaning done) are optional
    Deliverables columns; out of range is an error, a done date beside less than 100 %
    a warning; ChangeOrder is read as a code."""
    tabs = copy(SCOPE_TABLES)
    header = [*DELIVERABLES_HEADER, "ChangeOrder", "PercentComplete", "CompletedOn"]
    first, second = (list(r) for r in tabs["Deliverables"][1:3])
    tabs["Deliverables"] = [
        header,
        [*first, "", 0.6, "2026-03-02"],
        [*second, "CO-1", 1.5, ""],
        ["D3", *first[1:], "", 0.25, ""],
    ]
    scope, reader = read(tmp_path, tabs)
    assert reader == []
    d1, d2, d3 = scope.deliverables
    assert (d1.percent_complete, str(d1.completed_on), d1.change_order) == (
        Decimal("0.6"),
        "2026-03-02",
        "",
    )
    assert (d2.change_order, d2.percent_complete, d2.completed_on) == ("CO-1", Decimal("1.5"), None)
    assert d3.percent_complete == Decimal("0.25")
    issues = check(scope, catalog)
    assert found(issues) >= {
        (Code.PROGRESS_CONFLICT, "scope.xlsx!Deliverables!I2"),
        (Code.PERCENT_OUT_OF_RANGE, "scope.xlsx!Deliverables!I3"),
    }
    assert {i.code for i in issues} & {Code.PROGRESS_CONFLICT, Code.PERCENT_OUT_OF_RANGE} == {
        Code.PROGRESS_CONFLICT,
        Code.PERCENT_OUT_OF_RANGE,
    }
    assert not any(str(i.location).endswith("!I4") for i in issues)
    by_code = {i.code: i for i in issues}
    assert by_code[Code.PROGRESS_CONFLICT].severity is Severity.WARNING
    assert "150 % complete" in by_code[Code.PERCENT_OUT_OF_RANGE].message


def test_a_scope_without_progress_columns_reads_as_before(tmp_path: Path) -> None:
    scope, reader = read(tmp_path, copy(SCOPE_TABLES))
    assert reader == []
    assert all(d.percent_complete is None and d.completed_on is None for d in scope.deliverables)
