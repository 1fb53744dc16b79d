"""Margin per engagement, to date and at completion (DESIGN §13 "Revenue", "EAC").

Per Sold, Active or Completed engagement, as of a day (only time and expenses dated on or
before it count):

- **revenue** recognised (:mod:`psos_xl.economics.revenue`): TimeAndMaterials = each
  billable time row's hours × the BillRate in force on its date × (1 − Discount), cents
  per row, plus the billable expenses; FixedFee = the baseline price × min(1, time cost to
  date ÷ the baseline cost) (the price now when there is no baseline); Milestone = the
  shares of the completed milestones, from pricing the scope now; Retainer = the monthly
  amounts of the started months, from pricing the scope now;
- **cost** = the time cost to date (the ledger's, each row at the CostRate in force on
  its date) + every expense of the engagement, billable or not;
- **margin** = (revenue − cost) ÷ revenue (None with no revenue);
- **EAC hours** and **EAC cost**: the ledger's lines added up
  (:mod:`psos_xl.economics.ledger`), the EAC cost with the expenses to date added;
- **forecast price**, what the engagement will have earned when done: TimeAndMaterials =
  the time revenue to date (billable rows at the BillRate of their date) + each line's
  remaining hours × the BillRate in force on the as-of day, × (1 − Discount), cents per
  line, + the billable expenses to date; FixedFee = the baseline price (the price now
  without one); Milestone and Retainer = the price now (the sum of the shares);
- **forecast margin** = (forecast price − EAC cost) ÷ forecast price;
- **baseline price**: what was sold (the stored baseline; None before one); **price**:
  the scope priced now against the catalog (:func:`psos_xl.pricing.price`).

Money is integer cents inside the frames (:func:`cents`) and Decimal at the edges;
fractions half-up to the ten-thousandth. Pure: no store, no files.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd

from psos_xl.economics.ledger import LedgerLine
from psos_xl.economics.revenue import (
    fixed_fee_revenue,
    milestone_revenue,
    retainer_revenue,
    time_revenue,
)
from psos_xl.models import BillingModel, Catalog, Scope
from psos_xl.pricing import price
from psos_xl.pricing.baseline import Baseline
from psos_xl.pricing.booked import Booking, ExpenseItem, Rates
from psos_xl.pricing.money import ONE, ZERO, round2
from psos_xl.pricing.quote import Quote

FRACTION = Decimal("0.0001")
HUNDREDTH = Decimal("0.01")
NONE_INVOICED = Decimal("0.00")
MONEY = ("time_revenue", "billable_expenses", "time_cost", "expenses", "eac_labour", "tail")


def cents(value: Decimal) -> int:
    """Money as integer cents, half-up."""
    return int((value * 100).to_integral_value(ROUND_HALF_UP))


def money(value: int) -> Decimal:
    """Integer cents back to a Decimal to the cent."""
    return (Decimal(int(value)) / 100).quantize(HUNDREDTH)


def ratio(part: Decimal, whole: Decimal) -> Decimal | None:
    """``part`` ÷ ``whole`` half-up to the ten-thousandth; None when ``whole`` is 0."""
    return None if whole == ZERO else (part / whole).quantize(FRACTION, ROUND_HALF_UP)


@dataclass(frozen=True)
class MarginLine:
    """One engagement (or the totals: ``engagement`` empty)."""

    engagement: str
    billing_model: str
    workbook: str  # the scope's path in the workspace
    revenue: Decimal
    time_cost: Decimal
    expenses: Decimal
    cost: Decimal
    margin: Decimal | None
    eac_hours: Decimal
    eac_cost: Decimal
    forecast_price: Decimal
    forecast_margin: Decimal | None
    baseline_price: Decimal | None
    price: Decimal
    invoiced: Decimal = ZERO  # net invoiced, credit notes included (DESIGN §14)
    uninvoiced: Decimal = ZERO  # work in progress: revenue recognised − invoiced

    def to_json(self) -> dict[str, Any]:
        """DESIGN §13's keys, then the figures they come from."""
        return {
            "engagement": self.engagement,
            "billing_model": self.billing_model,
            "revenue": str(self.revenue),
            "cost": str(self.cost),
            "margin": _text(self.margin),
            "eac_hours": str(self.eac_hours),
            "eac_cost": str(self.eac_cost),
            "forecast_margin": _text(self.forecast_margin),
            "baseline_price": _text(self.baseline_price),
            "price": str(self.price),
            "workbook": self.workbook,
            "time_cost": str(self.time_cost),
            "expenses": str(self.expenses),
            "forecast_price": str(self.forecast_price),
            "invoiced": str(self.invoiced),
            "uninvoiced": str(self.uninvoiced),
        }


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True)
class MarginReport:
    as_of: date
    lines: list[MarginLine]
    totals: MarginLine


