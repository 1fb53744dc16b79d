"""The Excel functions, called as xlwings calls them: 2-D lists with floats, None for
blank cells and datetimes for dates. Their figures are the engine's; their failures are
``#PSOS! CODE: message`` texts, never exceptions."""

from __future__ import annotations

import copy
import os
import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from wb import CATALOG_TABLES, SCOPE_TABLES, make_workbook

from psos_xl.models import EstimateBasis
from psos_xl.pricing import price
from psos_xl.udfs import core
from psos_xl.udfs import functions as f
from psos_xl.workbook import styles
from psos_xl.workbook.readers import read_catalog, read_scope

ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ERROR = re.compile(r"^#PSOS! [A-Z_]+: .+")


def cell(value: Any) -> Any:
    """A literal as xlwings hands it over from a cell."""
    if value == "" or value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str) and ISO.match(value):
        return datetime.fromisoformat(value)
    return value


def rng(rows: list[list[Any]]) -> list[list[Any]]:
    return [[cell(v) for v in row] for row in rows]


def scope_args(tables: dict[str, list[list[Any]]] | None = None) -> tuple[Any, Any, Any]:
    t = tables or SCOPE_TABLES
    return rng(t["ScopeInfo"]), rng(t["Deliverables"]), rng(t["Overrides"])


def catalog_kwargs(tables: dict[str, list[list[Any]]] | None = None) -> dict[str, Any]:
    t = tables or CATALOG_TABLES
    return {
        "roles": rng(t["Roles"]),
        "services": rng(t["Services"]),
        "complexity": rng(t["Complexity"]),
        "risks": rng(t["Risks"]),
        "settings": rng(t["Settings"]),
    }


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    catalog = make_workbook(tmp_path / "catalog.xlsx", "catalog", CATALOG_TABLES)
    scope = make_workbook(tmp_path / "scope.xlsx", "scope", SCOPE_TABLES)
    return catalog, scope


def engine_quote(files: tuple[Path, Path], basis: EstimateBasis | None = None) -> Any:
    catalog, _ = read_catalog(files[0])
    scope, _ = read_scope(files[1])
    assert catalog is not None and scope is not None
    return price(catalog, scope, basis)


def with_rows(table: str, rows: list[list[Any]]) -> dict[str, list[list[Any]]]:
    tables = copy.deepcopy(SCOPE_TABLES)
    tables[table] = rows
    return tables


def test_price_and_margin_equal_the_engines(files: tuple[Path, Path]) -> None:
    quote = engine_quote(files)
    assert quote.ok
    got = f.PSOS_PRICE(*scope_args(), **catalog_kwargs())
    assert isinstance(got, float)
    assert Decimal(repr(got)) == quote.price
    margin = f.PSOS_MARGIN(*scope_args(), **catalog_kwargs())
    assert margin == float(quote.margin.quantize(Decimal("0.0001")))


