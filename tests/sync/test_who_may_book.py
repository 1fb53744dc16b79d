"""Who may book, through sync: a closed engagement, a person not on the staff, a scope
in another currency. A rejected row is kept as a reject at its cell and counts nowhere,
so a closed engagement's Delivery and the catalog's Actuals do not move.

A small firm written by psos' own writers: DONE-01 (Completed) and RUN-01 (Active), both
from 2026-01-05 to Wednesday 2026-02-04; People lists ALM only. Tables start at row 4.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from psos_xl import models as m
from psos_xl import store as st
from psos_xl.store import open_store
from psos_xl.sync import sync_workspace
from psos_xl.sync.engine import SyncResult
from psos_xl.workbook.readers import read_catalog, read_scope
from psos_xl.workbook.writers import Lists, write_catalog, write_scope, write_timesheet

D = Decimal
WEEK = date(2026, 2, 2)  # Monday; the engagements end on its Wednesday
LATE = date(2026, 2, 9)  # the week after
END = date(2026, 2, 4)


def catalog(currency: str = "EUR", people: tuple[str, ...] = ("ALM",)) -> m.Catalog:
    return m.Catalog(
        roles=[
            m.RoleRate(
                role="SA", cost_rate=D(100), bill_rate=D(200), effective_from=date(2025, 1, 1)
            )
        ],
        services=[m.ServiceLine(sku="DISC", role="SA", hours=D(16))],
        complexity=[m.ComplexityLevel(level="Medium", multiplier=D(1))],
        settings=m.CatalogSettings(
            currency=currency, calibration_prior=D(3), calibration_min_deliveries=1
        ),
        people=[m.Person(person=p, name=p, role="SA") for p in people],
    )


def scope(eng: str, status: m.Status, end: date = END, currency: str = "EUR") -> m.Scope:
    return m.Scope(
        info=m.ScopeInfo(
            engagement=eng,
            client="Client",
            title="Work",
            start_date=date(2026, 1, 5),
            end_date=end,
            billing_model=m.BillingModel.TIME_AND_MATERIALS,
            status=status,
            currency=currency,
        ),
        deliverables=[m.Deliverable(deliverable="D1", sku="DISC", complexity="Medium")],
        assumptions=[m.Assumption(id="A1", assumption="Data on time")],
    )


SCOPES = {"done": ("DONE-01", m.Status.COMPLETED), "run": ("RUN-01", m.Status.ACTIVE)}


def write_scopes(root: Path, cat: m.Catalog, **changed: m.Scope) -> list[m.Scope]:
    written = []
    for name, (eng, status) in SCOPES.items():
        s = changed.get(name) or scope(eng, status)
        write_scope(root / "scopes" / f"{name}.xlsx", s, cat)
        written.append(s)
    return written


def book(
    root: Path,
    name: str,
    rows: list[tuple[date, str, str]],
    person: str = "ALM",
    week: date = WEEK,
    expenses: Sequence[tuple[date, str]] = (),
) -> Path:
    """A timesheet of ``rows`` (date, engagement, hours) on D1 as SA, and expenses."""
    entries = [
        m.TimeEntry(date=d, engagement=e, deliverable="D1", role="SA", hours=D(h))
        for d, e, h in rows
    ]
    spent = [m.Expense(date=d, engagement=e, category="Travel", amount=D(40)) for d, e in expenses]
    sheet = m.Timesheet(person=person, week=week, entries=entries, expenses=spent)
    cat, _ = read_catalog(root / "catalog.xlsx")
    assert cat is not None
    path = root / "timesheets" / f"{name}.xlsx"
    return write_timesheet(path, sheet, Lists.from_catalog(cat, []))


@pytest.fixture
def firm(tmp_path: Path) -> Path:
    root = tmp_path / "firm"
    (root / "scopes").mkdir(parents=True)
    (root / "timesheets").mkdir()
    cat = catalog()
    write_catalog(root / "catalog.xlsx", cat)
    write_scopes(root, cat)
    book(root, "alm", [(WEEK, "DONE-01", "8"), (WEEK, "RUN-01", "6")])
    return root


def delivery(root: Path, name: str) -> dict[tuple[str, str], tuple[Any, ...]]:
    s, _ = read_scope(root / "scopes" / f"{name}.xlsx")
    assert s is not None
    return {(r.deliverable, r.role): (r.actual_hours, r.burn_pct, r.alert) for r in s.delivery}


def actuals(root: Path) -> list[tuple[Any, ...]]:
    c, _ = read_catalog(root / "catalog.xlsx")
    assert c is not None
    return [(a.sku, a.role, a.deliveries, a.p50_hours, a.calibrated_hours) for a in c.actuals]


def stored(root: Path, table: str = "time_entries") -> list[tuple[Any, ...]]:
    store = open_store(st.default_url(root))
    try:
        rows = st.dump(store, skip=("sync_runs",))[table]
    finally:
        store.close()
    return sorted(rows, key=str)


def found(result: SyncResult) -> dict[tuple[str, str], str]:
    return {(str(i.code), str(i.location)): str(i.severity) for i in result.issues}


def test_a_late_booking_on_a_completed_engagement_moves_nothing(firm: Path) -> None:
    first = sync_workspace(firm)
    assert not [i for i in first.issues if i.is_error]
    before = (delivery(firm, "done"), actuals(firm), stored(firm), stored(firm, "expenses"))
    assert before[0] == {("D1", "SA"): (D(8), D("0.5"), "")}  # 8 of 16 hours
    assert [(a[0], a[1], a[2]) for a in before[1]] == [("DISC", "SA", 1)]

    book(
        firm,
        "alm-late",
        [(LATE + timedelta(days=1), "DONE-01", "4")],
        week=LATE,
        expenses=[(LATE + timedelta(days=1), "DONE-01")],
    )
    late = sync_workspace(firm)
    issues = found(late)
    assert issues[("BOOKING_AFTER_CLOSE", "timesheets/alm-late.xlsx!Time!A4")] == "error"
    assert issues[("BOOKING_AFTER_CLOSE", "timesheets/alm-late.xlsx!Expenses!A4")] == "error"
    assert late.rejected_rows == 2
    after = (delivery(firm, "done"), actuals(firm), stored(firm), stored(firm, "expenses"))
    assert after == before

    # the same 4 hours on the EndDate itself count, and move both: the check above can fail
    book(firm, "alm", [(WEEK, "DONE-01", "8"), (WEEK, "RUN-01", "6"), (END, "DONE-01", "4")])
    sync_workspace(firm)
    assert delivery(firm, "done") == {("D1", "SA"): (D(12), D("0.75"), "")}
    assert actuals(firm) != before[1]


def test_late_rows_count_once_the_engagement_runs_longer(firm: Path) -> None:
    book(firm, "alm-late", [(LATE, "DONE-01", "4"), (LATE, "RUN-01", "2")], week=LATE)
    first = sync_workspace(firm)
    issues = found(first)
    assert issues[("BOOKING_AFTER_CLOSE", "timesheets/alm-late.xlsx!Time!A4")] == "error"
    # an Active engagement past its EndDate: a warning, and the row counts
    assert issues[("BOOKING_AFTER_END", "timesheets/alm-late.xlsx!Time!A5")] == "warning"
    assert delivery(firm, "run") == {("D1", "SA"): (D(8), D("0.5"), "")}

    # DONE-01's EndDate moves past the late week: the untouched timesheet is read again
    write_scopes(
        firm, catalog(), done=scope("DONE-01", m.Status.COMPLETED, end=LATE + timedelta(days=4))
    )
    moved = sync_workspace(firm)
    assert ("BOOKING_AFTER_CLOSE", "timesheets/alm-late.xlsx!Time!A4") not in found(moved)
    assert delivery(firm, "done") == {("D1", "SA"): (D(12), D("0.75"), "")}


def test_a_person_not_in_people_books_nothing_until_listed(firm: Path) -> None:
    book(firm, "zz", [(WEEK, "RUN-01", "8")], person="ZZ")
    first = sync_workspace(firm)
    assert found(first)[("UNKNOWN_PERSON", "timesheets/zz.xlsx!Time!A4")] == "error"
    assert [r for r in stored(firm) if "ZZ" in r] == []
    assert delivery(firm, "run") == {("D1", "SA"): (D(6), D("0.375"), "")}

    # ZZ joins People: the untouched timesheet is read again and its row counts
    write_catalog(firm / "catalog.xlsx", catalog(people=("ALM", "ZZ")))
    listed = sync_workspace(firm)
    assert not [i for i in listed.issues if i.is_error]
    assert len([r for r in stored(firm) if "ZZ" in r]) == 1
    assert delivery(firm, "run") == {("D1", "SA"): (D(14), D("0.875"), "≥80%")}


def test_a_person_who_left_books_nothing_after_leaving(firm: Path) -> None:
    cat = catalog()
    cat.people[0] = cat.people[0].model_copy(update={"end_date": WEEK})
    write_catalog(firm / "catalog.xlsx", cat)
    book(firm, "alm", [(WEEK, "RUN-01", "6"), (WEEK + timedelta(days=1), "RUN-01", "2")])
    result = sync_workspace(firm)
    assert found(result)[("UNKNOWN_PERSON", "timesheets/alm.xlsx!Time!A5")] == "error"
    assert delivery(firm, "run") == {("D1", "SA"): (D(6), D("0.375"), "")}


def test_a_scope_in_another_currency_is_rejected_at_its_currency_cell(firm: Path) -> None:
    write_scopes(firm, catalog(), run=scope("RUN-01", m.Status.ACTIVE, currency="USD"))
    s, _ = read_scope(firm / "scopes" / "run.xlsx")
    assert s is not None
    cell = f"scopes/run.xlsx!ScopeInfo!{s.info.at('Currency').cell}"
    result = sync_workspace(firm)
    assert found(result)[("CURRENCY_MISMATCH", cell)] == "error"
    assert result.exit_code == 1

    # the catalog now prices in USD: the untouched scope is checked again and is clean,
    # while DONE-01 (in EUR) is not
    write_catalog(firm / "catalog.xlsx", catalog(currency="USD"))
    again = sync_workspace(firm)
    assert ("CURRENCY_MISMATCH", cell) not in found(again)
    assert ("CURRENCY_MISMATCH", cell.replace("run", "done")) in found(again)


def test_a_store_from_before_these_checks_drops_its_late_rows(
    firm: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A store written by a psos_xl that let anyone book anything: its schema migration
    has the next sync read the timesheets again, so the rows it took wrongly stop
    counting without anyone touching a workbook."""
    from sqlalchemy import delete

    from psos_xl.rules import timesheet as rules

    older = tuple(
        r for r in rules.RULES if r not in (rules.booked_before_close, rules.person_may_book)
    )
    monkeypatch.setattr(rules, "RULES", older)
    book(firm, "zz", [(WEEK, "RUN-01", "8")], person="ZZ")
    book(firm, "alm-late", [(LATE, "DONE-01", "4")], week=LATE)
    sync_workspace(firm)
    assert delivery(firm, "done") == {("D1", "SA"): (D(12), D("0.75"), "")}
    assert delivery(firm, "run") == {("D1", "SA"): (D(14), D("0.875"), "≥80%")}
    monkeypatch.undo()
    store = open_store(st.default_url(firm))
    with store.begin() as conn:  # the store as that psos_xl left it
        conn.execute(delete(st.schema_migrations).where(st.schema_migrations.c.version > 2))
    store.close()

    result = sync_workspace(firm)
    issues = found(result)
    assert ("BOOKING_AFTER_CLOSE", "timesheets/alm-late.xlsx!Time!A4") in issues
    assert ("UNKNOWN_PERSON", "timesheets/zz.xlsx!Time!A4") in issues
    assert delivery(firm, "done") == {("D1", "SA"): (D(8), D("0.5"), "")}
    assert delivery(firm, "run") == {("D1", "SA"): (D(6), D("0.375"), "")}
