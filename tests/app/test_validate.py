"""validate_path(s): a workspace with a planted problem in every corner comes back with
every problem, each at its workbook!sheet!cell, and nothing else."""

from __future__ import annotations

import zipfile
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from wb import CATALOG_TABLES, SCOPE_TABLES, TIME_HEADER, Tables, make_workbook

from psos_xl import loader
from psos_xl.app.validate import validate_path, validate_paths, workbooks_below
from psos_xl.errors import Code, Issue, Severity, sort_issues
from psos_xl.models import Catalog, Scope
from psos_xl.rules import RuleContext, run_rules
from psos_xl.rules import scope as scope_rules
from psos_xl.workspace import Workspace

MON, TUE, WED, THU = (date(2026, 1, d) for d in (5, 6, 7, 8))
PEOPLE = ["Person", "Name", "Role", "CapacityHoursPerWeek", "UtilizationTarget"]
EXPENSES = ["Date", "Engagement", "Category", "Amount", "Currency", "Billable", "Note"]


def copy(base: Tables) -> Tables:
    return {name: [list(r) for r in rows] for name, rows in base.items()}


def broken_catalog() -> Tables:
    t = copy(CATALOG_TABLES)
    t["Roles"] += [
        ["SA", "Architect", 105, 210, "EUR", "2026-01-01"],  # 6: same date as row 3
        ["QA", "Tester", 50, "n/a", "EUR", "2025-01-01"],  # 7: text rate
        ["JR", "Junior", 80, 60, "USD", "2025-01-01"],  # 8: bills below cost, in USD
        ["SRE", "Reliability", 90, 180, "EUR", "2027-01-01"],  # 9: no rate before 2027
    ]
    t["Services"] += [
        ["BUILD", "Build sprint", "DEV", 10],  # 6: BUILD × DEV again
        ["OPS", "Operations", "SYS", -2],  # 7: no such role, negative hours
        # a row with an error does not count (as sync stores the catalog), so OPS is
        # priced by this row alone
        ["OPS", "Operations", "SRE", 2],  # 8
    ]
    t["Complexity"].append(["Extreme", 0])  # 5
    t["Risks"].append(["ONSITE", "On site", 10])  # 4: 10 = +1000 %
    t["Settings"] = [
        ["Key", "Value"],
        ["Currency", "EUR"],
        ["FixedFeeContingency", 0.1],  # TargetMargin left out
        ["CalibrationPrior", 3],
        ["CalibrationMinDeliveries", 3],
        ["Colour", "blue"],  # 6
    ]
    t["People"] = [
        PEOPLE,
        ["ALM", "Alma", "SA", 40, 0.8],
        ["ALM", "Alma again", "XX", 0, 0.8],  # 3
    ]
    return t


def broken_scope() -> Tables:
    t = copy(SCOPE_TABLES)
    info: dict[str, Any] = dict(t["ScopeInfo"][1:])
    info |= {
        "Client": None,  # B3
        "EndDate": "2026-01-15",  # B6: before StartDate
        "BillingModel": "Hourly",  # B7
        "Discount": 10,  # B8
        "Risks": "REMOTE, FLOOD",  # B11
        "Currency": "USD",  # B12
    }
    t["ScopeInfo"] = [t["ScopeInfo"][0], *([k, v] for k, v in info.items())]
    t["Deliverables"] += [
        ["D2", "DISC", "again", 1, "Low", "", ""],  # 4
        ["D3", "NOPE", "", 1, "Extreme", "", ""],  # 5
        ["D4", "DISC", "", 0, "Huge", "", ""],  # 6
        ["D5", "OPS", "", 1, "Medium", "", ""],  # 7: OPS needs SRE, which has no rate
    ]
    t["Assumptions"] = [t["Assumptions"][0]]
    t["Overrides"] += [
        ["D9", "SA", 2],  # 3
        ["D1", "PM", 7],  # 4
        ["D2", "DEV", -1],  # 5
        ["D2", "XX", 3],  # 6
    ]
    return t


def row(
    day: date, engagement: str, deliverable: str, role: str, hours: Any, bill: str = "Y"
) -> list[Any]:
    return [day, engagement, deliverable, role, hours, bill, ""]


