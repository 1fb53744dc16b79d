"""`psos demo` runs the whole loop on a fresh folder: what `make demo` shows a newcomer."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cli.run import assert_json_convention


@pytest.fixture(scope="module")
def demo_json(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    root = tmp_path_factory.mktemp("demo") / "firm"
    done = subprocess.run(
        # as the firm stands on 2026-11-02: its time ends with the week of 2026-10-26
        [sys.executable, "-m", "psos_xl", "demo", str(root), "--as-of", "2026-11-02", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return root, json.loads(done.stdout)


def test_every_scope_is_priced_with_its_snapshot_stored(
    demo_json: tuple[Path, dict[str, object]],
) -> None:
    _root, data = demo_json
    priced = data["priced"]
    assert isinstance(priced, list) and len(priced) == 9
    assert {p["snapshot"] for p in priced} == {"written"}
    assert all(p["price"] and not p["price"].startswith("-") for p in priced)


def test_the_first_sync_rejects_only_the_planted_row(
    demo_json: tuple[Path, dict[str, object]],
) -> None:
    _root, data = demo_json
    sync = data["sync"]
    assert isinstance(sync, dict)
    assert sync["rejected_rows"] == 1
    errors = [i for i in sync["issues"] if i["severity"] == "error"]
    assert [(i["code"], i["location"]) for i in errors] == [
        ("NOT_A_NUMBER", "timesheets/PK/PK-2026-10-19.xlsx!Time!E9")
    ]
    assert sync["written_back"], "the catalog's Actuals and the scopes' Delivery are written"


def test_a_second_sync_reads_and_writes_nothing(
    demo_json: tuple[Path, dict[str, object]],
) -> None:
    _root, data = demo_json
    resync = data["resync"]
    assert isinstance(resync, dict)
    assert resync["read"] == 0 and resync["written_back"] == []


def test_a_client_quote_is_written(demo_json: tuple[Path, dict[str, object]]) -> None:
    root, data = demo_json
    files = [Path(p) for p in data["quote"]]
    assert files and all(p.is_file() and p.is_relative_to(root) for p in files)
    assert files[0].suffix == ".xlsx"


def test_the_demo_validates_clean_but_for_its_planted_row_quotes_included(
    demo_json: tuple[Path, dict[str, object]],
) -> None:
    root, data = demo_json
    quotes = sorted((root / "quotes").glob("*.xlsx"))
    assert quotes, "the demo writes a client quote into the workspace"
    done = subprocess.run(
        [sys.executable, "-m", "psos_xl", "validate", str(root), "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    issues = json.loads(done.stdout)["issues"]
    demo = data["demo"]
    assert isinstance(demo, dict)
    planted = demo["planted_issue"]
    assert [(i["code"], i["location"]) for i in issues] == [(planted["code"], planted["location"])]


def test_the_json_keeps_the_one_convention(demo_json: tuple[Path, dict[str, object]]) -> None:
    _root, data = demo_json
    assert_json_convention(
        data,
        decimals=("total_hours", "billable_hours", "hours", "price", "margin"),
        counts=("people", "weeks", "timesheets", "time_rows", "expenses", "scanned", "read"),
        dates=("first_week", "last_week"),
        locations=("location",),
    )


def test_the_demo_keeps_a_dashboard(demo_json: tuple[Path, dict[str, object]]) -> None:
    import openpyxl

    from psos_xl.workbook.dashboard import is_dashboard
    from psos_xl.workspace import Workspace

    root, data = demo_json
    path = root / "dashboard.xlsx"
    assert data["dashboard"] == str(path.resolve())
    assert is_dashboard(path)
    visible = [ws.title for ws in openpyxl.load_workbook(path) if ws.sheet_state == "visible"]
    assert visible == ["Summary", "Utilization", "Margin", "Burn", "Forecast", "Completeness"]
    assert Workspace.load(root).dashboard == path.resolve()


def test_the_demo_prints_where_its_dashboard_is(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import date
    from decimal import Decimal

    from psos_xl.app.demo import DemoRun
    from psos_xl.cli.demo_view import render
    from psos_xl.demo.build import DemoSummary

    week = date(2026, 7, 6)
    summary = DemoSummary(tmp_path, "F", {}, 0, 0, week, week, 0, 0, Decimal(0), Decimal(0), 0)
    render(DemoRun(summary, dashboard=tmp_path / "dashboard.xlsx"))
    assert f"Dashboard: {tmp_path / 'dashboard.xlsx'}\n" in capsys.readouterr().out


def test_the_demo_says_why_its_dashboard_was_not_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import date
    from decimal import Decimal

    from psos_xl.app.demo import DemoRun
    from psos_xl.cli.demo_view import render
    from psos_xl.demo.build import DemoSummary
    from psos_xl.errors import Code, Issue
    from psos_xl.sync.result import SyncResult

    week = date(2026, 7, 6)
    summary = DemoSummary(tmp_path, "F", {}, 0, 0, week, week, 0, 0, Decimal(0), Decimal(0), 0)
    opened = Issue.make(Code.WORKBOOK_OPEN, "dashboard.xlsx", "the dashboard is open")
    render(DemoRun(summary, sync=SyncResult(issues=[opened])))
    out = capsys.readouterr().out
    assert "Dashboard not written: dashboard.xlsx: WORKBOOK_OPEN the dashboard is open" in out
    assert "Dashboard: " not in out
