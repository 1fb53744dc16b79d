"""EAC and revenue recognition rules, each figure computed by hand (DESIGN §13)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from psos_xl.economics.eac import eac_hours, estimate_at_completion
from psos_xl.economics.revenue import (
    completed_milestones,
    fixed_fee_revenue,
    milestone_revenue,
    retainer_revenue,
    time_revenue,
)
from psos_xl.models import Deliverable
from psos_xl.pricing.quote import MilestoneShare, MonthShare

D = Decimal
AS_OF = date(2026, 11, 30)


def test_eac_hours_completed_percent_or_remaining_estimate() -> None:
    assert eac_hours(D(30), D(40), D("0.5"), date(2026, 11, 13), AS_OF) == D(30)
    # completed after the as-of day: not yet done
    assert eac_hours(D(30), D(40), None, date(2026, 12, 1), AS_OF) == D(40)
    assert eac_hours(D(28), D(40), D("0.5")) == D(56)
    assert eac_hours(D(10), D(3), D("0.3")) == D("33.33")
    assert eac_hours(D(12), D(40)) == D(40)
    assert eac_hours(D(45), D(40)) == D(45)  # never less than burnt
    assert eac_hours(D(5), None) == D(5)
    assert eac_hours(D(5), D(40), D(0)) == D(40)  # 0 % says nothing


def test_eac_cost_is_cost_to_date_and_remaining_hours_at_todays_rate() -> None:
    eac = estimate_at_completion(D(28), D(1120), D(40), D(45), D("0.5"))
    assert (eac.eac_hours, eac.remaining_hours) == (D(56), D(28))
    assert eac.eac_cost == D(1120) + D(1260)
    done = estimate_at_completion(D(30), D(1500), D(40), D(60), None, date(2026, 11, 2), AS_OF)
    assert done.eac_cost == D(1500)


def test_time_revenue_rounds_each_row_half_up_after_discount() -> None:
    assert time_revenue(D("1.5"), D(100), D("0.10")) == D("135.00")
    assert time_revenue(D("0.33"), D("101.5"), D("0.05")) == D("31.82")  # 31.81925


def test_fixed_fee_revenue_is_capped_at_the_price() -> None:
    assert fixed_fee_revenue(D(10000), D(1500), D(3000)) == D(5000)
    assert fixed_fee_revenue(D(10000), D(4000), D(3000)) == D(10000)
    assert fixed_fee_revenue(D(1000), D(1), D(3)) == D("333.33")
    assert fixed_fee_revenue(D(1000), D(0), D(0)) == D(0)


def test_milestones_count_when_every_deliverable_is_done() -> None:
    ds = [
        Deliverable(deliverable="A", sku="S", milestone="M1", completed_on=date(2026, 11, 13)),
        Deliverable(deliverable="B", sku="S", milestone="m1", completed_on=date(2026, 11, 20)),
        Deliverable(deliverable="C", sku="S", milestone="M2", completed_on=date(2026, 11, 2)),
        Deliverable(deliverable="D", sku="S", milestone="M2"),
        Deliverable(deliverable="E", sku="S"),
    ]
    assert completed_milestones(ds, AS_OF) == {"M1"}
    assert completed_milestones(ds, date(2026, 11, 19)) == set()
    shares = [MilestoneShare("M1", D(100), D(110)), MilestoneShare("M2", D(50), D(55))]
    assert milestone_revenue(shares, ds, AS_OF) == D(110)


def test_retainer_counts_the_months_started() -> None:
    months = [MonthShare("2026-11", D(1000)), MonthShare("2026-12", D(1000))]
    assert retainer_revenue(months, AS_OF) == D(1000)
    assert retainer_revenue(months, date(2026, 12, 1)) == D(2000)
    assert retainer_revenue(months, date(2026, 10, 31)) == D(0)
