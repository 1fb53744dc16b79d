"""psos new: a catalog, a scope and a timesheet for a workspace, with its dropdowns."""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from psos_xl import models as m
from psos_xl.app.new import (
    CatalogMissingError,
    NewWorkbookError,
    WorkbookExistsError,
    new_catalog,
    new_scope,
    new_timesheet,
    workspace_lists,
)
from psos_xl.errors import PsosError
from psos_xl.workbook.inspect import dropdown_lists
from psos_xl.workbook.readers import read_catalog, read_scope, read_timesheet
from psos_xl.workbook.templates import template_catalog
from psos_xl.workbook.writers import Lists, write_catalog, write_scope, write_timesheet
from psos_xl.workspace import Workspace

MONDAY = date(2026, 3, 2)


def firm_catalog() -> m.Catalog:
    catalog = template_catalog()
    catalog.roles.append(
        m.RoleRate(
            role="DEV",
            name="Developer",
            cost_rate=Decimal(60),
            bill_rate=Decimal(120),
            currency="EUR",
            effective_from=date(2026, 1, 1),
        )
    )
    catalog.people = [m.Person(person="ALM", name="Alice Martin", role="SA")]
    return catalog


def a_scope(engagement: str, status: m.Status, deliverables: list[str]) -> m.Scope:
    return m.Scope(
        info=m.ScopeInfo(engagement=engagement, client="Client", status=status),
        deliverables=[m.Deliverable(deliverable=d, sku="DISC") for d in deliverables],
    )


@pytest.fixture(scope="module")
def firm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A firm with a catalog, one scope in each status that matters, and a timesheet."""
    root = tmp_path_factory.mktemp("firm")
    catalog = firm_catalog()
    write_catalog(root / "catalog.xlsx", catalog)
    scopes = root / "scopes"
    write_scope(scopes / "sold.xlsx", a_scope("SOLD-1", m.Status.SOLD, ["S1", "S2"]), catalog)
    write_scope(scopes / "active.xlsx", a_scope("ACT-1", m.Status.ACTIVE, ["A1"]), catalog)
    write_scope(scopes / "draft.xlsx", a_scope("DRAFT-1", m.Status.DRAFT, ["X1"]), catalog)
    write_scope(scopes / "done.xlsx", a_scope("DONE-1", m.Status.COMPLETED, ["Z1"]), catalog)
    write_timesheet(
        root / "timesheets" / "old.xlsx",
        m.Timesheet(person="ALM", week=date(2026, 2, 23)),
        Lists.from_catalog(catalog),
    )
    return root


@pytest.fixture
def ws(firm: Path, tmp_path: Path) -> Workspace:
    """A fresh copy of the firm's folder for each test."""
    shutil.copytree(firm, tmp_path / "firm")
    return Workspace.load(tmp_path / "firm")


def test_workspace_lists_offer_sold_and_active_engagements(ws: Workspace) -> None:
    lists = workspace_lists(ws, firm_catalog())
    assert lists.engagements == ["ACT-1", "SOLD-1", "LEAVE", "INTERNAL"]
    assert lists.deliverables == {"ACT-1": ["A1"], "SOLD-1": ["S1", "S2"]}
    assert lists.roles == ["SA", "DEV"]


def test_new_timesheet_dropdowns_come_from_the_workspace(ws: Workspace) -> None:
    path = new_timesheet(ws, "ALM", MONDAY)
    assert path == ws.timesheets_dir / "ALM" / "ALM-2026-03-02.xlsx"
    lists = dropdown_lists(path)
    assert lists["Engagements"] == ["ACT-1", "SOLD-1", "LEAVE", "INTERNAL"]
    assert sorted(lists["Deliverables"]) == ["A1", "S1", "S2"]
    assert list(zip(lists["PairEngagement"], lists["PairDeliverable"], strict=True)) == [
        ("ACT-1", "A1"),
        ("SOLD-1", "S1"),
        ("SOLD-1", "S2"),
        ("LEAVE", ""),
        ("INTERNAL", ""),
    ]
    assert lists["Roles"] == ["SA", "DEV"]
    sheet, issues = read_timesheet(path)
    assert issues == [] and sheet is not None
    assert (sheet.person, sheet.week, sheet.entries) == ("ALM", MONDAY, [])


def test_new_timesheet_names_the_person_from_the_catalog(ws: Workspace) -> None:
    import openpyxl

    path = new_timesheet(ws, "ALM", MONDAY)
    assert "Alice Martin" in openpyxl.load_workbook(path)["Time"]["A1"].value


def test_new_timesheet_week_must_be_a_monday(ws: Workspace) -> None:
    with pytest.raises(NewWorkbookError, match=r"Wednesday; its week starts on 2026-03-02"):
        new_timesheet(ws, "ALM", date(2026, 3, 4))


