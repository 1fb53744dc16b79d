"""``psos report dashboard`` and the dashboard sync keeps, over the small firm of
econfirm.py (synced): the sheets hold what the reports give, the path comes from
``--out``, psos.toml's ``dashboard`` or the default, a sync refreshes it when due and
never reads it, and a dashboard open in a spreadsheet program is a warning, not a
failed sync."""

from __future__ import annotations

import os
import shutil
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from cli.run import assert_json_convention, psos, psos_json
from econfirm import AS_OF, build

from psos_xl.app.dashboard import (
    DashboardOpenError,
    refresh_after_sync,
    write_dashboard,
)
from psos_xl.app.forecast import workspace_forecast
from psos_xl.app.margin import workspace_burn, workspace_margin
from psos_xl.app.utilization import workspace_utilization
from psos_xl.economics.utilization import by_person
from psos_xl.errors import Code, Severity
from psos_xl.sync.result import SyncResult

D = Decimal
LOCK = ".~lock.dashboard.xlsx#"
SHEETS = ["Summary", "Utilization", "Margin", "Burn", "Forecast", "Completeness"]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("dash") / "firm")


@pytest.fixture
def firm(built: Path, tmp_path: Path) -> Path:
    """A copy of the synced firm, for a test that changes it."""
    return Path(shutil.copytree(built, tmp_path / "firm"))


def keep_dashboard(root: Path, rel: str = "dashboard.xlsx") -> None:
    toml = root / "psos.toml"
    text = toml.read_text(encoding="utf-8").replace('dashboard = ""', f'dashboard = "{rel}"')
    toml.write_text(text, encoding="utf-8")


def table(path: Path, sheet: str, name: str) -> list[dict[str, object]]:
    ws = openpyxl.load_workbook(path)[sheet]
    cells = list(ws[ws.tables[name].ref])
    heads = [c.value for c in cells[0]]
    return [dict(zip(heads, (c.value for c in row), strict=True)) for row in cells[1:]]


def test_the_sheets_hold_what_the_reports_give(built: Path, tmp_path: Path) -> None:
    result = write_dashboard(built, tmp_path / "d.xlsx", AS_OF)
    assert result.sheets == SHEETS
    report = workspace_utilization(built, AS_OF).report
    rows = table(result.path, "Utilization", "Utilization")
    assert [(r["Person"], r["Billable"], r["Utilization"]) for r in rows] == [
        (x.person, float(x.billable), None if x.utilization is None else float(x.utilization))
        for x in report.lines
    ]
    people = table(result.path, "Utilization", "UtilizationByPerson")
    assert [(p["Person"], p["Available"], p["Utilization"]) for p in people] == [
        (x.person, float(x.available), None if x.utilization is None else float(x.utilization))
        for x in by_person(report.lines)
    ]
    margin = workspace_margin(built, AS_OF).to_json()
    engagements = table(result.path, "Margin", "Margin")
    assert [(m["Engagement"], m["Revenue"], m["Cost"]) for m in engagements] == [
        (m["engagement"], float(m["revenue"]), float(m["cost"])) for m in margin["rows"]
    ]
    burn = workspace_burn(built, AS_OF).to_json()["rows"]
    lines = table(result.path, "Burn", "Burn")
    assert [(b["Engagement"], b["Deliverable"], b["Alert"]) for b in lines] == [
        (b["engagement"], b["deliverable"] or None, b["alert"] or None) for b in burn
    ]
    forecast = workspace_forecast(built, AS_OF).to_json()["rows"]
    weeks = table(result.path, "Forecast", "Forecast")
    assert [(w["Role"], w["Week"].date().isoformat(), w["Gap"], w["Overdue"]) for w in weeks] == [
        (f["role"], f["week"], float(f["gap"]), "Y" if f["overdue"] else "N") for f in forecast
    ]
    summary = {r["Figure"]: r["Value"] for r in table(result.path, "Summary", "Summary")}
    assert summary["Utilization (everyone)"] == float(report.org.utilization or 0)
    totals = margin["totals"]
    assert summary["Revenue recognised to date"] == float(totals["revenue"])
    assert summary["Margin to date"] == float(totals["margin"])
    assert summary["Burn lines with an alert"] == len([b for b in burn if b["alert"]])
    assert summary["Utilization window"] == "weeks 2026-11-02 to 2026-11-29"


