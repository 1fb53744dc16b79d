"""The pricing engine against figures worked out by hand (DESIGN §4).

The standard catalog and scope mirror the template workbooks:

    Roles     SA 95/190 from 2025-01-01, SA 100/200 from 2026-01-01,
              DEV 60/120 and PM 70/150 from 2025-01-01
    Services  DISC: SA 16, PM 4      BUILD: DEV 80, SA 8
    Risks     NEWTECH +15 %, REMOTE +5 %
    Scope     starts 2026-02-01, scope risk REMOTE, discount 5 %
              D1 DISC × 1 Medium, milestone M1
              D2 BUILD × 2 High, risks NEWTECH, REMOTE, milestone M2

Hours (rounded half-up to 2 places):
    D1: factor 1 × 1.0 × (1 + 0.05)        = 1.05  → SA 16 × 1.05 = 16.80, PM 4 × 1.05 = 4.20
    D2: factor 2 × 1.5 × (1 + 0.15 + 0.05) = 3.6   → DEV 80 × 3.6 = 288.00, SA 8 × 3.6 = 28.80
        (REMOTE is on both the scope and D2: counted once)
Money at the 2026-01-01 SA rate:
    D1 SA   16.80 × 100 = 1680.00 cost,  16.80 × 200 =  3360.00 list
    D1 PM    4.20 ×  70 =  294.00 cost,   4.20 × 150 =   630.00 list
    D2 DEV 288.00 ×  60 = 17280.00 cost, 288.00 × 120 = 34560.00 list
    D2 SA   28.80 × 100 = 2880.00 cost,  28.80 × 200 =  5760.00 list
    totals: hours 337.80, cost 22134.00, list 44310.00
"""

from __future__ import annotations

import time
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from psos_xl.errors import Code, Severity
from psos_xl.models import (
    ActualRow,
    BillingModel,
    Catalog,
    CatalogSettings,
    ComplexityLevel,
    Deliverable,
    EstimateBasis,
    Override,
    Risk,
    RoleRate,
    RowRef,
    Scope,
    ScopeInfo,
    ServiceLine,
)
from psos_xl.pricing import LineBasis, Quote, estimate, estimate_hours, price

D = Decimal
DELIVERABLE_COLUMNS = {
    h.casefold(): c
    for h, c in zip(
        ["Deliverable", "SKU", "Description", "Quantity", "Complexity", "Risks", "Milestone"],
        "ABCDEFG",
        strict=True,
    )
}


def rate(role: str, cost: str, bill: str, since: date, row: int = 2) -> RoleRate:
    columns = {"role": "A", "currency": "E", "effectivefrom": "F"}
    return RoleRate(
        role=role,
        cost_rate=D(cost),
        bill_rate=D(bill),
        currency="EUR",
        effective_from=since,
        src=RowRef("catalog.xlsx", "Roles", row, columns),
    )


def make_catalog(**settings: Any) -> Catalog:
    return Catalog(
        workbook="catalog.xlsx",
        roles=[
            rate("SA", "95", "190", date(2025, 1, 1), 2),
            rate("SA", "100", "200", date(2026, 1, 1), 3),
            rate("DEV", "60", "120", date(2025, 1, 1), 4),
            rate("PM", "70", "150", date(2025, 1, 1), 5),
        ],
        services=[
            ServiceLine(sku="DISC", role="SA", hours=D(16)),
            ServiceLine(sku="DISC", role="PM", hours=D(4)),
            ServiceLine(sku="BUILD", role="DEV", hours=D(80)),
            ServiceLine(sku="BUILD", role="SA", hours=D(8)),
        ],
        complexity=[
            ComplexityLevel(level="Low", multiplier=D("0.75")),
            ComplexityLevel(level="Medium", multiplier=D(1)),
            ComplexityLevel(level="High", multiplier=D("1.5")),
        ],
        risks=[Risk(code="NEWTECH", uplift=D("0.15")), Risk(code="REMOTE", uplift=D("0.05"))],
        settings=CatalogSettings(**settings),
    )


def deliverable(code: str, sku: str, row: int, **kw: Any) -> Deliverable:
    return Deliverable(
        deliverable=code,
        sku=sku,
        src=RowRef("scope.xlsx", "Deliverables", row, DELIVERABLE_COLUMNS),
        **kw,
    )


