"""``psos report accuracy`` through the real entry point, on a synced three-engagement firm.

The firm (:func:`build_firm`): one SKU × role to learn, DISC × SA at 10 h in the catalog,
k = CalibrationPrior = 3, CalibrationMinDeliveries 1 here (3 in the firm other tests
share, :func:`build_firm`'s default); three Completed engagements one month apart, each
one DISC at Medium with no risk, delivered in 12, 15 and 10 SA hours. BRV-01 also migrates 3 data
objects (MIGR × DE, 20 h, DATAQ +20 %): 3 × 20 × 1.2 = 72 h estimated, 90 h delivered,
90 / (3 × 1.2) = 25 h per unit.

By hand, RE = (actual − estimate) / actual:

- catalog: ACM 2/12 = 0.16667, BRV 5/15 = 0.33333, CHR 0/10 = 0 → MMRE 0.1667,
  PRED(25) 2/3 = 0.6667, bias 0.1667 (DISC × SA);
- calibrated backtest: ACM no history → 10, RE 0.16667; BRV history [12] →
  (3 × 10 + 1 × 12) / 4 = 10.50, RE 4.5/15 = 0.3; CHR history [12, 15], P50 13.5 →
  (30 + 27) / 5 = 11.40, RE −1.4/10 = −0.14 → MMRE 0.60667/3 = 0.2022, PRED(25) 0.6667,
  bias 0.32667/3 = 0.1089;
- MIGR × DE: one delivery, 25 h per unit against 20: RE 0.2 both ways (no history);
- curve (median |RE| by earlier deliveries): 0 → catalog median of {0.16667, 0.2} =
  0.1833, calibrated the same; 1 → 0.3333 / 0.3; 2 → 0 / 0.14.
- after at least AccuracyMinHistory = 1 earlier delivery: BRV and CHR's DISC × SA, per
  SKU (DISC) and in total: catalog |RE| 0.33333, 0 → median 0.1667, bias 0.1667,
  PRED(25) 1/2; calibrated 0.3, −0.14 → median 0.22, bias 0.08, PRED(25) 1/2.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from cli.run import psos
from psos_xl import models as m
from psos_xl.demo.sample import init_workspace
from psos_xl.sync import sync_workspace
from psos_xl.workbook.writers import Lists, write_catalog, write_scope, write_timesheet

D = Decimal


def catalog(min_deliveries: int = 3, min_history: int = 5) -> m.Catalog:
    return m.Catalog(
        roles=[
            m.RoleRate(
                role="SA", cost_rate=D(50), bill_rate=D(100), effective_from=date(2024, 1, 1)
            ),
            m.RoleRate(
                role="DE", cost_rate=D(40), bill_rate=D(80), effective_from=date(2024, 1, 1)
            ),
        ],
        services=[
            m.ServiceLine(sku="DISC", name="Discovery", role="SA", hours=D(10)),
            m.ServiceLine(sku="MIGR", name="Migration", role="DE", hours=D(20)),
        ],
        complexity=[
            m.ComplexityLevel(level="Low", multiplier=D("0.75")),
            m.ComplexityLevel(level="Medium", multiplier=D(1)),
            m.ComplexityLevel(level="High", multiplier=D("1.5")),
        ],
        risks=[m.Risk(code="DATAQ", description="Data quality", uplift=D("0.20"))],
        settings=m.CatalogSettings(
            currency="EUR",
            calibration_prior=D(3),
            calibration_min_deliveries=min_deliveries,
            accuracy_min_history=min_history,
        ),
    )


# engagement → (client, start Monday, [(deliverable, SKU, qty, risks)], {(deliverable, role): h})
FIRM: dict[
    str, tuple[str, date, list[tuple[str, str, int, list[str]]], dict[tuple[str, str], int]]
] = {
    "ACM-01": ("Acme", date(2025, 1, 6), [("D1", "DISC", 1, [])], {("D1", "SA"): 12}),
    "BRV-01": (
        "Bravo",
        date(2025, 2, 3),
        [("D1", "DISC", 1, []), ("D2", "MIGR", 3, ["DATAQ"])],
        {("D1", "SA"): 15, ("D2", "DE"): 90},
    ),
    "CHR-01": ("Charlie", date(2025, 3, 3), [("D1", "DISC", 1, [])], {("D1", "SA"): 10}),
}


def scope_of(code: str, status: m.Status = m.Status.COMPLETED) -> m.Scope:
    client, start, lines, _hours = FIRM[code]
    return m.Scope(
        info=m.ScopeInfo(
            engagement=code,
            client=client,
            title=f"{client} discovery",
            start_date=start,
            end_date=start + timedelta(days=25),
            billing_model=m.BillingModel.TIME_AND_MATERIALS,
            status=status,
            estimate_basis=m.EstimateBasis.CATALOG,
            currency="EUR",
        ),
        deliverables=[
            m.Deliverable(deliverable=d, sku=sku, quantity=D(q), risks=risks)
            for d, sku, q, risks in lines
        ],
        assumptions=[m.Assumption(id="A1", assumption=f"{client} names one sponsor", owner=client)],
    )


def _days(hours: int) -> list[int]:
    """``hours`` over the week's days, at most 18 a day."""
    out: list[int] = []
    while hours > 0:
        out.append(min(18, hours))
        hours -= out[-1]
    return out


