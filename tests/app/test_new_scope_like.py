"""``psos new scope --like ENG`` and ``--closest`` through the real entry point.

The firm is test_report_cli's: synced, so the catalog's Actuals know DISC × SA from three
deliveries (12, 15, 10 h per unit: P50 12, CalibratedHours (3 × 10 + 3 × 12) / 6 = 11.00,
used on P50 since CalibrationMinDeliveries is 3) and MIGR × DE from one (not used yet).

- like ACM-01 (one DISC at Medium, T&M, no discount; SA at 100 an hour): catalog
  10 h → 1,000.00; history 11 h → 1,100.00 (+10.0 %).
- closest to "MIGR:3, DISC" for Bravo: BRV-01 has both SKUs at the same quantities and
  the same client, so it scores 1; the Draft DRF-01, identical, is never ranked.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from cli.test_report import build_firm, psos, scope_of

from psos_xl import models as m
from psos_xl.app.memory import new_scope_from_memory
from psos_xl.errors import PsosError
from psos_xl.workbook.readers import read_scope


@pytest.fixture(scope="module")
def firm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_firm(tmp_path_factory.mktemp("memory") / "ws")


def _pricing_info(path: Path) -> dict[str, object]:
    wb = openpyxl.load_workbook(path)
    ws = wb["Pricing"]
    table = ws.tables["PricingInfo"]
    rows = list(ws[table.ref])
    return {str(r[0].value): r[1].value for r in rows[1:] if r[0].value}


def _rows(scope: m.Scope) -> tuple[list[object], list[object]]:
    strip = {"src"}
    return (
        [d.model_dump(exclude=strip) for d in scope.deliverables],
        [a.model_dump(exclude=strip) for a in scope.assumptions],
    )


def test_like_copies_the_delivered_scope_and_prices_it_both_ways(firm: Path) -> None:
    done = psos(
        "new", "scope", "-w", str(firm), "--like", "ACM-01", "--engagement", "ACM-02",
        "--start", "2026-03-02",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "like ACM-01" in done.stdout
    assert "catalog says 1,000.00 EUR; history says 1,100.00 EUR (+10.0 %)" in done.stdout
    path = firm / "scopes" / "ACM-02.xlsx"
    new, issues = read_scope(path)
    assert new is not None, issues
    assert _rows(new) == _rows(scope_of("ACM-01"))
    info = new.info
    # never the old client's name or title: placeholders until the partner types them
    assert (info.engagement, info.client, info.title, info.status) == (
        "ACM-02",
        "<client>",
        "<title>",
        m.Status.DRAFT,
    )
    assert info.estimate_basis is m.EstimateBasis.P50
    assert (info.start_date, info.end_date) == (date(2026, 3, 2), date(2026, 3, 27))
    snapshot = _pricing_info(path)
    assert snapshot["Basis"] == "P50"
    assert Decimal(str(snapshot["Price"])) == Decimal("1100")
    assert Decimal(str(snapshot["PriceCatalog"])) == Decimal("1000")
    assert Decimal(str(snapshot["PriceCalibrated"])) == Decimal("1100")
    assert Decimal(str(snapshot["HoursCatalog"])) == Decimal("10")
    assert Decimal(str(snapshot["HoursCalibrated"])) == Decimal("11")
    # the dropdowns come from the workspace's catalog
    lists = openpyxl.load_workbook(path)["_lists"]
    values = {c.value for col in lists.iter_cols() for c in col}
    assert {"DISC", "MIGR", "DATAQ"} <= values


def test_like_refuses_what_is_not_completed(firm: Path) -> None:
    done = psos("new", "scope", "-w", str(firm), "--like", "DRF-01", "--engagement", "X-01")
    assert done.returncode == 2
    assert "only a Completed engagement is copied" in done.stderr
    unknown = psos("new", "scope", "-w", str(firm), "--like", "NOPE", "--engagement", "X-01")
    assert unknown.returncode == 2
    assert "ACM-01, BRV-01, CHR-01" in unknown.stderr
    assert not (firm / "scopes" / "X-01.xlsx").exists()


def test_closest_picks_the_same_work_and_says_why(firm: Path) -> None:
    done = psos(
        "new", "scope", "-w", str(firm), "--closest", "--skus", "MIGR:3,DISC",
        "--client", "Bravo", "--engagement", "BRV-02",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = done.stdout
    ranked = [line.split()[1] for line in out.splitlines() if line[:2] in ("1.", "2.", "3.")]
    assert ranked[0] == "BRV-01" and "DRF-01" not in ranked
    assert len(ranked) == 3
    assert "score 1.0000" in out
    assert "same client (Bravo)" in out
    assert "2 of 2 SKUs in common: MIGR, DISC" in out
    assert "Scope written:" in out and "(like BRV-01)" in out
    assert "catalog says" in out and "history says" in out
    new, _issues = read_scope(firm / "scopes" / "BRV-02.xlsx")
    assert new is not None
    assert [(d.deliverable, d.sku, d.quantity, d.risks) for d in new.deliverables] == [
        ("D1", "DISC", Decimal(1), []),
        ("D2", "MIGR", Decimal(3), ["DATAQ"]),
    ]


def test_closest_without_an_engagement_only_ranks(firm: Path) -> None:
    before = sorted(p.name for p in (firm / "scopes").iterdir())
    done = psos("new", "scope", "-w", str(firm), "--closest", "--client", "Charlie")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1].startswith("1. CHR-01 (Charlie)")
    assert "Pass --engagement CODE to start a scope from CHR-01." in done.stdout
    assert sorted(p.name for p in (firm / "scopes").iterdir()) == before


def test_the_use_case_returns_the_ranking_and_prints_nothing(
    firm: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = sorted(p.name for p in (firm / "scopes").iterdir())
    ranked = new_scope_from_memory(firm / "scopes", "", nearest=True, client="Charlie")
    assert capsys.readouterr() == ("", "")
    assert ranked.scope is None
    assert ranked.matches[0].engagement == "CHR-01"
    assert ranked.to_json()["scope"] is None
    assert sorted(p.name for p in (firm / "scopes").iterdir()) == before
    with pytest.raises(PsosError, match="--like needs --engagement"):
        new_scope_from_memory(firm, "", like="ACM-01")


def test_closest_needs_something_to_compare(firm: Path) -> None:
    done = psos("new", "scope", "-w", str(firm), "--closest")
    assert done.returncode == 2
    assert "--skus and/or --client" in done.stderr


def test_without_dates_the_scope_starts_next_monday_for_the_source_duration(
    firm: Path,
) -> None:
    made = new_scope_from_memory(
        firm, "ACM-05", like="ACM-01", skus="DISC:2", client="Acme", today=date(2026, 12, 6)
    ).scope
    assert made is not None
    info = made.scope.info
    # ACM-01 ran 2025-01-06 to 2025-01-31: 25 days
    assert (info.start_date, info.end_date) == (date(2026, 12, 7), date(2027, 1, 1))
    assert (info.client, info.title) == ("Acme", "<title>")
    assert [(d.sku, d.quantity) for d in made.scope.deliverables] == [("DISC", Decimal(2))]
    assert made.changes == ["DISC 2 (ACM-01 had 1)"]
    # read back from the file written, priced at the rates in force on its StartDate
    assert made.prices.catalog_price == Decimal("2000.00")  # 2 × 10 h × 100
    assert [i.code for i in made.issues] == ["PLACEHOLDER_NOT_REPLACED"]
    assert str(made.issues[0].location) == "scopes/ACM-05.xlsx!ScopeInfo!B6"
