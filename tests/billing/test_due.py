"""What is due on an engagement, computed by hand from literal rows (DESIGN §14)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import econfirm

from psos_xl.billing import Billing, Invoiced, LineKind, Row, Terms, due
from psos_xl.billing.changes import changed_entries
from psos_xl.billing.compute import credit_of
from psos_xl.billing.model import EXPENSES, TIME, number_text, parse_number
from psos_xl.errors import Code
from psos_xl.models import BillingModel, Deliverable
from psos_xl.pricing.quote import MilestoneShare, MonthShare

D = Decimal
W1 = econfirm.W1
THROUGH = date(2026, 11, 30)
TM = Terms("TM-01", BillingModel.TIME_AND_MATERIALS, D("0.10"), "EUR")


def time(person: str, day: date, role: str, hours: str, row: int, billable: bool = True) -> Row:
    week = day - timedelta(days=day.weekday())
    return Row(
        TIME,
        person,
        f"timesheets/{person}.xlsx",
        "Time",
        row,
        day,
        week,
        "TM-01",
        billable,
        role=role,
        deliverable="D1",
        hours=D(hours),
    )


def expense(amount: str, day: date = date(2026, 11, 4), billable: bool = True) -> Row:
    return Row(
        EXPENSES,
        "AN",
        "timesheets/AN.xlsx",
        "Expenses",
        4,
        day,
        W1,
        "TM-01",
        billable,
        category="Travel",
        amount=D(amount),
        currency="EUR",
    )


ROWS = [
    time("AN", date(2026, 11, 2), "SA", "8", 4),
    time("AN", date(2026, 11, 16), "SA", "6", 5),  # the new rate: 120
    time("AN", date(2026, 11, 23), "SA", "2", 6, billable=False),
    time("BO", date(2026, 11, 16), "DE", "12", 4),
    time("CY", date(2026, 11, 2), "DE", "20", 4),
    time("CY", date(2026, 11, 18), "DE", "10", 6),
    time("CY", date(2026, 12, 1), "DE", "5", 7),  # after the day
    expense("120.00"),
    expense("35.00", billable=False),
]


def invoiced(draft_lines: object, number: str = "INV-2026-0001") -> tuple[Invoiced, ...]:
    """The rows a draft's lines bill, as the store would keep them."""
    out = []
    for no, line in enumerate(draft_lines, start=1):  # type: ignore[arg-type]
        for b in line.billed:
            r = b.row
            out.append(
                Invoiced(number, no, r.table, r.person, r.path, r.sheet, r.row, r.content, b.amount)
            )
    return tuple(out)


def test_time_and_materials_by_role_and_rate_with_the_expense() -> None:
    draft = due(TM, econfirm.catalog(), ROWS, Billing(), THROUGH)
    got = [(x.kind, x.quantity, x.rate, x.amount) for x in draft.lines]
    assert got == [
        (LineKind.TIME, D("8.00"), D("90.00"), D("720.00")),
        (LineKind.TIME, D("6.00"), D("108.00"), D("648.00")),
        (LineKind.TIME, D("42.00"), D("72.00"), D("3024.00")),
        (LineKind.EXPENSE, D(1), D("120.00"), D("120.00")),
    ]
    assert draft.net == D("4512.00")
    assert draft.lines[2].entries == [
        "timesheets/BO.xlsx!Time!4",
        "timesheets/CY.xlsx!Time!4",
        "timesheets/CY.xlsx!Time!6",
    ]


def test_tax_is_the_rate_on_the_net_half_up() -> None:
    cat = econfirm.catalog()
    cat = cat.model_copy(
        update={"settings": cat.settings.model_copy(update={"tax_rate": D("0.19")})}
    )
    draft = due(TM, cat, [time("AN", date(2026, 11, 2), "SA", "0.33", 4)], Billing(), THROUGH)
    assert draft.net == D("29.70")  # 0.33 × 90
    assert draft.tax == D("5.64")  # 5.643
    assert draft.gross == D("35.34")


def test_what_was_invoiced_is_not_billed_again_even_moved() -> None:
    first = due(TM, econfirm.catalog(), ROWS, Billing(), THROUGH)
    done = Billing(invoiced(first.lines))
    assert not due(TM, econfirm.catalog(), ROWS, done, THROUGH).due
    moved = [replace(r, row=r.row + 10) for r in ROWS]  # the sheet sorted another way
    assert not due(TM, econfirm.catalog(), moved, done, THROUGH).lines
    later = due(TM, econfirm.catalog(), ROWS, done, date(2026, 12, 1))
    assert [(x.quantity, x.amount) for x in later.lines] == [(D("5.00"), D("360.00"))]


def test_an_edited_invoiced_row_is_credited_by_the_difference() -> None:
    first = due(TM, econfirm.catalog(), ROWS, Billing(), THROUGH)
    done = Billing(invoiced(first.lines))
    edited = [replace(r, hours=D(7)) if (r.person, r.row) == ("CY", 6) else r for r in ROWS]
    draft = due(TM, econfirm.catalog(), edited, done, THROUGH)
    (line,) = draft.lines
    assert (line.kind, line.amount) == (LineKind.CREDIT, D("-216.00"))  # 3 h × 72
    assert line.entries == ["timesheets/CY.xlsx!Time!6"]
    assert "is now 2026-11-18 CY DE 7 h" in line.description
    # the edited row is billed by that line: nothing more is due
    kept = tuple(i for i in done.invoiced if i not in line.corrects)
    again = Billing(kept + invoiced(draft.lines, "INV-2026-0002"))
    assert not due(TM, econfirm.catalog(), edited, again, THROUGH).lines