def test_the_command_prints_the_path_and_its_json(built: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "dash.xlsx"
    data = psos_json("report", "dashboard", built, "--out", out, "--as-of", AS_OF.isoformat())
    assert data == {"path": str(out), "sheets": SHEETS}
    assert_json_convention(data)
    run = psos("report", "dashboard", built, "--out", out, "--as-of", AS_OF.isoformat())
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == str(out)


def test_the_path_defaults_to_the_setting_then_the_workspace(firm: Path) -> None:
    assert write_dashboard(firm, as_of=AS_OF).path == firm / "dashboard.xlsx"
    keep_dashboard(firm, "reports/firm.xlsx")
    assert write_dashboard(firm, as_of=AS_OF).path == firm / "reports" / "firm.xlsx"
    assert (firm / "reports" / "firm.xlsx").is_file()


def test_an_open_dashboard_is_not_replaced(firm: Path) -> None:
    path = write_dashboard(firm, as_of=AS_OF).path
    before = path.read_bytes()
    (firm / LOCK).write_text("locked")
    with pytest.raises(DashboardOpenError, match="is open"):
        write_dashboard(firm, as_of=AS_OF)
    run = psos("report", "dashboard", firm)
    assert run.returncode == 2 and "close it" in run.stderr
    assert path.read_bytes() == before


def test_without_the_setting_sync_keeps_no_dashboard(firm: Path) -> None:
    assert refresh_after_sync(firm, SyncResult(read=3), today=AS_OF) is None
    assert not (firm / "dashboard.xlsx").exists()


def test_a_sync_refreshes_it_when_due(firm: Path) -> None:
    keep_dashboard(firm)
    path = firm / "dashboard.xlsx"
    assert refresh_after_sync(firm, SyncResult(), today=AS_OF) == path  # missing
    stamp = path.stat().st_mtime_ns
    today = date.fromtimestamp(path.stat().st_mtime)
    assert refresh_after_sync(firm, SyncResult(), today=today) is None  # up to date
    assert path.stat().st_mtime_ns == stamp
    assert refresh_after_sync(firm, SyncResult(read=1), today=today) == path  # news
    assert refresh_after_sync(firm, SyncResult(retired=["x.xlsx"]), today=today) == path
    yesterday = time.time() - 86400
    os.utime(path, (yesterday, yesterday))
    assert refresh_after_sync(firm, SyncResult(), today=today) == path  # an earlier day's


def test_an_open_dashboard_is_a_warning_and_the_next_sync_writes_it(firm: Path) -> None:
    keep_dashboard(firm)
    path = write_dashboard(firm, as_of=AS_OF).path
    today = date.fromtimestamp(path.stat().st_mtime)
    before = path.read_bytes()
    (firm / LOCK).write_text("locked")
    result = SyncResult(read=1)
    assert refresh_after_sync(firm, result, today=today) is None
    assert path.read_bytes() == before
    [issue] = result.issues
    assert (issue.code, issue.severity) == (Code.WORKBOOK_OPEN, Severity.WARNING)
    assert str(issue.location) == "dashboard.xlsx"
    assert result.skipped_open == ["dashboard.xlsx"]
    assert result.exit_code == 1
    (firm / LOCK).unlink()
    assert refresh_after_sync(firm, SyncResult(), today=today) == path  # pending: due
    assert path.read_bytes() != before
    assert refresh_after_sync(firm, SyncResult(), today=today) is None


def test_a_file_there_that_is_not_a_dashboard_is_a_warning(firm: Path) -> None:
    keep_dashboard(firm, "budget.xlsx")
    openpyxl.Workbook().save(firm / "budget.xlsx")
    before = (firm / "budget.xlsx").read_bytes()
    result = SyncResult(read=1)
    assert refresh_after_sync(firm, result, today=AS_OF) is None
    [issue] = result.issues
    assert (issue.code, issue.severity) == (Code.WRITE_BACK_FAILED, Severity.WARNING)
    assert "not a psos dashboard" in issue.message
    assert (firm / "budget.xlsx").read_bytes() == before


def test_psos_sync_keeps_it_and_never_reads_it(firm: Path) -> None:
    keep_dashboard(firm)
    first = psos_json("sync", firm, exit_code=None)
    path = firm / "dashboard.xlsx"
    assert path.is_file()
    assert openpyxl.load_workbook(path).sheetnames[:6] == SHEETS
    again = psos_json("sync", firm, exit_code=None)
    assert again["read"] == 0 and again["scanned"] == first["scanned"]
    assert again["issues"] == first["issues"]
    (firm / LOCK).write_text("locked")
    os.utime(path, (time.time() - 86400,) * 2)  # due again: written on an earlier day
    opened = psos_json("sync", firm, exit_code=1)
    assert opened["skipped_open"] == ["dashboard.xlsx"]
    assert [i["code"] for i in opened["issues"] if i["location"] == "dashboard.xlsx"] == [
        "WORKBOOK_OPEN"
    ]
    assert opened["read"] == 0