def make_scope(
    billing: BillingModel | None = BillingModel.TIME_AND_MATERIALS,
    start: date | None = date(2026, 2, 1),
    end: date | None = date(2026, 4, 30),
    discount: str = "0.05",
    deliverables: list[Deliverable] | None = None,
    overrides: list[Override] | None = None,
    basis: EstimateBasis = EstimateBasis.CATALOG,
    risks: tuple[str, ...] = ("REMOTE",),
) -> Scope:
    if deliverables is None:
        deliverables = [
            deliverable("D1", "DISC", 2, milestone="M1"),
            deliverable(
                "D2",
                "BUILD",
                3,
                quantity=D(2),
                complexity="High",
                risks=["NEWTECH", "REMOTE"],
                milestone="M2",
            ),
        ]
    return Scope(
        workbook="scope.xlsx",
        info=ScopeInfo(
            engagement="ACME-01",
            client="Acme",
            title="Portal",
            start_date=start,
            end_date=end,
            billing_model=billing,
            discount=D(discount),
            estimate_basis=basis,
            risks=list(risks),
            currency="EUR",
            cells={
                "startdate": "scope.xlsx!ScopeInfo!B5",
                "enddate": "scope.xlsx!ScopeInfo!B6",
                "billingmodel": "scope.xlsx!ScopeInfo!B7",
                "discount": "scope.xlsx!ScopeInfo!B8",
                "risks": "scope.xlsx!ScopeInfo!B11",
            },
        ),
        deliverables=deliverables,
        overrides=overrides or [],
    )


def codes(quote: Quote) -> list[str]:
    return [str(i.code) for i in quote.all_issues]


# --- hours ---------------------------------------------------------------------------


def test_hours_follow_quantity_complexity_and_risks_with_shared_risk_counted_once() -> None:
    assert estimate_hours(make_catalog(), make_scope()) == {
        ("D1", "SA"): D("16.80"),
        ("D1", "PM"): D("4.20"),
        ("D2", "DEV"): D("288.00"),
        ("D2", "SA"): D("28.80"),
    }


def test_hours_round_half_up_not_to_even() -> None:
    # 0.5 h × quantity 0.25 = 0.125 h → 0.13 (banker's rounding would give 0.12)
    catalog = make_catalog()
    catalog.services.append(ServiceLine(sku="TINY", role="PM", hours=D("0.5")))
    scope = make_scope(risks=(), deliverables=[deliverable("T", "TINY", 2, quantity=D("0.25"))])
    assert estimate_hours(catalog, scope) == {("T", "PM"): D("0.13")}


def test_override_replaces_a_role_and_adds_a_role_the_sku_lacks() -> None:
    scope = make_scope(
        overrides=[
            Override(deliverable="D1", role="PM", hours=D(6)),
            Override(deliverable="D1", role="DEV", hours=D("10.5")),
        ]
    )
    quote = price(make_catalog(), scope)
    d1 = [(ln.role, ln.hours, ln.basis, ln.cost, ln.list) for ln in quote.lines[:3]]
    assert d1 == [
        ("SA", D("16.80"), LineBasis.CATALOG, D("1680.00"), D("3360.00")),
        # the override is the hours as they are: no complexity, no risk uplift
        ("PM", D("6.00"), LineBasis.OVERRIDE, D("420.00"), D("900.00")),  # 6 × 70, 6 × 150
        ("DEV", D("10.50"), LineBasis.OVERRIDE, D("630.00"), D("1260.00")),  # 10.5 × 60, × 120
    ]
    assert quote.ok


def test_bad_overrides_are_reported_and_left_out() -> None:
    scope = make_scope(
        overrides=[
            Override(deliverable="D1", role="PM", hours=D(6)),
            Override(deliverable="D1", role="PM", hours=D(9)),  # second: ignored
            Override(deliverable="D2", role="SA", hours=D(-1)),  # negative: ignored
            Override(deliverable="D9", role="SA", hours=D(3)),  # no such deliverable
        ]
    )
    quote = price(make_catalog(), scope)
    hours = {(ln.deliverable, ln.role): ln.hours for ln in quote.lines}
    assert hours[("D1", "PM")] == D("6.00")
    assert hours[("D2", "SA")] == D("28.80")  # the catalog's line stands
    assert ("D9", "SA") not in hours
    assert codes(quote) == [
        "DUPLICATE_OVERRIDE",
        "HOURS_NEGATIVE",
        "OVERRIDE_UNKNOWN_DELIVERABLE",
    ]