def test_the_workspace_catalog_is_read_from_the_argument_or_the_environment(
    files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = float(engine_quote(files).price)
    assert f.PSOS_PRICE(*scope_args(), workspace=str(files[0].parent)) == expected
    assert f.PSOS_PRICE(*scope_args(), workspace=str(files[0])) == expected
    monkeypatch.setenv(core.WORKSPACE_ENV, str(files[0].parent))
    assert f.PSOS_PRICE(*scope_args()) == expected
    monkeypatch.delenv(core.WORKSPACE_ENV)
    missing = f.PSOS_PRICE(*scope_args())
    assert missing.startswith("#PSOS! CATALOG_NOT_FOUND: no catalog")


def test_the_workspace_catalog_is_cached_by_its_mtime(
    files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[Path] = []
    real = core.load

    def counting(source: Any, *args: Any) -> Any:
        if isinstance(source, Path):  # a file, not the scope's ranges
            calls.append(source)
        return real(source, *args)

    monkeypatch.setattr(core, "load", counting)
    for _ in range(3):
        f.PSOS_PRICE(*scope_args(), workspace=str(files[0]))
    assert len(calls) == 1  # read once, then served from the cache
    before = f.PSOS_PRICE(*scope_args(), workspace=str(files[0]))
    tables = copy.deepcopy(CATALOG_TABLES)
    tables["Roles"][3][3] = 130  # DEV bills 130 instead of 120
    stamp = files[0].stat().st_mtime_ns
    make_workbook(files[0], "catalog", tables)
    os.utime(files[0], ns=(stamp + 10**9, stamp + 10**9))
    changed = f.PSOS_PRICE(*scope_args(), workspace=str(files[0]))
    assert len(calls) == 2 and changed != before
    assert changed == float(engine_quote(files).price)


def test_a_p50_basis_argument_prices_like_the_engine(files: tuple[Path, Path]) -> None:
    quote = engine_quote(files, EstimateBasis.P50)
    assert f.PSOS_PRICE(*scope_args(), basis="P50", **catalog_kwargs()) == float(quote.price)
    bad = f.PSOS_PRICE(*scope_args(), basis="P99", **catalog_kwargs())
    assert bad.startswith("#PSOS! UNKNOWN_ESTIMATE_BASIS: ")


def test_quote_rows_are_the_engines_lines_under_the_priced_lines_headers(
    files: tuple[Path, Path],
) -> None:
    quote = engine_quote(files)
    rows = f.PSOS_QUOTE(*scope_args(), **catalog_kwargs())
    assert rows[0] == [
        "Deliverable",
        "SKU",
        "Role",
        "Basis",
        "Hours",
        "RateFrom",
        "CostRate",
        "BillRate",
        "Cost",
        "List",
    ]
    assert len(rows) == 1 + len(quote.lines)
    for row, line in zip(rows[1:], quote.lines, strict=True):
        assert row[:4] == [line.deliverable, line.sku, line.role, str(line.basis)]
        assert row[4] == float(line.hours) and row[9] == float(line.list)
        assert row[5] == datetime.combine(line.rate_from, datetime.min.time())
    assert all(len(r) == len(rows[0]) for r in rows)


def test_line_prices_one_deliverable_alone(files: tuple[Path, Path]) -> None:
    # D1: DISC, Medium, scope risk REMOTE (+5 %): SA 16 × 1.05 = 16.80 h; PM overridden: 6 h.
    # Rates on 2026-02-01: SA 200 bill / 100 cost, PM 150 / 70.
    # List 16.80 × 200 + 6 × 150 = 3360 + 900 = 4260.00; Cost 1680 + 420 = 2100.00.
    # FixedFee: 4260 × 1.10 × 0.95 = 4451.70.
    table = f.PSOS_LINE("D1", *scope_args(), **catalog_kwargs())
    assert table[0] == ["Deliverable", "Hours", "Cost", "List", "Price", "Margin"]
    assert table[1][:5] == ["D1", 22.8, 2100.0, 4260.0, 4451.7]
    assert f.PSOS_LINE("D1", *scope_args(), figure="price", **catalog_kwargs()) == 4451.7
    assert f.PSOS_LINE("D9", *scope_args(), **catalog_kwargs()).startswith(
        "#PSOS! ARGUMENT_INVALID: the scope has no deliverable D9"
    )
    assert f.PSOS_LINE("D1", *scope_args(), figure="Pounds", **catalog_kwargs()).startswith(
        "#PSOS! ARGUMENT_INVALID: figure must be"
    )


def test_a_bad_row_elsewhere_does_not_stop_a_line() -> None:
    rows = [*SCOPE_TABLES["Deliverables"], ["D3", "DISC", "", "lots", "Medium", "", ""]]
    args = scope_args(with_rows("Deliverables", rows))
    assert f.PSOS_LINE("D1", *args, figure="Price", **catalog_kwargs()) == 4451.7
    total = f.PSOS_PRICE(*args, **catalog_kwargs())
    assert (
        total
        == "#PSOS! NOT_A_NUMBER: Deliverables!D6: Quantity must be a number, got the text 'lots'"
    )


def test_rate_and_hours() -> None:
    roles = rng(CATALOG_TABLES["Roles"])
    assert f.PSOS_RATE("SA", datetime(2025, 12, 31), "bill", roles=roles) == 190.0
    assert f.PSOS_RATE("SA", datetime(2026, 1, 1), roles=roles) == 200.0
    assert f.PSOS_RATE("SA", datetime(2026, 1, 1), "Cost", roles=roles) == 100.0
    assert f.PSOS_RATE("SA", 46023.0, "cost", roles=roles) == 100.0  # a serial number (Lite)
    assert f.PSOS_RATE("SA", datetime(2024, 1, 1), roles=roles).startswith(
        "#PSOS! NO_RATE_IN_FORCE: "
    )
    assert f.PSOS_RATE("XX", datetime(2026, 1, 1), roles=roles).startswith("#PSOS! UNKNOWN_ROLE")
    assert f.PSOS_RATE("SA", "soon", roles=roles).startswith("#PSOS! NOT_A_DATE: ")
    assert f.PSOS_RATE("SA", None, roles=roles) == "#PSOS! VALUE_REQUIRED: date is required"
    assert f.PSOS_RATE("SA", date(2026, 1, 1), "list", roles=roles).startswith(
        "#PSOS! ARGUMENT_INVALID: "
    )
    assert f.PSOS_HOURS("BUILD", "DEV", **catalog_kwargs()) == 80.0
    assert f.PSOS_HOURS("BUILD", "PM", **catalog_kwargs()).startswith("#PSOS! UNKNOWN_ROLE: ")
    assert f.PSOS_HOURS("NOPE", "PM", **catalog_kwargs()).startswith("#PSOS! UNKNOWN_SKU: ")


def test_hours_on_p50_use_calibrated_history() -> None:
    actuals = [
        ["SKU", "Role", "CatalogHours", "Deliveries", "P50Hours", "P80Hours", "CalibratedHours"],
        ["BUILD", "DEV", 80.0, 5.0, 100.0, 120.0, 92.5],
    ]
    kwargs = {**catalog_kwargs(), "actuals": actuals}
    assert f.PSOS_HOURS("BUILD", "DEV", "P50", **kwargs) == 92.5
    assert f.PSOS_HOURS("BUILD", "DEV", "P80", **kwargs) == 120.0
    assert f.PSOS_HOURS("BUILD", "DEV", None, **kwargs) == 80.0


def test_errors_come_back_as_text_never_as_exceptions() -> None:
    no_start = [r for r in SCOPE_TABLES["ScopeInfo"] if r[0] != "StartDate"]
    got = f.PSOS_PRICE(*scope_args(with_rows("ScopeInfo", no_start)), **catalog_kwargs())
    assert got.startswith("#PSOS! FIELD_MISSING: ScopeInfo")
    unknown = [*SCOPE_TABLES["Deliverables"], ["D3", "NOPE", "", 1, "Medium", "", ""]]
    got = f.PSOS_PRICE(*scope_args(with_rows("Deliverables", unknown)), **catalog_kwargs())
    assert got.startswith("#PSOS! UNKNOWN_SKU: Deliverables!B6: ")
    # an Excel error value inside a range arrives as its text (err_to_str)
    err = [*SCOPE_TABLES["Deliverables"][:2], ["D2", "BUILD", "", "#DIV/0!", "High", "", ""]]
    got = f.PSOS_PRICE(*scope_args(with_rows("Deliverables", err)), **catalog_kwargs())
    assert got.startswith("#PSOS! NOT_A_NUMBER: Deliverables!D5: ")
    # nonsense where a range belongs
    assert ERROR.match(f.PSOS_PRICE(42.0, None, **catalog_kwargs()))
    rows = f.PSOS_QUOTE(42.0, None, **catalog_kwargs())
    assert len(rows) == 1 and len(rows[0]) == 1 and ERROR.match(rows[0][0])


def test_an_unexpected_failure_is_a_short_text(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*_args: Any, **_kwargs: Any) -> Any:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr("psos_xl.udfs.calls.price", boom)
    got = f.PSOS_PRICE(*scope_args(), **catalog_kwargs())
    assert got == "#PSOS! UDF_FAILED: ZeroDivisionError: division by zero"


def test_validate_lists_issues_errors_first_or_ok() -> None:
    args = [*scope_args(), rng(SCOPE_TABLES["Assumptions"])]
    assert f.PSOS_VALIDATE(*args, **catalog_kwargs()) == [["OK"]]
    rows = [
        *SCOPE_TABLES["Deliverables"],
        ["D3", "NOPE", "", 1, "Medium", "", ""],
        ["D4", "DISC", "", 0, "Weird", "", ""],
    ]
    args = [*scope_args(with_rows("Deliverables", rows)), None]
    found = [r[0] for r in f.PSOS_VALIDATE(*args, **catalog_kwargs())]
    assert all(len(r) == 1 for r in f.PSOS_VALIDATE(*args, **catalog_kwargs()))
    codes = [line.split(" ")[1] for line in found]
    assert "UNKNOWN_SKU" in codes and "UNKNOWN_COMPLEXITY" in codes
    assert "QUANTITY_NOT_POSITIVE" in codes
    assert "NO_ASSUMPTIONS" not in codes  # no Assumptions range was passed
    assert any(line.startswith("Deliverables!B6: UNKNOWN_SKU") for line in found)
    keys = [(line.split(" ")[1], line.split(":")[0]) for line in found]
    assert len(keys) == len(set(keys))
    assert not any(line.startswith("scope!") for line in found)


def test_ranges_locate_issues_where_psos_writes_the_tables() -> None:
    assert core.HEADER_ROW == styles.HEADER_ROW


def test_blank_trailing_columns_and_rows_are_ignored() -> None:
    deliverables = [[*row, None] for row in rng(SCOPE_TABLES["Deliverables"])]
    deliverables.append([None] * len(deliverables[0]))
    args = [rng(SCOPE_TABLES["ScopeInfo"]), deliverables, rng(SCOPE_TABLES["Overrides"])]
    assert f.PSOS_PRICE(*args, **catalog_kwargs()) == f.PSOS_PRICE(
        *scope_args(), **catalog_kwargs()
    )


LITE_CHECK = """
import sys
sys.modules["python_calamine"] = None  # not in Pyodide: importing it must not be needed
from psos_xl.udfs import functions as f
info = [["Field", "Value"], ["StartDate", 46054.0], ["BillingModel", "TimeAndMaterials"]]
deliverables = [["Deliverable", "SKU", "Quantity", "Complexity"], ["D1", "X", 1.0, "Medium"]]
roles = [["Role", "CostRate", "BillRate", "EffectiveFrom"], ["SA", 50.0, 100.0, 45658.0]]
services = [["SKU", "Role", "Hours"], ["X", "SA", 10.0]]
print(f.PSOS_PRICE(info, deliverables, None, "", "", roles, services, None, None, None))
"""


def test_the_functions_run_without_python_calamine() -> None:
    import subprocess
    import sys

    run = subprocess.run(
        [sys.executable, "-c", LITE_CHECK], capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr[-400:]
    assert run.stdout.strip() == "1000.0"


def test_a_scope_in_another_currency_is_never_priced() -> None:
    info = [[k, "USD" if k == "Currency" else v] for k, v in SCOPE_TABLES["ScopeInfo"]]
    args = scope_args(with_rows("ScopeInfo", info))
    # the Currency row is the 11th field under the header in row 3: ScopeInfo!B14
    mismatch = "#PSOS! CURRENCY_MISMATCH: ScopeInfo!B14: the scope's Currency is USD but"
    assert f.PSOS_PRICE(*args, **catalog_kwargs()).startswith(mismatch)
    assert f.PSOS_MARGIN(*args, **catalog_kwargs()).startswith(mismatch)
    assert f.PSOS_LINE("D1", *args, figure="Price", **catalog_kwargs()).startswith(mismatch)
    rows = f.PSOS_QUOTE(*args, **catalog_kwargs())
    assert len(rows) == 1 and rows[0][0].startswith(mismatch)
    found = [r[0] for r in f.PSOS_VALIDATE(*args, None, **catalog_kwargs())]
    assert found[0].startswith("ScopeInfo!B14: CURRENCY_MISMATCH ")
    # the catalog's own currency, in any case, prices as before
    same = [[k, "eur" if k == "Currency" else v] for k, v in SCOPE_TABLES["ScopeInfo"]]
    assert isinstance(
        f.PSOS_PRICE(*scope_args(with_rows("ScopeInfo", same)), **catalog_kwargs()), float
    )
