"""The Actuals table shows the weight used (CatalogWeight), and a catalog whose Actuals
table predates that column is still written, without it.

The firm is ``psos report accuracy``'s (tests/cli/test_report.py): CalibrationPrior 3,
so every row's CatalogWeight is 3; DISC × SA from three deliveries (12, 15, 10 h):
P50 12, CalibratedHours (3 × 10 + 3 × 12) / 6 = 11.00.
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from cli.test_report import build_firm

from psos_xl.sync import sync_workspace
from psos_xl.workbook import spec
from psos_xl.workbook.readers import read_catalog

D = Decimal


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_firm(tmp_path_factory.mktemp("weight") / "ws", draft=False)


def actuals(root: Path) -> dict[tuple[str, str], tuple[Decimal | None, Decimal | None]]:
    catalog, issues = read_catalog(root / "catalog.xlsx")
    assert catalog is not None, issues
    return {(a.sku, a.role): (a.calibrated_hours, a.catalog_weight) for a in catalog.actuals}


def test_the_actuals_table_shows_the_weight_used(synced: Path) -> None:
    assert spec.ACTUALS.headers[-1] == "CatalogWeight"
    assert actuals(synced) == {
        ("DISC", "SA"): (D("11.00"), D(3)),
        ("MIGR", "DE"): (D("21.25"), D(3)),  # (3 × 20 + 1 × 25) / 4
    }


def drop_weight_column(path: Path) -> None:
    """The Actuals table as catalogs made before CatalogWeight have it: ten columns."""
    wb = openpyxl.load_workbook(path)
    ws = wb["Actuals"]
    table = ws.tables["Actuals"]
    first, last = table.ref.split(":")
    rows = int("".join(ch for ch in last if ch.isdigit()))
    for row in range(3, rows + 1):  # from the header: the title rows above span the sheet
        ws.cell(row=row, column=11).value = None
    table.ref = f"{first}:J{rows}"
    table.autoFilter.ref = table.ref
    table.tableColumns = table.tableColumns[:10]
    wb.save(path)


def test_an_older_actuals_table_gains_the_weight_column(synced: Path, tmp_path: Path) -> None:
    root = Path(shutil.copytree(synced, tmp_path / "ws"))
    drop_weight_column(root / "catalog.xlsx")
    first = sync_workspace(root)
    assert [i for i in first.issues if i.is_error] == []
    assert "catalog.xlsx" in first.written_back
    assert actuals(root) == {
        ("DISC", "SA"): (D("11.00"), D(3)),
        ("MIGR", "DE"): (D("21.25"), D(3)),
    }
    table = openpyxl.load_workbook(root / "catalog.xlsx")["Actuals"].tables["Actuals"]
    assert table.tableColumns[-1].name == "CatalogWeight" and table.ref.split(":")[1][0] == "K"
    again = sync_workspace(root)  # nothing new: the rows and their UpdatedAt stay
    assert again.written_back == [] and again.issues == []
