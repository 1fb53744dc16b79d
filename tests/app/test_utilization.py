"""``psos report utilization`` over a synced workspace: the three people and time rows of
economics/test_utilization.py written as workbooks, synced, and read back from the store
give the same hand-computed figures; ACME-01 is Active (demand ahead), OLD-01
Completed."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from cli.test_report import catalog as base_catalog
from economics.test_utilization import AS_OF, PEOPLE, ROWS, W1, W2, WEEK_BENCH, WEEK_LINES
from typer.testing import CliRunner

from psos_xl import models as m
from psos_xl.app.utilization import WindowError, workspace_utilization
from psos_xl.cli.main import app
from psos_xl.demo.sample import init_workspace
from psos_xl.economics.utilization import Period
from psos_xl.sync import sync_workspace
from psos_xl.workbook.writers import Lists, write_catalog, write_scope, write_timesheet

D = Decimal
CODES = {"ACME": "ACME-01", "OLD": "OLD-01"}  # the pure test's engagements, as scopes


def scope(code: str, status: m.Status, end: date) -> m.Scope:
    return m.Scope(
        info=m.ScopeInfo(
            engagement=code,
            client=code,
            title=f"{code} work",
            start_date=date(2026, 9, 1),
            end_date=end,
            billing_model=m.BillingModel.TIME_AND_MATERIALS,
            status=status,
            currency="EUR",
        ),
        deliverables=[m.Deliverable(deliverable="D1", sku="DISC", quantity=D(1))],
    )


def build(root: Path) -> Path:
    init_workspace(root, name="Utilization firm")
    cat = base_catalog().model_copy(update={"people": PEOPLE})
    cat = cat.model_copy(
        update={"people": [p.model_copy(update={"role": "SA"}) for p in cat.people]}
    )
    write_catalog(root / "catalog.xlsx", cat)
    write_scope(
        root / "scopes" / "acme.xlsx", scope("ACME-01", m.Status.ACTIVE, date(2026, 12, 31)), cat
    )
    write_scope(
        root / "scopes" / "old.xlsx", scope("OLD-01", m.Status.COMPLETED, date(2026, 10, 16)), cat
    )
    lists = Lists.from_catalog(cat)
    sheets: dict[tuple[str, date], list[m.TimeEntry]] = {}
    for person, day, engagement, billable, hours in ROWS:
        code = CODES.get(engagement, engagement)
        entry = m.TimeEntry(
            date=day,
            engagement=code,
            deliverable="D1" if code in CODES.values() else "",
            role="SA",
            hours=D(hours),
            billable=billable,
        )
        sheets.setdefault((person, day - timedelta(days=day.weekday())), []).append(entry)
    for (person, week), entries in sheets.items():
        sheet = m.Timesheet(person=person, week=week, entries=entries)
        write_timesheet(root / "timesheets" / f"{person}-{week}.xlsx", sheet, lists)
    result = sync_workspace(root)
    assert not [i for i in result.issues if i.is_error], result.issues
    return root


@pytest.fixture(scope="module")
def firm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("utilization") / "firm")


def test_the_store_gives_the_hand_computed_weeks(firm: Path) -> None:
    result = workspace_utilization(firm, AS_OF, W1, W2 + timedelta(days=6), Period.WEEK)
    assert result.report.lines == WEEK_LINES
    assert result.report.bench == WEEK_BENCH
    assert result.report.org.utilization == D("0.5625")


def test_the_default_window_is_the_four_weeks_before_the_as_of_week(firm: Path) -> None:
    result = workspace_utilization(firm, AS_OF)
    assert (result.report.start, result.report.end) == (date(2026, 9, 21), date(2026, 10, 18))
    assert [(x.person, x.period) for x in result.report.lines if x.billable] == [
        ("LM", W1),
        ("LM", W2),
        ("PK", W1),
        ("PK", W2),
    ]
    # the week of 21 September: LM and PK have capacity, nobody booked
    assert result.report.lines[0].period == date(2026, 9, 21)


def test_by_month(firm: Path) -> None:
    result = workspace_utilization(firm, AS_OF, date(2026, 9, 28), None, Period.MONTH)
    oct_ = date(2026, 10, 1)
    lm = [x for x in result.report.lines if x.person == "LM"]
    assert [(x.period, x.capacity, x.leave, x.billable, x.utilization) for x in lm] == [
        (date(2026, 9, 1), D("24.00"), D("0.00"), D("0.00"), D("0.0000")),
        (oct_, D("96.00"), D("16.00"), D("50.00"), D("0.6250")),
    ]


def test_from_after_to_is_refused(firm: Path) -> None:
    with pytest.raises(WindowError, match="is after --to"):
        workspace_utilization(firm, AS_OF, W2, W1, Period.WEEK)


def test_cli_json_and_table(firm: Path) -> None:
    args = ["report", "utilization", str(firm), "--as-of", AS_OF.isoformat()]
    window = ["--from", W1.isoformat(), "--to", "2026-10-18"]
    out = CliRunner().invoke(app, [*args, *window, "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["as_of"] == "2026-10-19"
    assert data["rows"][1] == {
        "person": "LM",
        "period": "2026-10-12",
        "capacity": "40.00",
        "leave": "16.00",
        "available": "24.00",
        "billable": "20.00",
        "non_billable": "4.00",
        "utilization": "0.8333",
        "target": "0.8",
    }
    assert [r["person"] for r in data["rows"]] == ["LM", "LM", "NEW", "PK", "PK"]
    text = CliRunner().invoke(app, [*args, *window], env={"COLUMNS": "60"})
    assert text.exit_code == 0, text.output
    assert "83.3 %" in text.stdout and "16.00" in text.stdout
    assert "Org: 72.00 h billable of 128.00 h available" in text.stdout
    assert "56.3 % against 79.4 %"  # 0.5625 half-up in text.stdout
    assert "Bench: NEW (0.0 % against 85.0 %), PK (55.0 % against 75.0 %)" in " ".join(
        text.stdout.split()
    )
    monthly = CliRunner().invoke(app, [*args, "--by", "month", "--json"])
    assert monthly.exit_code == 0, monthly.output
    assert {r["period"] for r in json.loads(monthly.stdout)["rows"]} == {
        "2026-08-01",
        "2026-09-01",
        "2026-10-01",
    }


def test_cli_refuses_a_bad_period_and_a_folder_that_is_no_workspace(tmp_path: Path) -> None:
    bad = CliRunner().invoke(app, ["report", "utilization", str(tmp_path), "--by", "year"])
    assert bad.exit_code == 2 and "--by must be one of week, month" in bad.output
    empty = tmp_path / "empty"
    empty.mkdir()
    out = CliRunner().invoke(app, ["report", "utilization", str(empty)])
    assert out.exit_code == 2 and "not a psos workspace" in out.output


def test_cli_xlsx_is_written_and_sync_passes_over_it(tmp_path: Path) -> None:
    root = build(tmp_path / "firm")
    out = root / "reports" / "utilization.xlsx"
    args = ["report", "utilization", str(root), "--as-of", AS_OF.isoformat(), "--xlsx", str(out)]
    done = CliRunner().invoke(app, args)
    assert done.exit_code == 0, done.output
    assert "Wrote" in done.stdout and out.is_file()
    again = sync_workspace(root)  # psos' own output: passed over, never an issue
    assert not [i for i in again.issues if "utilization.xlsx" in str(i.location)]
    assert (again.rows, again.rejected_rows) == (0, 0)
    assert sync_workspace(root).read == 0  # recorded as ignored: never read again
    refused = CliRunner().invoke(app, [*args[:-1], str(root / "catalog.xlsx")])
    assert refused.exit_code == 2 and "is not a psos report" in refused.output
