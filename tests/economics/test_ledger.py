"""The engagement ledger (DESIGN §13): pure over literals, then read from the store of
the hand-computed firm (tests/econfirm.py) and written into each scope's Delivery table
with EACHours and the ``EAC over budget`` alert."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import econfirm
import pytest

from psos_xl import models as m
from psos_xl.economics.burn import EAC_OVER_BUDGET, alert
from psos_xl.economics.ledger import LedgerLine, ledger
from psos_xl.pricing import price
from psos_xl.pricing.baseline import Baseline
from psos_xl.pricing.booked import Booking

D = Decimal
AS_OF = econfirm.AS_OF


@pytest.fixture(scope="module")
def firm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return econfirm.build(tmp_path_factory.mktemp("econ") / "firm")


def stored_ledger(root: Path, as_of: date = AS_OF) -> list[LedgerLine]:
    from psos_xl.app.accuracy import open_existing_store
    from psos_xl.app.ledger import read_ledger
    from psos_xl.store import queries as q
    from psos_xl.workspace import Workspace

    store = open_existing_store(Workspace.load(root), None)
    try:
        with store.connect() as conn:
            catalog = q.load_catalog(conn)
            assert catalog is not None
            return read_ledger(conn, catalog, as_of)
    finally:
        store.close()


def figures(lines: list[LedgerLine]) -> dict[tuple[str, str, str], tuple[Decimal, ...]]:
    return {
        (x.engagement, x.deliverable, x.role): (
            x.estimated_hours or D(0),
            x.baseline_hours or D(0),
            x.baseline_cost or D(0),
            x.actual_hours,
            x.cost_to_date,
            x.eac_hours,
            x.eac_cost,
        )
        for x in lines
    }


# (estimated, baseline hours, baseline cost, actual, cost to date, EAC hours, EAC cost);
# SA costs 50 until 2026-11-15, 60 from 11-16 (the rate on the as-of day); DE costs 40.
# Baselines are priced at the StartDate 11-02: SA at 50.
HAND = {
    # FF-01 D1: MIGR × 2 = 40 h DE, sold 40 × 40 = 1600. Booked 10 + 10 + 8 = 28 h × 40
    # = 1120. PercentComplete 50 %: EAC 28 ÷ 0.5 = 56 h; 1120 + (56 − 28) × 40 = 2240.
    ("FF-01", "D1", "DE"): (D(40), D(40), D(1600), D(28), D(1120), D(56), D(2240)),
    # MS-01 D1: DISC 10 h SA, sold 500. 8 + 4 = 12 h before the rate change: 600.
    # CompletedOn 11-13: EAC = actual 12 h, cost 600.
    ("MS-01", "D1", "SA"): (D(10), D(10), D(500), D(12), D(600), D(12), D(600)),
    # MS-01 D2: MIGR 20 h DE, sold 800. 8 + 6 = 14 h × 40 = 560. EAC 14 + (20 − 14) = 20 h;
    # 560 + 6 × 40 = 800.
    ("MS-01", "D2", "DE"): (D(20), D(20), D(800), D(14), D(560), D(20), D(800)),
    # RT-01 D1: DISC × 3 = 30 h SA, sold 30 × 50 = 1500. 5 h on 11-17 × 60 = 300.
    # EAC 30 h; 300 + 25 × 60 = 1800 (the rate went up: over budget).
    ("RT-01", "D1", "SA"): (D(30), D(30), D(1500), D(5), D(300), D(30), D(1800)),
    # TM-01 D1 SA: BUILD 10 h, sold 500. 8 h × 50 + 6 h × 60 + 2 h (non-billable) × 60
    # = 400 + 360 + 120 = 880 for 16 h; EAC = 16 h (past the estimate), 880.
    ("TM-01", "D1", "SA"): (D(10), D(10), D(500), D(16), D(880), D(16), D(880)),
    # TM-01 D1 DE: BUILD 30 h, sold 1200. 20 + 12 + 10 = 42 h × 40 = 1680; EAC 42 h.
    ("TM-01", "D1", "DE"): (D(30), D(30), D(1200), D(42), D(1680), D(42), D(1680)),
}


def test_the_stored_ledger_matches_the_hand_computed_firm(firm: Path) -> None:
    lines = stored_ledger(firm)
    assert figures(lines) == HAND  # Sold, Active, Completed only: no DR-01 (Draft)
    assert [(x.engagement, x.deliverable, x.role) for x in lines] == list(HAND)
    remaining = {(x.engagement, x.deliverable): x.remaining_hours for x in lines}
    assert remaining[("FF-01", "D1")] == D(28) and remaining[("RT-01", "D1")] == D(25)
    assert remaining[("TM-01", "D1")] == D(0)


def test_time_after_the_as_of_day_is_not_counted(firm: Path) -> None:
    # as of Sunday 11-15: nothing from 11-16 on (MS-01 D2's 8 + 6 h of 11-23, AN's TM-01
    # rows of 11-16 and 11-23); SA's rate on 11-15 is still 50.
    lines = figures(stored_ledger(firm, date(2026, 11, 15)))
    # MS-01 D2: nothing booked; EAC = the estimate 20 h × 40 = 800
    assert lines[("MS-01", "D2", "DE")][3:] == (D(0), D(0), D(20), D(800))
    # TM-01 D1 SA: 8 h × 50 = 400; EAC 10 h: 400 + 2 × 50 = 500
    assert lines[("TM-01", "D1", "SA")][3:] == (D(8), D(400), D(10), D(500))


def test_the_delivery_table_shows_eac_hours_and_the_over_budget_alert(firm: Path) -> None:
    from psos_xl.workbook.readers import read_scope

    got = {}
    for code in ("FF-01", "MS-01", "RT-01", "TM-01"):
        scope, _ = read_scope(firm / "scopes" / f"{code}.xlsx")
        assert scope is not None
        for r in scope.delivery:
            got[(code, r.deliverable, r.role)] = (r.burn_pct, r.eac_hours, r.alert)
    assert got == {
        # 28 ÷ 40 = 70 % burnt, but EAC 2240 > 1600 sold
        ("FF-01", "D1", "DE"): (D("0.7"), D(56), EAC_OVER_BUDGET),
        # 12 ÷ 10: past 100 %, which outranks its EAC 600 > 500
        ("MS-01", "D1", "SA"): (D("1.2"), D(12), "≥100%"),
        # 14 ÷ 20; EAC 800 = 800 sold: not over
        ("MS-01", "D2", "DE"): (D("0.7"), D(20), ""),
        # 5 ÷ 30 = 16.67 %; EAC 1800 > 1500 (the SA rate rose after the sale)
        ("RT-01", "D1", "SA"): (D("0.1667"), D(30), EAC_OVER_BUDGET),
        ("TM-01", "D1", "SA"): (D("1.6"), D(16), "≥100%"),
        ("TM-01", "D1", "DE"): (D("1.4"), D(42), "≥100%"),
    }


@pytest.mark.parametrize(
    ("burn", "actual", "over", "text"),
    [
        (D("0.5"), D(5), False, ""),
        (D("0.5"), D(5), True, EAC_OVER_BUDGET),
        (D("0.85"), D(5), True, EAC_OVER_BUDGET),  # over budget outranks ≥80 %
        (D("0.95"), D(5), True, EAC_OVER_BUDGET),  # and ≥90 %
        (D("1"), D(5), True, "≥100%"),  # an overrun that happened stays ≥100 %
        (None, D(5), True, EAC_OVER_BUDGET),
        (None, D(5), False, "no estimate"),
        (None, D(0), False, ""),
    ],
)
def test_alert_precedence(burn: Decimal | None, actual: Decimal, over: bool, text: str) -> None:
    assert alert(burn, actual, over) == text


def test_ledger_lines_are_estimated_then_sold_then_booked_only() -> None:
    catalog = econfirm.catalog()
    scope = econfirm.scopes()[0]  # TM-01: D1 BUILD, SA 10 h + DE 30 h
    sold_scope = scope.model_copy(
        update={"deliverables": [*scope.deliverables, m.Deliverable(deliverable="D0", sku="DISC")]}
    )
    base = Baseline.of(sold_scope, price(catalog, sold_scope))  # D0 sold, since removed
    day = date(2026, 11, 20)
    booked = [
        Booking("AN", day, "TM-01", "D1", "SA", True, D("2.5"), rows=2),  # 5 h × 60 = 300
        Booking("AN", day, "TM-01", "D9", "SA", True, D(1)),  # neither estimated nor sold
        Booking("AN", day, "OTHER", "D1", "SA", True, D(7)),  # not a ledger engagement
    ]
    lines = ledger(catalog, [scope], {"TM-01": base}, booked, day)
    assert [(x.deliverable, x.role) for x in lines] == [
        ("D1", "SA"),
        ("D1", "DE"),
        ("D0", "SA"),
        ("D9", "SA"),
    ]
    sa, de, d0, d9 = lines
    assert (sa.actual_hours, sa.cost_to_date, sa.eac_hours, sa.eac_cost) == (
        D(5),
        D(300),
        D(10),
        D(600),  # 300 + 5 × 60
    )
    assert (de.actual_hours, de.eac_cost) == (D(0), D(1200))  # 30 h × 40
    assert (d0.estimated_hours, d0.baseline_hours, d0.eac_hours) == (None, D(10), D(0))
    assert (d9.baseline_hours, d9.actual_hours, d9.eac_cost) == (None, D(1), D(60))
