"""Laws of the pricing arithmetic, over generated catalogs and scopes (hypothesis)."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from psos_xl.models import (
    BillingModel,
    Catalog,
    CatalogSettings,
    ComplexityLevel,
    Deliverable,
    Override,
    Risk,
    RoleRate,
    Scope,
    ScopeInfo,
    ServiceLine,
)
from psos_xl.pricing import Quote, price

D = Decimal
ROLES = ("SA", "DEV", "PM")
SKUS = ("DISC", "BUILD", "RUN")
RISKS = ("NEWTECH", "REMOTE", "LEGACY")
LEVELS = ("Low", "Medium", "High")
MILESTONES = ("", "M1", "M2", "M3")


def decimals(low: str, high: str, places: int) -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=D(low), max_value=D(high), places=places)


rates = decimals("0", "500", 2)
quantities = decimals("0.01", "40", 2)
discounts = decimals("0", "0.9999", 4)
days = st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31))


@st.composite
def catalogs(draw: st.DrawFn) -> Catalog:
    roles = [
        RoleRate(role=role, cost_rate=draw(rates), bill_rate=draw(rates), effective_from=since)
        for role in ROLES
        for since in draw(st.lists(days, min_size=1, max_size=3, unique=True))
    ]
    services = [
        ServiceLine(sku=sku, role=role, hours=draw(decimals("0", "120", 2)))
        for sku in SKUS
        for role in draw(st.lists(st.sampled_from(ROLES), min_size=1, max_size=3, unique=True))
    ]
    return Catalog(
        roles=roles,
        services=services,
        complexity=[
            ComplexityLevel(level=level, multiplier=draw(decimals("0.25", "3", 2)))
            for level in LEVELS
        ],
        risks=[Risk(code=code, uplift=draw(decimals("0", "1", 2))) for code in RISKS],
        settings=CatalogSettings(
            fixed_fee_contingency=draw(decimals("0", "0.5", 2)),
            target_margin=draw(decimals("0", "0.9", 2)),
        ),
    )


@st.composite
def scopes(draw: st.DrawFn, billing: BillingModel | None = None) -> Scope:
    start = draw(days)
    count = draw(st.integers(min_value=1, max_value=8))
    deliverables = [
        Deliverable(
            deliverable=f"D{i}",
            sku=draw(st.sampled_from(SKUS)),
            quantity=draw(quantities),
            complexity=draw(st.sampled_from(LEVELS)),
            risks=draw(st.lists(st.sampled_from(RISKS), max_size=3)),
            milestone=draw(st.sampled_from(MILESTONES)),
        )
        for i in range(count)
    ]
    overrides = [
        Override(deliverable=f"D{i}", role=role, hours=draw(decimals("0", "80", 2)))
        for i in draw(st.lists(st.integers(0, count - 1), max_size=3, unique=True))
        for role in [draw(st.sampled_from(ROLES))]
    ]
    return Scope(
        info=ScopeInfo(
            engagement="ENG",
            start_date=start,
            end_date=start + timedelta(days=draw(st.integers(0, 800))),
            billing_model=billing or draw(st.sampled_from(list(BillingModel))),
            discount=draw(discounts),
            risks=draw(st.lists(st.sampled_from(RISKS), max_size=2)),
        ),
        deliverables=deliverables,
        overrides=overrides,
    )


def with_info(scope: Scope, **changes: Any) -> Scope:
    return scope.model_copy(update={"info": scope.info.model_copy(update=changes)})


@settings(max_examples=60, deadline=None)
@given(catalogs(), scopes(), st.data())
def test_price_grows_with_quantity(catalog: Catalog, scope: Scope, data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(scope.deliverables) - 1))
    more = data.draw(decimals("0", "40", 2))
    bigger = scope.model_copy(deep=True)
    bigger.deliverables[i].quantity += more
    small, large = price(catalog, scope), price(catalog, bigger)
    assert small.hours <= large.hours
    assert small.list <= large.list
    assert small.price <= large.price


@settings(max_examples=60, deadline=None)
@given(catalogs(), scopes())
def test_totals_are_the_sums_of_rounded_lines(catalog: Catalog, scope: Scope) -> None:
    quote = price(catalog, scope)
    cent = D("0.01")
    assert quote.hours == sum((ln.hours for ln in quote.lines), D(0))
    assert quote.cost == sum((ln.cost for ln in quote.lines), D(0))
    assert quote.list == sum((ln.list for ln in quote.lines), D(0))
    for ln in quote.lines:
        if ln.cost_rate is not None and ln.bill_rate is not None:
            assert ln.cost == (ln.hours * ln.cost_rate).quantize(cent, rounding=ROUND_HALF_UP)
            assert ln.list == (ln.hours * ln.bill_rate).quantize(cent, rounding=ROUND_HALF_UP)
    factor = (1 + quote.contingency) * (1 - quote.discount)
    assert quote.price == (quote.list * factor).quantize(cent, rounding=ROUND_HALF_UP)


@settings(max_examples=60, deadline=None)
@given(catalogs(), scopes(), discounts, discounts)
def test_a_discount_never_raises_the_price(
    catalog: Catalog, scope: Scope, one: Decimal, other: Decimal
) -> None:
    low, high = sorted((one, other))
    assert (
        price(catalog, with_info(scope, discount=high)).price
        <= price(catalog, with_info(scope, discount=low)).price
    )


@settings(max_examples=60, deadline=None)
@given(catalogs(), scopes(BillingModel.MILESTONE))
def test_milestone_shares_sum_exactly_to_the_price(catalog: Catalog, scope: Scope) -> None:
    quote = price(catalog, scope)
    assert sum((m.price for m in quote.milestones), D(0)) == quote.price
    assert sum((m.list for m in quote.milestones), D(0)) == quote.list
    assert len({m.milestone for m in quote.milestones}) == len(quote.milestones)


@settings(max_examples=60, deadline=None)
@given(catalogs(), scopes(BillingModel.RETAINER))
def test_month_shares_sum_exactly_to_the_price(catalog: Catalog, scope: Scope) -> None:
    quote = price(catalog, scope)
    start, end = scope.info.start_date, scope.info.end_date
    assert start is not None and end is not None
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    assert len(quote.months) == months
    assert quote.months[0].month == start.strftime("%Y-%m")
    assert quote.months[-1].month == end.strftime("%Y-%m")
    assert sum((m.amount for m in quote.months), D(0)) == quote.price
    # even shares: every month but the last is the same rounded amount
    assert len({m.amount for m in quote.months[:-1]}) <= 1


def walk(value: Any, path: str = "quote") -> list[str]:
    """Paths of every float inside a quote (dataclasses, tuples, lists, dicts)."""
    if isinstance(value, float):
        return [path]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [
            p
            for f in dataclasses.fields(value)
            for p in walk(getattr(value, f.name), f"{path}.{f.name}")
        ]
    if isinstance(value, list | tuple):
        return [p for i, item in enumerate(value) for p in walk(item, f"{path}[{i}]")]
    if isinstance(value, dict):
        return [p for k, item in value.items() for p in walk(item, f"{path}.{k}")]
    return []


@settings(max_examples=50, deadline=None)
@given(catalogs(), scopes())
def test_no_float_anywhere_in_a_quote(catalog: Catalog, scope: Scope) -> None:
    quote = price(catalog, scope)
    assert walk(quote) == []
    assert walk(quote.to_json()) == []
    money = [quote.hours, quote.cost, quote.list, quote.price, quote.discount]
    money += [x for ln in quote.lines for x in (ln.hours, ln.cost, ln.list)]
    money += [x for ln in quote.lines for x in (ln.cost_rate, ln.bill_rate) if x is not None]
    money += [m.price for m in quote.milestones] + [m.list for m in quote.milestones]
    money += [m.amount for m in quote.months]
    assert all(type(x) is Decimal for x in money)
    assert quote.margin is None or type(quote.margin) is Decimal
    assert all(x == x.quantize(D("0.01")) for x in (quote.hours, quote.cost, quote.price))


codes = st.text(alphabet="ABCDEFGHXYZ ,", max_size=8)


@settings(max_examples=50, deadline=None)
@given(
    catalogs(),
    st.lists(
        st.tuples(codes, codes, codes, st.lists(codes, max_size=3), decimals("-5", "5", 2)),
        max_size=6,
    ),
    st.lists(st.tuples(codes, codes, decimals("-5", "50", 2)), max_size=4),
)
def test_any_codes_are_priced_without_a_crash(
    catalog: Catalog,
    rows: list[tuple[str, str, str, list[str], Decimal]],
    override_rows: list[tuple[str, str, Decimal]],
) -> None:
    scope = Scope(
        info=ScopeInfo(billing_model=BillingModel.MILESTONE, start_date=date(2026, 1, 1)),
        deliverables=[
            Deliverable(deliverable=code, sku=sku, complexity=level, risks=risks, quantity=q)
            for code, sku, level, risks, q in rows
        ],
        overrides=[Override(deliverable=d, role=r, hours=h) for d, r, h in override_rows],
    )
    quote: Quote = price(catalog, scope)
    assert sum((m.price for m in quote.milestones), D(0)) == quote.price
    assert all(issue.location is not None for issue in quote.all_issues)