# --- billing models ------------------------------------------------------------------


def test_time_and_materials() -> None:
    quote = price(make_catalog(), make_scope(BillingModel.TIME_AND_MATERIALS))
    assert (quote.hours, quote.cost, quote.list) == (D("337.80"), D("22134.00"), D("44310.00"))
    assert quote.price == D("42094.50")  # 44310.00 × (1 − 0.05)
    # (42094.50 − 22134.00) / 42094.50 = 0.47418...
    assert quote.to_json()["margin"] == "0.4742"
    assert quote.milestones == () and quote.months == ()
    assert quote.ok and quote.warnings == ()


def test_fixed_fee_adds_contingency_before_discount() -> None:
    quote = price(make_catalog(), make_scope(BillingModel.FIXED_FEE))
    assert quote.contingency == D("0.10")
    assert quote.price == D("46303.95")  # 44310.00 × 1.10 × 0.95 = 44310 × 1.045


def test_milestone_shares_follow_the_list_of_their_deliverables() -> None:
    quote = price(make_catalog(), make_scope(BillingModel.MILESTONE))
    # M1 = D1's list 3360 + 630 = 3990.00, M2 = 34560 + 5760 = 40320.00
    # M1 share = 46303.95 × 3990 / 44310 = 3990 × 1.045 = 4169.55; M2 = 46303.95 − 4169.55
    assert [(m.milestone, m.list, m.price) for m in quote.milestones] == [
        ("M1", D("3990.00"), D("4169.55")),
        ("M2", D("40320.00"), D("42134.40")),
    ]


def tiny_catalog(bill: str = "33.35", **settings: Any) -> Catalog:
    catalog = make_catalog(**settings)
    catalog.roles.append(rate("X", "10", bill, date(2025, 1, 1), 6))
    catalog.services.append(ServiceLine(sku="ONE", role="X", hours=D(1)))
    return catalog


def test_milestone_remainder_goes_to_the_last_milestone_and_unassigned_bill_at_completion() -> None:
    scope = make_scope(
        BillingModel.MILESTONE,
        discount="0.5",
        risks=(),
        deliverables=[
            deliverable("A", "ONE", 2, milestone="Design"),
            deliverable("B", "ONE", 3),  # no milestone: billed at Completion, last
            deliverable("C", "ONE", 4, milestone="Build"),
        ],
    )
    quote = price(tiny_catalog(fixed_fee_contingency=D(0)), scope)
    # list 3 × 33.35 = 100.05; price 100.05 × 1 × 0.5 = 50.025 → 50.03 (a real half-cent tie)
    assert quote.price == D("50.03")
    # each third: 50.03 / 3 = 16.676… → 16.68; the last takes 50.03 − 33.36 = 16.67
    assert [(m.milestone, m.price) for m in quote.milestones] == [
        ("Design", D("16.68")),
        ("Build", D("16.68")),
        ("Completion", D("16.67")),
    ]
    assert sum(m.price for m in quote.milestones) == quote.price


def test_retainer_spreads_the_time_and_materials_price_over_calendar_months() -> None:
    scope = make_scope(
        BillingModel.RETAINER,
        start=date(2025, 11, 15),
        end=date(2026, 1, 10),  # Nov, Dec, Jan: three calendar months
        discount="0",
        risks=(),
        deliverables=[deliverable("R", "ONE", 2, quantity=D(3))],
    )
    quote = price(tiny_catalog(bill="33.3333"), scope)
    # 3 h × 33.3333 = 99.9999 → 100.00 list; T&M price, no contingency: 100.00
    assert (quote.contingency, quote.price) == (D(0), D("100.00"))
    assert [(m.month, m.amount) for m in quote.months] == [
        ("2025-11", D("33.33")),
        ("2025-12", D("33.33")),
        ("2026-01", D("33.34")),
    ]