def broken_timesheet() -> Tables:
    return {
        "Time": [
            TIME_HEADER,
            row(MON, "ACME-01", "D1", "SA", 10),
            row(MON, "ACME-01", "D2", "SA", 10),
            row(MON, "INTERNAL", "", "SA", 6),  # 4: Monday now 26 hours
            row(TUE, "ACME-01", "D1", "SA", "7,5"),  # 5
            row(TUE, "LEAVE", "D1", "SA", 8),  # 6
            row(WED, "ACME-01", "", "ARCH", 8),  # 7
            row(date(2026, 1, 13), "ACME-01", "D1", "SA", 25),  # 8
            row(THU, "ACME-01", "D1", "SA", 4, "maybe"),  # 9
        ],
        "Expenses": [EXPENSES, [MON, "ACME-01", "Travel", -20, "EUR", "Y", ""]],
    }


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Workspaces are looked for inside the test's folder only: a stray catalog in an
    ancestor such as /tmp would otherwise make it a workspace."""
    real = Workspace.find
    root = tmp_path.resolve()

    def find(start: Path) -> Workspace | None:
        ws = real(start)
        return ws if ws is not None and ws.root.is_relative_to(root) else None

    monkeypatch.setattr(Workspace, "find", staticmethod(find))


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "firm"
    (ws / "scopes").mkdir(parents=True)
    (ws / "timesheets").mkdir()
    (ws / "psos.toml").write_text('[workspace]\nname = "Firm"\n')
    make_workbook(ws / "catalog.xlsx", "catalog", broken_catalog())
    make_workbook(ws / "scopes" / "acme.xlsx", "scope", broken_scope())
    make_workbook(
        ws / "timesheets" / "alm.xlsx",
        "timesheet",
        broken_timesheet(),
        marker={"person": "ALM", "week": "2026-01-05"},
    )
    make_workbook(
        ws / "timesheets" / "bob.xlsx",
        "timesheet",
        {"Time": [TIME_HEADER, row(WED, "ACME-01", "D1", "DEV", 8)]},
        marker={"person": "BOB", "week": "2026-01-07"},
    )
    make_workbook(ws / "notes.xlsx", None, {"Notes": [["Note"], ["call Acme"]]})
    # Excel's and LibreOffice's lock files are never opened
    (ws / "timesheets" / "~$alm.xlsx").write_bytes(b"owner")
    (ws / "timesheets" / ".~lock.alm.xlsx#").write_bytes(b"lock")
    return ws


CATALOG_PROBLEMS = {
    (Code.DUPLICATE_RATE, "catalog.xlsx!Roles!F6"),
    (Code.NOT_A_NUMBER, "catalog.xlsx!Roles!D7"),
    (Code.BILL_BELOW_COST, "catalog.xlsx!Roles!D8"),
    (Code.CURRENCY_MISMATCH, "catalog.xlsx!Roles!E8"),
    (Code.DUPLICATE_SERVICE_ROLE, "catalog.xlsx!Services!C6"),
    (Code.UNKNOWN_ROLE, "catalog.xlsx!Services!C7"),
    (Code.HOURS_NEGATIVE, "catalog.xlsx!Services!D7"),
    (Code.MULTIPLIER_NOT_POSITIVE, "catalog.xlsx!Complexity!B5"),
    (Code.UPLIFT_OUT_OF_RANGE, "catalog.xlsx!Risks!C4"),
    (Code.SETTING_MISSING, "catalog.xlsx!Settings!A2"),
    (Code.SETTING_UNKNOWN, "catalog.xlsx!Settings!A6"),
    (Code.DUPLICATE_CODE, "catalog.xlsx!People!A3"),
    (Code.UNKNOWN_ROLE, "catalog.xlsx!People!C3"),
    (Code.PERSON_INVALID, "catalog.xlsx!People!D3"),
}
SCOPE_PROBLEMS = {
    (Code.FIELD_MISSING, "scopes/acme.xlsx!ScopeInfo!B3"),
    (Code.DATES_REVERSED, "scopes/acme.xlsx!ScopeInfo!B6"),
    (Code.UNKNOWN_BILLING_MODEL, "scopes/acme.xlsx!ScopeInfo!B7"),
    (Code.DISCOUNT_OUT_OF_RANGE, "scopes/acme.xlsx!ScopeInfo!B8"),
    (Code.UNKNOWN_RISK, "scopes/acme.xlsx!ScopeInfo!B11"),
    (Code.CURRENCY_MISMATCH, "scopes/acme.xlsx!ScopeInfo!B12"),
    (Code.DUPLICATE_DELIVERABLE, "scopes/acme.xlsx!Deliverables!A4"),
    (Code.UNKNOWN_SKU, "scopes/acme.xlsx!Deliverables!B5"),
    # the catalog's Extreme row has an error (multiplier 0), so it does not count
    (Code.UNKNOWN_COMPLEXITY, "scopes/acme.xlsx!Deliverables!E5"),
    (Code.QUANTITY_NOT_POSITIVE, "scopes/acme.xlsx!Deliverables!D6"),
    (Code.UNKNOWN_COMPLEXITY, "scopes/acme.xlsx!Deliverables!E6"),
    (Code.NO_RATE_IN_FORCE, "scopes/acme.xlsx!Deliverables!B7"),
    (Code.NO_ASSUMPTIONS, "scopes/acme.xlsx!Assumptions!A1"),
    (Code.OVERRIDE_UNKNOWN_DELIVERABLE, "scopes/acme.xlsx!Overrides!A3"),
    (Code.DUPLICATE_OVERRIDE, "scopes/acme.xlsx!Overrides!B4"),
    (Code.HOURS_NEGATIVE, "scopes/acme.xlsx!Overrides!C5"),
    (Code.UNKNOWN_ROLE, "scopes/acme.xlsx!Overrides!B6"),
}
TIMESHEET_PROBLEMS = {
    (Code.DAY_OVER_24, "timesheets/alm.xlsx!Time!E4"),
    (Code.NOT_A_NUMBER, "timesheets/alm.xlsx!Time!E5"),
    (Code.DELIVERABLE_NOT_ALLOWED, "timesheets/alm.xlsx!Time!C6"),
    (Code.DELIVERABLE_REQUIRED, "timesheets/alm.xlsx!Time!C7"),
    (Code.UNKNOWN_ROLE, "timesheets/alm.xlsx!Time!D7"),
    (Code.DATE_OUTSIDE_WEEK, "timesheets/alm.xlsx!Time!A8"),
    (Code.HOURS_OUT_OF_RANGE, "timesheets/alm.xlsx!Time!E8"),
    (Code.NOT_A_BOOLEAN, "timesheets/alm.xlsx!Time!F9"),
    (Code.AMOUNT_NEGATIVE, "timesheets/alm.xlsx!Expenses!D2"),
    (Code.WEEK_NOT_MONDAY, "timesheets/bob.xlsx!_psos!B4"),
}
# the timesheets checked against the workspace's engagements: ACME-01 starts 2026-02-01
ENGAGEMENT_PROBLEMS = {
    (Code.DATE_BEFORE_START, "timesheets/alm.xlsx!Time!A2"),
    (Code.DATE_BEFORE_START, "timesheets/alm.xlsx!Time!A3"),
    (Code.DATE_BEFORE_START, "timesheets/alm.xlsx!Time!A7"),
    (Code.DATE_BEFORE_START, "timesheets/alm.xlsx!Time!A8"),
    (Code.DATE_BEFORE_START, "timesheets/bob.xlsx!Time!A2"),
    # BOB is not in the catalog's People (only ALM is): his row may not book
    (Code.UNKNOWN_PERSON, "timesheets/bob.xlsx!Time!A2"),
}


def found(issues: list[Issue]) -> list[tuple[Code, str]]:
    return [(i.code, str(i.location)) for i in issues]


def test_every_planted_problem_is_found_at_its_cell(workspace: Path) -> None:
    issues = validate_paths([workspace])
    expected = {
        *CATALOG_PROBLEMS,
        *SCOPE_PROBLEMS,
        *TIMESHEET_PROBLEMS,
        *ENGAGEMENT_PROBLEMS,
        (Code.NOT_PSOS_WORKBOOK, "notes.xlsx"),
    }
    assert set(found(issues)) == expected
    assert len(issues) == len(expected)  # and each only once
    assert issues == sort_issues(issues)


def test_the_messages_say_what_is_wrong(workspace: Path) -> None:
    by = {(i.code, str(i.location)): i for i in validate_paths([workspace])}
    assert "rows 3 and 6" in by[(Code.DUPLICATE_RATE, "catalog.xlsx!Roles!F6")].message
    assert "got the text 'n/a'" in by[(Code.NOT_A_NUMBER, "catalog.xlsx!Roles!D7")].message
    assert "'TargetMargin' is missing; the default 0.35 is used" in (
        by[(Code.SETTING_MISSING, "catalog.xlsx!Settings!A2")].message
    )
    assert "'FLOOD'" in by[(Code.UNKNOWN_RISK, "scopes/acme.xlsx!ScopeInfo!B11")].message
    no_rate = by[(Code.NO_RATE_IN_FORCE, "scopes/acme.xlsx!Deliverables!B7")].message
    assert "'SRE'" in no_rate and "2026-02-01" in no_rate
    assert "Monday 2026-01-05 adds up to 26 hours" in (
        by[(Code.DAY_OVER_24, "timesheets/alm.xlsx!Time!E4")].message
    )
    assert by[(Code.BILL_BELOW_COST, "catalog.xlsx!Roles!D8")].severity is Severity.WARNING
    assert by[(Code.NO_ASSUMPTIONS, "scopes/acme.xlsx!Assumptions!A1")].severity is (
        Severity.WARNING
    )


def test_a_scope_alone_does_not_repeat_the_catalogs_issues(workspace: Path) -> None:
    issues = validate_path(workspace / "scopes" / "acme.xlsx")
    assert set(found(issues)) == SCOPE_PROBLEMS


def test_the_catalog_is_read_once_and_its_issues_reported_once(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: Counter[str] = Counter()
    real = loader.read

    def counting(path: Path, *args: Any, **kwargs: Any) -> Any:
        reads[path.name] += 1
        return real(path, *args, **kwargs)

    monkeypatch.setattr(loader, "read", counting)
    ws = workspace
    paths = [ws / "scopes" / "acme.xlsx", ws / "timesheets", ws / "catalog.xlsx"]
    issues = validate_paths([*paths, ws / "scopes" / "acme.xlsx"])
    assert reads == {"acme.xlsx": 1, "alm.xlsx": 1, "bob.xlsx": 1, "catalog.xlsx": 1}
    expected = CATALOG_PROBLEMS | SCOPE_PROBLEMS | TIMESHEET_PROBLEMS | ENGAGEMENT_PROBLEMS
    assert set(found(issues)) == expected
    assert len(issues) == len(expected)


def test_a_folder_means_every_workbook_below_it_but_lock_files(workspace: Path) -> None:
    names = [p.relative_to(workspace).as_posix() for p in workbooks_below(workspace)]
    assert names == [
        "catalog.xlsx",
        "notes.xlsx",
        "scopes/acme.xlsx",
        "timesheets/alm.xlsx",
        "timesheets/bob.xlsx",
    ]


def test_outside_a_workspace_the_file_name_names_the_workbook(tmp_path: Path) -> None:
    (tmp_path / "loose").mkdir()
    path = make_workbook(tmp_path / "loose" / "acme.xlsx", "scope", broken_scope())
    issues = validate_path(path)
    assert {str(i.location).split("!")[0] for i in issues} == {"acme.xlsx"}
    [skipped] = [i for i in issues if i.code is Code.CATALOG_NOT_FOUND]
    assert str(skipped.location) == "acme.xlsx"
    assert "not inside a workspace" in skipped.message
    assert not {Code.UNKNOWN_SKU, Code.NO_RATE_IN_FORCE} & {i.code for i in issues}


def test_an_explicit_catalog_is_used_wherever_it_lives(tmp_path: Path) -> None:
    (tmp_path / "loose").mkdir()
    (tmp_path / "prices").mkdir()
    scope = make_workbook(tmp_path / "loose" / "acme.xlsx", "scope", broken_scope())
    catalog = make_workbook(tmp_path / "prices" / "cat.xlsx", "catalog", broken_catalog())
    issues = validate_path(scope, catalog_path=catalog)
    assert set(found(issues)) == {
        (code, where.replace("scopes/", "")) for code, where in SCOPE_PROBLEMS
    }


def test_a_missing_or_wrong_catalog_skips_the_catalog_checks(workspace: Path) -> None:
    scope = workspace / "scopes" / "acme.xlsx"
    for catalog, why in [
        (workspace / "nowhere.xlsx", "no catalog at nowhere.xlsx"),
        (workspace / "timesheets" / "bob.xlsx", "timesheets/bob.xlsx is not a catalog"),
        (workspace / "notes.xlsx", "notes.xlsx cannot be used (NOT_PSOS_WORKBOOK"),
    ]:
        issues = validate_path(scope, catalog_path=catalog)
        [skipped] = [i for i in issues if i.code is Code.CATALOG_NOT_FOUND]
        assert str(skipped.location) == "scopes/acme.xlsx"
        assert why in skipped.message


def test_a_configured_catalog_path_is_followed(tmp_path: Path) -> None:
    (tmp_path / "pricing").mkdir()
    (tmp_path / "psos.toml").write_text('[workspace]\ncatalog = "pricing/rates.xlsx"\n')
    make_workbook(tmp_path / "pricing" / "rates.xlsx", "catalog", CATALOG_TABLES)
    path = make_workbook(tmp_path / "scope.xlsx", "scope", SCOPE_TABLES)
    assert validate_path(path) == []


def test_an_unreadable_file_is_reported_and_the_rest_still_checked(workspace: Path) -> None:
    bad = workspace / "scopes" / "half.xlsx"
    good = (workspace / "scopes" / "acme.xlsx").read_bytes()
    bad.write_bytes(good[: len(good) // 2])
    issues = validate_paths([workspace / "scopes"])
    assert (Code.FILE_UNREADABLE, "scopes/half.xlsx") in found(issues)
    assert set(found(issues)) >= SCOPE_PROBLEMS
    assert validate_path(workspace / "gone.xlsx")[0].code is Code.FILE_NOT_FOUND


def boom(scope: Scope, ctx: RuleContext) -> list[Issue]:
    """Always fails."""
    raise KeyError("SKU")


def test_a_rule_that_raises_becomes_rule_failed(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scope_rules, "RULES", (boom, *scope_rules.RULES))
    issues = validate_path(workspace / "scopes" / "acme.xlsx")
    [failed] = [i for i in issues if i.code is Code.RULE_FAILED]
    assert str(failed.location) == "scopes/acme.xlsx"
    assert "test_validate.boom" in failed.message and "KeyError" in failed.message
    assert "Traceback" not in failed.message
    assert set(found(issues)) - {(Code.RULE_FAILED, "scopes/acme.xlsx")} == SCOPE_PROBLEMS


def test_run_rules_keeps_going_after_a_crash() -> None:
    def fine(model: Catalog, ctx: RuleContext) -> list[Issue]:
        return [Issue.make(Code.NO_ASSUMPTIONS, "c.xlsx!X!A1", "still ran")]

    def broken(model: Catalog, ctx: RuleContext) -> list[Issue]:
        return [1 / 0]  # type: ignore[list-item]

    issues = run_rules([broken, fine, broken], Catalog(workbook="c.xlsx"), RuleContext())
    assert found(issues) == [
        (Code.RULE_FAILED, "c.xlsx"),
        (Code.NO_ASSUMPTIONS, "c.xlsx!X!A1"),
        (Code.RULE_FAILED, "c.xlsx"),
    ]
    assert "ZeroDivisionError" in issues[0].message


def test_a_damaged_sheet_inside_an_intact_file_is_unreadable_not_a_crash(
    workspace: Path,
) -> None:
    source = workspace / "timesheets" / "bob.xlsx"
    damaged = workspace / "timesheets" / "carl.xlsx"
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(damaged, "w") as zout:
        for name in zin.namelist():
            data = zin.read(name)
            zout.writestr(
                name, data[: len(data) // 2] if name.startswith("xl/worksheets/") else data
            )
    issues = validate_path(damaged)
    assert found(issues) == [(Code.FILE_UNREADABLE, "timesheets/carl.xlsx")]
