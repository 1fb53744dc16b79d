"""Utilization per person and period, the org line and the bench (DESIGN §13), each
figure against a hand computation on three people: LM full-time with LEAVE, PK
part-time (20 h), NEW starting on a Wednesday."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pandas as pd

from psos_xl.economics.utilization import (
    TIME_COLUMNS,
    Line,
    Period,
    by_person,
    engagements_ahead,
    hours_of,
    hundredths,
    period_start,
    utilization,
    window,
)
from psos_xl.models import Engagement, Person

W1, W2 = date(2026, 10, 5), date(2026, 10, 12)
AS_OF = date(2026, 10, 19)
D = Decimal
PEOPLE = [
    Person(
        person="LM",
        role="DEV",
        capacity_hours_per_week=D(40),
        utilization_target=D("0.8"),
        start_date=date(2026, 1, 5),
    ),
    Person(person="PK", role="SA", capacity_hours_per_week=D(20), utilization_target=D("0.75")),
    Person(
        person="NEW",
        role="DEV",
        capacity_hours_per_week=D(40),
        utilization_target=D("0.85"),
        start_date=date(2026, 10, 14),  # the Wednesday of W2
    ),
]


def day(week: date, n: int) -> date:
    return week + timedelta(days=n)


def frame(rows: list[tuple[str, date, str, bool, str]]) -> pd.DataFrame:
    """A time frame from literal rows (hours as text, turned into hundredths)."""
    return pd.DataFrame(
        [(p, d, e, b, hundredths(D(h))) for p, d, e, b, h in rows], columns=list(TIME_COLUMNS)
    )


ROWS = [
    # LM, W1: 30 billable on ACME, 4 non-billable on ACME, 6 INTERNAL
    *[("LM", day(W1, n), "ACME", True, "6") for n in range(5)],
    ("LM", day(W1, 0), "ACME", False, "4"),
    ("LM", day(W1, 1), "INTERNAL", False, "6"),
    # LM, W2: two days of LEAVE, 20 billable, 4 INTERNAL
    ("LM", day(W2, 0), "LEAVE", False, "8"),
    ("LM", day(W2, 1), "LEAVE", False, "8"),
    *[("LM", day(W2, n), "ACME", True, "6.5") for n in (2, 3)],
    ("LM", day(W2, 4), "ACME", True, "7"),
    ("LM", day(W2, 4), "INTERNAL", False, "4"),
    # PK (20 h a week), only on OLD, which is Completed
    ("PK", day(W1, 0), "OLD", True, "10"),
    ("PK", day(W1, 1), "INTERNAL", True, "6"),  # INTERNAL is never billable
    ("PK", day(W2, 0), "OLD", True, "12"),
    ("PK", day(W2, 1), "INTERNAL", False, "8"),
    # NEW starts on W2's Wednesday: 3 days, all INTERNAL
    *[("NEW", day(W2, n), "INTERNAL", False, "8") for n in (2, 3, 4)],
    # outside the window: not counted
    ("LM", day(W2, 7), "ACME", True, "8"),
]
TIME = frame(ROWS)
ENGAGEMENTS = [
    Engagement("ACME", "Active", date(2026, 9, 1), frozenset()),
    Engagement("OLD", "Completed", date(2026, 1, 1), frozenset()),
]


def line(person: str, period: date | None, *figures: str) -> Line:
    cap, leave, avail, bill, non, util, target = figures
    return Line(
        person,
        period,
        D(cap),
        D(leave),
        D(avail),
        D(bill),
        D(non),
        D(util) if util else None,
        D(target) if target else None,
    )


WEEK_LINES = [
    line("LM", W1, "40.00", "0.00", "40.00", "30.00", "10.00", "0.7500", "0.8"),
    line("LM", W2, "40.00", "16.00", "24.00", "20.00", "4.00", "0.8333", "0.8"),
    # NEW has no capacity and no time in W1: no line
    line("NEW", W2, "24.00", "0.00", "24.00", "0.00", "24.00", "0.0000", "0.85"),
    line("PK", W1, "20.00", "0.00", "20.00", "10.00", "6.00", "0.5000", "0.75"),
    line("PK", W2, "20.00", "0.00", "20.00", "12.00", "8.00", "0.6000", "0.75"),
]
# 72 of 128 available; target (0.8 × 64 + 0.75 × 40 + 0.85 × 24) ÷ 128 = 0.79375
WEEK_ORG = line("", None, "144.00", "16.00", "128.00", "72.00", "52.00", "0.5625", "0.7938")
# LM is under target (50 of 64) but booked on ACME, Active: not on the bench
WEEK_BENCH = [
    line("NEW", None, "24.00", "0.00", "24.00", "0.00", "24.00", "0.0000", "0.85"),
    line("PK", None, "40.00", "0.00", "40.00", "22.00", "14.00", "0.5500", "0.75"),
]


def test_by_week_each_figure_as_computed_by_hand() -> None:
    result = utilization(PEOPLE, TIME, W1, day(W2, 6), Period.WEEK, AS_OF, {"ACME"})
    assert result.lines == WEEK_LINES
    assert result.org == WEEK_ORG
    assert result.bench == WEEK_BENCH


def test_by_month_a_period_counts_only_its_days_inside_the_window() -> None:
    start, end = date(2026, 9, 28), day(W2, 6)  # Mon 28 Sep .. Sun 18 Oct
    result = utilization(PEOPLE, TIME, start, end, Period.MONTH, AS_OF)
    sep, oct_ = date(2026, 9, 1), date(2026, 10, 1)
    assert result.lines == [
        line("LM", sep, "24.00", "0.00", "24.00", "0.00", "0.00", "0.0000", "0.8"),  # 3 days
        line("LM", oct_, "96.00", "16.00", "80.00", "50.00", "14.00", "0.6250", "0.8"),  # 12
        line("NEW", oct_, "24.00", "0.00", "24.00", "0.00", "24.00", "0.0000", "0.85"),
        line("PK", sep, "12.00", "0.00", "12.00", "0.00", "0.00", "0.0000", "0.75"),
        line("PK", oct_, "48.00", "0.00", "48.00", "22.00", "14.00", "0.4583", "0.75"),
    ]
    assert result.org.available == D(188) and result.org.billable == D(72)
    assert [b.person for b in result.bench] == ["LM", "NEW", "PK"]  # nothing ahead given


def test_leave_beyond_capacity_leaves_nothing_available_and_no_utilization() -> None:
    time = frame(
        [
            *[("PK", day(W1, n), "LEAVE", False, "8") for n in range(5)],  # 40 of 20
            ("PK", day(W1, 5), "OLD", True, "2"),  # a Saturday: booked, no capacity
        ]
    )
    (only,) = utilization(PEOPLE[1:2], time, W1, day(W1, 6), Period.WEEK, AS_OF).lines
    assert only == line("PK", W1, "20.00", "40.00", "0.00", "2.00", "0.00", "", "0.75")
    result = utilization(PEOPLE[1:2], time, W1, day(W1, 6), Period.WEEK, AS_OF)
    assert result.bench == [] and result.org.utilization is None


def test_someone_booking_without_a_people_row_shows_with_no_capacity() -> None:
    time = frame([("XX", W1, "ACME", True, "5")])
    result = utilization([], time, W1, day(W1, 6), Period.WEEK, AS_OF)
    assert result.lines == [line("XX", W1, "0.00", "0.00", "0.00", "5.00", "0.00", "", "")]
    assert result.org.target is None and result.bench == []


def test_no_time_at_all_gives_capacity_lines_and_an_empty_window_nothing() -> None:
    empty = frame([])
    result = utilization(PEOPLE[:1], empty, W1, day(W1, 6), Period.WEEK, AS_OF)
    assert result.lines == [
        line("LM", W1, "40.00", "0.00", "40.00", "0.00", "0.00", "0.0000", "0.8")
    ]
    assert [b.person for b in result.bench] == ["LM"]
    nobody = utilization([], empty, W1, day(W1, 6), Period.WEEK, AS_OF)
    assert nobody.lines == [] and nobody.bench == []
    assert nobody.org == line("", None, "0", "0", "0", "0", "0", "", "")


def test_the_bench_leaves_out_who_has_left_and_counts_open_or_future_end_dates() -> None:
    gone = Person(person="OUT", role="DEV", utilization_target=D("0.8"), end_date=date(2026, 10, 9))
    time = frame([("OUT", W1, "INTERNAL", False, "8")])
    assert utilization([gone], time, W1, day(W1, 6), Period.WEEK, AS_OF).bench == []
    ended = Engagement("END", "Sold", None, frozenset(), end_date=date(2026, 10, 18))
    later = Engagement("LATER", "Sold", None, frozenset(), end_date=AS_OF)
    draft = Engagement("DRAFT", "Draft", None, frozenset())
    assert engagements_ahead([*ENGAGEMENTS, ended, later, draft], AS_OF) == {"ACME", "LATER"}
    # demand ahead counts only time booked inside the window
    after = frame([*ROWS, ("PK", day(W2, 7), "ACME", True, "4")])
    result = utilization(PEOPLE, after, W1, day(W2, 6), Period.WEEK, AS_OF, {"ACME"})
    assert result.bench == WEEK_BENCH
    inside = frame([*ROWS, ("PK", day(W2, 6), "ACME", True, "4")])  # a Sunday, inside
    result = utilization(PEOPLE, inside, W1, day(W2, 6), Period.WEEK, AS_OF, {"ACME"})
    assert [b.person for b in result.bench] == ["NEW"]


def test_the_default_window_is_four_weeks_or_three_months_up_to_the_last_complete_week() -> None:
    assert window(AS_OF, Period.WEEK) == (date(2026, 9, 21), date(2026, 10, 18))
    assert window(date(2026, 10, 24), Period.WEEK) == (date(2026, 9, 21), date(2026, 10, 18))
    assert window(AS_OF, Period.MONTH) == (date(2026, 8, 1), date(2026, 10, 18))
    assert window(date(2027, 2, 10), Period.MONTH) == (date(2026, 12, 1), date(2027, 2, 7))
    assert window(AS_OF, Period.WEEK, end=date(2026, 10, 11)) == (
        W1 - timedelta(weeks=3),
        day(W1, 6),
    )
    assert window(AS_OF, Period.MONTH, start=W1) == (W1, date(2026, 10, 18))


def test_periods_hours_and_json() -> None:
    assert period_start(date(2026, 10, 18), Period.WEEK) == W2
    assert period_start(date(2026, 10, 18), Period.MONTH) == date(2026, 10, 1)
    assert hundredths(D("7.5")) == 750 and hundredths(D("0.125")) == 13
    assert hours_of(750) == D("7.50")
    assert line("LM", W1, "40", "0", "40", "30", "10", "0.7500", "0.8").to_json() == {
        "person": "LM",
        "period": "2026-10-05",
        "capacity": "40",
        "leave": "0",
        "available": "40",
        "billable": "30",
        "non_billable": "10",
        "utilization": "0.7500",
        "target": "0.8",
    }


def test_each_person_over_the_window_adds_their_weeks_up() -> None:
    report = utilization(PEOPLE, frame(ROWS), W1, day(W2, 6), Period.WEEK, AS_OF)
    people = {line.person: line for line in by_person(report.lines)}
    assert list(people) == sorted(people)
    for person, line in people.items():
        weeks = [x for x in report.lines if x.person == person]
        assert line.period is None
        assert line.billable == sum(x.billable for x in weeks)
        assert line.available == sum(x.available for x in weeks)
        assert line.target == weeks[0].target
    lm = people["LM"]
    assert (lm.billable, lm.available) == (D("50.00"), D("64.00"))
    assert lm.utilization == D("0.7813")  # 0.78125, half-up
    assert by_person([]) == []