def test_new_timesheet_refuses_a_person_not_in_people(ws: Workspace) -> None:
    people = r"'ZZ' is not in the catalog's People table \(catalog\.xlsx\)"
    with pytest.raises(NewWorkbookError, match=people):
        new_timesheet(ws, "ZZ", MONDAY)
    with pytest.raises(NewWorkbookError, match=r"did you mean 'ALM'\?"):
        new_timesheet(ws, "alm", MONDAY)
    assert not (ws.timesheets_dir / "ZZ").exists()


def test_new_timesheet_through_the_command_exits_2_for_an_unknown_person(ws: Workspace) -> None:
    import subprocess
    import sys

    args = ["new", "timesheet", "-w", str(ws.root), "--person", "ZZ", "--week", "2026-03-02"]
    run = subprocess.run(
        [sys.executable, "-m", "psos_xl", *args], capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 2
    assert "'ZZ' is not in the catalog's People table" in run.stderr
    assert not (ws.timesheets_dir / "ZZ").exists()


def test_a_catalog_without_people_lets_anyone_have_a_timesheet(ws: Workspace) -> None:
    write_catalog(ws.catalog_path, firm_catalog().model_copy(update={"people": []}))
    assert new_timesheet(ws, "ZZ", MONDAY).is_file()


def test_new_scope_is_a_draft_with_catalog_dropdowns(ws: Workspace) -> None:
    path = new_scope(
        ws,
        "NEW-1",
        client="Newco",
        title="Data platform",
        start=date(2026, 4, 1),
        end=date(2026, 6, 30),
        billing_model=m.BillingModel.FIXED_FEE,
    )
    assert path == ws.scopes_dir / "NEW-1.xlsx"
    scope, issues = read_scope(path)
    assert issues == [] and scope is not None
    info = scope.info
    assert (info.engagement, info.client, info.title) == ("NEW-1", "Newco", "Data platform")
    assert info.status is m.Status.DRAFT and info.billing_model is m.BillingModel.FIXED_FEE
    assert (info.start_date, info.end_date, info.currency) == (
        date(2026, 4, 1),
        date(2026, 6, 30),
        "EUR",
    )
    lists = dropdown_lists(path)
    assert (lists["SKUs"], lists["Roles"]) == (["DISC"], ["SA", "DEV"])
    assert lists["Complexity"] == ["Low", "Medium", "High"]


def test_new_scope_refuses_to_overwrite(ws: Workspace) -> None:
    new_scope(ws, "NEW-1")
    with pytest.raises(WorkbookExistsError, match="already exists"):
        new_scope(ws, "NEW-1")
    new_scope(ws, "NEW-1", title="Second try", overwrite=True)
    scope, _issues = read_scope(ws.scopes_dir / "NEW-1.xlsx")
    assert scope is not None and scope.info.title == "Second try"


def test_new_scope_refuses_an_engagement_that_has_a_scope(ws: Workspace) -> None:
    with pytest.raises(NewWorkbookError, match=r"SOLD-1 already has a scope: scopes/sold\.xlsx"):
        new_scope(ws, "SOLD-1")


@pytest.mark.parametrize("code", ["", "LEAVE", "a/b"])
def test_new_scope_refuses_bad_engagement_codes(ws: Workspace, code: str) -> None:
    with pytest.raises(NewWorkbookError):
        new_scope(ws, code)


def test_new_scope_refuses_reversed_dates(ws: Workspace) -> None:
    with pytest.raises(NewWorkbookError, match="before the start date"):
        new_scope(ws, "NEW-2", start=date(2026, 5, 1), end=date(2026, 4, 1))


def test_new_timesheet_refuses_to_overwrite(ws: Workspace) -> None:
    out = ws.root / "elsewhere" / "mine.xlsx"
    assert new_timesheet(ws, "ALM", MONDAY, out=out) == out
    with pytest.raises(WorkbookExistsError):
        new_timesheet(ws, "ALM", MONDAY, out=out)
    assert new_timesheet(ws, "ALM", MONDAY, out=out, overwrite=True) == out


def test_no_catalog_is_a_clear_error(tmp_path: Path) -> None:
    empty = Workspace.load(tmp_path)
    with pytest.raises(CatalogMissingError, match="psos new catalog") as caught:
        new_timesheet(empty, "ALM", MONDAY)
    assert isinstance(caught.value, PsosError)
    with pytest.raises(CatalogMissingError):
        new_scope(empty, "NEW-1")


def test_new_catalog_is_the_template(tmp_path: Path) -> None:
    path = new_catalog(tmp_path / "catalog.xlsx")
    catalog, issues = read_catalog(path)
    assert issues == [] and catalog is not None
    assert catalog.model_dump(exclude={"workbook"}) == template_catalog().model_dump(
        exclude={"workbook"}
    )
    with pytest.raises(WorkbookExistsError):
        new_catalog(path)