def test_retainer_within_one_month_and_without_an_end_date() -> None:
    one = price(make_catalog(), make_scope(BillingModel.RETAINER, end=date(2026, 2, 28)))
    assert [(m.month, m.amount) for m in one.months] == [("2026-02", D("42094.50"))]
    open_ended = price(make_catalog(), make_scope(BillingModel.RETAINER, end=None))
    assert open_ended.months == ()
    assert [(i.code, str(i.location)) for i in open_ended.issues] == [
        (Code.FIELD_MISSING, "scope.xlsx!ScopeInfo!B6")
    ]


# --- rounding ------------------------------------------------------------------------


def test_half_cent_ties_round_up_at_the_line() -> None:
    catalog = make_catalog()
    catalog.roles.append(rate("TINY", "0.01", "0.05", date(2025, 1, 1), 6))
    scope = make_scope(
        risks=(),
        deliverables=[deliverable("T", "DISC", 2)],
        overrides=[Override(deliverable="T", role="TINY", hours=D("0.5"))],
    )
    line = next(ln for ln in price(catalog, scope).lines if ln.role == "TINY")
    assert line.cost == D("0.01")  # 0.5 × 0.01 = 0.005 → 0.01
    assert line.list == D("0.03")  # 0.5 × 0.05 = 0.025 → 0.03 (half-even would say 0.02)


# --- rates ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "cost_rate", "since"),
    [
        (date(2026, 1, 1), D(100), date(2026, 1, 1)),  # StartDate == EffectiveFrom
        (date(2025, 12, 31), D(95), date(2025, 1, 1)),  # one day before
    ],
)
def test_rate_in_force_at_its_boundary(start: date, cost_rate: D, since: date) -> None:
    quote = price(make_catalog(), make_scope(start=start))
    sa = next(ln for ln in quote.lines if ln.role == "SA")
    assert (sa.rate_role, sa.cost_rate, sa.rate_from) == ("SA", cost_rate, since)
    assert sa.rate_at == f"catalog.xlsx!Roles!F{3 if since.year == 2026 else 2}"  # its cell


def test_no_rate_in_force_is_an_error_at_the_deliverable() -> None:
    quote = price(make_catalog(), make_scope(start=date(2024, 12, 31)))
    assert {(i.code, str(i.location)) for i in quote.issues} == {
        (Code.NO_RATE_IN_FORCE, "scope.xlsx!Deliverables!A2"),
        (Code.NO_RATE_IN_FORCE, "scope.xlsx!Deliverables!A3"),
    }
    assert quote.price == D(0) and quote.hours == D("337.80")
    assert all(ln.cost_rate is None and ln.list == 0 for ln in quote.lines)


def test_missing_start_date_and_billing_model() -> None:
    quote = price(make_catalog(), make_scope(billing=None, start=None), today=date(2025, 6, 1))
    assert [(i.code, str(i.location)) for i in quote.issues] == [
        (Code.FIELD_MISSING, "scope.xlsx!ScopeInfo!B5"),
        (Code.FIELD_MISSING, "scope.xlsx!ScopeInfo!B7"),
    ]
    # rates in force on `today` (SA at 200 of 2025 is 190), priced as T&M
    assert quote.rates_on == date(2025, 6, 1)
    # SA's 16.80 + 28.80 = 45.60 h bill at 190 instead of 200: 44310 − 45.60 × 10 = 43854
    assert quote.list == D("43854.00")
    assert quote.price == D("41661.30")  # 43854.00 × 0.95


def test_a_rate_in_another_currency_is_a_warning_once() -> None:
    catalog = make_catalog()
    catalog.roles[1] = catalog.roles[1].model_copy(update={"currency": "USD"})
    quote = price(catalog, make_scope())
    assert [(i.code, str(i.location)) for i in quote.warnings] == [
        (Code.CURRENCY_MISMATCH, "catalog.xlsx!Roles!E3")
    ]


# --- estimate basis ------------------------------------------------------------------


