"""What was sold stays visible (DESIGN §12 "Baseline"): the first sync that sees a Sold or
Active scope stores its baseline; each later change of its terms is a numbered revision."""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from wb import CATALOG_TABLES, SCOPE_TABLES, make_workbook

from psos_xl import store as st
from psos_xl.store import open_store
from psos_xl.store import queries as q
from psos_xl.sync import sync_workspace


def scope_tables(rows: list[list[Any]], status: str = "Active", discount: float = 0.05) -> Any:
    tabs = copy.deepcopy(SCOPE_TABLES)
    for row in tabs["ScopeInfo"]:
        if row[0] == "Status":
            row[1] = status
        elif row[0] == "Discount":
            row[1] = discount
    tabs["Deliverables"][0] = [*tabs["Deliverables"][0], "ChangeOrder"]
    tabs["Deliverables"][1:] = rows
    return tabs


D1 = ["D1", "DISC", "Kick-off", 1, "Medium", "", "M1", ""]
D2 = ["D2", "BUILD", "Two sprints", 2, "High", "NEWTECH, REMOTE", "M2", ""]


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = tmp_path / "firm"
    (root / "scopes").mkdir(parents=True)
    make_workbook(root / "catalog.xlsx", "catalog", CATALOG_TABLES)
    make_workbook(root / "scopes" / "acme.xlsx", "scope", scope_tables([D1, D2]))
    return root


def stored(root: Path) -> tuple[dict[str, Any], list[q.StoredRevision]]:
    store = open_store(st.default_url(root))
    try:
        with store.connect() as conn:
            return q.load_baselines(conn), q.load_revisions(conn)
    finally:
        store.close()


def rescope(root: Path, rows: list[list[Any]], **kw: Any) -> None:
    make_workbook(root / "scopes" / "acme.xlsx", "scope", scope_tables(rows, **kw))
    sync_workspace(root)


def test_the_first_sync_stores_the_baseline_and_a_resync_changes_nothing(ws: Path) -> None:
    sync_workspace(ws)
    baselines, revisions = stored(ws)
    base = baselines["ACME-01"]
    assert revisions == []
    assert set(base.terms) == {"D1", "D2"}
    assert base.terms["D2"].quantity == "2" and base.terms["D1"].overrides == (("PM", "6"),)
    assert base.hours == sum(f.hours for f in base.lines.values())
    assert base.price > base.cost > 0
    sync_workspace(ws)
    assert stored(ws) == (baselines, [])


def test_each_change_of_terms_is_a_numbered_revision_against_the_baseline(ws: Path) -> None:
    sync_workspace(ws)
    base = stored(ws)[0]["ACME-01"]
    d2_hours = sum(f.hours for (d, _), f in base.lines.items() if d == "D2")
    rescope(ws, [D1, [*D2[:3], 4, *D2[4:]]])  # D2 doubled
    _, revisions = stored(ws)
    assert [(r.revision, r.deliverable, r.change) for r in revisions] == [
        (1, "D2", "Quantity 2 → 4")
    ]
    assert revisions[0].hours_delta == d2_hours  # twice the units, twice the hours
    assert revisions[0].price_delta > 0
    # a deliverable added under a change order, D2 still doubled: revision 2, vs baseline
    rescope(ws, [D1, [*D2[:3], 4, *D2[4:]], ["D3", "DISC", "Extra", 1, "Low", "", "M2", "CO-1"]])
    _, revisions = stored(ws)
    second = [(r.deliverable, r.change, r.change_order) for r in revisions if r.revision == 2]
    assert second == [("D2", "Quantity 2 → 4", ""), ("D3", "added", "CO-1")]
    # nothing changed: no new revision
    sync_workspace(ws)
    assert len(stored(ws)[1]) == 3


def test_removed_deliverables_pricing_fields_and_going_back(ws: Path) -> None:
    sync_workspace(ws)
    base = stored(ws)[0]["ACME-01"]
    rescope(ws, [D1])
    d2_price = sum(f.price for (d, _), f in base.lines.items() if d == "D2")
    last = stored(ws)[1][-1]
    assert (last.deliverable, last.change, last.price_delta) == ("D2", "removed", -d2_price)
    rescope(ws, [D1, D2], discount=0.10)
    last = stored(ws)[1][-1]
    assert (last.revision, last.deliverable, last.change) == (2, "", "pricing fields changed")
    assert last.price_delta < 0 and last.hours_delta == 0
    rescope(ws, [D1, D2])
    last = stored(ws)[1][-1]
    assert (last.revision, last.change, last.price_delta) == (3, "back to the baseline", Decimal(0))


