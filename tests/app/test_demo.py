"""The demo firm: believable content, deterministic, written as readable workbooks."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from psos_xl.app.validate import validate_path
from psos_xl.demo import DemoFirm, DemoSummary, build_demo, demo_firm, write_demo
from psos_xl.demo.engagements import SKU_BIAS
from psos_xl.demo.sample import init_workspace
from psos_xl.errors import Code, PsosError
from psos_xl.models import INTERNAL, LEAVE, RESERVED_ENGAGEMENTS, Status
from psos_xl.pricing import estimate_hours
from psos_xl.workbook import spec
from psos_xl.workbook.readers import read_scope, read_timesheet

Actuals = dict[tuple[str, str, str], Decimal]  # (engagement, deliverable, role) → hours


@pytest.fixture(scope="module")
def firm() -> DemoFirm:
    return demo_firm(7)


@pytest.fixture(scope="module")
def actuals(firm: DemoFirm) -> Actuals:
    out: Actuals = defaultdict(Decimal)
    for _ts, e in firm.entries():
        out[(e.engagement, e.deliverable, e.role)] += e.hours
    return out


def _status(firm: DemoFirm) -> dict[str, Status | None]:
    return {s.info.engagement: s.info.status for s in firm.scopes.values()}


def test_the_firm_has_history_and_work_in_progress(firm: DemoFirm) -> None:
    statuses = Counter(_status(firm).values())
    assert statuses[Status.COMPLETED] >= 3
    assert statuses[Status.ACTIVE] >= 2
    assert statuses[Status.DRAFT] >= 1 and statuses[Status.LOST] >= 1
    models = {s.info.billing_model for s in firm.scopes.values()}
    assert len(models) == 4  # every billing model
    weeks = {ts.week for ts in firm.timesheets.values()}
    people = {ts.person for ts in firm.timesheets.values()}
    assert len(weeks) >= 12 and len(people) >= 8
    assert len(firm.timesheets) == len(weeks) * len(people)  # nobody skips a week
    for path, ts in firm.timesheets.items():
        assert path == Path("timesheets") / ts.person / f"{ts.person}-{ts.week}.xlsx"


def test_scopes_are_complete(firm: DemoFirm) -> None:
    catalog = firm.catalog
    overrides = 0
    for path, scope in firm.scopes.items():
        info = scope.info
        assert path == Path("scopes") / f"{info.engagement}.xlsx"
        assert info.client and info.title and info.start_date and info.end_date
        assert info.start_date < info.end_date
        assert 3 <= len(scope.deliverables) <= 8
        assert 2 <= len(scope.assumptions) <= 5
        assert all(a.owner and a.impact_if_false for a in scope.assumptions)
        assert {d.sku for d in scope.deliverables} <= catalog.sku_codes()
        codes = set(catalog.risk_uplifts())
        assert set(info.risks) <= codes
        assert all(set(d.risks) <= codes for d in scope.deliverables)
        if info.billing_model == "Milestone":
            assert all(d.milestone for d in scope.deliverables)
        overrides += len(scope.overrides)
    assert overrides >= 1
    assert any(d.risks for s in firm.scopes.values() for d in s.deliverables)
    assert any(s.info.risks for s in firm.scopes.values())


def test_same_seed_same_firm_other_seed_other_week(firm: DemoFirm) -> None:
    again = demo_firm(7)
    assert again == firm
    other = demo_firm(8)
    assert other.scopes == firm.scopes  # the sold work is fixed; how it went varies
    assert other.timesheets != firm.timesheets


def test_nobody_works_impossible_hours(firm: DemoFirm) -> None:
    per_day: dict[tuple[str, date], Decimal] = defaultdict(Decimal)
    per_week: dict[tuple[str, date | None], Decimal] = defaultdict(Decimal)
    for ts, e in firm.entries():
        assert e.hours > 0
        assert e.hours * 4 == int(e.hours * 4), e  # quarter-hours
        assert ts.week is not None and ts.week <= e.date <= ts.week + timedelta(days=6)
        per_day[(ts.person, e.date)] += e.hours
        per_week[(ts.person, ts.week)] += e.hours
    assert max(per_day.values()) <= 24
    assert max(per_week.values()) <= 60
    capacity = {p.person: p.capacity_hours_per_week for p in firm.catalog.people}
    assert all(h <= capacity[p] for (p, _w), h in per_week.items())  # a contracted week


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_other_seeds_give_a_workable_firm_too(seed: int) -> None:
    other = demo_firm(seed)
    per_day: dict[tuple[str, date], Decimal] = defaultdict(Decimal)
    for ts, e in other.entries():
        per_day[(ts.person, e.date)] += e.hours
    assert max(per_day.values()) <= 10
    assert other.plant is not None


def test_rows_follow_the_timesheet_contract(firm: DemoFirm) -> None:
    roles = {p.person: p.role for p in firm.catalog.people}
    status = _status(firm)
    deliverables = {
        (s.info.engagement, d.deliverable) for s in firm.scopes.values() for d in s.deliverables
    }
    for ts, e in firm.entries():
        assert e.role == roles[ts.person], e
        if e.engagement in RESERVED_ENGAGEMENTS:
            assert e.deliverable == "" and e.billable is False, e
        else:
            assert status[e.engagement] in (Status.ACTIVE, Status.COMPLETED), e
            assert (e.engagement, e.deliverable) in deliverables, e
            assert e.billable is True, e


def test_work_happens_within_the_engagement(firm: DemoFirm) -> None:
    dates = {s.info.engagement: (s.info.start_date, s.info.end_date) for s in firm.scopes.values()}
    for _ts, e in firm.entries():
        if e.engagement not in RESERVED_ENGAGEMENTS:
            start, end = dates[e.engagement]
            assert start is not None and end is not None
            assert start <= e.date <= end, e


@pytest.mark.parametrize("seed", [7, 1, 2, 3])
def test_every_row_may_be_booked(seed: int) -> None:
    """No demo row is one the who-may-book rules reject or warn about: the engagement's
    status and dates, the person in People and employed that day."""
    from psos_xl.loader import engagement_of
    from psos_xl.rules import RuleContext, run_rules
    from psos_xl.rules import timesheet as rules

    other = demo_firm(seed)
    engagements = {s.info.engagement: engagement_of(s) for s in other.scopes.values()}
    ctx = RuleContext(catalog=other.catalog, engagements=engagements)
    who = {
        Code.ENGAGEMENT_NOT_BOOKABLE,
        Code.BOOKING_AFTER_CLOSE,
        Code.BOOKING_AFTER_END,
        Code.UNKNOWN_PERSON,
    }
    found = [
        i
        for ts in other.timesheets.values()
        for i in run_rules(rules.RULES, ts, ctx)
        if i.code in who
    ]
    assert found == []


def test_leave_and_internal_time_are_there(firm: DemoFirm) -> None:
    leave = [(ts.person, e) for ts, e in firm.entries() if e.engagement == LEAVE]
    assert any(e.note == "Sick" for _p, e in leave)
    holiday_weeks = Counter(
        (p, e.date - timedelta(days=e.date.weekday())) for p, e in leave if e.note == "Holiday"
    )
    assert 5 in holiday_weeks.values()  # somebody took a whole week off
    assert sum(e.hours for _ts, e in firm.entries() if e.engagement == INTERNAL) > 0


def test_completed_work_is_the_estimate_times_the_sku_bias(
    firm: DemoFirm, actuals: Actuals
) -> None:
    compared = 0
    for scope in firm.scopes.values():
        if scope.info.status is not Status.COMPLETED:
            continue
        skus = {d.deliverable: d.sku for d in scope.deliverables}
        for (deliverable, role), estimate in estimate_hours(firm.catalog, scope).items():
            expected = estimate * SKU_BIAS[skus[deliverable]]
            actual = actuals[(scope.info.engagement, deliverable, role)]
            assert abs(actual - expected) <= expected * Decimal("0.06") + Decimal("0.25"), (
                scope.info.engagement,
                deliverable,
                role,
                actual,
                expected,
            )
            compared += 1
    assert compared >= 30


def test_active_engagements_are_part_way_and_some_cross_alerts(
    firm: DemoFirm, actuals: Actuals
) -> None:
    burns: list[Decimal] = []
    for scope in firm.scopes.values():
        if scope.info.status is not Status.ACTIVE:
            continue
        estimate = estimate_hours(firm.catalog, scope)
        done = sum(
            (actuals[(scope.info.engagement, d, r)] for d, r in estimate),
            Decimal(0),
        )
        assert Decimal("0.3") <= done / sum(estimate.values()) <= Decimal("1.1"), scope.info
        burns.extend(
            actuals[(scope.info.engagement, d, r)] / hours for (d, r), hours in estimate.items()
        )
    assert any(b >= 1 for b in burns)  # past the 100 % alert
    assert any(Decimal("0.8") <= b < Decimal("0.9") for b in burns)
    assert any(Decimal("0.9") <= b < 1 for b in burns)
    assert max(burns) <= Decimal("1.25")


def test_some_travel_is_expensed_on_client_work(firm: DemoFirm) -> None:
    status = _status(firm)
    expenses = [x for ts in firm.timesheets.values() for x in ts.expenses]
    assert 3 <= len(expenses) <= 100
    for x in expenses:
        assert status[x.engagement] in (Status.ACTIVE, Status.COMPLETED)
        assert x.category in spec.EXPENSE_CATEGORIES and x.amount > 0 and x.currency == "EUR"
    assert any(x.category == "Travel" for x in expenses)


def test_the_planted_row_is_active_recent_work(firm: DemoFirm) -> None:
    assert firm.plant is not None
    entry = firm.timesheets[firm.plant.path].entries[firm.plant.index]
    assert _status(firm)[entry.engagement] is Status.ACTIVE
    assert "," in firm.plant.text
    assert Decimal(firm.plant.text.replace(",", ".")) == entry.hours


# --- written -------------------------------------------------------------------------


def _small(firm: DemoFirm) -> DemoFirm:
    """All scopes, but only the timesheets of the planted person and one other, so
    writing takes a second; write_demo is what build_demo runs on the whole firm."""
    assert firm.plant is not None
    planted = firm.timesheets[firm.plant.path].person
    keep = {planted, next(ts.person for ts in firm.timesheets.values() if ts.person != planted)}
    timesheets = {p: ts for p, ts in firm.timesheets.items() if ts.person in keep}
    return replace(firm, timesheets=timesheets)


@pytest.fixture(scope="module")
def written(firm: DemoFirm, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DemoSummary]:
    root = tmp_path_factory.mktemp("demo") / "northwind"
    return root, write_demo(root, _small(firm))


def test_scopes_read_back_as_written(firm: DemoFirm, written: tuple[Path, DemoSummary]) -> None:
    root, _summary = written
    for rel, scope in firm.scopes.items():
        back, issues = read_scope(root / rel)
        assert issues == []
        assert back is not None
        assert back.model_dump(exclude={"workbook"}) == scope.model_dump(exclude={"workbook"})


def test_timesheets_read_back_as_written(firm: DemoFirm, written: tuple[Path, DemoSummary]) -> None:
    root, _summary = written
    assert firm.plant is not None
    small = _small(firm)
    for rel, ts in small.timesheets.items():
        back, issues = read_timesheet(root / rel)
        assert back is not None
        entries = [e.model_dump() for e in ts.entries]
        if rel == firm.plant.path:
            assert len(issues) == 1
            del entries[firm.plant.index]  # the reader leaves the bad row out
        else:
            assert issues == []
        assert [e.model_dump() for e in back.entries] == entries
        assert [x.model_dump() for x in back.expenses] == [x.model_dump() for x in ts.expenses]
        assert (back.person, back.week) == (ts.person, ts.week)


def test_timesheet_dropdowns_offer_the_engagements_of_their_week(
    firm: DemoFirm, written: tuple[Path, DemoSummary]
) -> None:
    import openpyxl

    root, _summary = written
    for rel, ts in list(_small(firm).timesheets.items())[::5]:
        wb = openpyxl.load_workbook(root / rel, read_only=True)
        lists = wb[spec.LISTS_SHEET]
        header = [c.value for c in next(lists.iter_rows(min_row=1, max_row=1))]
        column = header.index("Engagements")
        offered = {row[column] for row in lists.iter_rows(min_row=2, values_only=True)}
        wb.close()
        assert {e.engagement for e in ts.entries} <= offered, rel
        assert "MER-01" not in offered and "KES-01" not in offered  # Draft, Lost


def test_the_planted_row_is_reported_where_the_summary_says(
    written: tuple[Path, DemoSummary],
) -> None:
    root, summary = written
    planted = summary.planted_issue
    assert planted is not None
    _ts, issues = read_timesheet(root / planted.path, display=planted.path.as_posix())
    assert [(i.code, str(i.location)) for i in issues] == [(Code.NOT_A_NUMBER, planted.location)]
    assert f"'{planted.value}'" in issues[0].message
    text = "\n".join(summary.lines())
    assert "deliberately wrong" in text and planted.location in text


def test_validating_the_demo_finds_only_the_planted_row(
    written: tuple[Path, DemoSummary],
) -> None:
    root, summary = written
    assert summary.planted_issue is not None
    issues = validate_path(root)
    assert [(i.code, str(i.location)) for i in issues] == [
        (Code.NOT_A_NUMBER, summary.planted_issue.location)
    ]


def test_summary_counts_what_was_written(firm: DemoFirm, written: tuple[Path, DemoSummary]) -> None:
    root, summary = written
    small = _small(firm)
    assert summary.root == root.resolve()
    assert summary.name == firm.name
    assert summary.engagements == {"Draft": 1, "Active": 3, "Completed": 4, "Lost": 1}
    assert summary.timesheets == len(small.timesheets) == len(list(root.rglob("*-2026-*.xlsx")))
    assert summary.people == 2
    assert summary.time_rows == sum(len(ts.entries) for ts in small.timesheets.values())
    assert summary.total_hours == sum((e.hours for _ts, e in small.entries()), Decimal(0))
    assert summary.first_week == date(2026, 7, 6)
    assert summary.to_json()["planted_issue"]["code"] == "NOT_A_NUMBER"
    assert len(summary.scopes) == len(firm.scopes)


def test_build_demo_refuses_an_existing_workspace(tmp_path: Path) -> None:
    init_workspace(tmp_path)
    with pytest.raises(PsosError, match="already holds a workspace"):
        build_demo(tmp_path)
