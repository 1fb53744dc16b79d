"""The one way in: ``psos validate`` and ``psos sync`` read and check a workspace through
the loader, against the same context, so they report the same issues on the same files.

The workspace below holds every mistake a timesheet can make against the workspace's
engagements and catalog, a conflicted copy, a scope whose tables lost their Excel Table
definitions, reader errors, and a quote psos wrote (which both pass over).
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from wb import CATALOG_TABLES, SCOPE_TABLES, TIME_HEADER, Tables, make_workbook

from psos_xl import loader
from psos_xl.app.quote import build_quote
from psos_xl.app.validate import validate_path, validate_paths
from psos_xl.errors import Code, Issue
from psos_xl.models import Kind, Scope, Status, TimeEntry, Timesheet
from psos_xl.rules import Engagement, RuleContext
from psos_xl.rules import timesheet as timesheet_rules
from psos_xl.sync.files import scan
from psos_xl.udfs.core import book_of
from psos_xl.workbook.readers import IGNORED, OK
from psos_xl.workspace import Workspace, workbooks_below

MON, TUE, WED, THU, FRI = (date(2026, 1, d) for d in range(5, 10))
EXPENSES = ["Date", "Engagement", "Category", "Amount", "Currency", "Billable", "Note"]
WEEK = "2026-01-05"
ALM = f"timesheets/ALM/ALM-{WEEK}.xlsx"
COPY = f"timesheets/copies/ALM-{WEEK}.xlsx"  # sorts after ALM's own: the copy
# what only sync does: writing back into the workbooks
WRITE_BACK = {"WORKBOOK_OPEN", "WORKBOOK_CHANGED", "WRITE_BACK_FAILED", "WRITE_BACK_NO_TABLE"}


def scope(engagement: str, status: Status, start: str, deliverables: list[list[Any]]) -> Tables:
    fields = {"Engagement": engagement, "Status": status.value, "StartDate": start}
    info = [[k, fields.get(k, v)] for k, v in SCOPE_TABLES["ScopeInfo"]]
    return {
        **SCOPE_TABLES,
        "ScopeInfo": info,
        "Deliverables": [SCOPE_TABLES["Deliverables"][0], *deliverables],
        "Overrides": [SCOPE_TABLES["Overrides"][0]],
    }


def deliverable(code: str, sku: str = "DISC", quantity: Any = 1) -> list[Any]:
    return [code, sku, "", quantity, "Medium", "", "M1"]


def time(day: date, engagement: str, item: str, role: str = "SA", hours: Any = 2) -> list[Any]:
    return [day, engagement, item, role, hours, "Y", ""]


def timesheet(root: Path, rel: str, person: str, rows: list[list[Any]], **tables: Any) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    content = {"Time": [TIME_HEADER, *rows], **tables}
    make_workbook(path, "timesheet", content, marker={"person": person, "week": WEEK})


ALM_ROWS = [
    time(MON, "ACME-01", "D1", hours=8),  # 2: fine
    time(MON, "NOR-1", "D1"),  # 3: a near miss of NOR-01
    time(TUE, "DRA-01", "D1"),  # 4: a Draft engagement
    time(TUE, "LOS-01", "D1"),  # 5: a Lost one
    time(WED, "ACME-01", "D9"),  # 6: not ACME-01's
    time(WED, "ACME-01", "D3"),  # 7: ACME-01's D3 has an error, so it does not count
    time(TUE, "NOR-01", "D1"),  # 8: NOR-01 starts on Wednesday
    time(THU, "ACME-01", "D1", role="XX"),  # 9: no such role
    time(THU, "ACME-01", "D1", role="QA"),  # 10: QA's only rate has an error
    time(FRI, "ACME-01", "D2", hours="7,5"),  # 11: text in Hours
]


def broken_workspace(root: Path) -> Path:
    (root / "scopes").mkdir(parents=True)
    (root / "psos.toml").write_text('[workspace]\nname = "Broken"\n')
    catalog = {k: [list(r) for r in v] for k, v in CATALOG_TABLES.items()}
    catalog["Roles"].append(["QA", "Tester", -50, 90, "EUR", "2025-01-01"])  # 6
    make_workbook(root / "catalog.xlsx", "catalog", catalog)
    acme = [deliverable("D1"), deliverable("D2", "BUILD"), deliverable("D3", quantity=0)]
    make_workbook(
        root / "scopes" / "ACME-01.xlsx", "scope", scope("ACME-01", Status.ACTIVE, WEEK, acme)
    )
    for code, status, start in (
        ("NOR-01", Status.ACTIVE, "2026-01-07"),
        ("DRA-01", Status.DRAFT, WEEK),
        ("LOS-01", Status.LOST, WEEK),
    ):
        tables = scope(code, status, start, [deliverable("D1")])
        make_workbook(root / "scopes" / f"{code}.xlsx", "scope", tables)
    # a scope whose tables lost their Excel Table definitions: read from the header rows;
    # its Title row is gone, and it lists no deliverables yet
    lost = scope("OLD-01", Status.DRAFT, WEEK, [])
    lost["ScopeInfo"] = [r for r in lost["ScopeInfo"] if r[0] != "Title"]
    make_workbook(root / "scopes" / "OLD-01.xlsx", "scope", lost, as_tables=False)

    expenses = {"Expenses": [EXPENSES, [MON, "LOS-01", "Travel", 20, "EUR", "Y", ""]]}
    timesheet(root, ALM, "ALM", ALM_ROWS, **expenses)
    timesheet(root, COPY, "ALM", ALM_ROWS[:1])
    bob = [time(MON, "ACME-01", "D2"), time(THU, "NOR-01", "D1"), time(FRI, "LEAVE", "", hours=8)]
    timesheet(root, f"timesheets/BOB/BOB-{WEEK}.xlsx", "BOB", bob)
    no_role = [[c for c in row if c != "SA"] for row in [TIME_HEADER, time(MON, "ACME-01", "D1")]]
    no_role[0] = [h for h in TIME_HEADER if h != "Role"]
    path = root / f"timesheets/CAR/CAR-{WEEK}.xlsx"
    path.parent.mkdir(parents=True)
    make_workbook(path, "timesheet", {"Time": no_role}, marker={"person": "CAR", "week": WEEK})
    half = root / f"timesheets/DAN/DAN-{WEEK}.xlsx"
    half.parent.mkdir(parents=True)
    good = (root / "timesheets" / "BOB" / f"BOB-{WEEK}.xlsx").read_bytes()
    half.write_bytes(good[: len(good) // 2])
    # a quote psos wrote: one of its own outputs
    build_quote(root / "scopes" / "NOR-01.xlsx", root / "quotes", today=MON)
    return root


EXPECTED = {
    ("RATE_NEGATIVE", "catalog.xlsx!Roles!C6"),
    ("QUANTITY_NOT_POSITIVE", "scopes/ACME-01.xlsx!Deliverables!D4"),
    ("TABLE_NOT_A_TABLE", "scopes/OLD-01.xlsx!ScopeInfo!A1"),
    ("TABLE_NOT_A_TABLE", "scopes/OLD-01.xlsx!Deliverables!A1"),
    ("TABLE_NOT_A_TABLE", "scopes/OLD-01.xlsx!Assumptions!A1"),
    ("TABLE_NOT_A_TABLE", "scopes/OLD-01.xlsx!Overrides!A1"),
    ("FIELD_MISSING", "scopes/OLD-01.xlsx!ScopeInfo!A1"),  # the Title row is gone
    ("NO_DELIVERABLES", "scopes/OLD-01.xlsx!Deliverables!A1"),
    ("UNKNOWN_ENGAGEMENT", f"{ALM}!Time!B3"),
    ("ENGAGEMENT_NOT_BOOKABLE", f"{ALM}!Time!B4"),
    ("ENGAGEMENT_NOT_BOOKABLE", f"{ALM}!Time!B5"),
    ("ENGAGEMENT_NOT_BOOKABLE", f"{ALM}!Expenses!B2"),
    ("DELIVERABLE_NOT_IN_ENGAGEMENT", f"{ALM}!Time!C6"),
    ("DELIVERABLE_NOT_IN_ENGAGEMENT", f"{ALM}!Time!C7"),
    ("DATE_BEFORE_START", f"{ALM}!Time!A8"),
    ("UNKNOWN_ROLE", f"{ALM}!Time!D9"),
    ("UNKNOWN_ROLE", f"{ALM}!Time!D10"),
    ("NOT_A_NUMBER", f"{ALM}!Time!E11"),
    ("CONFLICTED_COPY", COPY),
    ("COLUMN_MISSING", f"timesheets/CAR/CAR-{WEEK}.xlsx!Time!A1"),
    ("FILE_UNREADABLE", f"timesheets/DAN/DAN-{WEEK}.xlsx"),
}


@pytest.fixture(autouse=True)
def isolated(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Workspaces are looked for inside the tests' folders only: a stray catalog in an
    ancestor such as /tmp would otherwise make one."""
    real = Workspace.find
    top = tmp_path_factory.getbasetemp().resolve()

    def find(start: Path) -> Workspace | None:
        ws = real(start)
        return ws if ws is not None and ws.root.is_relative_to(top) else None

    monkeypatch.setattr(Workspace, "find", staticmethod(find))


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return broken_workspace(tmp_path_factory.mktemp("loader") / "broken")


