"""``psos report completeness`` over a synced workspace: a deleted week is reported,
a short one too, and the JSON keys are DESIGN §13's."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner
from wb import CATALOG_TABLES, TIME_HEADER, make_workbook

from psos_xl.app.completeness import workspace_completeness
from psos_xl.cli.main import app
from psos_xl.errors import Code
from psos_xl.sync import run_sync

W1 = date(2026, 10, 5)
WEEKS = [W1 + timedelta(weeks=i) for i in range(4)]  # 5, 12, 19, 26 October
AS_OF = date(2026, 11, 2)  # the Monday after the last week
PEOPLE = [
    ["Person", "Name", "Role", "CapacityHoursPerWeek", "UtilizationTarget", "StartDate", "EndDate"],
    ["LM", "Lena M", "DEV", 40, 0.8, "2026-01-05", ""],
    ["PK", "Piet K", "SA", 20, 0.8, "2026-10-12", ""],
]


def week_of_time(path: Path, person: str, week: date, per_day: float) -> None:
    """A timesheet of ``per_day`` hours on INTERNAL, Monday to Friday."""
    rows = [[week + timedelta(days=d), "INTERNAL", "", "DEV", per_day, "N", ""] for d in range(5)]
    path.parent.mkdir(parents=True, exist_ok=True)
    make_workbook(
        path,
        "timesheet",
        {"Time": [TIME_HEADER, *rows]},
        marker={"person": person, "week": week.isoformat()},
    )


@pytest.fixture
def firm(tmp_path: Path) -> Path:
    root = tmp_path / "firm"
    (root / "scopes").mkdir(parents=True)
    make_workbook(root / "catalog.xlsx", "catalog", {**CATALOG_TABLES, "People": PEOPLE})
    (root / "psos.toml").write_text('[workspace]\ntrack_from = "2026-10-05"\n', encoding="utf-8")
    for week in WEEKS:
        week_of_time(root / "timesheets" / "LM" / f"LM-{week}.xlsx", "LM", week, 8)
    for week in WEEKS[1:]:
        week_of_time(root / "timesheets" / "PK" / f"PK-{week}.xlsx", "PK", week, 4)
    return root


def test_a_complete_firm_has_no_gap(firm: Path) -> None:
    run_sync(firm)
    result = workspace_completeness(firm, AS_OF)
    assert result.gaps == []
    assert result.last_week == WEEKS[-1]


def test_a_deleted_week_and_a_short_week_are_reported(firm: Path) -> None:
    (firm / "timesheets" / "LM" / f"LM-{WEEKS[1]}.xlsx").unlink()
    week_of_time(firm / "timesheets" / "PK" / f"PK-{WEEKS[2]}.xlsx", "PK", WEEKS[2], 3)
    run_sync(firm)
    result = workspace_completeness(firm, AS_OF)
    assert [(g.person, g.week, g.code) for g in result.gaps] == [
        ("LM", WEEKS[1], Code.MISSING_TIMESHEET),
        ("PK", WEEKS[2], Code.SHORT_WEEK),
    ]
    assert result.count(Code.SHORT_WEEK) == 1


def test_a_week_is_missing_again_once_its_timesheet_is_removed(firm: Path) -> None:
    run_sync(firm)
    (firm / "timesheets" / "LM" / f"LM-{WEEKS[3]}.xlsx").unlink()
    run_sync(firm)
    gaps = workspace_completeness(firm, AS_OF).gaps
    assert [(g.person, g.week) for g in gaps] == [("LM", WEEKS[3])]
    # as of a day inside the last week, that week is not complete yet: no gap
    assert workspace_completeness(firm, WEEKS[3] + timedelta(days=6)).gaps == []


def test_cli_json_keys_and_exit_code(firm: Path) -> None:
    (firm / "timesheets" / "LM" / f"LM-{WEEKS[0]}.xlsx").unlink()
    run_sync(firm)
    out = CliRunner().invoke(
        app, ["report", "completeness", str(firm), "--as-of", AS_OF.isoformat(), "--json"]
    )
    assert out.exit_code == 1, out.output
    data = json.loads(out.stdout)
    assert data == {
        "as_of": "2026-11-02",
        "rows": [
            {
                "person": "LM",
                "week": "2026-10-05",
                "code": "MISSING_TIMESHEET",
                "booked": "0.00",
                "capacity": "40.00",
            }
        ],
    }
    text = CliRunner().invoke(app, ["report", "completeness", str(firm), "--as-of", "2026-11-02"])
    assert "MISSING_TIMESHEET" in text.stdout and "1 missing timesheet," in text.stdout


def test_cli_says_when_every_timesheet_is_in(firm: Path) -> None:
    run_sync(firm)
    out = CliRunner().invoke(app, ["report", "completeness", str(firm), "--as-of", "2026-11-02"])
    assert out.exit_code == 0, out.output
    assert "Every timesheet is in" in out.stdout


def test_track_from_must_be_a_date(firm: Path) -> None:
    (firm / "psos.toml").write_text('[workspace]\ntrack_from = "soon"\n', encoding="utf-8")
    out = CliRunner().invoke(app, ["report", "completeness", str(firm)])
    assert out.exit_code == 2
    assert "track_from must be a date" in out.output
