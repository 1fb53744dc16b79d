"""The store's read side (psos_xl.store.queries), over a store built by syncing a firm.

The firm is test_sync_outputs' (ACME-01 Active, BETA-01 Completed, GAMMA-01 Sold; two
timesheets with rejected rows, a conflicted copy, a corrupt file) plus one timesheet with
expenses. Every expected figure is counted by hand from the rows in build_firm.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sync.test_write_back import WEEK, build_firm, catalog, entry

from psos_xl import models as m
from psos_xl import store as st
from psos_xl.pricing.booked import Booking, ExpenseItem
from psos_xl.store import open_store
from psos_xl.store import queries as q
from psos_xl.sync import run_sync
from psos_xl.sync.checks import BOOKABLE
from psos_xl.workbook.readers import read_catalog, read_scope
from psos_xl.workbook.writers import Lists, write_timesheet
from store.test_postgres import pg_server, pg_url  # noqa: F401  (fixtures)

D = Decimal
NEXT_WEEK = WEEK + timedelta(days=7)


def with_expenses(root: Path) -> Path:
    """The firm, plus CAROL's week: time and two expenses (one on an unknown engagement,
    rejected)."""
    scopes = []
    for name in ("acme", "beta", "gamma"):
        s, _ = read_scope(root / "scopes" / f"{name}.xlsx")
        assert s is not None
        scopes.append(s)
    sheet = m.Timesheet(
        person="CAROL",
        week=NEXT_WEEK,
        entries=[
            m.TimeEntry(
                date=NEXT_WEEK, engagement="ACME-01", deliverable="D2", role="DEV", hours=D(6)
            ),
            m.TimeEntry(date=NEXT_WEEK, engagement="LEAVE", role="DEV", hours=D(2), billable=False),
        ],
        expenses=[
            m.Expense(
                date=NEXT_WEEK + timedelta(days=1),
                engagement="ACME-01",
                category="Travel",
                amount=D("412.30"),
                currency="EUR",
            ),
            m.Expense(
                date=NEXT_WEEK,
                engagement="INTERNAL",
                category="Books",
                amount=D("39.90"),
                billable=False,
            ),
            m.Expense(date=NEXT_WEEK, engagement="NOPE-01", category="Meals", amount=D(20)),
        ],
    )
    lists = Lists.from_catalog(catalog(), scopes)
    write_timesheet(root / "timesheets" / "carol.xlsx", sheet, lists)
    return root


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = with_expenses(build_firm(tmp_path_factory.mktemp("queries") / "firm"))
    run_sync(root)  # the store only: no write-back, so every file keeps the hash sync read
    return root


@pytest.fixture
def conn(pristine: Path) -> Iterator[Any]:
    store = open_store(st.default_url(pristine))
    try:
        with store.connect() as c:
            yield c
    finally:
        store.close()


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- catalog and scopes ---------------------------------------------------------------------


def test_the_catalog_as_stored_is_the_catalog_written(pristine: Path, conn: Any) -> None:
    stored = q.load_catalog(conn)
    assert stored is not None and stored.workbook == "catalog.xlsx"
    written = catalog()
    read, _ = read_catalog(pristine / "catalog.xlsx", "catalog.xlsx")
    assert read is not None
    assert [r.model_dump() for r in stored.roles] == [r.model_dump() for r in written.roles]
    assert [s.model_dump() for s in stored.services] == [s.model_dump() for s in written.services]
    assert [r.model_dump() for r in stored.risks] == [r.model_dump() for r in written.risks]
    assert stored.settings == written.settings
    assert [x.src for x in stored.services] == [
        m.RowRef("catalog.xlsx", "Services", x.src.row) for x in read.services if x.src is not None
    ]


def test_scopes_come_back_as_the_workbooks_say(pristine: Path, conn: Any) -> None:
    scopes = q.load_scopes(conn, BOOKABLE)
    assert list(scopes) == ["ACME-01", "BETA-01", "GAMMA-01"]  # engagement order
    for name, eng in (("acme", "ACME-01"), ("beta", "BETA-01"), ("gamma", "GAMMA-01")):
        read, _ = read_scope(pristine / "scopes" / f"{name}.xlsx", f"scopes/{name}.xlsx")
        assert read is not None
        got = scopes[eng]
        assert got.workbook == f"scopes/{name}.xlsx"
        assert got.info.model_dump() == read.info.model_dump()
        assert [d.model_dump() for d in got.deliverables] == [
            d.model_dump() for d in read.deliverables
        ]
        assert [d.src for d in got.deliverables] == [
            m.RowRef(f"scopes/{name}.xlsx", "Deliverables", r.src.row)
            for r in read.deliverables
            if r.src is not None
        ]
        assert [o.model_dump() for o in got.overrides] == [o.model_dump() for o in read.overrides]
    acme = scopes["ACME-01"]
    assert [(d.deliverable, d.risks) for d in acme.deliverables] == [
        ("D1", []),
        ("D2", ["NEWTECH"]),
        ("-D3", []),
    ]
    assert [(o.deliverable, o.role, o.hours) for o in acme.overrides] == [("D1", "PM", D(6))]
    assert acme.info.status is m.Status.ACTIVE and acme.info.currency == "EUR"


def test_scopes_by_status(conn: Any) -> None:
    assert list(q.load_scopes(conn, [m.Status.COMPLETED.value])) == ["BETA-01"]
    assert list(q.load_scopes(conn, [m.Status.DRAFT.value])) == []
    assert list(q.load_scopes(conn)) == ["ACME-01", "BETA-01", "GAMMA-01"]


def test_engagements_as_the_timesheet_checks_see_them(conn: Any) -> None:
    # each scope of the firm ends 90 days after its StartDate
    assert q.load_engagements(conn) == {
        "ACME-01": m.Engagement(
            "ACME-01",
            "Active",
            date(2026, 2, 1),
            frozenset({"D1", "D2", "-D3"}),
            "scopes/acme.xlsx",
            date(2026, 5, 2),
        ),
        "BETA-01": m.Engagement(
            "BETA-01",
            "Completed",
            date(2026, 1, 5),
            frozenset({"B1", "B2"}),
            "scopes/beta.xlsx",
            date(2026, 4, 5),
        ),
        "GAMMA-01": m.Engagement(
            "GAMMA-01",
            "Sold",
            date(2026, 1, 5),
            frozenset({"G1"}),
            "scopes/gamma.xlsx",
            date(2026, 4, 5),
        ),
    }


# --- what was booked -----------------------------------------------------------------------


def test_booked_hours_count_valid_rows_once(conn: Any) -> None:
    # alm's NOPE-01 and ACME-01/B1 rows, bob's 30-hour row: rejected; bob_copy: a conflict
    assert q.booked_hours(conn) == {
        ("ACME-01", "-D3", "PM"): D("3.5"),
        ("ACME-01", "D1", "PM"): D(5),
        ("ACME-01", "D1", "SA"): D(15),  # 8 + 7
        ("ACME-01", "D2", "DEV"): D(14),  # alm 8 + carol 6
        ("ACME-01", "D2", "PM"): D(2),
        ("BETA-01", "B1", "PM"): D(4),
        ("BETA-01", "B1", "SA"): D(18),  # 10 + 8
        ("BETA-01", "B2", "DEV"): D(20),  # 10 + 10: equal rows, summed by count
        ("GAMMA-01", "G1", "SA"): D(4),
        ("LEAVE", "", "DEV"): D(2),
    }
    assert list(q.booked_hours(conn, ["BETA-01"])) == [
        ("BETA-01", "B1", "PM"),
        ("BETA-01", "B1", "SA"),
        ("BETA-01", "B2", "DEV"),
    ]
    assert q.booked_hours(conn, []) == {}


def test_booked_hours_equal_the_plain_sum_of_the_rows(conn: Any) -> None:
    """The GROUP BY with a count is a fast path: it must give what adding every row gives."""
    t = st.time_entries
    plain: dict[tuple[str, str, str], Decimal] = {}
    for row in conn.execute(select(t.c.engagement, t.c.deliverable, t.c.role, t.c.hours)):
        key = (row.engagement, row.deliverable, row.role)
        plain[key] = plain.get(key, D(0)) + row.hours
    assert q.booked_hours(conn) == plain
    total = sum((b.total for b in q.bookings(conn)), D(0))
    assert total == sum(plain.values(), D(0)) == D("87.5")


def test_bookings_per_person_and_day(conn: Any) -> None:
    carol = [b for b in q.bookings(conn) if b.person == "CAROL"]
    assert carol == [
        Booking("CAROL", NEXT_WEEK, "ACME-01", "D2", "DEV", True, D(6), 1),
        Booking("CAROL", NEXT_WEEK, "LEAVE", "", "DEV", False, D(2), 1),
    ]
    beta = q.bookings(conn, "BETA-01")
    assert {b.engagement for b in beta} == {"BETA-01"}
    assert [(b.person, b.date, b.deliverable, b.role, b.total) for b in beta] == [
        ("ALM", WEEK + timedelta(days=3), "B1", "SA", D(10)),
        ("ALM", WEEK + timedelta(days=4), "B1", "SA", D(8)),
        ("BOB", WEEK + timedelta(days=2), "B1", "PM", D(4)),
        ("BOB", WEEK + timedelta(days=3), "B2", "DEV", D(10)),
        ("BOB", WEEK + timedelta(days=4), "B2", "DEV", D(10)),
    ]
    keys = [(b.person, b.date, b.engagement, b.deliverable, b.role) for b in q.bookings(conn)]
    assert keys == sorted(keys)


def test_equal_rows_on_one_day_are_one_booking_with_their_count(tmp_path: Path) -> None:
    root = build_firm(tmp_path / "firm")
    lists = Lists.from_catalog(catalog(), [])
    rows = [entry(1, "ACME-01", "D1", "SA", "0.25")] * 3 + [entry(1, "ACME-01", "D1", "SA", "1")]
    sheet = m.Timesheet(person="DAN", week=WEEK, entries=rows)
    write_timesheet(root / "timesheets" / "dan.xlsx", sheet, lists)
    run_sync(root)
    store = open_store(st.default_url(root))
    try:
        with store.connect() as c:
            dan = [b for b in q.bookings(c) if b.person == "DAN"]
    finally:
        store.close()
    day = WEEK + timedelta(days=1)
    assert dan == [
        Booking("DAN", day, "ACME-01", "D1", "SA", True, D("0.25"), 3),
        Booking("DAN", day, "ACME-01", "D1", "SA", True, D(1), 1),
    ]
    assert dan[0].total == D("0.75")


def test_time_frame_adds_up_the_bookings_per_person_day_engagement_and_billable(
    conn: Any,
) -> None:
    """The frame utilization reads: what adding every booking gives, in hundredths."""
    plain: dict[tuple[str, date, str, bool], int] = {}
    for b in q.bookings(conn):
        key = (b.person, b.date, b.engagement, b.billable)
        plain[key] = plain.get(key, 0) + int(b.total * 100)
    frame = q.time_frame(conn, date(2000, 1, 1), date(2100, 1, 1))
    assert list(frame.columns) == ["person", "date", "engagement", "billable", "hours"]
    got = {(r.person, r.date, r.engagement, r.billable): r.hours for r in frame.itertuples()}
    assert got == plain and sum(got.values()) == 8750
    assert (str(frame["billable"].dtype), str(frame["hours"].dtype)) == ("bool", "int64")
    assert {type(d) for d in frame["date"]} == {date}
    carol = frame[frame["person"] == "CAROL"].to_dict("records")
    assert carol == [
        {
            "person": "CAROL",
            "date": NEXT_WEEK,
            "engagement": "ACME-01",
            "billable": True,
            "hours": 600,
        },
        {
            "person": "CAROL",
            "date": NEXT_WEEK,
            "engagement": "LEAVE",
            "billable": False,
            "hours": 200,
        },
    ]
    only = q.time_frame(conn, NEXT_WEEK, NEXT_WEEK)
    assert set(only["person"]) == {"CAROL"}
    none = q.time_frame(conn, date(2000, 1, 1), date(2000, 1, 2))
    assert none.empty and list(none.columns) == list(frame.columns)


def test_expenses_as_stored(conn: Any) -> None:
    assert q.expense_items(conn) == [
        ExpenseItem("CAROL", NEXT_WEEK, "INTERNAL", "Books", D("39.90"), "", False),
        ExpenseItem(
            "CAROL", NEXT_WEEK + timedelta(days=1), "ACME-01", "Travel", D("412.30"), "EUR", True
        ),
    ]  # NOPE-01's meal was rejected
    assert [x.category for x in q.expense_items(conn, "ACME-01")] == ["Travel"]


# --- write-back targets ----------------------------------------------------------------------


def test_writeback_targets_are_the_good_workbooks_with_the_hash_sync_read(
    pristine: Path, conn: Any
) -> None:
    targets = q.writeback_targets(conn)
    assert sorted(targets) == [
        "catalog.xlsx",
        "scopes/acme.xlsx",
        "scopes/beta.xlsx",
        "scopes/gamma.xlsx",
        "timesheets/alm.xlsx",
        "timesheets/bob.xlsx",
        "timesheets/carol.xlsx",
    ]  # not bob_copy (a conflict) nor broken (unreadable)
    for rel, target in targets.items():
        assert target == q.Target(rel, sha(pristine / rel))


# --- the same on PostgreSQL ------------------------------------------------------------------


def everything(conn: Any) -> dict[str, Any]:
    return {
        "catalog": q.load_catalog(conn),
        "scopes": q.load_scopes(conn),
        "engagements": q.load_engagements(conn),
        "hours": q.booked_hours(conn),
        "bookings": q.bookings(conn),
        "expenses": q.expense_items(conn),
        "targets": {k: v.sha256 for k, v in q.writeback_targets(conn).items()},
        "time": q.time_frame(conn, date(2000, 1, 1), date(2100, 1, 1)).to_dict("records"),
    }


def test_postgres_answers_as_sqlite(pristine: Path, pg_url: str, tmp_path: Path) -> None:  # noqa: F811
    root = Path(
        shutil.copytree(pristine, tmp_path / "firm", ignore=shutil.ignore_patterns(".psos"))
    )
    run_sync(root, pg_url)
    on_pg = open_store(pg_url)
    on_sqlite = open_store(st.default_url(pristine))
    try:
        with on_pg.connect() as a, on_sqlite.connect() as b:
            assert everything(a) == everything(b)
    finally:
        on_pg.close()
        on_sqlite.close()