def _time_frame(
    catalog: Catalog, scopes: Mapping[str, Scope], bookings: Iterable[Booking]
) -> pd.DataFrame:
    """Per billable time row, its engagement and revenue in cents (hours × the BillRate
    in force on its date × (1 − Discount)); only TimeAndMaterials engagements recognise
    it, the other models' rows are computed and left unused."""
    records = []
    rates = Rates(catalog)
    for b in bookings:
        scope = scopes.get(b.engagement)
        if scope is None or not b.billable:
            continue
        rate = rates.rate_for(b.role, b.date)
        if rate is None:
            continue
        earned = time_revenue(b.hours, rate.bill_rate, scope.info.discount) * b.rows
        records.append((b.engagement, cents(earned)))
    return pd.DataFrame(records, columns=["engagement", "time_revenue"])


def _expense_frame(expenses: Iterable[ExpenseItem]) -> pd.DataFrame:
    records = [
        (x.engagement, cents(x.amount), cents(x.amount) if x.billable else 0) for x in expenses
    ]
    return pd.DataFrame(records, columns=["engagement", "expenses", "billable_expenses"])


def _ledger_frame(
    catalog: Catalog, scopes: Mapping[str, Scope], lines: Iterable[LedgerLine], as_of: date
) -> pd.DataFrame:
    """Per ledger line: its time cost and EAC cost in cents, its EAC hours in hundredths
    (:func:`cents` scales hours the same way), and its remaining hours at the BillRate
    in force on the as-of day × (1 − Discount) in cents (used on TimeAndMaterials)."""
    records = []
    for x in lines:
        rate = catalog.rate_for(x.role, as_of)
        scope = scopes.get(x.engagement)
        discount = scope.info.discount if scope is not None else ZERO
        bill = rate.bill_rate if rate is not None else ZERO
        tail = round2(x.remaining_hours * bill * (ONE - discount))
        records.append(
            (
                x.engagement,
                cents(x.cost_to_date),
                cents(x.eac_cost),
                cents(x.eac_hours),
                cents(tail),
            )
        )
    columns = ["engagement", "time_cost", "eac_labour", "eac_hours", "tail"]
    return pd.DataFrame(records, columns=columns)


