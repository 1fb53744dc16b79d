"""``psos price`` through the real entry point, on a workspace built from literals.

The figures are computed by hand below from tests/wb.py's catalog and scope:

Rates in force on StartDate 2026-02-01 (cost / bill): SA 100 / 200 (the 2026-01-01
row), DEV 60 / 120, PM 70 / 150.

- D1: DISC × 1, Medium (1.0), risks = scope's REMOTE (+0.05):
  SA 16 × 1 × 1.0 × 1.05 = 16.80 h → cost 1 680.00, list 3 360.00;
  PM overridden to 6 h → cost 420.00, list 900.00.
- D2: BUILD × 2, High (1.5), risks NEWTECH + REMOTE (+0.15 +0.05 = +0.20):
  DEV 80 × 2 × 1.5 × 1.2 = 288.00 h → cost 17 280.00, list 34 560.00;
  SA 8 × 2 × 1.5 × 1.2 = 28.80 h → cost 2 880.00, list 5 760.00.
- Hours 339.60; Cost 22 260.00; List 44 580.00.

Prices (discount 0.05, contingency 0.10):

- TimeAndMaterials: 44 580 × 0.95 = 42 351.00; margin (42 351 − 22 260) / 42 351
  = 0.47439… → "0.4744".
- FixedFee: 44 580 × 1.10 × 0.95 = 46 586.10; margin 24 326.10 / 46 586.10 = 0.52217…
  → "0.5222".
- Milestone: the FixedFee price; M1 holds D1 (list 4 260), M2 holds D2 (list 40 320):
  M1 = 46 586.10 × 4 260 / 44 580 = 4 451.70; M2 = 46 586.10 − 4 451.70 = 42 134.40.
- Retainer: the T&M price 42 351.00 over Feb–Aug 2026 (7 months): 42 351 / 7 = 6 050.142…
  → 6 050.14 × 6 months, and August takes the remainder 42 351 − 36 300.84 = 6 050.16.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import typer
from wb import CATALOG_TABLES, SCOPE_TABLES, make_workbook

from psos_xl.cli.main import app
from psos_xl.workbook.pricing_sheet import build_pricing_sheet
from psos_xl.workbook.readers import read_scope
from psos_xl.workbook.writers import write_scope

LINES = [
    ("D1", "DISC", "SA", "16.80", "1680.00", "3360.00"),
    ("D1", "DISC", "PM", "6.00", "420.00", "900.00"),
    ("D2", "BUILD", "DEV", "288.00", "17280.00", "34560.00"),
    ("D2", "BUILD", "SA", "28.80", "2880.00", "5760.00"),
]


def _wired() -> None:
    names = set(typer.main.get_command(app).commands)  # type: ignore[attr-defined]
    if "price" not in names:
        pytest.skip("'psos price' is not wired into psos_xl/cli.py yet (price_io.price_command)")


def scope_tables(model: str, **fields: Any) -> dict[str, list[list[Any]]]:
    tables = copy.deepcopy(SCOPE_TABLES)
    values = {"BillingModel": model, **fields}
    for row in tables["ScopeInfo"][1:]:
        if row[0] in values:
            row[1] = values[row[0]]
    return tables


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    make_workbook(tmp_path / "catalog.xlsx", "catalog", CATALOG_TABLES)
    scopes = tmp_path / "scopes"
    scopes.mkdir()
    for name, tables in {
        "tm": scope_tables("TimeAndMaterials"),
        "fixed": scope_tables("FixedFee"),
        "milestone": scope_tables("Milestone"),
        "retainer": scope_tables("Retainer", EndDate="2026-08-31"),
    }.items():
        make_workbook(scopes / f"{name}.xlsx", "scope", tables)
    return tmp_path


def psos(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "psos_xl", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def price_json(path: Path, *extra: str) -> dict[str, Any]:
    run = psos("price", path, "--json", *extra)
    assert run.returncode == 0, run.stdout + run.stderr
    data: dict[str, Any] = json.loads(run.stdout)
    return data


def test_json_matches_the_hand_computed_quotes_of_every_billing_model(workspace: Path) -> None:
    _wired()
    scopes = workspace / "scopes"
    quotes = {name: price_json(scopes / f"{name}.xlsx") for name in ("tm", "fixed", "milestone")}
    quotes["retainer"] = price_json(scopes / "retainer.xlsx")
    for q in quotes.values():
        assert (q["hours"], q["cost"], q["list"]) == ("339.60", "22260.00", "44580.00")
        got = [
            (x["deliverable"], x["sku"], x["role"], x["hours"], x["cost"], x["list"])
            for x in q["lines"]
        ]
        assert got == LINES
        assert q["issues"] == []
        assert q["rates_on"] == "2026-02-01" and q["currency"] == "EUR"
    tm, fixed, milestone, retainer = (quotes[k] for k in ("tm", "fixed", "milestone", "retainer"))
    assert (tm["price"], tm["margin"], tm["contingency"]) == ("42351.00", "0.4744", "0")
    assert tm["milestones"] == [] and tm["months"] == []
    assert (fixed["price"], fixed["margin"]) == ("46586.10", "0.5222")
    assert milestone["price"] == "46586.10"
    assert milestone["milestones"] == [
        {"milestone": "M1", "list": "4260.00", "price": "4451.70"},
        {"milestone": "M2", "list": "40320.00", "price": "42134.40"},
    ]
    assert retainer["price"] == "42351.00"
    months = [(m["month"], m["amount"]) for m in retainer["months"]]
    assert months == [(f"2026-{n:02d}", "6050.14") for n in range(2, 8)] + [("2026-08", "6050.16")]


def test_the_json_shape_is_the_engines_with_the_readers_issues(workspace: Path) -> None:
    _wired()
    tables = scope_tables("FixedFee")
    tables["Deliverables"].append(["D3", "NOPE", "", "two", "Medium", "", ""])
    tables["Deliverables"].append(["D4", "NOPE", "", 1, "Medium", "", ""])
    path = make_workbook(workspace / "scopes" / "bad.xlsx", "scope", tables)
    run = psos("price", path, "--json")
    assert run.returncode == 1
    data = json.loads(run.stdout)
    assert set(data) >= {"engagement", "price", "margin", "lines", "milestones", "issues"}
    found = {(i["code"], i["location"]) for i in data["issues"]}
    assert ("NOT_A_NUMBER", "scopes/bad.xlsx!Deliverables!D4") in found
    assert ("UNKNOWN_SKU", "scopes/bad.xlsx!Deliverables!B5") in found
    assert len(found) == len(data["issues"])  # one per (code, location)


def test_the_terminal_view_shows_price_margin_and_schedule(workspace: Path) -> None:
    _wired()
    run = psos("price", workspace / "scopes" / "milestone.xlsx")
    assert run.returncode == 0, run.stderr
    for text in ("46,586.10 EUR", "52.2 %", "Payment schedule", "M2", "42,134.40"):
        assert text in run.stdout


def test_a_scope_in_another_currency_prints_no_price(workspace: Path) -> None:
    _wired()
    path = make_workbook(
        workspace / "scopes" / "usd.xlsx", "scope", scope_tables("FixedFee", Currency="USD")
    )
    run = psos("price", path)
    assert run.returncode == 1
    assert "46,586.10" not in run.stdout + run.stderr  # the EUR figure, under no label
    assert "USD" not in run.stdout
    assert "scopes/usd.xlsx!ScopeInfo!B12: CURRENCY_MISMATCH" in run.stderr
    data = json.loads(psos("price", path, "--json").stdout)
    assert "price" not in data and "46586.10" not in json.dumps(data)
    assert [(i["code"], i["location"], i["severity"]) for i in data["issues"]] == [
        ("CURRENCY_MISMATCH", "scopes/usd.xlsx!ScopeInfo!B12", "error")
    ]
    # nothing stored with --write either
    before = path.read_bytes()
    assert psos("price", path, "--write").returncode == 1
    assert path.read_bytes() == before


def test_a_catalog_that_cannot_be_read_stops_the_command(workspace: Path) -> None:
    _wired()
    run = psos("price", workspace / "scopes" / "tm.xlsx", "--catalog", workspace / "nope.xlsx")
    assert run.returncode == 2
    assert "cannot be read as a catalog" in run.stderr and "FILE_NOT_FOUND" in run.stderr


def test_write_stores_the_snapshot_and_nothing_else(workspace: Path) -> None:
    _wired()
    source, _ = read_scope(workspace / "scopes" / "fixed.xlsx")
    assert source is not None
    path = write_scope(workspace / "scopes" / "written.xlsx", source)
    wb = openpyxl.load_workbook(path)
    build_pricing_sheet(wb, source)
    wb.save(path)
    before = _members(path)
    data = price_json(path, "--write")
    after = _members(path)
    changed = {n for n in before if before[n] != after.get(n)}
    pricing_sheet = _sheet_part(path, "Pricing")
    assert changed <= {pricing_sheet, *(n for n in before if n.startswith("xl/tables/"))}
    wb = openpyxl.load_workbook(path)
    ws = wb["Pricing"]
    info = _table_rows(ws, "PricingInfo")
    fields = {row[0]: row[1] for row in info[1:]}
    assert fields["Price"] == pytest.approx(46586.10)
    assert fields["Margin"] == pytest.approx(0.5222)
    assert fields["Engagement"] == data["engagement"]
    assert len(str(fields["CatalogSha256"])) == 64
    lines = _table_rows(ws, "PricedLines")
    assert lines[0][:3] == ["Deliverable", "SKU", "Role"]
    assert [tuple(r[:3]) for r in lines[1:]] == [x[:3] for x in LINES]


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def _sheet_part(path: Path, title: str) -> str:
    wb = openpyxl.load_workbook(path, read_only=True)
    index = wb.sheetnames.index(title) + 1
    wb.close()
    return f"xl/worksheets/sheet{index}.xml"


def _table_rows(ws: Any, name: str) -> list[list[Any]]:
    ref = ws.tables[name].ref
    return [[c.value for c in row] for row in ws[ref]]