def test_a_removed_or_non_billable_invoiced_row_is_credited_whole() -> None:
    first = due(TM, econfirm.catalog(), ROWS, Billing(), THROUGH)
    done = Billing(invoiced(first.lines))
    gone = [r for r in ROWS if (r.person, r.row) != ("AN", 5)]
    (line,) = due(TM, econfirm.catalog(), gone, done, THROUGH).lines
    assert (line.kind, line.amount) == (LineKind.CREDIT, D("-648.00"))
    unbilled = [replace(r, billable=False) if (r.person, r.row) == ("AN", 5) else r for r in ROWS]
    (line,) = due(TM, econfirm.catalog(), unbilled, done, THROUGH).lines
    assert line.amount == D("-648.00") and not line.billed


def test_approval_required_bills_only_approved_weeks() -> None:
    draft = due(TM, econfirm.catalog(), ROWS, Billing(), THROUGH, approved={("CY", W1)})
    assert [(x.quantity, x.amount) for x in draft.lines] == [(D("20.00"), D("1440.00"))]


def test_fixed_fee_bills_progress_less_what_was_invoiced() -> None:
    terms = Terms(
        "TM-01", BillingModel.FIXED_FEE, price=D(3520), baseline_cost=D(1600), currency="EUR"
    )
    rows = [
        time("BO", date(2026, 11, 2), "DE", "10", 4),
        time("CY", date(2026, 11, 9), "DE", "18", 4),
    ]
    (line,) = due(terms, econfirm.catalog(), rows, Billing(), THROUGH).lines
    assert (line.kind, line.amount, line.key) == (LineKind.FIXED, D("2464.00"), "fixed")
    assert not due(terms, econfirm.catalog(), rows, Billing(fixed=D("2464.00")), THROUGH).lines
    (line,) = due(terms, econfirm.catalog(), rows, Billing(fixed=D("3000.00")), THROUGH).lines
    assert (line.kind, line.amount) == (LineKind.CREDIT, D("-536.00"))


def test_milestones_once_when_completed_and_retainer_months_once_when_started() -> None:
    ds = (
        Deliverable(deliverable="D1", sku="DISC", milestone="M1", completed_on=date(2026, 11, 13)),
        Deliverable(deliverable="D2", sku="MIGR", milestone="M2"),
    )
    shares = (MilestoneShare("M1", D(1000), D(1100)), MilestoneShare("M2", D(1600), D(1760)))
    ms = Terms("MS-01", BillingModel.MILESTONE, milestones=shares, deliverables=ds)
    (line,) = due(ms, econfirm.catalog(), [], Billing(), THROUGH).lines
    assert (line.kind, line.amount, line.key) == (LineKind.MILESTONE, D(1100), "milestone:m1")
    assert not due(
        ms, econfirm.catalog(), [], Billing(keys=frozenset({"milestone:m1"})), THROUGH
    ).lines
    months = tuple(MonthShare(m, D(1000)) for m in ("2026-11", "2026-12", "2027-01"))
    rt = Terms("RT-01", BillingModel.RETAINER, months=months)
    got = due(
        rt, econfirm.catalog(), [], Billing(keys=frozenset({"month:2026-11"})), date(2026, 12, 1)
    )
    assert [(x.description, x.amount) for x in got.lines] == [("Retainer: December 2026", D(1000))]


def test_time_and_expenses_of_a_fixed_price_engagement_are_not_billed_by_the_row() -> None:
    rt = Terms("TM-01", BillingModel.RETAINER)
    draft = due(rt, econfirm.catalog(), ROWS, Billing(), THROUGH)
    assert draft.lines == ()  # nor its expenses: the fixed price covers them


def test_a_credit_note_reverses_every_line() -> None:
    lines = credit_of([("Milestone M1 completed", D(1), D(1100), D(1100), ())], "INV-2026-0003")
    assert [(x.kind, x.amount, x.description) for x in lines] == [
        (LineKind.CREDIT, D(-1100), "Credit of INV-2026-0003: Milestone M1 completed")
    ]


def test_changed_invoiced_rows_are_reported_at_their_row() -> None:
    first = due(TM, econfirm.catalog(), ROWS, Billing(), THROUGH)
    done = invoiced(first.lines)
    assert changed_entries(done, ROWS) == []
    edited = [replace(r, hours=D(7)) if (r.person, r.row) == ("CY", 6) else r for r in ROWS]
    (issue,) = changed_entries(done, edited)
    assert issue.code is Code.INVOICED_ENTRY_CHANGED
    assert str(issue.location) == "timesheets/CY.xlsx!Time!A6"
    assert "INV-2026-0001" in issue.message and "is now 2026-11-18 CY DE 7 h" in issue.message


def test_invoice_numbers_read_and_written() -> None:
    assert number_text(2026, 7) == "INV-2026-0007"
    assert parse_number(" inv-2026-0012 ") == (2026, 12)
    assert parse_number("Q-2026-0001") is None
