"""The demo firm moved in time: every date by whole weeks, nothing else."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from psos_xl.demo import demo_firm
from psos_xl.demo.shift import LAST_WEEK, shifted, weeks_until


def test_the_last_week_of_time_becomes_the_last_complete_week() -> None:
    assert date(2026, 10, 26) == LAST_WEEK
    assert weeks_until(date(2026, 11, 2)) == 0  # the week of 10-26 just ended
    assert weeks_until(date(2026, 11, 1)) == 0  # never backwards
    assert weeks_until(date(2020, 1, 1)) == 0
    # Sunday 12-06: the week of 11-30 is not over, the last complete one is 11-23
    assert weeks_until(date(2026, 12, 6)) == 4
    assert weeks_until(date(2026, 12, 7)) == 5


def test_every_date_moves_and_every_hour_stays() -> None:
    firm = demo_firm()
    moved = shifted(firm, 4)
    delta = timedelta(weeks=4)
    assert shifted(firm, 0) is firm
    before = sorted(
        (ts.person, e.date, e.engagement, e.deliverable, e.hours) for ts, e in firm.entries()
    )
    after = sorted(
        (ts.person, e.date - delta, e.engagement, e.deliverable, e.hours)
        for ts, e in moved.entries()
    )
    assert before == after
    weeks = {ts.week for ts in firm.timesheets.values()}
    assert {ts.week for ts in moved.timesheets.values()} == {w + delta for w in weeks if w}
    for (rel, ts), (new, moved_ts) in zip(
        firm.timesheets.items(), moved.timesheets.items(), strict=True
    ):
        assert ts.week is not None and moved_ts.week == ts.week + delta
        assert new == rel.with_name(rel.name.replace(str(ts.week), str(ts.week + delta)))
    for rel, scope in firm.scopes.items():
        info, now = scope.info, moved.scopes[rel].info
        assert info.start_date and now.start_date == info.start_date + delta
        assert info.end_date and now.end_date == info.end_date + delta
        for d, m in zip(scope.deliverables, moved.scopes[rel].deliverables, strict=True):
            assert m.completed_on == (d.completed_on + delta if d.completed_on else None)
            assert (m.sku, m.quantity) == (d.sku, d.quantity)
    rates = [(r.role, r.effective_from + delta, r.cost_rate) for r in firm.catalog.roles]
    assert [(r.role, r.effective_from, r.cost_rate) for r in moved.catalog.roles] == rates
    assert [p.start_date for p in moved.catalog.people] == [
        p.start_date + delta if p.start_date else None for p in firm.catalog.people
    ]
    assert firm.plant is not None and moved.plant is not None
    assert (
        moved.plant.path == Path(str(firm.plant.path).replace("2026-10-19", "2026-11-16"))
        and moved.plant.text == firm.plant.text
    )
    # the Draft's chance is kept (it is no date)
    mer = next(s for s in moved.scopes.values() if s.info.engagement == "MER-01")
    assert mer.info.probability == Decimal("0.6")