def psos(*args: str | Path) -> tuple[int, dict[str, Any]]:
    done = subprocess.run(
        [sys.executable, "-m", "psos_xl", *map(str, args), "--json"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=180,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, json.loads(done.stdout)


def codes(issues: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(i["code"], i["location"]) for i in issues if i["code"] not in WRITE_BACK}


def found(issues: list[Issue]) -> set[tuple[str, str]]:
    return {(str(i.code), str(i.location)) for i in issues}


# --- validate and sync agree -----------------------------------------------------------


def test_validate_and_sync_report_the_same_issues_on_the_same_cells(
    broken: Path, tmp_path: Path
) -> None:
    exit_validate, validated = psos("validate", broken)
    # sync a copy, so the module's workspace keeps no store
    root = tmp_path / "synced"
    subprocess.run(["cp", "-r", str(broken), str(root)], check=True)
    exit_sync, synced = psos("sync", root)
    assert codes(validated["issues"]) == EXPECTED
    assert codes(synced["issues"]) == EXPECTED
    assert len(validated["issues"]) == len(EXPECTED)  # each once
    assert exit_validate == exit_sync == 1
    by = {(i["code"], i["location"]): i["message"] for i in validated["issues"]}
    same = {(i["code"], i["location"]): i["message"] for i in synced["issues"]}
    for key in EXPECTED - {("FILE_UNREADABLE", f"timesheets/DAN/DAN-{WEEK}.xlsx")}:
        assert by[key] == same[key], key  # and say it in the same words
    assert "did you mean 'NOR-01'?" in by[("UNKNOWN_ENGAGEMENT", f"{ALM}!Time!B3")]
    assert "is Lost in scopes/LOS-01.xlsx" in by[("ENGAGEMENT_NOT_BOOKABLE", f"{ALM}!Time!B5")]
    assert f"timesheets/ALM/ALM-{WEEK}.xlsx is counted" in by[("CONFLICTED_COPY", COPY)]


def test_a_timesheet_alone_is_checked_against_its_workspace(broken: Path) -> None:
    issues = validate_path(broken / ALM)
    assert found(issues) == {(code, at) for code, at in EXPECTED if at.startswith(ALM)}
    copy = validate_path(broken / COPY)
    assert found(copy) == {("CONFLICTED_COPY", COPY)}


def test_an_explicit_catalog_is_still_used_and_the_engagements_still_checked(
    broken: Path, tmp_path: Path
) -> None:
    other = {k: [list(r) for r in v] for k, v in CATALOG_TABLES.items()}
    other["Roles"].append(["XX", "Extra", 50, 90, "EUR", "2025-01-01"])
    catalog = make_workbook(tmp_path / "other.xlsx", "catalog", other)
    issues = validate_path(broken / ALM, catalog_path=catalog)
    expected = {(code, at) for code, at in EXPECTED if at.startswith(ALM)}
    # XX is a role of that catalog; QA is in neither
    assert found(issues) == expected - {("UNKNOWN_ROLE", f"{ALM}!Time!D9")}
    [near] = [i for i in issues if i.code is Code.UNKNOWN_ENGAGEMENT]
    assert "did you mean 'NOR-01'?" in near.message


def test_a_workbook_without_a_marker_is_the_one_thing_validate_says_more(
    broken: Path, tmp_path: Path
) -> None:
    root = tmp_path / "ws"
    subprocess.run(["cp", "-r", str(broken), str(root)], check=True)
    make_workbook(root / "notes.xlsx", None, {"Notes": [["Note"], ["call Acme"]]})
    _exit, validated = psos("validate", root)
    _exit, synced = psos("sync", root)
    assert codes(validated["issues"]) == EXPECTED | {("NOT_PSOS_WORKBOOK", "notes.xlsx")}
    assert codes(synced["issues"]) == EXPECTED


def test_the_context_validate_builds_is_the_one_sync_stores(broken: Path, tmp_path: Path) -> None:
    from psos_xl import store as st
    from psos_xl.sync import run_sync
    from psos_xl.sync.checks import load_context

    root = tmp_path / "ws"
    subprocess.run(["cp", "-r", str(broken), str(root)], check=True)
    run_sync(root, workers=1)
    store = st.open_store(st.default_url(root))
    try:
        with store.connect() as conn:
            stored = load_context(conn, Kind.TIMESHEET.value)
    finally:
        store.close()
    ignored = store_status(root, "quotes/NOR-01-quote.xlsx")
    assert ignored == "ignored"  # psos' own quote, recorded as passed over
    built = loader.Folder(root).context()
    assert built.engagements == stored.engagements
    assert set(built.engagements or {}) == {"ACME-01", "NOR-01", "DRA-01", "LOS-01", "OLD-01"}
    assert built.engagements is not None
    assert built.engagements["ACME-01"].deliverables == {"D1", "D2"}  # D3 has an error
    assert built.catalog is not None and stored.catalog is not None
    for codes_of in ("role_codes", "sku_codes", "complexity_levels", "risk_uplifts"):
        assert getattr(built.catalog, codes_of)() == getattr(stored.catalog, codes_of)()
    assert "QA" not in built.catalog.role_codes()


# --- psos' own outputs -------------------------------------------------------------------


def test_a_quote_carries_the_quote_marker_and_is_passed_over(broken: Path) -> None:
    [quote] = sorted((broken / "quotes").glob("*.xlsx"))
    loaded = loader.read(quote)
    assert (loaded.kind, loaded.state, loaded.issues) == ("quote", IGNORED, [])
    assert loaded.marker["engagement"] == "NOR-01"
    assert validate_path(quote) == []
    assert validate_paths([broken / "quotes"]) == []


def test_an_output_of_another_kind_is_wrong_where_an_input_is_expected(broken: Path) -> None:
    [quote] = sorted((broken / "quotes").glob("*.xlsx"))
    model, issues = loader.load(quote, kind=Kind.SCOPE)
    assert model is None
    assert [i.code for i in issues] == [Code.WRONG_KIND]
    assert "a quote workbook, expected a scope" in issues[0].message


# --- the loader's own parts --------------------------------------------------------------


def test_one_walk_lists_the_workbooks_for_sync_validate_and_the_workspace(
    broken: Path,
) -> None:
    made = not (broken / ".psos").exists()  # the quote's store may have made it
    (broken / ".psos").mkdir(exist_ok=True)
    make_workbook(broken / ".psos" / "hidden.xlsx", None, {"X": [["A"], [1]]})
    (broken / "timesheets" / "~$lock.xlsx").write_bytes(b"owner")
    try:
        walked = [p.relative_to(broken).as_posix() for p in workbooks_below(broken)]
        assert walked == [p.relative_to(broken).as_posix() for p in Workspace(broken).workbooks()]
        assert sorted(walked) == [f.rel for f in scan(broken)] == loader.Folder(broken).rels()
        assert "quotes/NOR-01-quote.xlsx" in walked and ALM in walked
        assert not [w for w in walked if ".psos" in w or "~$" in w]
    finally:
        (broken / ".psos" / "hidden.xlsx").unlink()
        if made:
            (broken / ".psos").rmdir()
        (broken / "timesheets" / "~$lock.xlsx").unlink()


def test_ranges_load_as_the_file_does(broken: Path) -> None:
    path = broken / "scopes" / "ACME-01.xlsx"
    from_file, file_issues = loader.load(path)
    tables = scope("ACME-01", Status.ACTIVE, WEEK, [deliverable("D1")])
    from_ranges, range_issues = loader.load(book_of("scope", dict(tables)))
    assert isinstance(from_file, Scope) and isinstance(from_ranges, Scope)
    assert from_ranges.info.model_dump() == from_file.info.model_dump()
    assert [d.deliverable for d in from_ranges.deliverables] == ["D1"]
    assert file_issues == range_issues == []


def test_a_readers_warning_does_not_hide_what_the_rules_find(broken: Path) -> None:
    loaded = loader.read(broken / "scopes" / "OLD-01.xlsx", "OLD-01.xlsx")
    assert loaded.state == OK and loaded.model is not None
    assert {i.code for i in loaded.issues} == {Code.TABLE_NOT_A_TABLE}
    issues = loader.check(loaded.model, RuleContext(), loaded.issues)
    assert {Code.FIELD_MISSING, Code.NO_DELIVERABLES} <= {i.code for i in issues}
    # an error at the same cell does hide them: the reader said what is wrong there
    error = Issue.make(Code.NOT_A_DATE, "OLD-01.xlsx!Deliverables!A1", "x")
    again = loader.check(loaded.model, RuleContext(), [*loaded.issues, error])
    assert Code.NO_DELIVERABLES not in {i.code for i in again}


def test_the_engagement_rules_need_the_engagements() -> None:
    entry = TimeEntry(date=MON, engagement="ACME-01", deliverable="D1", role="SA", hours=8)
    sheet = Timesheet(workbook="t.xlsx", person="ALM", week=MON, entries=[entry])
    # outside a workspace the engagements are not known: only the missing catalog is said
    assert [i.code for i in loader.check(sheet, RuleContext())] == [Code.CATALOG_NOT_FOUND]
    known = {"ACME-01": Engagement("ACME-01", "Draft", MON, frozenset({"D1"}), "a.xlsx")}
    issues = loader.check(sheet, RuleContext(engagements=known))
    assert [i.code for i in issues] == [Code.CATALOG_NOT_FOUND, Code.ENGAGEMENT_NOT_BOOKABLE]
    assert timesheet_rules.engagement_exists in timesheet_rules.RULES


def store_status(root: Path, rel: str) -> str:
    from sqlalchemy import select

    from psos_xl import store as st

    store = st.open_store(st.default_url(root))
    try:
        with store.connect() as conn:
            wb = st.workbooks
            status = conn.execute(select(wb.c.status).where(wb.c.path == rel)).scalar_one()
    finally:
        store.close()
    return str(status)
