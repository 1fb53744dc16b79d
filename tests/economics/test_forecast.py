"""The forecast per role and week (DESIGN §13), each figure against a hand computation.

As of Wednesday 2026-12-02, 30 days: through Thursday 12-31, so five weeks (Mondays 11-30,
12-07, 12-14, 12-21, 12-28), the first counted from the Wednesday.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as hs

from psos_xl import models as m
from psos_xl.economics.forecast import (
    FIRM_COLUMNS,
    PIPELINE_COLUMNS,
    Line,
    Overdue,
    Share,
    firm_frame,
    forecast,
    horizon,
    spread,
    supply,
)
from psos_xl.economics.utilization import TIME_COLUMNS, hundredths
from psos_xl.models import Person

D = Decimal
AS_OF = date(2026, 12, 2)  # a Wednesday
W1, W2, W3, W4, W5 = (date(2026, 11, 30) + timedelta(weeks=i) for i in range(5))
PEOPLE = [
    Person(person="AN", role="SA", capacity_hours_per_week=D(40)),  # 8 h a day
    Person(person="BO", role="DE", capacity_hours_per_week=D(20)),  # 4 h a day
    # leaves the firm on Wednesday 12-16
    Person(person="CY", role="DE", capacity_hours_per_week=D(40), end_date=date(2026, 12, 16)),
    Person(person="DI", role="DE", capacity_hours_per_week=D(40)),
]


def time(rows: list[tuple[str, date, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [(p, d, e, False, hundredths(D(h))) for p, d, e, h in rows], columns=list(TIME_COLUMNS)
    )


TIME = time(
    [
        ("AN", date(2026, 12, 1), "LEAVE", "8"),  # the Tuesday before the as-of day: past
        ("AN", date(2026, 12, 3), "LEAVE", "8"),
        ("AN", date(2026, 12, 8), "LEAVE", "4"),
        ("AN", date(2026, 12, 9), "INTERNAL", "8"),  # not leave: capacity stays
        ("BO", date(2026, 12, 21), "LEAVE", "24"),  # more than BO's 20: BO gives 0, not −4
    ]
)


def work(rows: list[tuple[str, str, str, date | None, date | None]]) -> pd.DataFrame:
    return pd.DataFrame(
        [(e, r, hundredths(D(h)), s, end, f"scopes/{e}.xlsx") for e, r, h, s, end in rows],
        columns=list(FIRM_COLUMNS),
    )


FIRM = work(
    [
        # 13 working days from Wed 12-02 to Fri 12-18: 3 + 5 + 5
        ("E1", "SA", "30", date(2026, 11, 2), date(2026, 12, 18)),
        ("E1", "PM", "3", date(2026, 11, 2), date(2026, 12, 18)),  # nobody's role
        # starts ahead: Mon 12-14 to Tue 12-22, 7 working days: 5 + 2
        ("E2", "DE", "16", date(2026, 12, 14), date(2026, 12, 22)),
        ("E3", "DE", "10.5", date(2026, 10, 1), date(2026, 11, 27)),  # past EndDate
        ("E5", "DE", "0", date(2026, 10, 1), date(2026, 11, 27)),  # nothing left: no demand
    ]
)


def drafts(rows: list[tuple[str, str, str, date, date, str | None]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            (e, r, hundredths(D(h)), s, end, f"scopes/{e}.xlsx", None if p is None else D(p))
            for e, r, h, s, end, p in rows
        ],
        columns=list(PIPELINE_COLUMNS),
    )


DRAFTS = drafts(
    [
        # 20 h × 25 % = 5 h over 20 working days, 12-21 to Fri 2027-01-15
        ("P1", "SA", "20", date(2026, 12, 21), date(2027, 1, 15), "0.25"),
        ("P2", "DE", "40", date(2026, 12, 7), date(2027, 1, 15), None),  # no Probability
        ("P3", "DE", "12", date(2026, 11, 1), date(2026, 12, 4), "1"),  # Wed to Fri 12-04
    ]
)


def line(
    role: str,
    week: date,
    supply: str,
    demand: str,
    pipeline: str,
    gap: str,
    overdue: bool = False,
    engagements: tuple[Share, ...] = (),
    drafts: tuple[Share, ...] = (),
) -> Line:
    return Line(role, week, D(supply), D(demand), D(pipeline), D(gap), overdue, engagements, drafts)


def s(engagement: str, hours: str, overdue: bool = False) -> Share:
    return Share(engagement, D(hours), overdue)


LINES = [
    # DE supply: W1 from Wednesday: BO 3 × 4 + CY 3 × 8 + DI 3 × 8 = 60;
    # W3: CY works Mon–Wed (24) = 20 + 24 + 40 = 84; W4: BO 20 − 24 → 0, CY gone, DI 40.
    # E2: 1600 hundredths × 5/7 = 1142.86 → 11.43, then 16 − 11.43 = 4.57.
    # P3: 12 h × 1 in W1, its only working days.
    line(
        "DE", W1, "60", "10.50", "12.00", "49.50", True, (s("E3", "10.50", True),), (s("P3", "12"),)
    ),
    line("DE", W2, "100", "0", "0", "100"),
    line("DE", W3, "84", "11.43", "0", "72.57", engagements=(s("E2", "11.43"),)),
    line("DE", W4, "40", "4.57", "0", "35.43", engagements=(s("E2", "4.57"),)),
    line("DE", W5, "60", "0", "0", "60"),
    # E1 PM 3 h over 13 days: 300 × 3/13 = 69.2 → 0.69; × 8/13 = 184.6 → 1.85 − 0.69 = 1.16;
    # 3 − 1.85 = 1.15
    line("PM", W1, "0", "0.69", "0", "-0.69", engagements=(s("E1", "0.69"),)),
    line("PM", W2, "0", "1.16", "0", "-1.16", engagements=(s("E1", "1.16"),)),
    line("PM", W3, "0", "1.15", "0", "-1.15", engagements=(s("E1", "1.15"),)),
    line("PM", W4, "0", "0", "0", "0"),
    line("PM", W5, "0", "0", "0", "0"),
    # SA supply: W1 Wed–Fri 24 − 8 LEAVE on Thursday = 16; W2 40 − 4 = 36.
    # E1 SA 30 h over 13 days: 3000 × 3/13 = 692.3 → 6.92; × 8/13 = 1846.2 → 18.46 − 6.92 =
    # 11.54; 30 − 18.46 = 11.54. P1: 5 h over 20 days, 1.25 a week.
    line("SA", W1, "16", "6.92", "0", "9.08", engagements=(s("E1", "6.92"),)),
    line("SA", W2, "36", "11.54", "0", "24.46", engagements=(s("E1", "11.54"),)),
    line("SA", W3, "40", "11.54", "0", "28.46", engagements=(s("E1", "11.54"),)),
    line("SA", W4, "40", "0", "1.25", "40", drafts=(s("P1", "1.25"),)),
    line("SA", W5, "40", "0", "1.25", "40", drafts=(s("P1", "1.25"),)),
]


def test_the_horizon_is_the_weeks_that_cover_the_days() -> None:
    assert horizon(AS_OF, 30) == [W1, W2, W3, W4, W5]
    assert horizon(date(2026, 11, 30), 7) == [W1]
    assert horizon(date(2026, 11, 30), 8) == [W1, W2]
    assert len(horizon(AS_OF, 90)) == 14  # 12-02 + 89 days = Tue 2027-03-02


def test_supply_is_capacity_less_leave_per_person_added_up_per_role() -> None:
    got = supply(PEOPLE, TIME, AS_OF, horizon(AS_OF, 30))["supply"]
    assert {k: v for k, v in got.items() if k[0] == "SA"} == {
        ("SA", W1): 1600,
        ("SA", W2): 3600,
        ("SA", W3): 4000,
        ("SA", W4): 4000,
        ("SA", W5): 4000,
    }
    assert [got[("DE", w)] for w in (W1, W2, W3, W4, W5)] == [6000, 10000, 8400, 4000, 6000]


def test_the_hand_computed_forecast() -> None:
    report = forecast(PEOPLE, TIME, FIRM, DRAFTS, AS_OF, 30)
    assert report.weeks == [W1, W2, W3, W4, W5]
    assert report.lines == LINES
    assert report.overdue == [Overdue("E3", "DE", D("10.50"), date(2026, 11, 27), "scopes/E3.xlsx")]
    assert report.unweighted == ["P2"]


def test_the_json_row() -> None:
    report = forecast(PEOPLE, TIME, FIRM, DRAFTS, AS_OF, 30)
    assert report.lines[0].to_json() == {
        "role": "DE",
        "week": "2026-11-30",
        "supply": "60.00",
        "demand": "10.50",
        "pipeline": "12.00",
        "gap": "49.50",
        "overdue": True,
        "engagements": [{"engagement": "E3", "hours": "10.50", "overdue": True}],
        "drafts": [{"engagement": "P3", "hours": "12.00"}],
    }


def test_no_working_day_left_is_overdue_and_no_end_runs_to_the_horizon() -> None:
    saturday = date(2026, 12, 5)
    weeks = horizon(saturday, 30)
    rows = work(
        [
            ("WE", "SA", "6", None, date(2026, 12, 6)),  # ends the Sunday after: no day left
            ("OPEN", "SA", "10", None, None),  # no EndDate: Mon 12-07 to Sun 01-03, 20 days
        ]
    )
    got = spread(rows, saturday, weeks)
    assert list(got.itertuples(index=False, name=None)) == [
        ("WE", "SA", date(2026, 11, 30), 600, True),
        ("OPEN", "SA", date(2026, 12, 7), 250, False),
        ("OPEN", "SA", date(2026, 12, 14), 250, False),
        ("OPEN", "SA", date(2026, 12, 21), 250, False),
        ("OPEN", "SA", date(2026, 12, 28), 250, False),
    ]


def test_nothing_to_forecast() -> None:
    empty = work([])
    report = forecast([], time([]), empty, drafts([]), AS_OF, 30)
    assert report.lines == [] and report.overdue == [] and report.unweighted == []


@given(
    hs.integers(min_value=1, max_value=10**7),
    hs.dates(date(2026, 11, 1), date(2027, 3, 1)),
    hs.integers(min_value=0, max_value=100),
)
def test_the_weeks_of_an_engagement_add_up_to_its_hours(
    hours: int, start: date, length: int
) -> None:
    as_of = date(2026, 11, 25)
    end = start + timedelta(days=length)
    got = spread(work([("E", "SA", str(D(hours) / 100), start, end)]), as_of, horizon(as_of, 200))
    assert int(got["hours"].sum()) == hours
    assert (got["hours"] > 0).all()
    per_week = got["hours"].tolist()
    if len(per_week) > 2:  # evenly: full weeks differ by a rounding at most
        full = per_week[1:-1]
        assert max(full) - min(full) <= 1


@pytest.mark.parametrize("days", [30, 90])
def test_every_role_has_every_week(days: int) -> None:
    report = forecast(PEOPLE, TIME, FIRM, DRAFTS, AS_OF, days)
    assert len(report.lines) == 3 * len(report.weeks)
    assert sum(x.demand for x in report.lines) == D("59.50")  # 30 + 3 + 16 + 10.5, all ahead


def test_remaining_hours_are_added_up_per_engagement_and_role_of_firm_work() -> None:
    def scope(code: str, status: m.Status) -> m.Scope:
        info = m.ScopeInfo(
            engagement=code, status=status, start_date=W1, end_date=date(2026, 12, 18)
        )
        return m.Scope(workbook=f"scopes/{code}.xlsx", info=info)

    scopes = {
        "A": scope("A", m.Status.ACTIVE),
        "S": scope("S", m.Status.SOLD),
        "C": scope("C", m.Status.COMPLETED),
    }
    remaining = [
        ("A", "SA", D("1.005")),  # two deliverables of A: 1.005 + 2 = 3.005 → 3.01
        ("A", "SA", D(2)),
        ("A", "DE", D(0)),
        ("S", "DE", D("4.5")),
        ("C", "DE", D(9)),  # Completed: not demand
        ("X", "DE", D(9)),  # no such scope
    ]
    got = firm_frame(remaining, scopes)
    assert list(got.itertuples(index=False, name=None)) == [
        ("A", "DE", 0, W1, date(2026, 12, 18), "scopes/A.xlsx"),
        ("A", "SA", 301, W1, date(2026, 12, 18), "scopes/A.xlsx"),
        ("S", "DE", 450, W1, date(2026, 12, 18), "scopes/S.xlsx"),
    ]
