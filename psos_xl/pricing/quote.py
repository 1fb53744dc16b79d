"""The priced result: a :class:`Quote` and its lines, and its one JSON shape.

Every money figure and every hours figure is a :class:`~decimal.Decimal` rounded to two
places; JSON carries them as decimal strings (``"1234.50"``) so no float ever touches them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from psos_xl.errors import Issue
from psos_xl.models import BillingModel, EstimateBasis
from psos_xl.pricing.estimate import LineBasis
from psos_xl.pricing.money import dec_str

MARGIN_PLACES = Decimal("0.0001")


@dataclass(frozen=True, slots=True)
class QuoteLine:
    """One deliverable × role, naming its estimate basis and the Roles row of its rates.

    When no rate is in force for the role, the rate fields are None and cost and list are
    zero; the quote then carries a NO_RATE_IN_FORCE issue for the line.
    """

    deliverable: str
    sku: str
    role: str
    hours: Decimal
    basis: LineBasis
    milestone: str
    rate_role: str | None
    rate_from: date | None
    rate_at: str  # the EffectiveFrom cell of the Roles row used ("" when none)
    cost_rate: Decimal | None
    bill_rate: Decimal | None
    cost: Decimal
    list: Decimal

    def to_json(self) -> dict[str, Any]:
        return {
            "deliverable": self.deliverable,
            "sku": self.sku,
            "role": self.role,
            "hours": dec_str(self.hours),
            "basis": str(self.basis),
            "milestone": self.milestone,
            "rate_role": self.rate_role,
            "rate_from": self.rate_from.isoformat() if self.rate_from else None,
            "rate_at": self.rate_at,
            "cost_rate": _opt(self.cost_rate),
            "bill_rate": _opt(self.bill_rate),
            "cost": dec_str(self.cost),
            "list": dec_str(self.list),
        }


@dataclass(frozen=True, slots=True)
class MilestoneShare:
    """A milestone's part of a Milestone price, in proportion to its deliverables' List."""

    milestone: str
    list: Decimal
    price: Decimal

    def to_json(self) -> dict[str, Any]:
        return {
            "milestone": self.milestone,
            "list": dec_str(self.list),
            "price": dec_str(self.price),
        }


@dataclass(frozen=True, slots=True)
class MonthShare:
    """A calendar month's part of a Retainer price; ``month`` is ``YYYY-MM``."""

    month: str
    amount: Decimal

    def to_json(self) -> dict[str, Any]:
        return {"month": self.month, "amount": dec_str(self.amount)}


@dataclass(frozen=True, slots=True)
class Quote:
    """A scope priced against a catalog (DESIGN §4).

    ``issues`` holds the errors (the price is not to be trusted until they are fixed),
    ``warnings`` the rest. Totals are sums of the rounded lines; ``margin`` is unrounded
    and None when the price is zero.
    """

    engagement: str
    client: str
    title: str
    billing_model: BillingModel | None
    currency: str
    basis: EstimateBasis
    rates_on: date
    lines: tuple[QuoteLine, ...]
    hours: Decimal
    cost: Decimal
    list: Decimal
    discount: Decimal
    contingency: Decimal
    price: Decimal
    margin: Decimal | None
    target_margin: Decimal
    milestones: tuple[MilestoneShare, ...]
    months: tuple[MonthShare, ...]
    warnings: tuple[Issue, ...]
    issues: tuple[Issue, ...]

    @property
    def ok(self) -> bool:
        """True when the quote has no errors (warnings allowed)."""
        return not self.issues

    @property
    def all_issues(self) -> tuple[Issue, ...]:
        return self.issues + self.warnings

    def to_json(self) -> dict[str, Any]:
        """The quote's JSON shape; ``issues`` lists errors then warnings, each with severity."""
        margin = (
            dec_str(self.margin.quantize(MARGIN_PLACES, rounding=ROUND_HALF_UP))
            if self.margin is not None
            else None
        )
        return {
            "engagement": self.engagement,
            "client": self.client,
            "title": self.title,
            "billing_model": str(self.billing_model) if self.billing_model else None,
            "currency": self.currency,
            "basis": str(self.basis),
            "rates_on": self.rates_on.isoformat(),
            "hours": dec_str(self.hours),
            "cost": dec_str(self.cost),
            "list": dec_str(self.list),
            "discount": dec_str(self.discount),
            "contingency": dec_str(self.contingency),
            "price": dec_str(self.price),
            "margin": margin,
            "target_margin": dec_str(self.target_margin),
            "lines": [line.to_json() for line in self.lines],
            "milestones": [m.to_json() for m in self.milestones],
            "months": [m.to_json() for m in self.months],
            "issues": [i.to_dict() for i in self.all_issues],
        }


def _opt(value: Decimal | None) -> str | None:
    return dec_str(value) if value is not None else None


def month_text(month: str) -> str:
    """A schedule month as people write it: ``2026-02`` → ``February 2026``."""
    from calendar import month_name

    year, number = month.split("-")
    return f"{month_name[int(number)]} {year}"