def test_a_draft_has_no_baseline_until_it_is_sold(ws: Path) -> None:
    make_workbook(ws / "scopes" / "acme.xlsx", "scope", scope_tables([D1], status="Draft"))
    sync_workspace(ws)
    assert stored(ws) == ({}, [])
    rescope(ws, [D1, D2], status="Sold")
    baselines, revisions = stored(ws)
    assert set(baselines["ACME-01"].terms) == {"D1", "D2"} and revisions == []


def test_a_change_after_the_sale_without_a_change_order_is_a_warning(ws: Path) -> None:
    from psos_xl.errors import Code, Severity

    sync_workspace(ws)
    make_workbook(
        ws / "scopes" / "acme.xlsx",
        "scope",
        scope_tables(
            [
                D1,
                [*D2[:3], 3, *D2[4:7], ""],  # changed, no order
                ["D3", "DISC", "Extra", 1, "Low", "", "M2", "CO-1"],  # added with one
                ["D4", "DISC", "More", 1, "Low", "", "M2", ""],  # added, no order
            ]
        ),
    )
    result = sync_workspace(ws)
    found = [
        (str(i.location), i.severity) for i in result.issues if i.code is Code.CHANGE_WITHOUT_ORDER
    ]
    assert found == [
        ("scopes/acme.xlsx!Deliverables!H3", Severity.WARNING),
        ("scopes/acme.xlsx!Deliverables!H5", Severity.WARNING),
    ]
    # a warning: the scope is stored and the revision recorded all the same
    assert {r.deliverable for r in stored(ws)[1]} == {"D2", "D3", "D4"}


def test_the_scope_lists_its_revisions_in_its_own_table(ws: Path) -> None:
    from python_calamine import CalamineWorkbook

    sync_workspace(ws)
    assert (
        "Revisions" not in CalamineWorkbook.from_path(str(ws / "scopes" / "acme.xlsx")).sheet_names
    )
    rescope(ws, [D1, [*D2[:3], 4, *D2[4:]]])
    book = CalamineWorkbook.from_path(str(ws / "scopes" / "acme.xlsx"), load_tables=True)
    table = book.get_table_by_name("Revisions")
    rows = [list(table.columns), *table.to_python()]
    assert rows[0] == [
        "Revision",
        "DetectedAt",
        "Deliverable",
        "Change",
        "HoursDelta",
        "PriceDelta",
        "ChangeOrder",
    ]
    assert rows[1][0] == 1 and rows[1][2:4] == ["D2", "Quantity 2 → 4"]
    assert rows[1][4] > 0 and rows[1][5] > 0
    table = book.get_table_by_name("Delivery")
    delivery = [list(table.columns), *table.to_python()]
    baseline = delivery[0].index("BaselineHours")
    estimated = delivery[0].index("EstimatedHours")
    d2 = [r for r in delivery[1:] if r[0] == "D2"]
    assert d2 and all(r[estimated] == 2 * r[baseline] for r in d2)  # sold vs now


def test_the_accuracy_report_judges_the_hours_sold_against_those_delivered(ws: Path) -> None:
    from wb import TIME_HEADER

    from psos_xl.app.accuracy import workspace_accuracy
    from psos_xl.learning.accuracy import Sold, sold_accuracy

    sync_workspace(ws)  # Active: baselined
    base = stored(ws)[0]["ACME-01"]
    d1_sa = base.lines[("D1", "SA")].hours
    week = date(2026, 2, 2)
    (ws / "timesheets").mkdir()
    make_workbook(
        ws / "timesheets" / "alm.xlsx",
        "timesheet",
        {"Time": [TIME_HEADER, [week, "ACME-01", "D1", "SA", float(d1_sa) * 1.25, "Y", ""]]},
        marker={"person": "ALM", "week": week.isoformat()},
    )
    rescope(ws, [D1, [*D2[:3], 4, *D2[4:]]], status="Completed")  # re-scoped, then closed
    result = workspace_accuracy(ws)
    assert result.sold is not None
    assert result.sold.engagements == 1 and result.sold.total.n == 1  # only D1 × SA booked
    assert result.sold.total.bias == Decimal("0.2")  # (1.25 − 1) / 1.25
    assert result.to_json()["against_sold"]["by_sku"][0]["sku"] == "DISC"
    empty = sold_accuracy([Sold("X", "DISC", Decimal(8), Decimal(0))])
    assert (empty.engagements, empty.total.n, empty.total.mmre) == (0, 0, None)
