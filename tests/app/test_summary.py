"""``psos report`` alone: the one screen over the hand-computed firm of tests/econfirm.py,
as of 2026-11-30, with timesheets expected from its first week."""

from __future__ import annotations

from pathlib import Path

import econfirm
import pytest
from cli.run import assert_json_convention, psos, psos_json

from psos_xl.app.summary import workspace_summary


@pytest.fixture(scope="module")
def firm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = econfirm.build(tmp_path_factory.mktemp("summary") / "firm")
    toml = root / "psos.toml"
    text = toml.read_text().replace('track_from = ""', f'track_from = "{econfirm.W1}"')
    assert f'track_from = "{econfirm.W1}"' in text
    toml.write_text(text)
    return root


def test_the_one_screen_adds_up_the_detailed_reports(firm: Path) -> None:
    data = workspace_summary(firm, econfirm.AS_OF).to_json()
    u = data["utilization"]
    # the four complete weeks before Monday 11-30: capacity AN 160 + BO 80 + CY 160;
    # CY's 16 h of leave; billable AN 8+8+4+6+5, BO 10+10+12+8, CY 20+8+10+6 = 115 h;
    # non-billable AN's INTERNAL 3 h and TM-01 2 h
    assert (u["from"], u["to"]) == ("2026-11-02", "2026-11-29")
    assert (u["capacity"], u["leave"], u["available"]) == ("400.00", "16.00", "384.00")
    assert (u["billable"], u["non_billable"]) == ("115.00", "5.00")
    # 115 ÷ 384; target (0.80×160 + 0.70×80 + 0.85×144) ÷ 384 = 306.4 ÷ 384
    assert (u["utilization"], u["target"]) == ("0.2995", "0.7979")
    # the margin report's totals (tests/economics/test_margin_burn.py)
    assert (data["revenue"], data["cost"], data["margin"]) == ("9076.00", "5340.00", "0.4116")
    assert data["forecast_margin"] == "0.4097"
    assert data["currency"] == "EUR"
    risk = {r["engagement"]: r["reasons"] for r in data["at_risk"]}
    assert risk == {
        "FF-01": ["EAC over budget"],
        "MS-01": ["EAC over budget", "overdue since 2026-11-27"],
        "RT-01": ["EAC over budget"],
        "TM-01": ["≥100%"],
    }
    ms = next(r for r in data["at_risk"] if r["engagement"] == "MS-01")
    assert (ms["workbook"], ms["hours_pct"], ms["cost_pct"]) == (
        "scopes/MS-01.xlsx",
        "0.8667",
        "0.8923",
    )
    # everyone booked on TM-01, Active until 12-31: nobody is on the bench
    assert data["bench"] == []
    # every week of the three is in, and none holds the person's capacity
    assert (data["missing_timesheets"], data["short_weeks"]) == (0, 12)


def test_a_week_in_fewer_are_at_risk_and_the_window_moves(firm: Path) -> None:
    data = workspace_summary(firm, econfirm.W2).to_json()
    assert data["utilization"]["from"] == "2026-10-12"
    assert data["utilization"]["billable"] == "46.00"  # AN 8+8, BO 10, CY 20 in the week of 11-02
    risk = {r["engagement"]: r["reasons"] for r in data["at_risk"]}
    # by Monday 11-09: FF-01 28 h at 50 % done → EAC 56 h × 40 = 2240 > 1600 sold; MS-01 D1
    # 12 h of 10 (600) + D2's 800 still to come = 1400 > 1300, not overdue before 11-27;
    # TM-01 28 of 40 h (70 %), RT-01 nothing booked
    assert risk == {"FF-01": ["EAC over budget"], "MS-01": ["EAC over budget"]}


def test_psos_report_alone_prints_the_one_screen_and_the_reports_still_answer(
    firm: Path,
) -> None:
    shown = psos("report", firm, "--as-of", econfirm.AS_OF.isoformat())
    assert shown.returncode == 0, shown.stderr
    for words in ("Utilization", "30.0 % against 79.8 %", "9,076.00 EUR", "MS-01", "overdue"):
        assert words in shown.stdout, (words, shown.stdout)
    data = psos_json("report", firm, "--as-of", econfirm.AS_OF.isoformat(), "--json")
    assert_json_convention(data)
    assert data["revenue"] == "9076.00"
    util = psos_json("report", "utilization", firm, "--as-of", "2026-11-30", "--json")
    assert util["as_of"] == "2026-11-30"
    helped = psos("report", "--help")
    assert helped.returncode == 0
    assert "margin" in helped.stdout and "utilization" in helped.stdout


def test_a_completed_engagement_is_history_not_a_risk() -> None:
    from datetime import date
    from decimal import Decimal

    from psos_xl import models as m
    from psos_xl.app.summary import _at_risk
    from psos_xl.economics.burn import BurnLine

    def scope(code: str, status: m.Status) -> m.Scope:
        info = m.ScopeInfo(engagement=code, status=status, end_date=date(2026, 11, 1))
        return m.Scope(workbook=f"scopes/{code}.xlsx", info=info)

    def line(code: str) -> BurnLine:
        one = Decimal("1.1")
        return BurnLine(code, "", "", one, one, one, one, one, one, one, "≥100%")

    scopes = {"A": scope("A", m.Status.COMPLETED), "B": scope("B", m.Status.ACTIVE)}
    risky = _at_risk([line("A"), line("B")], scopes, date(2026, 11, 30))
    assert [(r.engagement, r.reasons) for r in risky] == [
        ("B", ("≥100%", "overdue since 2026-11-01"))
    ]


def test_psos_report_completeness_writes_its_workbook(firm: Path, tmp_path: Path) -> None:
    import openpyxl

    out = tmp_path / "completeness.xlsx"
    run = psos("report", "completeness", firm, "--as-of", "2026-11-30", "--xlsx", out)
    assert run.returncode == 1  # short weeks
    assert f"Wrote {out}" in run.stdout
    ws = openpyxl.load_workbook(out)["Completeness"]
    (table,) = ws.tables.values()
    rows = [[c.value for c in row] for row in ws[table.ref]]
    assert rows[0] == ["Person", "Week", "Code", "Booked", "Capacity"]
    # twelve short weeks: three people × four weeks, none at capacity
    assert len(rows) == 13 and {r[2] for r in rows[1:]} == {"SHORT_WEEK"}
    assert rows[1][:3] == ["AN", rows[1][1], "SHORT_WEEK"] and rows[1][3] == 16
