"""Catalog rules: each planted problem comes back with its code and exact cell."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from wb import CATALOG_TABLES, Tables, make_workbook

from psos_xl.errors import Code, Issue, Severity
from psos_xl.models import Catalog, RoleRate, RowRef
from psos_xl.rules import RuleContext, run_rules
from psos_xl.rules import catalog as rules
from psos_xl.workbook.readers import read_catalog

PEOPLE_HEADER = [
    "Person",
    "Name",
    "Role",
    "CapacityHoursPerWeek",
    "UtilizationTarget",
    "StartDate",
    "EndDate",
]


def tables(**extra_rows: list[list[Any]]) -> Tables:
    """The fixture catalog with rows appended to some tables."""
    out = {name: [list(r) for r in rows] for name, rows in CATALOG_TABLES.items()}
    for name, rows in extra_rows.items():
        out.setdefault(name, [])
        out[name].extend(rows)
    return out


def read(tmp_path: Path, tabs: Tables) -> Catalog:
    path = make_workbook(tmp_path / "catalog.xlsx", "catalog", tabs)
    catalog, issues = read_catalog(path)
    assert catalog is not None
    assert [i for i in issues if i.is_error] == []
    return catalog


def check(catalog: Catalog) -> list[Issue]:
    return run_rules(rules.RULES, catalog, RuleContext(catalog=catalog))


def found(issues: list[Issue]) -> set[tuple[Code, str]]:
    return {(i.code, str(i.location)) for i in issues}


def test_the_fixture_catalog_is_clean(tmp_path: Path) -> None:
    assert check(read(tmp_path, tables())) == []


def test_every_rule_says_what_it_checks() -> None:
    assert rules.RULES
    for rule in rules.RULES:
        assert rule.__doc__ and rule.__doc__.strip(), rule.__name__


def test_a_role_rated_twice_on_the_same_date_names_both_rows(tmp_path: Path) -> None:
    catalog = read(tmp_path, tables(Roles=[["SA", "Architect", 105, 210, "EUR", "2026-01-01"]]))
    [issue] = rules.unique_rates(catalog, RuleContext())
    assert (issue.code, str(issue.location)) == (Code.DUPLICATE_RATE, "catalog.xlsx!Roles!F6")
    assert "'SA'" in issue.message and "rows 3 and 6" in issue.message
    assert "2026-01-01" in issue.message


def test_the_same_role_on_another_date_is_a_rate_change(tmp_path: Path) -> None:
    catalog = read(tmp_path, tables(Roles=[["SA", "Architect", 105, 210, "EUR", "2027-01-01"]]))
    assert rules.unique_rates(catalog, RuleContext()) == []


def test_negative_rates_are_flagged_at_each_cell(tmp_path: Path) -> None:
    catalog = read(tmp_path, tables(Roles=[["QA", "Tester", -5, -10, "EUR", "2025-01-01"]]))
    assert found(check(catalog)) == {
        (Code.RATE_NEGATIVE, "catalog.xlsx!Roles!C6"),
        (Code.RATE_NEGATIVE, "catalog.xlsx!Roles!D6"),
    }


def test_billing_below_cost_is_a_warning_at_the_bill_rate(tmp_path: Path) -> None:
    catalog = read(tmp_path, tables(Roles=[["JR", "Junior", 80, 60, "EUR", "2025-01-01"]]))
    [issue] = check(catalog)
    assert (issue.code, str(issue.location)) == (Code.BILL_BELOW_COST, "catalog.xlsx!Roles!D6")
    assert issue.severity is Severity.WARNING
    assert "60" in issue.message and "80" in issue.message


def test_a_role_in_another_currency_is_a_warning(tmp_path: Path) -> None:
    catalog = read(tmp_path, tables(Roles=[["US", "US architect", 90, 180, "USD", "2025-01-01"]]))
    [issue] = check(catalog)
    assert (issue.code, str(issue.location)) == (Code.CURRENCY_MISMATCH, "catalog.xlsx!Roles!E6")
    assert issue.severity is Severity.WARNING
    assert "USD" in issue.message and "EUR" in issue.message


def test_services_must_name_defined_roles(tmp_path: Path) -> None:
    catalog = read(tmp_path, tables(Services=[["DISC", "Discovery", "sa", 3]]))
    [issue] = check(catalog)
    assert (issue.code, str(issue.location)) == (Code.UNKNOWN_ROLE, "catalog.xlsx!Services!C6")
    assert "'sa'" in issue.message and "did you mean 'SA'" in issue.message


def test_a_sku_listing_a_role_twice(tmp_path: Path) -> None:
    catalog = read(tmp_path, tables(Services=[["DISC", "Discovery", "SA", 2]]))
    [issue] = check(catalog)
    assert (issue.code, str(issue.location)) == (
        Code.DUPLICATE_SERVICE_ROLE,
        "catalog.xlsx!Services!C6",
    )
    assert "rows 2 and 6" in issue.message


def test_negative_base_hours(tmp_path: Path) -> None:
    catalog = read(tmp_path, tables(Services=[["RUN", "Run", "DEV", -4]]))
    [issue] = check(catalog)
    assert (issue.code, str(issue.location)) == (Code.HOURS_NEGATIVE, "catalog.xlsx!Services!D6")
    assert "-4" in issue.message


def test_complexity_multipliers_must_be_above_zero(tmp_path: Path) -> None:
    catalog = read(tmp_path, tables(Complexity=[["None", 0], ["Odd", -1], ["Tiny", 0.1]]))
    assert found(check(catalog)) == {
        (Code.MULTIPLIER_NOT_POSITIVE, "catalog.xlsx!Complexity!B5"),
        (Code.MULTIPLIER_NOT_POSITIVE, "catalog.xlsx!Complexity!B6"),
    }


def test_risk_uplifts_stay_between_minus_half_and_two(tmp_path: Path) -> None:
    catalog = read(
        tmp_path,
        tables(
            Risks=[["A", "", 2], ["B", "", -0.5], ["C", "", 15], ["D", "", -0.6], ["E", "", 250]]
        ),
    )
    issues = check(catalog)
    assert found(issues) == {
        (Code.UPLIFT_OUT_OF_RANGE, "catalog.xlsx!Risks!C6"),
        (Code.UPLIFT_OUT_OF_RANGE, "catalog.xlsx!Risks!C7"),
        (Code.UPLIFT_OUT_OF_RANGE, "catalog.xlsx!Risks!C8"),
    }
    by_cell = {str(i.location): i.message for i in issues}
    assert "enter a fraction (0.15 for +15 %)" in by_cell["catalog.xlsx!Risks!C6"]
    assert "fraction" not in by_cell["catalog.xlsx!Risks!C8"]


def test_codes_defined_twice(tmp_path: Path) -> None:
    catalog = read(
        tmp_path,
        tables(
            Complexity=[["medium", 1.1]],
            Risks=[["REMOTE", "Remote again", 0.1]],
            Settings=[["currency", "EUR"]],
            People=[
                PEOPLE_HEADER,
                ["ALM", "Alma", "SA", 40, 0.8, None, None],
                ["ALM", "Alma M.", "DEV", 40, 0.8, None, None],
            ],
        ),
    )
    issues = check(catalog)
    assert found(issues) == {
        (Code.DUPLICATE_CODE, "catalog.xlsx!Complexity!A5"),
        (Code.DUPLICATE_CODE, "catalog.xlsx!Risks!A4"),
        (Code.DUPLICATE_CODE, "catalog.xlsx!Settings!A7"),
        (Code.DUPLICATE_CODE, "catalog.xlsx!People!A3"),
    }
    assert (
        "rows 3 and 5" in {str(i.location): i.message for i in issues}["catalog.xlsx!Complexity!A5"]
    )


def test_missing_and_blank_settings_say_which_default_applies(tmp_path: Path) -> None:
    tabs = tables()
    tabs["Settings"] = [
        ["Key", "Value"],
        ["Currency", "EUR"],
        ["FixedFeeContingency", 0.1],
        ["CalibrationPrior", None],  # blank means learned: no warning
        ["CalibrationMinDeliveries", None],
    ]
    issues = check(read(tmp_path, tabs))
    assert found(issues) == {
        (Code.SETTING_MISSING, "catalog.xlsx!Settings!A2"),
        (Code.SETTING_MISSING, "catalog.xlsx!Settings!B5"),
    }
    by_cell = {str(i.location): i for i in issues}
    assert "'TargetMargin' is missing; the default 0.35 is used" in (
        by_cell["catalog.xlsx!Settings!A2"].message
    )
    assert "'CalibrationMinDeliveries' is blank; the default 3 is used" in (
        by_cell["catalog.xlsx!Settings!B5"].message
    )
    assert all(i.severity is Severity.WARNING for i in issues)


def test_without_a_settings_table_every_setting_is_missing_at_the_sheet() -> None:
    issues = rules.settings_present(Catalog(workbook="catalog.xlsx"), RuleContext())
    assert {str(i.location) for i in issues} == {"catalog.xlsx!Settings"}
    # each setting with a default it needs; CalibrationPrior and AccuracyMinHistory are optional
    assert len(issues) == 4
    assert any("'Currency' is missing; the default EUR is used" in i.message for i in issues)


def test_people_rows_are_checked(tmp_path: Path) -> None:
    catalog = read(
        tmp_path,
        tables(
            People=[
                PEOPLE_HEADER,
                ["ALM", "Alma", "SA", 40, 0.8, "2024-01-01", None],
                ["BOB", "Bob", "XX", 0, 0.8, None, None],
                ["CAS", "Cas", "DEV", 200, 80, None, None],
                ["DEE", "Dee", "PM", 32, -0.1, "2025-06-01", "2025-05-31"],
            ]
        ),
    )
    issues = check(catalog)
    assert found(issues) == {
        (Code.UNKNOWN_ROLE, "catalog.xlsx!People!C3"),
        (Code.PERSON_INVALID, "catalog.xlsx!People!D3"),
        (Code.PERSON_INVALID, "catalog.xlsx!People!D4"),
        (Code.PERSON_INVALID, "catalog.xlsx!People!E4"),
        (Code.PERSON_INVALID, "catalog.xlsx!People!E5"),
        (Code.PERSON_INVALID, "catalog.xlsx!People!G5"),
    }
    by_cell = {str(i.location): i.message for i in issues}
    assert "enter a fraction (0.8 for 80 %)" in by_cell["catalog.xlsx!People!E4"]
    assert "200" in by_cell["catalog.xlsx!People!D4"]


def test_rules_work_on_a_literal_model() -> None:
    def rate(row: int, effective: date) -> RoleRate:
        src = RowRef("c.xlsx", "Roles", row, {"effectivefrom": "F", "billrate": "D"})
        return RoleRate(
            role="SA",
            cost_rate=Decimal(100),
            bill_rate=Decimal(90),
            effective_from=effective,
            src=src,
        )

    catalog = Catalog(
        workbook="c.xlsx", roles=[rate(2, date(2026, 1, 1)), rate(9, date(2026, 1, 1))]
    )
    issues = rules.unique_rates(catalog, RuleContext()) + rules.bill_not_below_cost(
        catalog, RuleContext()
    )
    assert found(issues) == {
        (Code.DUPLICATE_RATE, "c.xlsx!Roles!F9"),
        (Code.BILL_BELOW_COST, "c.xlsx!Roles!D2"),
        (Code.BILL_BELOW_COST, "c.xlsx!Roles!D9"),
    }