def _summed(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    parts = [f.groupby("engagement").sum() for f in frames if len(f)]
    if not parts:
        return pd.DataFrame(columns=[*MONEY, "eac_hours"])
    joined = pd.concat(parts, axis=1).fillna(0)
    return joined.reindex(columns=[*MONEY, "eac_hours"], fill_value=0).astype("int64")


def _earned(
    scope: Scope, baseline: Baseline | None, now_price: Quote, time_cost: Decimal, as_of: date
) -> tuple[Decimal, Decimal]:
    """(revenue to date, forecast price) of a FixedFee, Milestone or Retainer engagement."""
    model = scope.info.billing_model
    if model is BillingModel.FIXED_FEE:
        sold = baseline.price if baseline is not None else now_price.price
        cost = baseline.cost if baseline is not None else now_price.cost
        return fixed_fee_revenue(sold, time_cost, cost), sold
    if model is BillingModel.MILESTONE:
        earned = milestone_revenue(now_price.milestones, scope.deliverables, as_of)
        return earned, now_price.price
    return retainer_revenue(now_price.months, as_of), now_price.price


def margin(
    catalog: Catalog,
    scopes: Mapping[str, Scope],
    baselines: Mapping[str, Baseline],
    lines: Iterable[LedgerLine],
    bookings: Iterable[Booking],
    expenses: Iterable[ExpenseItem],
    as_of: date,
    invoiced: Mapping[str, Decimal] | None = None,
) -> MarginReport:
    """The report over ``scopes`` (by engagement, in their order): ``lines`` their ledger,
    ``bookings`` and ``expenses`` what is counted (dated on or before ``as_of``);
    ``invoiced`` the net invoiced per engagement, so each line shows the work recognised
    and not invoiced yet."""
    billed = invoiced or {}
    line_list = [x for x in lines if x.engagement in scopes]
    frame = _summed(
        [
            _time_frame(catalog, scopes, bookings),
            _expense_frame(x for x in expenses if x.engagement in scopes),
            _ledger_frame(catalog, scopes, line_list, as_of),
        ]
    )
    out: list[MarginLine] = []
    for eng, scope in scopes.items():
        row = frame.loc[eng] if eng in frame.index else pd.Series(0, index=frame.columns)
        f = {name: money(row[name]) for name in MONEY}
        quoted = price(catalog, scope)
        base = baselines.get(eng)
        model = scope.info.billing_model or BillingModel.TIME_AND_MATERIALS
        if model is BillingModel.TIME_AND_MATERIALS:
            revenue = f["time_revenue"] + f["billable_expenses"]
            forecast = revenue + f["tail"]
        else:
            revenue, forecast = _earned(scope, base, quoted, f["time_cost"], as_of)
        cost = f["time_cost"] + f["expenses"]
        eac_cost = f["eac_labour"] + f["expenses"]
        out.append(
            MarginLine(
                engagement=eng,
                billing_model=model.value,
                workbook=scope.workbook,
                revenue=revenue,
                time_cost=f["time_cost"],
                expenses=f["expenses"],
                cost=cost,
                margin=ratio(revenue - cost, revenue),
                eac_hours=money(row["eac_hours"]),
                eac_cost=eac_cost,
                forecast_price=forecast,
                forecast_margin=ratio(forecast - eac_cost, forecast),
                baseline_price=base.price if base is not None else None,
                price=quoted.price,
                invoiced=billed.get(eng, NONE_INVOICED),
                uninvoiced=revenue - billed.get(eng, NONE_INVOICED),
            )
        )
    return MarginReport(as_of, out, totals(out))


def totals(lines: list[MarginLine]) -> MarginLine:
    """Every engagement's figures added up; the margins of the sums."""

    def total(name: str) -> Decimal:
        return sum((getattr(x, name) for x in lines), ZERO)

    revenue, cost = total("revenue"), total("cost")
    forecast, eac_cost = total("forecast_price"), total("eac_cost")
    sold = [x.baseline_price for x in lines if x.baseline_price is not None]
    return MarginLine(
        engagement="",
        billing_model="",
        workbook="",
        revenue=revenue,
        time_cost=total("time_cost"),
        expenses=total("expenses"),
        cost=cost,
        margin=ratio(revenue - cost, revenue),
        eac_hours=total("eac_hours"),
        eac_cost=eac_cost,
        forecast_price=forecast,
        forecast_margin=ratio(forecast - eac_cost, forecast),
        baseline_price=sum(sold, ZERO) if sold else None,
        price=total("price"),
        invoiced=total("invoiced"),
        uninvoiced=total("uninvoiced"),
    )