def with_actuals(deliveries: int, **values: str) -> Catalog:
    catalog = make_catalog()
    catalog.actuals.append(
        ActualRow(
            sku="DISC",
            role="SA",
            deliveries=deliveries,
            **{k: D(v) for k, v in values.items()},
        )
    )
    return catalog


@pytest.mark.parametrize(
    ("basis", "deliveries", "hours", "line_basis"),
    [
        # D1's factor is 1.05 (REMOTE); CalibratedHours 18, P80Hours 24
        (EstimateBasis.P50, 3, D("18.90"), LineBasis.P50),  # 18 × 1.05
        (EstimateBasis.P80, 3, D("25.20"), LineBasis.P80),  # 24 × 1.05
        (EstimateBasis.P50, 2, D("16.80"), LineBasis.CATALOG),  # below the minimum of 3
        (EstimateBasis.P80, 2, D("16.80"), LineBasis.CATALOG),
        (EstimateBasis.CATALOG, 9, D("16.80"), LineBasis.CATALOG),
    ],
)
def test_history_basis_needs_enough_deliveries(
    basis: EstimateBasis, deliveries: int, hours: D, line_basis: LineBasis
) -> None:
    catalog = with_actuals(deliveries, p50_hours="20", p80_hours="24", calibrated_hours="18")
    quote = price(catalog, make_scope(), basis=basis)
    sa = quote.lines[0]
    assert (sa.deliverable, sa.role, sa.hours, sa.basis) == ("D1", "SA", hours, line_basis)
    assert quote.basis is basis
    # roles without history keep the catalog's hours
    assert quote.lines[1].basis is LineBasis.CATALOG


def test_p50_without_calibrated_hours_is_weighted_with_the_prior() -> None:
    # (k × catalog + n × P50) / (k + n) = (3 × 16 + 3 × 20) / 6 = 18 → × 1.05 = 18.90
    catalog = with_actuals(3, p50_hours="20")
    scope = make_scope(basis=EstimateBasis.P50)  # the scope's own EstimateBasis
    assert estimate_hours(catalog, scope)[("D1", "SA")] == D("18.90")
    assert estimate(catalog, scope).basis is EstimateBasis.P50


# --- warnings and issues -------------------------------------------------------------


def test_margin_below_target_is_a_warning() -> None:
    quote = price(make_catalog(target_margin=D("0.50")), make_scope())
    assert quote.ok
    [warning] = quote.warnings
    assert (warning.code, warning.severity) == (Code.MARGIN_BELOW_TARGET, Severity.WARNING)
    assert str(warning.location) == "scope.xlsx!ScopeInfo!B8"
    assert "47.4 %" in warning.message and "50.0 %" in warning.message


def test_zero_price_has_no_margin() -> None:
    quote = price(make_catalog(), make_scope(start=date(2024, 1, 1)))
    assert quote.price == 0 and quote.margin is None
    assert quote.to_json()["margin"] is None


def test_deliverable_with_no_hours_is_a_warning() -> None:
    scope = make_scope(
        risks=(),
        deliverables=[deliverable("D1", "DISC", 2)],
        overrides=[
            Override(deliverable="D1", role="SA", hours=D(0)),
            Override(deliverable="D1", role="PM", hours=D(0)),
        ],
    )
    quote = price(make_catalog(), scope)
    assert [(i.code, str(i.location)) for i in quote.warnings] == [
        (Code.NO_HOURS, "scope.xlsx!Deliverables!A2")
    ]


