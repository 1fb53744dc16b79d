"""``psos report forecast`` over the hand-computed firm of tests/econfirm.py, synced, as
of Monday 2026-11-30 for 30 days: through Tuesday 12-29, so the five weeks of Mondays
11-30, 12-07, 12-14, 12-21 and 12-28. CY has booked two days of LEAVE ahead (Tuesday
and Wednesday 12-08 and 12-09, 8 h each).

Remaining hours (EAC − actual, the engagement ledger as of 11-30):

- TM-01 (Active): SA estimated 10, booked 8 + 6 + 2 = 16 → EAC 16, nothing left; DE
  estimated 30, booked 12 + 20 + 10 = 42 → nothing left;
- FF-01 (Active, EndDate Fri 12-18): DE booked 10 + 10 + 8 = 28 at 50 % → EAC 56, 28 h
  left over 15 working days (11-30 to 12-18): 2800 hundredths × 5/15 = 933.3 → 9.33,
  × 10/15 = 1866.7 → 18.67 − 9.33 = 9.34, 28 − 18.67 = 9.33;
- MS-01 (Active, EndDate Fri 11-27, past): D1 completed; D2 DE estimated 20, booked
  8 + 6 = 14 → 6 h left, all in the first week, overdue;
- RT-01 (Sold, EndDate 2027-01-31): SA estimated 3 × 10 = 30, booked 5 → 25 h over 45
  working days (11-30 to 2027-01-29): 2500 × 5/45 = 277.8 → 2.78; × 10/45 = 555.6 →
  5.56 − 2.78 = 2.78; × 15/45 = 833.3 → 8.33 − 5.56 = 2.77; × 20/45 = 1111.1 → 11.11 −
  8.33 = 2.78; × 25/45 = 1388.9 → 13.89 − 11.11 = 2.78.

Pipeline: DR-01 (Draft, Probability 0.5, 12-07 to Fri 2027-01-29, 40 working days):
SA 10 × 0.5 = 5 h: 500 × 5/40 = 62.5 → 0.63, then 1.25 − 0.63 = 0.62, 1.88 − 1.25 = 0.63,
2.50 − 1.88 = 0.62; DE 30 × 0.5 = 15 h: 187.5 → 1.88, 3.75 − 1.88 = 1.87, 5.63 − 3.75 =
1.88, 7.50 − 5.63 = 1.87.

Supply: SA is AN, 40 a week; DE is BO 20 + CY 40 = 60, the week of 12-07 60 − 16 = 44.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import econfirm
import openpyxl
import pytest
from cli.run import assert_json_convention
from econfirm import AS_OF, PROBABILITY
from typer.testing import CliRunner

from psos_xl import models as m
from psos_xl import store as st
from psos_xl.app.forecast import HorizonError, workspace_forecast
from psos_xl.cli.main import app
from psos_xl.demo.sample import init_workspace
from psos_xl.economics.forecast import Overdue
from psos_xl.store import queries as q
from psos_xl.sync import sync_workspace
from psos_xl.workbook.writers import Lists, write_timesheet

D = Decimal
WEEKS = [AS_OF + timedelta(weeks=i) for i in range(5)]
LEAVE_WEEK = WEEKS[1]

# (role, week): supply, demand, pipeline, gap, overdue
EXPECTED = {
    ("DE", WEEKS[0]): ("60", "15.33", "0", "44.67", True),  # FF-01 9.33 + MS-01 6
    ("DE", WEEKS[1]): ("44", "9.34", "1.88", "34.66", False),
    ("DE", WEEKS[2]): ("60", "9.33", "1.87", "50.67", False),
    ("DE", WEEKS[3]): ("60", "0", "1.88", "60", False),
    ("DE", WEEKS[4]): ("60", "0", "1.87", "60", False),
    ("SA", WEEKS[0]): ("40", "2.78", "0", "37.22", False),
    ("SA", WEEKS[1]): ("40", "2.78", "0.63", "37.22", False),
    ("SA", WEEKS[2]): ("40", "2.77", "0.62", "37.23", False),
    ("SA", WEEKS[3]): ("40", "2.78", "0.63", "37.22", False),
    ("SA", WEEKS[4]): ("40", "2.78", "0.62", "37.22", False),
}


def with_leave_ahead(root: Path) -> Path:
    """CY's week of 12-07: two days of LEAVE, booked ahead."""
    sheet = m.Timesheet(
        person="CY",
        week=LEAVE_WEEK,
        entries=[
            m.TimeEntry(
                date=LEAVE_WEEK + timedelta(days=n),
                engagement="LEAVE",
                role="DE",
                hours=D(8),
                billable=False,
            )
            for n in (1, 2)
        ],
    )
    lists = Lists.from_catalog(econfirm.catalog())
    write_timesheet(root / "timesheets" / f"CY-{LEAVE_WEEK.isoformat()}.xlsx", sheet, lists)
    result = sync_workspace(root)
    assert not [i for i in result.issues if i.is_error], result.issues
    return root


@pytest.fixture(scope="module")
def firm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return with_leave_ahead(econfirm.build(tmp_path_factory.mktemp("forecast") / "firm"))


def test_the_drafts_probability_is_stored(firm: Path) -> None:
    store = st.open_store(st.default_url(firm))
    try:
        with store.connect() as conn:
            scopes = q.load_scopes(conn)
    finally:
        store.close()
    assert {e: s.info.probability for e, s in scopes.items()} == {
        "DR-01": PROBABILITY,
        "FF-01": None,
        "MS-01": None,
        "RT-01": None,
        "TM-01": None,
    }


