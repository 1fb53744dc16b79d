"""Estimate at completion (DESIGN §13), per deliverable × role, in hours and cost.

- **EAC hours**: the deliverable has CompletedOn (on or before the as-of day) → the
  actual hours; a PercentComplete p > 0 → actual ÷ p, to the hundredth; else actual +
  max(0, estimated − actual), so a line never forecasts less than it has burnt.
- **EAC cost** = cost to date + remaining hours (EAC − actual) × the CostRate in force on
  the as-of day, in cents.

Pure: Decimals in, Decimals out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from psos_xl.pricing.money import ZERO, round2


def eac_hours(
    actual: Decimal,
    estimated: Decimal | None,
    percent_complete: Decimal | None = None,
    completed_on: date | None = None,
    as_of: date | None = None,
) -> Decimal:
    """The hours a deliverable × role will have taken when it is done."""
    if completed_on is not None and (as_of is None or completed_on <= as_of):
        return actual
    if percent_complete is not None and percent_complete > ZERO:
        return round2(actual / percent_complete)
    return actual + max(ZERO, (estimated or ZERO) - actual)


def eac_cost(cost_to_date: Decimal, remaining_hours: Decimal, cost_rate: Decimal) -> Decimal:
    """Cost to date + remaining hours at ``cost_rate`` (the rate in force on the as-of
    day), in cents."""
    return cost_to_date + round2(max(ZERO, remaining_hours) * cost_rate)


@dataclass(frozen=True)
class Eac:
    """One deliverable × role at completion."""

    actual_hours: Decimal
    eac_hours: Decimal
    cost_to_date: Decimal
    eac_cost: Decimal

    @property
    def remaining_hours(self) -> Decimal:
        return max(ZERO, self.eac_hours - self.actual_hours)


def estimate_at_completion(
    actual: Decimal,
    cost_to_date: Decimal,
    estimated: Decimal | None,
    cost_rate: Decimal,
    percent_complete: Decimal | None = None,
    completed_on: date | None = None,
    as_of: date | None = None,
) -> Eac:
    """EAC hours and cost of one deliverable × role (see the module)."""
    hours = eac_hours(actual, estimated, percent_complete, completed_on, as_of)
    cost = eac_cost(cost_to_date, hours - actual, cost_rate)
    return Eac(actual, hours, cost_to_date, cost)