def build_firm(
    root: Path, draft: bool = True, min_deliveries: int = 3, min_history: int = 5
) -> Path:
    """The workspace above, synced (the catalog's Actuals written back)."""
    init_workspace(root, name="Test firm")
    cat = catalog(min_deliveries, min_history)
    write_catalog(root / "catalog.xlsx", cat)
    for code in FIRM:
        write_scope(root / "scopes" / f"{code}.xlsx", scope_of(code), cat)
    if draft:  # a Draft like BRV-01: never a candidate
        draft_scope = scope_of("BRV-01", m.Status.DRAFT)
        info = draft_scope.info.model_copy(update={"engagement": "DRF-01"})
        draft_scope = draft_scope.model_copy(update={"info": info})
        write_scope(root / "scopes" / "DRF-01.xlsx", draft_scope, cat)
    lists = Lists.from_catalog(cat)
    for code, (_client, monday, _lines, hours) in FIRM.items():
        by_role: dict[str, list[m.TimeEntry]] = {}
        for (deliverable, role), total in hours.items():
            for i, h in enumerate(_days(total)):
                by_role.setdefault(role, []).append(
                    m.TimeEntry(
                        date=monday + timedelta(days=i),
                        engagement=code,
                        deliverable=deliverable,
                        role=role,
                        hours=D(h),
                    )
                )
        for role, entries in by_role.items():
            person = f"{role}1"
            sheet = m.Timesheet(person=person, week=monday, entries=entries)
            write_timesheet(root / "timesheets" / person / f"{person}-{monday}.xlsx", sheet, lists)
    result = sync_workspace(root)
    assert not [i for i in result.issues if i.is_error], result.issues
    return root


@pytest.fixture(scope="module")
def firm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """CalibrationMinDeliveries 1: pricing uses history from the first delivery on;
    AccuracyMinHistory 1: the summary covers every delivery with an earlier one."""
    return build_firm(tmp_path_factory.mktemp("firm") / "ws", min_deliveries=1, min_history=1)


def _row(data: dict[str, Any], sku: str, role: str) -> dict[str, Any]:
    rows = data["by_sku_role"] if role != "(all)" else data["by_sku"]
    return next(r for r in rows if r["sku"] == sku and r["role"] == role)


def test_json_holds_the_hand_computed_backtest(firm: Path) -> None:
    done = psos("report", "accuracy", str(firm), "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["deliveries"] == 4 and data["engagements"] == 3
    sa = _row(data, "DISC", "SA")
    assert sa["catalog"] == {"n": 3, "mmre": "0.1667", "pred25": "0.6667", "bias": "0.1667"}
    assert sa["calibrated"] == {"n": 3, "mmre": "0.2022", "pred25": "0.6667", "bias": "0.1089"}
    de = _row(data, "MIGR", "DE")
    assert (
        de["catalog"]
        == de["calibrated"]
        == {
            "n": 1,
            "mmre": "0.2000",
            "pred25": "1.0000",
            "bias": "0.2000",
        }
    )
    assert _row(data, "DISC", "(all)")["catalog"]["n"] == 3
    assert data["total"]["catalog"]["n"] == 4
    after = {
        "catalog": {"n": 2, "median_abs_re": "0.1667", "bias": "0.1667", "pred25": "0.5000"},
        "calibrated": {"n": 2, "median_abs_re": "0.2200", "bias": "0.0800", "pred25": "0.5000"},
    }
    assert data["min_history"] == 1 and data["calibration_min_deliveries"] == 1
    assert data["after_min_history"] == {
        "total": {"sku": "(all)", **after},
        "by_sku": [{"sku": "DISC", **after}],
    }
    assert data["curve"] == [
        {"prior": 0, "catalog": "0.1833", "calibrated": "0.1833"},
        {"prior": 1, "catalog": "0.3333", "calibrated": "0.3000"},
        {"prior": 2, "catalog": "0.0000", "calibrated": "0.1400"},
    ]


def test_table_shows_percentages(firm: Path) -> None:
    done = psos("report", "accuracy", str(firm))
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "4 deliveries of 3 Completed engagements" in out
    sa = next(line for line in out.splitlines() if " SA " in line)
    catalog_part = ["16.7", "%", "66.7", "%", "+16.7", "%"]
    calibrated_part = ["20.2", "%", "66.7", "%", "+10.9", "%"]
    assert sa.split() == ["SA", "3", *catalog_part, *calibrated_part]
    assert "Median |RE| by earlier deliveries" in out
    assert "After at least 1 earlier deliveries of the same SKU × role" in out
    total = next(line for line in out.splitlines() if line.split()[:2] == ["Total", "2"])
    assert total.split() == [
        "Total", "2", "16.7", "%", "+16.7", "%", "50.0", "%", "22.0", "%", "+8.0", "%", "50.0", "%",
    ]  # fmt: skip
    assert "k = CalibrationPrior = 3" in out and "once a SKU × role had 1 deliveries" in out


def test_without_a_store_it_says_run_sync_first(tmp_path: Path) -> None:
    init_workspace(tmp_path / "ws")
    done = psos("report", "accuracy", str(tmp_path / "ws"))
    assert done.returncode == 2
    assert "run psos sync first" in done.stderr
    as_json = psos("report", "accuracy", str(tmp_path / "ws"), "--json")
    assert as_json.returncode == 2
    assert "run psos sync first" in json.loads(as_json.stdout)["error"]


def test_no_completed_work_yet(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    init_workspace(root)
    sync_workspace(root)
    done = psos("report", "accuracy", str(root))
    assert done.returncode == 0, done.stderr
    assert "No delivered work" in done.stdout
    data = json.loads(psos("report", "accuracy", str(root), "--json").stdout)
    assert data["deliveries"] == 0 and data["curve"] == []