def test_the_hand_computed_forecast(firm: Path) -> None:
    report = workspace_forecast(firm, AS_OF, 30).report
    assert report.weeks == WEEKS
    got = {
        (x.role, x.week): (x.supply, x.demand, x.pipeline, x.gap, x.overdue) for x in report.lines
    }
    assert got == {
        key: (D(a), D(b), D(c), D(g), late) for key, (a, b, c, g, late) in EXPECTED.items()
    }
    assert [(x.role, x.week) for x in report.lines] == list(EXPECTED)  # by role, then week
    first = report.lines[0]
    assert [(s.engagement, s.hours, s.overdue) for s in first.engagements] == [
        ("FF-01", D("9.33"), False),
        ("MS-01", D("6.00"), True),
    ]
    assert report.overdue == [
        Overdue("MS-01", "DE", D("6.00"), date(2026, 11, 27), "scopes/MS-01.xlsx")
    ]
    assert report.unweighted == []
    # every hour left is somewhere ahead: 28 + 6 in DE's first three weeks, RT-01's 25 h
    # partly after the horizon (5 weeks of 9: 13.89 h)
    assert sum(x.demand for x in report.lines if x.role == "DE") == D(34)
    assert sum(x.demand for x in report.lines if x.role == "SA") == D("13.89")


def test_ninety_days_and_other_horizons(firm: Path) -> None:
    report = workspace_forecast(firm, AS_OF, 90).report
    assert len(report.weeks) == 13  # 11-30 + 89 days = Sat 2027-02-27
    assert sum(x.demand for x in report.lines if x.role == "SA") == D(25)  # RT-01 whole
    assert sum(x.pipeline for x in report.lines) == D(20)  # DR-01's 5 + 15, whole
    with pytest.raises(HorizonError, match="--days must be 30 or 90, got 45"):
        workspace_forecast(firm, AS_OF, 45)


def test_cli_json(firm: Path) -> None:
    args = ["report", "forecast", str(firm), "--as-of", AS_OF.isoformat(), "--days", "30"]
    out = CliRunner().invoke(app, [*args, "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert set(data) == {"as_of", "rows"} and data["as_of"] == "2026-11-30"
    figures = ("supply", "demand", "pipeline", "gap", "hours")
    assert_json_convention(data, decimals=figures, dates=("as_of", "week"))
    assert len(data["rows"]) == 10
    assert data["rows"][0] == {
        "role": "DE",
        "week": "2026-11-30",
        "supply": "60.00",
        "demand": "15.33",
        "pipeline": "0.00",
        "gap": "44.67",
        "overdue": True,
        "engagements": [
            {"engagement": "FF-01", "hours": "9.33", "overdue": False},
            {"engagement": "MS-01", "hours": "6.00", "overdue": True},
        ],
        "drafts": [],
    }
    assert data["rows"][6]["drafts"] == [{"engagement": "DR-01", "hours": "0.63"}]
    keys = {"role", "week", "supply", "demand", "pipeline", "gap", "overdue"}
    assert all(set(row) == {*keys, "engagements", "drafts"} for row in data["rows"])
    bad = CliRunner().invoke(app, [*args[:-1], "45", "--json"])
    assert bad.exit_code == 2 and "--days must be 30 or 90" in bad.output


def test_cli_table_names_the_overdue_work_and_its_workbook(firm: Path) -> None:
    args = ["report", "forecast", str(firm), "--as-of", AS_OF.isoformat()]
    out = CliRunner().invoke(app, args, env={"COLUMNS": "70"})
    assert out.exit_code == 0, out.output
    text = " ".join(out.stdout.split())
    assert "44.67" in text and "overdue" in text
    assert (
        "Overdue MS-01 (scopes/MS-01.xlsx): 6.00 h of DE left past its EndDate 2026-11-27, "
        "counted in the first week." in text
    )
    assert "Drafts without a Probability" not in text


def test_cli_xlsx(firm: Path, tmp_path: Path) -> None:
    out_path = tmp_path / "forecast.xlsx"
    args = ["report", "forecast", str(firm), "--as-of", AS_OF.isoformat(), "--xlsx"]
    done = CliRunner().invoke(app, [*args, str(out_path)])
    assert done.exit_code == 0, done.output
    assert "Wrote" in done.stdout
    wb = openpyxl.load_workbook(out_path)
    assert wb.sheetnames == ["Forecast", "Demand", "Overdue", "_psos"]
    ws = wb["Forecast"]
    first = [c.value for c in ws[4]]
    assert first[0] == "DE" and first[1].date() == WEEKS[0]
    assert first[2:] == [60, 15.33, 44.67, 0, "Y"]
    overdue = [[c.value for c in row] for row in wb["Overdue"]["A4:E4"]]
    assert overdue[0][:3] == ["MS-01", "DE", 6] and overdue[0][4] == "scopes/MS-01.xlsx"


def test_cli_refuses_a_folder_that_is_no_workspace_and_a_workspace_never_synced(
    tmp_path: Path,
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    out = CliRunner().invoke(app, ["report", "forecast", str(empty)])
    assert out.exit_code == 2 and "not a psos workspace" in out.output
    assert list(empty.iterdir()) == []
    fresh = tmp_path / "fresh"
    init_workspace(fresh, name="Fresh")
    never = CliRunner().invoke(app, ["report", "forecast", str(fresh), "--json"])
    assert never.exit_code == 2 and "run psos sync first" in never.output