def test_unknown_codes_become_issues_and_the_rest_is_priced() -> None:
    scope = make_scope(
        risks=("REMOTE", "ZZZ"),
        deliverables=[
            deliverable("D1", "DISC", 2, risks=["ALIENS", "REMOTE"]),
            deliverable("D2", "NOPE", 3),
            deliverable("D3", "DISC", 4, complexity="Huge"),
            deliverable("D4", "DISC", 5, quantity=D(0)),
            deliverable("D1", "DISC", 6),
        ],
        overrides=[Override(deliverable="D2", role="PM", hours=D(2))],
    )
    quote = price(make_catalog(), scope)
    assert [(i.code, str(i.location)) for i in quote.issues] == [
        (Code.UNKNOWN_RISK, "scope.xlsx!ScopeInfo!B11"),
        (Code.UNKNOWN_RISK, "scope.xlsx!Deliverables!F2"),
        (Code.UNKNOWN_SKU, "scope.xlsx!Deliverables!B3"),
        (Code.UNKNOWN_COMPLEXITY, "scope.xlsx!Deliverables!E4"),
        (Code.QUANTITY_NOT_POSITIVE, "scope.xlsx!Deliverables!D5"),
        (Code.DUPLICATE_DELIVERABLE, "scope.xlsx!Deliverables!A6"),
    ]
    # D1 keeps REMOTE (1.05); D2's override is still priced; D3 and D4 have no lines
    assert [(ln.deliverable, ln.role, ln.hours) for ln in quote.lines] == [
        ("D1", "SA", D("16.80")),
        ("D1", "PM", D("4.20")),
        ("D2", "PM", D("2.00")),
    ]


def test_complexity_matches_case_insensitively_and_blank_means_medium() -> None:
    scope = make_scope(
        risks=(),
        deliverables=[
            deliverable("D1", "DISC", 2, complexity="low"),
            deliverable("D2", "DISC", 3, complexity=" "),
        ],
    )
    hours = estimate_hours(make_catalog(), scope)
    assert hours[("D1", "SA")] == D("12.00")  # 16 × 0.75
    assert hours[("D2", "SA")] == D("16.00")


def test_an_empty_scope_prices_at_zero_with_a_warning() -> None:
    quote = price(make_catalog(), make_scope(deliverables=[]))
    assert (quote.price, quote.margin, quote.lines) == (D(0), None, ())
    assert codes(quote) == ["NO_DELIVERABLES"]


# --- the JSON shape ------------------------------------------------------------------


def test_quote_json_shape() -> None:
    data = price(make_catalog(target_margin=D("0.6")), make_scope(BillingModel.MILESTONE)).to_json()
    assert {
        "engagement",
        "billing_model",
        "currency",
        "hours",
        "cost",
        "list",
        "price",
        "margin",
        "lines",
        "milestones",
        "issues",
    } <= data.keys()
    assert (data["engagement"], data["billing_model"], data["currency"]) == (
        "ACME-01",
        "Milestone",
        "EUR",
    )
    assert (data["hours"], data["cost"], data["list"], data["price"]) == (
        "337.80",
        "22134.00",
        "44310.00",
        "46303.95",
    )
    assert data["margin"] == "0.5220"  # (46303.95 − 22134) / 46303.95 = 0.52198…
    assert data["lines"][0] == {
        "deliverable": "D1",
        "sku": "DISC",
        "role": "SA",
        "hours": "16.80",
        "basis": "Catalog",
        "milestone": "M1",
        "rate_role": "SA",
        "rate_from": "2026-01-01",
        "rate_at": "catalog.xlsx!Roles!F3",
        "cost_rate": "100",
        "bill_rate": "200",
        "cost": "1680.00",
        "list": "3360.00",
    }
    assert data["milestones"][0] == {"milestone": "M1", "list": "3990.00", "price": "4169.55"}
    assert data["issues"] == [
        {
            "code": "MARGIN_BELOW_TARGET",
            "severity": "warning",
            "location": "scope.xlsx!ScopeInfo!B8",
            "message": "margin 52.2 % is below the target 60.0 %",
        }
    ]


# --- speed ---------------------------------------------------------------------------


def test_five_hundred_deliverables_price_quickly() -> None:
    scope = make_scope(
        BillingModel.MILESTONE,
        deliverables=[
            deliverable(
                f"D{i}",
                "BUILD" if i % 2 else "DISC",
                i + 2,
                quantity=D(1 + i % 3),
                complexity=("Low", "Medium", "High")[i % 3],
                risks=["NEWTECH"] if i % 5 == 0 else [],
                milestone=f"M{i % 4}",
            )
            for i in range(500)
        ],
    )
    catalog = make_catalog()
    price(catalog, scope)  # warm
    best = min(_timed(lambda: price(catalog, scope)) for _ in range(5))
    assert len(price(catalog, scope).lines) == 1000
    assert best < 0.1  # well under 20 ms on a developer machine; loose for slow CI


def _timed(fn: Any) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started
