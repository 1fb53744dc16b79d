"""``psos report margin`` and ``psos report burn`` (DESIGN §13), every figure computed by
hand from the small firm of tests/econfirm.py: pure over literals, through the store
(build + the app functions), and through the real ``psos`` entry point."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import econfirm
import openpyxl
import pytest
from cli.run import assert_json_convention, psos, psos_json

from psos_xl.app.margin import workspace_burn, workspace_margin
from psos_xl.economics.burn import EAC_OVER_BUDGET, NO_BASELINE, burn
from psos_xl.economics.ledger import LedgerLine, ledger
from psos_xl.economics.margin import margin
from psos_xl.pricing import price
from psos_xl.pricing.baseline import Baseline
from psos_xl.pricing.booked import Booking

D = Decimal
AS_OF = econfirm.AS_OF
MARGIN_KEYS = [
    "engagement",
    "billing_model",
    "revenue",
    "cost",
    "margin",
    "eac_hours",
    "eac_cost",
    "forecast_margin",
    "baseline_price",
    "price",
]
BURN_KEYS = ["engagement", "deliverable", "hours_pct", "cost_pct", "alert"]


@pytest.fixture(scope="module")
def firm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return econfirm.build(tmp_path_factory.mktemp("econ") / "firm")


# --- margin, by hand ------------------------------------------------------------------------

# (billing model, revenue, cost, margin, EAC hours, EAC cost, forecast margin, baseline
# price, price) as of 2026-11-30. SA costs/bills 50/100 until 11-15, 60/120 from 11-16;
# DE 40/80. Every scope starts in November before the change: priced at SA 50/100.
MARGIN_HAND = {
    # Price = List 40 h × 80 = 3200 × (1 + 10 % contingency) = 3520; baseline cost 1600.
    # Revenue 3520 × min(1, 1120 ÷ 1600 = 0.7) = 2464. Cost 1120 time + 80 hotel
    # (not billable, still a cost) = 1200; margin 1264 ÷ 2464 = 0.51298 → 0.5130.
    # EAC 56 h, 2240 + 80 = 2320; forecast (3520 − 2320) ÷ 3520 = 0.340909 → 0.3409.
    "FF-01": ("FixedFee", "2464.00", "1200.00", "0.5130", "56.00", "2320.00", "0.3409",
              "3520.00", "3520.00"),
    # List SA 10 h × 100 + DE 20 h × 80 = 2600, × 1.1 = 2860; M1 (D1, List 1000) takes
    # 1000 ÷ 2600 × 2860 = 1100, M2 the rest 1760. M1 completed 11-13: revenue 1100.
    # Cost 12 h × 50 + 14 h × 40 = 600 + 560 = 1160: margin −60 ÷ 1100 → −0.0545.
    # EAC 12 + 20 = 32 h, 600 + 800 = 1400; forecast (2860 − 1400) ÷ 2860 → 0.5105.
    "MS-01": ("Milestone", "1100.00", "1160.00", "-0.0545", "32.00", "1400.00", "0.5105",
              "2860.00", "2860.00"),
    # 30 h SA × 100 = 3000 over Nov, Dec, Jan: 1000 a month; November has started.
    # Cost 5 h × 60 = 300: margin 700 ÷ 1000 = 0.7. EAC 30 h: 300 + 25 × 60 = 1800;
    # forecast (3000 − 1800) ÷ 3000 = 0.4.
    "RT-01": ("Retainer", "1000.00", "300.00", "0.7000", "30.00", "1800.00", "0.4000",
              "3000.00", "3000.00"),
    # Billable rows × rate of the day × 0.9: SA 8 × 100 = 720, SA 6 × 120 = 648 (AN's 2 h
    # of 11-23 are not billable), DE 20 × 80 = 1440, 12 × 80 = 864, 10 × 80 = 720: 4392,
    # + 120 billable travel = 4512. Cost 880 + 1680 time + 120 travel = 2680; margin
    # 1832 ÷ 4512 = 0.40603 → 0.4060. Nothing remains (both lines past the estimate):
    # EAC 16 + 42 = 58 h, 2680; forecast price = 4512. Sold: (1000 + 2400) × 0.9 = 3060.
    "TM-01": ("TimeAndMaterials", "4512.00", "2680.00", "0.4060", "58.00", "2680.00",
              "0.4060", "3060.00", "3060.00"),
}  # fmt: skip
# 9076 revenue, 5340 cost: 3736 ÷ 9076 = 0.41163 → 0.4116; at completion 13892 for 8200:
# 5692 ÷ 13892 = 0.40973 → 0.4097
TOTALS_HAND = ("9076.00", "5340.00", "0.4116", "8200.00", "13892.00", "0.4097")


def margin_rows(rows: list[dict[str, object]]) -> dict[object, tuple[object, ...]]:
    return {r["engagement"]: tuple(r[k] for k in MARGIN_KEYS[1:]) for r in rows}


def test_margin_from_the_store_matches_the_hand_computed_firm(firm: Path) -> None:
    result = workspace_margin(firm, AS_OF)
    data = result.to_json()
    assert data["as_of"] == "2026-11-30"
    assert margin_rows(data["rows"]) == MARGIN_HAND  # DR-01 (Draft) is not reported
    t = data["totals"]
    assert (t["revenue"], t["cost"], t["margin"], t["eac_cost"]) == TOTALS_HAND[:4]
    assert (t["forecast_price"], t["forecast_margin"]) == TOTALS_HAND[4:]
    tm = next(r for r in data["rows"] if r["engagement"] == "TM-01")
    assert (tm["workbook"], tm["time_cost"], tm["expenses"]) == (
        "scopes/TM-01.xlsx",
        "2560.00",
        "120.00",
    )


def test_margin_as_of_mid_month_counts_what_was_booked_by_then(firm: Path) -> None:
    rows = {x.engagement: x for x in workspace_margin(firm, date(2026, 11, 15)).report.lines}
    tm = rows["TM-01"]
    # by 11-15: SA 8 h × 100 × 0.9 = 720, DE 20 h × 80 × 0.9 = 1440, + travel 120 = 2280;
    # cost 8 × 50 + 20 × 40 + 120 = 1320; margin 960 ÷ 2280 = 0.42105 → 0.4211
    assert (tm.revenue, tm.cost, tm.margin) == (D("2280.00"), D("1320.00"), D("0.4211"))
    # EAC: SA 10 h (8 + 2 left) 400 + 2 × 50 = 500; DE 30 h, 800 + 10 × 40 = 1200;
    # + 120 travel = 1820. Forecast price 2160 + 2 h × 100 × 0.9 + 10 h × 80 × 0.9 + 120
    # = 2160 + 180 + 720 + 120 = 3180: (3180 − 1820) ÷ 3180 = 0.42767 → 0.4277
    assert (tm.eac_hours, tm.eac_cost) == (D("40.00"), D("1820.00"))
    assert (tm.forecast_price, tm.forecast_margin) == (D("3180.00"), D("0.4277"))
    # the retainer's November has started, nothing is booked yet: all margin
    assert (rows["RT-01"].revenue, rows["RT-01"].cost, rows["RT-01"].margin) == (
        D("1000.00"),
        D("0.00"),
        D("1.0000"),
    )
    # before any month started: no revenue, no margin to speak of
    assert workspace_margin(firm, date(2026, 10, 31)).report.lines[2].margin is None


def test_a_fixed_fee_earns_against_what_was_sold_not_the_price_now() -> None:
    catalog = econfirm.catalog()
    ff = econfirm.scopes()[1]  # FF-01: MIGR × 2 now, PercentComplete 50 %
    sold = ff.model_copy(
        update={"deliverables": [ff.deliverables[0].model_copy(update={"quantity": D(1)})]}
    )
    base = Baseline.of(sold, price(catalog, sold))  # 20 h DE: cost 800, price 1760
    day = date(2026, 11, 30)
    booked = [Booking("BO", date(2026, 11, 2), "FF-01", "D1", "DE", True, D(10))]
    lines = ledger(catalog, [ff], {"FF-01": base}, booked, day)
    report = margin(catalog, {"FF-01": ff}, {"FF-01": base}, lines, booked, [], day)
    [x] = report.lines
    # revenue 1760 × min(1, 400 ÷ 800) = 880; margin (880 − 400) ÷ 880 = 0.54545
    assert (x.revenue, x.cost, x.margin) == (D("880.00"), D("400.00"), D("0.5455"))
    # EAC 10 h ÷ 0.5 = 20 h: 400 + 10 × 40 = 800; forecast on the sold 1760:
    # (1760 − 800) ÷ 1760 = 0.54545; the price now is 40 h × 80 × 1.1 = 3520
    assert (x.eac_hours, x.eac_cost, x.forecast_price) == (D("20.00"), D("800.00"), D(1760))
    assert (x.forecast_margin, x.baseline_price, x.price) == (D("0.5455"), D(1760), D(3520))


# --- burn, by hand --------------------------------------------------------------------------

# engagement, deliverable → (hours_pct, cost_pct, alert) as of 2026-11-30
BURN_HAND = {
    # 28 ÷ 40 h, 1120 ÷ 1600: 70 %, but EAC 2240 > 1600
    ("FF-01", ""): ("0.7000", "0.7000", EAC_OVER_BUDGET),
    ("FF-01", "D1"): ("0.7000", "0.7000", EAC_OVER_BUDGET),
    # 26 ÷ 30 h = 0.8667, 1160 ÷ 1300 = 0.8923: ≥80 %, outranked by EAC 1400 > 1300
    ("MS-01", ""): ("0.8667", "0.8923", EAC_OVER_BUDGET),
    # 12 ÷ 10 h, 600 ÷ 500: past 100 %
    ("MS-01", "D1"): ("1.2000", "1.2000", "≥100%"),
    # 14 ÷ 20 h, 560 ÷ 800; EAC 800 = 800 sold: no alert
    ("MS-01", "D2"): ("0.7000", "0.7000", ""),
    # 5 ÷ 30 h = 0.1667, 300 ÷ 1500 = 0.2; EAC 1800 > 1500 (the SA rate rose)
    ("RT-01", ""): ("0.1667", "0.2000", EAC_OVER_BUDGET),
    ("RT-01", "D1"): ("0.1667", "0.2000", EAC_OVER_BUDGET),
    # 58 ÷ 40 h = 1.45, 2560 ÷ 1700 = 1.50588
    ("TM-01", ""): ("1.4500", "1.5059", "≥100%"),
    ("TM-01", "D1"): ("1.4500", "1.5059", "≥100%"),
}


def test_burn_from_the_store_matches_the_hand_computed_firm(firm: Path) -> None:
    data = workspace_burn(firm, AS_OF).to_json()
    assert data["as_of"] == "2026-11-30"
    got = {
        (r["engagement"], r["deliverable"]): tuple(r[k] for k in BURN_KEYS[2:])
        for r in data["rows"]
    }
    assert got == BURN_HAND
    assert list(got) == list(BURN_HAND)  # each engagement's line, then its deliverables
    ms = next(r for r in data["rows"] if (r["engagement"], r["deliverable"]) == ("MS-01", ""))
    assert (ms["workbook"], ms["actual_hours"], ms["baseline_hours"]) == (
        "scopes/MS-01.xlsx",
        "26.00",
        "30.00",
    )
    assert (ms["cost_to_date"], ms["baseline_cost"], ms["eac_cost"]) == (
        "1160.00",
        "1300.00",
        "1400.00",
    )


def line(
    deliverable: str, base: tuple[str, str] | None, actual: str, cost: str, eac: str
) -> LedgerLine:
    hours, money = (D(base[0]), D(base[1])) if base else (None, None)
    return LedgerLine(
        "E-1", deliverable, "SA", hours, hours, money, D(actual), D(cost), D(actual), D(eac)
    )


def test_burn_takes_the_higher_of_hours_and_cost_and_flags_what_was_not_sold() -> None:
    lines = [
        line("A", ("10", "500"), "8.5", "450", "500"),  # 85 % of hours, 90 % of money
        line("B", None, "2", "100", "100"),  # booked, never sold
        line("C", ("4", "200"), "1", "50", "150"),  # 25 %, within budget
    ]
    report = burn(lines, {"E-1": "scopes/e.xlsx"}, AS_OF)
    got = [(x.deliverable, x.hours_pct, x.cost_pct, x.alert) for x in report.lines]
    assert got == [
        # 11.5 ÷ 14 h = 0.8214, 600 ÷ 700 = 0.8571; EAC 750 > 700 sold
        ("", D("0.8214"), D("0.8571"), EAC_OVER_BUDGET),
        ("A", D("0.8500"), D("0.9000"), "≥90%"),
        ("B", None, None, NO_BASELINE),
        ("C", D("0.2500"), D("0.2500"), ""),
    ]
    assert [x.deliverable for x in report.alerts] == ["", "A", "B"]
    assert {x.workbook for x in report.lines} == {"scopes/e.xlsx"}


# --- through the command line -----------------------------------------------------------------


def test_psos_report_margin_json(firm: Path) -> None:
    data = psos_json("report", "margin", firm, "--as-of", "2026-11-30")
    money = ("revenue", "cost", "margin", "eac_hours", "eac_cost", "forecast_margin")
    assert_json_convention(
        data, decimals=(*money, "baseline_price", "price", "forecast_price"), dates=("as_of",)
    )
    assert [list(r)[:10] for r in data["rows"]] == [MARGIN_KEYS] * 4
    assert margin_rows(data["rows"]) == MARGIN_HAND
    assert data["totals"]["margin"] == TOTALS_HAND[2]


def test_psos_report_burn_json_and_terminal(firm: Path) -> None:
    data = psos_json("report", "burn", firm, "--as-of", "2026-11-30")
    assert_json_convention(data, decimals=("hours_pct", "cost_pct"), dates=("as_of",))
    assert [list(r)[:5] for r in data["rows"]] == [BURN_KEYS] * len(BURN_HAND)
    assert {(r["engagement"], r["deliverable"]): r["alert"] for r in data["rows"]} == {
        k: v[2] for k, v in BURN_HAND.items()
    }
    run = psos("report", "burn", firm, "--as-of", "2026-11-30", env={"COLUMNS": "160"})
    assert run.returncode == 0, run.stderr
    shown = [x.split() for x in run.stdout.splitlines() if "scopes/" in x]
    # the eight lines with an alert, each naming its scope; MS-01 D2 has none
    assert len(shown) == 8 and all(x[-1].startswith("scopes/") for x in shown)
    assert ["MS-01", "D2"] not in [x[:2] for x in shown]
    assert shown[3][:4] == ["MS-01", "D1", "120.0", "%"]
    assert "8 of 9 lines with an alert" in run.stdout


def test_psos_report_margin_and_burn_write_printable_workbooks(firm: Path, tmp_path: Path) -> None:
    out = tmp_path / "margin.xlsx"
    run = psos("report", "margin", firm, "--as-of", "2026-11-30", "--xlsx", out)
    assert run.returncode == 0, run.stderr
    ws = openpyxl.load_workbook(out)["Margin"]
    table = ws.tables["Margin"]
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    assert rows[0][:3] == ("Engagement", "BillingModel", "Revenue")
    assert rows[1][:5] == ("FF-01", "FixedFee", 2464, 1120, 80)  # revenue, time, expenses
    assert rows[2][6] == pytest.approx(-0.0545)
    assert ws["G5"].number_format.endswith("%") and table.ref == "A3:P7"
    assert rows[4][-1] == "scopes/TM-01.xlsx"
    totals = openpyxl.load_workbook(out)["Totals"]
    assert [c.value for c in totals[4]][:3] == ["All", None, 9076]

    burn_out = tmp_path / "burn.xlsx"
    run = psos("report", "burn", firm, "--as-of", "2026-11-30", "--xlsx", burn_out)
    assert run.returncode == 0, run.stderr
    ws = openpyxl.load_workbook(burn_out)["Burn"]
    assert ws.tables["Burn"].ref == "A3:K12"
    alerts = [r[9] for r in ws.iter_rows(min_row=4, values_only=True)]
    assert alerts == [v[2] or None for v in BURN_HAND.values()]
    assert [str(cf.sqref) for cf in ws.conditional_formatting] == ["J4:J12"]

    mine = tmp_path / "notes.xlsx"
    openpyxl.Workbook().save(mine)
    before = mine.read_bytes()
    refused = psos("report", "burn", firm, "--xlsx", mine)
    assert refused.returncode == 2 and "not a psos report" in refused.stdout + refused.stderr
    assert mine.read_bytes() == before
