"""What is due on an engagement through a day (DESIGN §14), and nothing twice.

:func:`due` takes an engagement's terms, its stored rows and what earlier invoices
billed, and returns the lines due:

- **corrections** first: an invoiced row whose stored row no longer says what it said
  when billed (:func:`psos_xl.models.unpaired`) is credited, against the row now at its place when
  that one is billable and due (one credit line of the difference, which then bills
  the new row), else in full;
- **time** (TimeAndMaterials): the billable rows dated on or before the day not yet
  invoiced (of approved weeks where required), one line per role and rate: hours × the
  BillRate in force on each row's date × (1 − Discount), each row's cents as the
  revenue rule gives them (:func:`psos_xl.economics.revenue.time_revenue`), so the
  invoice and the recognised revenue agree to the cent;
- **expenses** (TimeAndMaterials): each billable expense not yet invoiced, at cost (a
  fixed price covers its expenses, as the revenue recognised says);
- **fixed** (FixedFee): the revenue recognised to the day, the sold price × min(1, time
  cost to date ÷ the baseline cost)
  (:func:`~psos_xl.economics.revenue.fixed_fee_revenue`), less what was invoiced;
- **milestone**: the share of each milestone completed by the day, once;
- **retainer**: the amount of each schedule month started by the day, once.

Rows pair with invoiced rows by table, person and what they say (a multiset: two
identical rows are two rows), so a row that only moved, or a timesheet sorted
differently, bills nothing again. Pure: no store, no files.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from psos_xl.billing.model import TIME, Billed, Draft, Invoiced, Line, LineKind, Row
from psos_xl.economics.revenue import (
    completed_milestones,
    fixed_fee_revenue,
    month_started,
    time_revenue,
)
from psos_xl.models import BillingModel, Catalog, Deliverable, unpaired
from psos_xl.pricing.money import ONE, ZERO, percent, round2
from psos_xl.pricing.quote import MilestoneShare, MonthShare, month_text

FIXED_KEY = "fixed"


@dataclass(frozen=True)
class Terms:
    """What an engagement is billed under: its scope's billing model, discount and
    currency; ``price`` and ``baseline_cost`` what a fixed fee was sold at (its
    baseline); from pricing the scope now (DESIGN §4) the milestone shares and months."""

    engagement: str
    model: BillingModel
    discount: Decimal = ZERO
    currency: str = ""
    price: Decimal = ZERO
    baseline_cost: Decimal = ZERO
    milestones: tuple[MilestoneShare, ...] = ()
    months: tuple[MonthShare, ...] = ()
    deliverables: tuple[Deliverable, ...] = ()


@dataclass(frozen=True)
class Billing:
    """What earlier invoices of the engagement still bill: their rows, the keys of
    their fixed, milestone and retainer lines, and the fixed fee invoiced so far."""

    invoiced: tuple[Invoiced, ...] = ()
    keys: frozenset[str] = frozenset()
    fixed: Decimal = ZERO


def milestone_key(name: str) -> str:
    return f"milestone:{name.casefold()}"


def month_key(month: str) -> str:
    return f"month:{month}"


def at_place(inv: Invoiced, rows: Iterable[Row]) -> Row | None:
    """The row now where ``inv`` was (same workbook, table and sheet row)."""
    return next(
        (
            r
            for r in rows
            if (r.table, r.path, r.sheet, r.row) == (inv.table, inv.path, inv.sheet, inv.row)
        ),
        None,
    )


class _Pricer:
    """What one row bills under ``terms`` (None: it bills nothing by itself)."""

    def __init__(self, terms: Terms, catalog: Catalog, through: date, approved: Gate) -> None:
        self.terms = terms
        self.catalog = catalog
        self.through = through
        self.approved = approved
        self.notes: list[str] = []

    def counts(self, r: Row) -> bool:
        """Dated on or before the day, on this engagement, of an approved week when
        approval is required."""
        ok = r.engagement == self.terms.engagement and r.day <= self.through
        return ok and (self.approved is None or (r.person, r.week) in self.approved)

    def bill_rate(self, r: Row) -> Decimal | None:
        rate = self.catalog.rate_for(r.role, r.day)
        return rate.bill_rate if rate is not None else None

    def amount(self, r: Row) -> Decimal | None:
        if not (r.billable and self.counts(r)):
            return None
        if self.terms.model is not BillingModel.TIME_AND_MATERIALS:
            return None
        if r.table != TIME:
            same = not r.currency or not self.terms.currency or r.currency == self.terms.currency
            return round2(r.amount) if same else None
        rate = self.bill_rate(r)
        return time_revenue(r.hours, rate, self.terms.discount) if rate is not None else None


Gate = Collection[tuple[str, date]] | None  # the (person, week) approved; None: all count


def due(
    terms: Terms,
    catalog: Catalog,
    rows: Sequence[Row],
    billing: Billing,
    through: date,
    approved: Gate = None,
) -> Draft:
    """The lines due on ``terms.engagement`` through ``through`` (see the module);
    ``rows`` are the engagement's stored rows, ``approved`` the weeks that count when
    approval is required."""
    pricer = _Pricer(terms, catalog, through, approved)
    changed, fresh = unpaired(billing.invoiced, rows)
    lines = _corrections(changed, fresh, pricer)
    taken = {id(b.row) for line in lines for b in line.billed}
    fresh = [r for r in fresh if id(r) not in taken]
    lines += _time_lines(fresh, pricer)
    lines += _expense_lines(fresh, pricer)
    model = terms.model
    if model is BillingModel.FIXED_FEE:
        lines += _fixed_line(terms, catalog, rows, billing.fixed, pricer)
    elif model is BillingModel.MILESTONE:
        lines += _milestone_lines(terms, billing.keys, through)
    elif model is BillingModel.RETAINER:
        lines += _retainer_lines(terms, billing.keys, through)
    return Draft(tuple(lines), catalog.settings.tax_rate, tuple(pricer.notes))


def _corrections(changed: Sequence[Invoiced], fresh: Sequence[Row], pricer: _Pricer) -> list[Line]:
    lines: list[Line] = []
    used: set[int] = set()
    for inv in changed:
        now = at_place(inv, (r for r in fresh if id(r) not in used))
        amount = pricer.amount(now) if now is not None else None
        if now is None or amount is None:
            lines.append(
                Line(
                    LineKind.CREDIT,
                    f"Credit: {inv.describe()} ({inv.number}) changed or removed",
                    ONE,
                    -inv.amount,
                    -inv.amount,
                    "correction",
                    corrects=(inv,),
                )
            )
            continue
        used.add(id(now))
        delta = amount - inv.amount
        lines.append(
            Line(
                LineKind.CREDIT,
                f"Correction: {inv.describe()} ({inv.number}) is now {now.describe()}",
                ONE,
                delta,
                delta,
                "correction",
                billed=(Billed(now, amount),),
                corrects=(inv,),
            )
        )
    return lines


def _day(d: date) -> str:
    from calendar import month_abbr

    return f"{d.day} {month_abbr[d.month]} {d.year}"


def _span(days: Sequence[date]) -> str:
    first, last = min(days), max(days)
    return _day(first) if first == last else f"{_day(first)} – {_day(last)}"


def _time_lines(fresh: Sequence[Row], pricer: _Pricer) -> list[Line]:
    groups: dict[tuple[str, Decimal], list[Billed]] = {}
    unpriced: Counter[str] = Counter()
    for r in fresh:
        if r.table != TIME or pricer.terms.model is not BillingModel.TIME_AND_MATERIALS:
            continue
        if not (r.billable and pricer.counts(r)):
            continue
        rate = pricer.bill_rate(r)
        amount = pricer.amount(r)
        if rate is None or amount is None:
            unpriced[r.role] += 1
            continue
        groups.setdefault((r.role, rate), []).append(Billed(r, amount))
    for role, n in sorted(unpriced.items()):
        pricer.notes.append(
            f"{n} billable row(s) of {role} have no BillRate in force on their date: not invoiced"
        )
    order = {r.role: i for i, r in enumerate(pricer.catalog.roles)}
    discount = pricer.terms.discount
    lines = []
    for (role, rate), billed in sorted(
        groups.items(),
        key=lambda kv: (order.get(kv[0][0], len(order)), kv[0][0], min(b.row.day for b in kv[1])),
    ):
        hours = sum((b.row.hours for b in billed), ZERO)
        name = pricer.catalog.role_name(role)
        off = f", less {percent(discount)} discount" if discount else ""
        lines.append(
            Line(
                LineKind.TIME,
                f"{name} ({role}), {_span([b.row.day for b in billed])}: "
                f"{hours:,.2f} h at {rate:,.2f}{off}",
                round2(hours),
                rate * (ONE - discount),
                sum((b.amount for b in billed), ZERO),
                billed=tuple(billed),
            )
        )
    return lines


def _expense_lines(fresh: Sequence[Row], pricer: _Pricer) -> list[Line]:
    lines: list[Line] = []
    if pricer.terms.model is not BillingModel.TIME_AND_MATERIALS:
        return lines
    for r in fresh:
        if r.table == TIME or not (r.billable and pricer.counts(r)):
            continue
        amount = pricer.amount(r)
        if amount is None:
            pricer.notes.append(
                f"{r.ref}: the expense is in {r.currency}, the engagement in "
                f"{pricer.terms.currency}: not invoiced"
            )
            continue
        lines.append(
            Line(
                LineKind.EXPENSE,
                f"Expense: {r.category}, {_day(r.day)} ({r.person})",
                ONE,
                amount,
                amount,
                billed=(Billed(r, amount),),
            )
        )
    return lines


def cost_to_date(catalog: Catalog, rows: Iterable[Row]) -> Decimal:
    """The cost of the time rows given: hours × the CostRate in force on each row's
    date, half-up to cents per row (rows with no rate in force cost nothing here)."""
    total = ZERO
    for r in rows:
        if r.table != TIME:
            continue
        rate = catalog.rate_for(r.role, r.day)
        if rate is not None:
            total += round2(r.hours * rate.cost_rate)
    return total


def _fixed_line(
    terms: Terms, catalog: Catalog, rows: Sequence[Row], invoiced: Decimal, pricer: _Pricer
) -> list[Line]:
    spent = cost_to_date(catalog, [r for r in rows if pricer.counts(r)])
    recognised = fixed_fee_revenue(terms.price, spent, terms.baseline_cost)
    amount = recognised - invoiced
    if amount == ZERO:
        return []
    share = recognised / terms.price if terms.price else ZERO
    text = (
        f"Fixed fee {terms.price:,.2f}: {percent(share)} earned to {_day(pricer.through)}"
        f" (cost to date {spent:,.2f} of {terms.baseline_cost:,.2f}), less {invoiced:,.2f} invoiced"
    )
    kind = LineKind.FIXED if amount > ZERO else LineKind.CREDIT
    return [Line(kind, text, ONE, amount, amount, FIXED_KEY)]


def _milestone_lines(terms: Terms, keys: Collection[str], through: date) -> list[Line]:
    done = {m.casefold() for m in completed_milestones(terms.deliverables, through)}
    return [
        Line(
            LineKind.MILESTONE,
            f"Milestone {s.milestone} completed",
            ONE,
            s.price,
            s.price,
            milestone_key(s.milestone),
        )
        for s in terms.milestones
        if s.milestone.casefold() in done and milestone_key(s.milestone) not in keys
    ]


def _retainer_lines(terms: Terms, keys: Collection[str], through: date) -> list[Line]:
    return [
        Line(
            LineKind.RETAINER,
            f"Retainer: {month_text(m.month)}",
            ONE,
            m.amount,
            m.amount,
            month_key(m.month),
        )
        for m in terms.months
        if month_started(m.month, through) and month_key(m.month) not in keys
    ]


def credit_of(
    lines: Iterable[tuple[str, Decimal, Decimal, Decimal, Sequence[str]]], number: str
) -> list[Line]:
    """The lines of a credit note reversing invoice ``number`` whole: one per line
    (description, quantity, rate, amount, entries), each amount negated."""
    return [
        Line(
            LineKind.CREDIT,
            f"Credit of {number}: {text}",
            quantity,
            -rate,
            -amount,
            refs=tuple(entries),
        )
        for text, quantity, rate, amount, entries in lines
    ]
