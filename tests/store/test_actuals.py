"""Actuals over the store: hours, billable split, cost at the rate in force per entry
(:func:`psos_xl.pricing.booked.actual_lines` over :func:`psos_xl.store.queries.bookings`),
and the deliveries calibration learns from (:func:`psos_xl.learning.delivered`)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from sync.test_engine import make_workspace, scope_tables, timesheet
from wb import make_workbook

from psos_xl import store as st
from psos_xl.learning import Delivery, delivered
from psos_xl.models import Status
from psos_xl.pricing.booked import ActualLine, actual_lines
from psos_xl.store import open_store
from psos_xl.store import queries as q
from psos_xl.sync import run_sync

# BETA-01 starts 2026-01-05; SA costs 95 until 2025-12-31 and 100 from 2026-01-01
OLD_WEEK = date(2025, 12, 29)
NEW_WEEK = date(2026, 1, 5)


def synced(tmp_path: Path) -> Path:
    root = make_workspace(tmp_path / "firm")
    make_workbook(
        root / "scopes" / "beta.xlsx",
        "scope",
        scope_tables("BETA-01", "Completed", ["B1", "B2"], "2025-12-01"),
    )
    timesheet(
        root / "timesheets" / "alm-old.xlsx",
        [
            [date(2025, 12, 31), "BETA-01", "B1", "SA", 0.007, "Y", ""],  # 0.665 → 0.67
            [date(2025, 12, 31), "BETA-01", "B1", "SA", 0.007, "Y", ""],  # 0.665 → 0.67
            [date(2025, 12, 30), "BETA-01", "B1", "DEV", 2, "N", ""],
        ],
        week=OLD_WEEK,
    )
    timesheet(
        root / "timesheets" / "alm-new.xlsx",
        [
            [date(2026, 1, 5), "BETA-01", "B1", "SA", 1.5, "Y", ""],  # at 100
            [date(2026, 1, 6), "BETA-01", "B2", "SA", 3, "Y", ""],
            [date(2026, 1, 7), "LEAVE", "", "SA", 8, "N", ""],
            [date(2026, 1, 8), "ACME-01", "D1", "SA", 1, "Y", ""],  # before ACME's start
        ],
        week=NEW_WEEK,
    )
    result = run_sync(root)
    assert [str(i.code) for i in result.issues if i.is_error] == ["DATE_BEFORE_START"]
    return root


def engagement_actuals(store: st.Store) -> list[ActualLine]:
    """Every engagement × deliverable × role with time booked, sorted."""
    with store.connect() as conn:
        return actual_lines(q.load_catalog(conn), q.bookings(conn))


def deliverable_actuals(store: st.Store, engagement: str) -> list[ActualLine]:
    """One engagement's lines, per deliverable × role."""
    with store.connect() as conn:
        return actual_lines(q.load_catalog(conn), q.bookings(conn, engagement))


def completed_deliveries(store: st.Store) -> list[Delivery]:
    with store.connect() as conn:
        catalog = q.load_catalog(conn)
        scopes = q.load_scopes(conn, (Status.COMPLETED.value,))
        hours = q.booked_hours(conn)
    assert catalog is not None
    return delivered(catalog, scopes.values(), hours)


def line(lines: list[ActualLine], eng: str, dlv: str, role: str) -> ActualLine:
    (found,) = [x for x in lines if (x.engagement, x.deliverable, x.role) == (eng, dlv, role)]
    return found


def test_cost_at_the_rate_in_force_on_each_entry_rounded_per_entry(tmp_path: Path) -> None:
    store = open_store(st.default_url(synced(tmp_path)))
    try:
        lines = engagement_actuals(store)
    finally:
        store.close()
    sa = line(lines, "BETA-01", "B1", "SA")
    assert sa.hours == Decimal("1.514")
    # 0.007 h × 95 = 0.665 → 0.67 twice (summing first would give 1.33), 1.5 h × 100
    assert sa.cost == Decimal("0.67") + Decimal("0.67") + Decimal("150.00")
    assert sa.entries == 3
    dev = line(lines, "BETA-01", "B1", "DEV")
    assert (dev.billable_hours, dev.non_billable_hours, dev.cost) == (
        Decimal(0),
        Decimal(2),
        Decimal("120.00"),
    )
    leave = line(lines, "LEAVE", "", "SA")
    assert (leave.hours, leave.non_billable_hours) == (Decimal(8), Decimal(8))
    assert [(x.engagement, x.deliverable, x.role) for x in lines] == sorted(
        (x.engagement, x.deliverable, x.role) for x in lines
    )
    assert all(x.engagement != "ACME-01" for x in lines)  # the rejected row is not counted


def test_deliverable_actuals_of_one_engagement(tmp_path: Path) -> None:
    store = open_store(st.default_url(synced(tmp_path)))
    try:
        lines = deliverable_actuals(store, "BETA-01")
    finally:
        store.close()
    assert [(x.deliverable, x.role, x.hours) for x in lines] == [
        ("B1", "DEV", Decimal(2)),
        ("B1", "SA", Decimal("1.514")),
        ("B2", "SA", Decimal(3)),
    ]
    assert all(x.unpriced_hours == 0 for x in lines)


def test_delivered_gives_calibration_its_inputs(tmp_path: Path) -> None:
    store = open_store(st.default_url(synced(tmp_path)))
    try:
        rows = completed_deliveries(store)
        with store.connect() as conn:
            booked = q.booked_hours(conn, ["BETA-01"])
    finally:
        store.close()
    assert booked == {
        ("BETA-01", "B1", "DEV"): Decimal(2),
        ("BETA-01", "B1", "SA"): Decimal("1.514"),
        ("BETA-01", "B2", "SA"): Decimal(3),
    }
    # DEV's 2 hours on B1 are booked, but DISC lists no DEV: nothing to calibrate
    assert {(r.engagement, r.deliverable, r.role, r.actual_hours) for r in rows} == {
        ("BETA-01", "B1", "SA", Decimal("1.514")),
        ("BETA-01", "B2", "SA", Decimal(3)),
    }
    first = rows[0]
    assert (first.sku, first.quantity, first.complexity) == ("DISC", Decimal(1), "Medium")
    assert first.risks == ("REMOTE",)  # the scope's codes join the deliverable's
    assert (first.multiplier, first.uplift) == (Decimal(1), Decimal("0.05"))


def test_hours_without_a_rate_in_force_are_not_costed_at_zero(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "firm")
    timesheet(
        root / "timesheets" / "old.xlsx",
        [[date(2024, 12, 31), "LEAVE", "", "SA", 8, "N", ""]],
        week=date(2024, 12, 30),
    )
    run_sync(root)
    store = open_store(st.default_url(root))
    try:
        (leave,) = engagement_actuals(store)
    finally:
        store.close()
    assert (leave.unpriced_hours, leave.cost) == (Decimal(8), Decimal(0))
