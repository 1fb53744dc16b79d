"""Revenue recognised to an as-of day, per billing model (DESIGN §13).

The rules, one function each, so the margin report and billing recognise the same money:

- **TimeAndMaterials**: each billable time row earns hours × the BillRate in force on its
  date × (1 − Discount), rounded half-up to cents per row (:func:`time_revenue`);
  billable expenses earn their Amount;
- **FixedFee**: Price × min(1, cost to date ÷ baseline cost) (:func:`fixed_fee_revenue`);
- **Milestone**: the shares of the milestones whose deliverables all have CompletedOn on
  or before the as-of day (:func:`milestone_revenue`);
- **Retainer**: the monthly amounts of the schedule months that have started
  (:func:`retainer_revenue`).

Pure: Decimals in, Decimal cents out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal

from psos_xl.models import Deliverable
from psos_xl.pricing.money import ONE, ZERO, round2
from psos_xl.pricing.quote import MilestoneShare, MonthShare


def time_revenue(hours: Decimal, bill_rate: Decimal, discount: Decimal) -> Decimal:
    """One billable time row's revenue: hours × bill rate × (1 − discount), in cents."""
    return round2(hours * bill_rate * (ONE - discount))


def fixed_fee_revenue(price: Decimal, cost_to_date: Decimal, baseline_cost: Decimal) -> Decimal:
    """Price × min(1, cost to date ÷ baseline cost), in cents; the whole price once any
    cost is booked against a baseline that cost nothing, and nothing before."""
    if baseline_cost <= ZERO:
        return price if cost_to_date > ZERO else ZERO
    return round2(price * min(ONE, max(ZERO, cost_to_date) / baseline_cost))


def completed_milestones(deliverables: Iterable[Deliverable], as_of: date) -> set[str]:
    """The milestones every deliverable of which has CompletedOn on or before ``as_of``
    (compared case-insensitively, named as the first deliverable writes them)."""
    done: dict[str, bool] = {}
    names: dict[str, str] = {}
    for d in deliverables:
        if not d.milestone:
            continue
        key = d.milestone.casefold()
        names.setdefault(key, d.milestone)
        finished = d.completed_on is not None and d.completed_on <= as_of
        done[key] = done.get(key, True) and finished
    return {names[key] for key, ok in done.items() if ok}


def milestone_revenue(
    shares: Iterable[MilestoneShare], deliverables: Iterable[Deliverable], as_of: date
) -> Decimal:
    """The sum of the shares of the milestones completed by ``as_of``."""
    done = {m.casefold() for m in completed_milestones(deliverables, as_of)}
    return sum((s.price for s in shares if s.milestone.casefold() in done), ZERO)


def month_started(month: str, as_of: date) -> bool:
    """Whether the schedule month ``YYYY-MM`` has started on ``as_of``."""
    year, number = (int(part) for part in month.split("-"))
    return date(year, number, 1) <= as_of


def retainer_revenue(months: Iterable[MonthShare], as_of: date) -> Decimal:
    """The sum of the monthly amounts of the months started by ``as_of``."""
    return sum((m.amount for m in months if month_started(m.month, as_of)), ZERO)


def shares_by_name(shares: Iterable[MilestoneShare]) -> Mapping[str, Decimal]:
    """Milestone name → its share of the price."""
    return {s.milestone: s.price for s in shares}
