"""The use-cases return data and print nothing; the command line prints what they return.

The workspace is test_price_cli's: tests/wb.py's catalog and its FixedFee scope, priced
at 46 586.10 EUR there by hand, plus a copy of the scope with an unknown SKU.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from wb import CATALOG_TABLES, SCOPE_TABLES, make_workbook

from psos_xl.app.init import create_workspace, find_workspace
from psos_xl.app.price import price_scope
from psos_xl.app.validate import validate
from psos_xl.errors import WorkbookError, WorkspaceError


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "firm"
    (root / "scopes").mkdir(parents=True)
    make_workbook(root / "catalog.xlsx", "catalog", CATALOG_TABLES)
    make_workbook(root / "scopes" / "fixed.xlsx", "scope", SCOPE_TABLES)
    bad = copy.deepcopy(SCOPE_TABLES)
    bad["ScopeInfo"][1] = ["Engagement", "ACME-02"]  # a scope of its own, not a copy
    bad["Deliverables"].append(["D3", "NOPE", "", 1, "Medium", "", ""])
    make_workbook(root / "scopes" / "bad.xlsx", "scope", bad)
    return root


def psos(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "psos_xl", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_price_returns_the_quote_the_command_prints(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scope = workspace / "scopes" / "fixed.xlsx"
    priced = price_scope(scope)
    assert capsys.readouterr() == ("", "")
    assert (priced.quote.price, priced.exit_code, priced.snapshot) == (
        Decimal("46586.10"),
        0,
        None,
    )
    assert priced.to_json()["price"] == "46586.10"
    run = psos("price", scope, "--json")
    assert run.returncode == priced.exit_code
    assert json.loads(run.stdout) == priced.to_json()


def test_price_with_an_error_exits_1_and_lists_it(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    priced = price_scope(workspace / "scopes" / "bad.xlsx")
    assert capsys.readouterr() == ("", "")
    assert priced.exit_code == 1
    assert ("UNKNOWN_SKU", "scopes/bad.xlsx!Deliverables!B4") in {
        (i["code"], i["location"]) for i in priced.to_json()["issues"]
    }


def test_price_that_cannot_run_raises_and_prints_nothing(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(WorkbookError, match="cannot be read as a catalog"):
        price_scope(workspace / "scopes" / "fixed.xlsx", workspace / "nope.xlsx")
    assert capsys.readouterr() == ("", "")


def test_validate_returns_the_issues_the_command_prints(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checked = validate([workspace / "scopes"])
    assert capsys.readouterr() == ("", "")
    assert checked.exit_code == 1
    assert [i.code for i in checked.issues if i.is_error] == ["UNKNOWN_SKU"]
    run = psos("validate", workspace / "scopes", "--json")
    assert run.returncode == checked.exit_code
    assert json.loads(run.stdout) == checked.to_json()
    assert validate([workspace / "scopes" / "fixed.xlsx"]).exit_code == 0


def test_init_creates_the_workspace_that_find_then_finds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = create_workspace(tmp_path / "new", name="Acme Consulting")
    assert capsys.readouterr() == ("", "")
    assert ws.name == "Acme Consulting" and ws.catalog_path.is_file()
    assert find_workspace(ws.scopes_dir).root == ws.root
    with pytest.raises(WorkspaceError, match="run 'psos init' first"):
        find_workspace(tmp_path)
