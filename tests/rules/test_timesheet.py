"""Timesheet rules: the week, dates, hours, day totals, roles and deliverables."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from wb import CATALOG_TABLES, SCOPE_TABLES, TIME_HEADER, make_workbook

from psos_xl.app.validate import validate_path
from psos_xl.errors import Code, Issue, Severity
from psos_xl.models import Catalog, Engagement, Person, RowRef, TimeEntry, Timesheet
from psos_xl.rules import RuleContext, run_rules
from psos_xl.rules import timesheet as rules
from psos_xl.workbook.readers import read_catalog, read_timesheet

EXPENSES_HEADER = ["Date", "Engagement", "Category", "Amount", "Currency", "Billable", "Note"]
MON, TUE, WED = date(2026, 1, 5), date(2026, 1, 6), date(2026, 1, 7)
WEEK = {"person": "ALM", "week": "2026-01-05"}


def time(day: date, hours: Any, engagement: str = "ACME-01", deliverable: str = "D1") -> list[Any]:
    return [day, engagement, deliverable, "SA", hours, "Y", ""]


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    path = make_workbook(tmp_path / "catalog.xlsx", "catalog", CATALOG_TABLES)
    model, _ = read_catalog(path)
    assert model is not None
    return model


def write(
    tmp_path: Path,
    rows: list[list[Any]],
    expenses: list[list[Any]] | None = None,
    marker: dict[str, Any] | None = None,
) -> Path:
    (tmp_path / "psos.toml").write_text("[workspace]\n")  # the workspace is this folder
    # the engagement the rows book to, open since before the week
    info = [[k, "2026-01-01" if k == "StartDate" else v] for k, v in SCOPE_TABLES["ScopeInfo"]]
    make_workbook(tmp_path / "acme.xlsx", "scope", {**SCOPE_TABLES, "ScopeInfo": info})
    tabs = {"Time": [TIME_HEADER, *rows]}
    if expenses is not None:
        tabs["Expenses"] = [EXPENSES_HEADER, *expenses]
    return make_workbook(tmp_path / "ts.xlsx", "timesheet", tabs, marker=WEEK | (marker or {}))


def read(tmp_path: Path, *args: Any, **kwargs: Any) -> Timesheet:
    sheet, issues = read_timesheet(write(tmp_path, *args, **kwargs))
    assert sheet is not None and issues == []
    return sheet


def check(sheet: Timesheet, catalog: Catalog | None) -> list[Issue]:
    return run_rules(rules.RULES, sheet, RuleContext(catalog=catalog))


def found(issues: list[Issue]) -> set[tuple[Code, str]]:
    return {(i.code, str(i.location)) for i in issues}


def test_a_normal_week_is_clean(tmp_path: Path, catalog: Catalog) -> None:
    sheet = read(
        tmp_path,
        [
            time(MON, 7.5),
            time(TUE, 4),
            time(TUE, 4, "INTERNAL", ""),
            time(WED, 8, "LEAVE", ""),
            time(date(2026, 1, 11), 24),
        ],
        [[MON, "ACME-01", "Travel", 120.5, "EUR", "Y", "train"]],
    )
    assert check(sheet, catalog) == []


def test_every_rule_says_what_it_checks() -> None:
    for rule in rules.RULES:
        assert rule.__doc__ and rule.__doc__.strip(), rule.__name__


def test_a_week_must_start_on_monday(tmp_path: Path, catalog: Catalog) -> None:
    sheet = read(tmp_path, [time(WED, 8)], marker={"week": "2026-01-07"})
    [issue] = check(sheet, catalog)
    assert (issue.code, str(issue.location)) == (Code.WEEK_NOT_MONDAY, "ts.xlsx!_psos!B4")
    assert "2026-01-07 is a Wednesday" in issue.message and "Monday (2026-01-05" in issue.message


def test_rows_dated_outside_the_week(tmp_path: Path, catalog: Catalog) -> None:
    sheet = read(
        tmp_path,
        [time(MON, 8), time(date(2026, 1, 12), 8)],
        [[date(2026, 1, 4), "ACME-01", "Meals", 20, "EUR", "Y", ""]],
    )
    issues = check(sheet, catalog)
    assert found(issues) == {
        (Code.DATE_OUTSIDE_WEEK, "ts.xlsx!Time!A3"),
        (Code.DATE_OUTSIDE_WEEK, "ts.xlsx!Expenses!A2"),
    }
    assert "2026-01-05 to 2026-01-11" in issues[0].message


def test_hours_must_be_above_zero_and_at_most_24(tmp_path: Path, catalog: Catalog) -> None:
    sheet = read(
        tmp_path,
        [time(MON, 0), time(TUE, -1), time(WED, 25), time(date(2026, 1, 8), 24)],
    )
    assert found(check(sheet, catalog)) == {
        (Code.HOURS_OUT_OF_RANGE, "ts.xlsx!Time!E2"),
        (Code.HOURS_OUT_OF_RANGE, "ts.xlsx!Time!E3"),
        (Code.HOURS_OUT_OF_RANGE, "ts.xlsx!Time!E4"),
    }


def test_a_day_over_24_hours_is_flagged_at_its_last_row(tmp_path: Path, catalog: Catalog) -> None:
    sheet = read(
        tmp_path,
        [
            time(MON, 10),  # row 2
            time(TUE, 12),  # row 3
            time(MON, 10, "INTERNAL", ""),  # row 4
            time(TUE, 12),  # row 5: Tuesday is exactly 24
            time(MON, 4.5),  # row 6: Monday reaches 24.5
            time(MON, 30),  # row 7: out of range on its own, not added
        ],
    )
    issues = check(sheet, catalog)
    assert found(issues) == {
        (Code.DAY_OVER_24, "ts.xlsx!Time!E6"),
        (Code.HOURS_OUT_OF_RANGE, "ts.xlsx!Time!E7"),
    }
    [day] = [i for i in issues if i.code is Code.DAY_OVER_24]
    assert "Monday 2026-01-05 adds up to 24.5 hours" in day.message


def test_roles_are_checked_against_the_catalog(tmp_path: Path, catalog: Catalog) -> None:
    row = time(MON, 8)
    row[3] = "ARCH"
    sheet = read(tmp_path, [time(MON, 1), row])
    [issue] = check(sheet, catalog)
    assert (issue.code, str(issue.location)) == (Code.UNKNOWN_ROLE, "ts.xlsx!Time!D3")
    assert "'ARCH'" in issue.message


def test_without_a_catalog_roles_are_skipped_with_one_warning(tmp_path: Path) -> None:
    rows = [time(MON, 8), time(TUE, 8)]
    rows[0][3] = rows[1][3] = "ARCH"
    sheet = read(tmp_path, rows)
    [issue] = check(sheet, None)
    assert (issue.code, str(issue.location)) == (Code.CATALOG_NOT_FOUND, "ts.xlsx")
    assert issue.severity is Severity.WARNING
    assert "roles" in issue.message


def test_which_rows_take_a_deliverable(tmp_path: Path, catalog: Catalog) -> None:
    sheet = read(
        tmp_path,
        [
            time(MON, 8, "LEAVE", "D1"),  # row 2
            time(TUE, 2, "INTERNAL", "D1"),  # row 3
            time(TUE, 2, "ACME-01", ""),  # row 4
            time(WED, 8, "Leave", ""),  # row 5: not the reserved code
            time(WED, 8, "INTERNAL", ""),
        ],
    )
    issues = check(sheet, catalog)
    assert found(issues) == {
        (Code.DELIVERABLE_NOT_ALLOWED, "ts.xlsx!Time!C2"),
        (Code.DELIVERABLE_NOT_ALLOWED, "ts.xlsx!Time!C3"),
        (Code.DELIVERABLE_REQUIRED, "ts.xlsx!Time!C4"),
        (Code.DELIVERABLE_REQUIRED, "ts.xlsx!Time!C5"),
    }
    by_cell = {str(i.location): i.message for i in issues}
    assert "write the code LEAVE" in by_cell["ts.xlsx!Time!C5"]
    assert "LEAVE" not in by_cell["ts.xlsx!Time!C4"]


def test_expense_amounts_must_be_above_zero(tmp_path: Path, catalog: Catalog) -> None:
    sheet = read(
        tmp_path,
        [time(MON, 8)],
        [
            [MON, "ACME-01", "Travel", 0, "EUR", "Y", ""],
            [TUE, "ACME-01", "Meals", -12.5, "EUR", "Y", ""],
            [TUE, "ACME-01", "Meals", 12.5, "EUR", "Y", ""],
        ],
    )
    issues = check(sheet, catalog)
    assert found(issues) == {
        (Code.AMOUNT_NEGATIVE, "ts.xlsx!Expenses!D2"),
        (Code.AMOUNT_NEGATIVE, "ts.xlsx!Expenses!D3"),
    }
    assert "-12.5" in {str(i.location): i.message for i in issues}["ts.xlsx!Expenses!D3"]


def test_rules_work_on_a_literal_model() -> None:
    def entry(row: int, hours: str) -> TimeEntry:
        src = RowRef("t.xlsx", "Time", row, {"hours": "E"})
        return TimeEntry(
            date=MON, engagement="X", deliverable="D", role="SA", hours=Decimal(hours), src=src
        )

    sheet = Timesheet(workbook="t.xlsx", week=MON, entries=[entry(2, "20"), entry(9, "5")])
    assert found(rules.day_totals(sheet, RuleContext())) == {(Code.DAY_OVER_24, "t.xlsx!Time!E9")}


# --- what the reader reports comes out of validate with its cell ---------------------


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("seven", "got the text 'seven'"),
        ("7,5", "got the text '7,5': use a decimal point (7.5)"),
        ("7.5h", "got the text '7.5h': enter the number alone (7.5), without 'h'"),
    ],
)
def test_text_in_hours_is_not_a_number_at_its_cell(tmp_path: Path, text: str, hint: str) -> None:
    make_workbook(tmp_path / "catalog.xlsx", "catalog", CATALOG_TABLES)
    path = write(tmp_path, [time(MON, 8), time(TUE, text)])
    issues = validate_path(path)
    assert found(issues) == {(Code.NOT_A_NUMBER, "ts.xlsx!Time!E3")}
    assert hint in issues[0].message


def test_billable_must_be_yes_or_no(tmp_path: Path) -> None:
    make_workbook(tmp_path / "catalog.xlsx", "catalog", CATALOG_TABLES)
    rows = [time(MON, 8), time(TUE, 8), time(WED, 8), time(date(2026, 1, 8), 8)]
    rows[0][5], rows[1][5], rows[2][5], rows[3][5] = "TRUE", "n", "maybe", 1
    issues = validate_path(write(tmp_path, rows))
    assert found(issues) == {
        (Code.NOT_A_BOOLEAN, "ts.xlsx!Time!F4"),
        (Code.NOT_A_BOOLEAN, "ts.xlsx!Time!F5"),
    }
    assert any("got 'maybe'" in i.message for i in issues)


@pytest.mark.parametrize(("key", "cell"), [("person", "B3"), ("week", "B4")])
def test_a_marker_without_person_or_week(tmp_path: Path, key: str, cell: str) -> None:
    make_workbook(tmp_path / "catalog.xlsx", "catalog", CATALOG_TABLES)
    issues = validate_path(write(tmp_path, [time(MON, 8)], marker={key: ""}))
    assert found(issues) == {(Code.MARKER_KEY_MISSING, f"ts.xlsx!_psos!{cell}")}


# --- who may book: the engagement's status and dates, the person ---------------------

JAN_31 = date(2026, 1, 31)


def engagements(status: str, end: date | None = JAN_31) -> dict[str, Engagement]:
    """ACME-01 in ``status``, from 2026-01-01 to ``end``, with D1."""
    eng = Engagement("ACME-01", status, date(2026, 1, 1), frozenset({"D1"}), "acme.xlsx", end)
    return {"ACME-01": eng}


def booked(sheet: Timesheet, ctx: RuleContext) -> list[Issue]:
    return run_rules(rules.RULES, sheet, ctx)


def test_a_completed_engagement_takes_nothing_after_its_end_date(
    tmp_path: Path, catalog: Catalog
) -> None:
    sheet = read(
        tmp_path,
        [time(MON, 8), time(TUE, 4), time(TUE, 2, "LEAVE", "")],
        [[WED, "ACME-01", "Travel", 50, "EUR", "Y", ""]],
    )
    ctx = RuleContext(catalog=catalog, engagements=engagements("Completed", end=MON))
    issues = booked(sheet, ctx)
    # Monday is the EndDate itself: still inside; LEAVE needs no scope
    assert found(issues) == {
        (Code.BOOKING_AFTER_CLOSE, "ts.xlsx!Time!A3"),
        (Code.BOOKING_AFTER_CLOSE, "ts.xlsx!Expenses!A2"),
    }
    assert all(i.severity is Severity.ERROR for i in issues)
    assert "after ACME-01's EndDate 2026-01-05" in issues[0].message
    assert "Completed" in issues[0].message


@pytest.mark.parametrize("status", ["Active", "Sold"])
def test_an_open_engagement_after_its_end_date_is_a_warning(
    tmp_path: Path, catalog: Catalog, status: str
) -> None:
    sheet = read(tmp_path, [time(MON, 8), time(TUE, 4)])
    ctx = RuleContext(catalog=catalog, engagements=engagements(status, end=MON))
    [issue] = booked(sheet, ctx)
    assert (issue.code, str(issue.location)) == (Code.BOOKING_AFTER_END, "ts.xlsx!Time!A3")
    assert issue.severity is Severity.WARNING
    assert "EndDate 2026-01-05" in issue.message and "acme.xlsx" in issue.message


def test_an_engagement_without_an_end_date_takes_any_later_row(
    tmp_path: Path, catalog: Catalog
) -> None:
    sheet = read(tmp_path, [time(MON, 8)])
    ctx = RuleContext(catalog=catalog, engagements=engagements("Completed", None))
    assert booked(sheet, ctx) == []


@pytest.mark.parametrize("status", ["Draft", "Lost"])
def test_draft_and_lost_engagements_take_no_time_nor_expenses(
    tmp_path: Path, catalog: Catalog, status: str
) -> None:
    sheet = read(tmp_path, [time(MON, 8)], [[MON, "ACME-01", "Travel", 50, "EUR", "Y", ""]])
    issues = booked(sheet, RuleContext(catalog=catalog, engagements=engagements(status)))
    assert found(issues) == {
        (Code.ENGAGEMENT_NOT_BOOKABLE, "ts.xlsx!Time!B2"),
        (Code.ENGAGEMENT_NOT_BOOKABLE, "ts.xlsx!Expenses!B2"),
    }
    assert f"is {status}" in issues[0].message


def with_people(catalog: Catalog, *people: Person) -> Catalog:
    return catalog.model_copy(update={"people": list(people)})


def test_a_person_not_in_people_may_not_book_any_row(tmp_path: Path, catalog: Catalog) -> None:
    sheet = read(
        tmp_path,
        [time(MON, 8), time(TUE, 8, "LEAVE", ""), time(WED, 2, "INTERNAL", "")],
        [[MON, "ACME-01", "Travel", 50, "EUR", "Y", ""]],
        marker={"person": "ZZ"},
    )
    staff = with_people(catalog, Person(person="ALM", role="SA"), Person(person="ZZA", role="SA"))
    issues = booked(sheet, RuleContext(catalog=staff))
    assert found(issues) == {
        (Code.UNKNOWN_PERSON, "ts.xlsx!Time!A2"),
        (Code.UNKNOWN_PERSON, "ts.xlsx!Time!A3"),
        (Code.UNKNOWN_PERSON, "ts.xlsx!Time!A4"),
        (Code.UNKNOWN_PERSON, "ts.xlsx!Expenses!A2"),
    }
    assert all(i.severity is Severity.ERROR for i in issues)
    assert "person 'ZZ' is not in the catalog's People (catalog.xlsx)" in issues[0].message
    assert "did you mean 'ZZA'?" in issues[0].message


def test_a_person_books_only_while_employed(tmp_path: Path, catalog: Catalog) -> None:
    # ALM joins on Tuesday and leaves on Wednesday: Monday and Thursday are outside
    thu = date(2026, 1, 8)
    sheet = read(
        tmp_path,
        [time(MON, 8), time(TUE, 8), time(WED, 8, "LEAVE", ""), time(thu, 8)],
        [[thu, "ACME-01", "Travel", 50, "EUR", "Y", ""]],
    )
    alm = Person(person="ALM", role="SA", start_date=TUE, end_date=WED)
    issues = booked(sheet, RuleContext(catalog=with_people(catalog, alm)))
    assert found(issues) == {
        (Code.UNKNOWN_PERSON, "ts.xlsx!Time!A2"),
        (Code.UNKNOWN_PERSON, "ts.xlsx!Time!A5"),
        (Code.UNKNOWN_PERSON, "ts.xlsx!Expenses!A2"),
    }
    text = {str(i.location): i.message for i in issues}
    assert "starts on 2026-01-06 (People StartDate)" in text["ts.xlsx!Time!A2"]
    assert "left on 2026-01-07 (People EndDate)" in text["ts.xlsx!Time!A5"]


def test_a_catalog_without_people_does_not_check_persons(tmp_path: Path, catalog: Catalog) -> None:
    assert catalog.people == []
    sheet = read(tmp_path, [time(MON, 8)], marker={"person": "ZZ"})
    assert booked(sheet, RuleContext(catalog=catalog)) == []


def test_who_may_book_is_checked_by_validate_at_the_cells(tmp_path: Path) -> None:
    """Through validate: the workspace's own catalog (with People) and scope (Completed,
    ended on the Monday of the week)."""
    tables = {
        **CATALOG_TABLES,
        "People": [["Person", "Name", "Role"], ["ALM", "Alma", "SA"]],
    }
    make_workbook(tmp_path / "catalog.xlsx", "catalog", tables)
    path = write(tmp_path, [time(MON, 8), time(TUE, 4)])
    info = [
        [k, {"StartDate": "2026-01-01", "EndDate": "2026-01-05", "Status": "Completed"}.get(k, v)]
        for k, v in SCOPE_TABLES["ScopeInfo"]
    ]
    make_workbook(tmp_path / "acme.xlsx", "scope", {**SCOPE_TABLES, "ScopeInfo": info})
    assert found(validate_path(path)) == {(Code.BOOKING_AFTER_CLOSE, "ts.xlsx!Time!A3")}
    other = make_workbook(
        tmp_path / "zz.xlsx",
        "timesheet",
        {"Time": [TIME_HEADER, time(MON, 8)]},
        marker={"person": "ZZ", "week": "2026-01-05"},
    )
    assert found(validate_path(other)) == {(Code.UNKNOWN_PERSON, "zz.xlsx!Time!A2")}
