"""From hours to a price: rates, lines, totals, billing models, schedules (DESIGN §4).

- Rates: the Roles row of the role with the latest EffectiveFrom on or before the scope's
  StartDate. Without a StartDate the rates in force ``today`` are used and the quote
  carries a FIELD_MISSING error.
- ``cost = hours × CostRate`` and ``list = hours × BillRate``, each rounded half-up to
  cents; totals are sums of the rounded lines.
- TimeAndMaterials: ``List × (1 − Discount)``. FixedFee and Milestone:
  ``List × (1 + FixedFeeContingency) × (1 − Discount)``. Retainer: the T&M price spread
  evenly over the calendar months from StartDate's month to EndDate's month, both
  included. Each figure is rounded once, half-up to cents. Without a BillingModel the
  scope is priced as TimeAndMaterials and the quote carries a FIELD_MISSING error.
- Milestone shares are in proportion to the List of each milestone's deliverables, in
  the order milestones first appear in the scope. Deliverables with an empty Milestone
  are billed in a last milestone named ``Completion`` (:data:`UNASSIGNED_MILESTONE`):
  work nobody tied to a milestone is due when the engagement completes. A deliverable
  that names ``Completion`` itself joins that same, last milestone.
- The last milestone or month takes the rounding remainder, so shares sum to the price.
- Margin ``(Price − Cost) / Price`` below TargetMargin is a MARGIN_BELOW_TARGET warning.
- The quote is in the catalog's Currency. A scope whose Currency is another is a
  CURRENCY_MISMATCH error (:func:`currency_mismatch`): psos never converts, and never
  labels the catalog's figure with another currency.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from psos_xl.errors import Code, Issue, Location, Severity
from psos_xl.models import BillingModel, Catalog, EstimateBasis, RoleRate, Scope
from psos_xl.pricing.estimate import HoursLine, estimate
from psos_xl.pricing.money import ONE, ZERO, percent, round2
from psos_xl.pricing.quote import MilestoneShare, MonthShare, Quote, QuoteLine

UNASSIGNED_MILESTONE = "Completion"
_WITH_CONTINGENCY = (BillingModel.FIXED_FEE, BillingModel.MILESTONE)


def price(
    catalog: Catalog,
    scope: Scope,
    basis: EstimateBasis | None = None,
    today: date | None = None,
) -> Quote:
    """Price ``scope`` against ``catalog``; problems become issues on the quote, never raise.

    ``basis`` overrides the scope's EstimateBasis; ``today`` is the rate date used when
    the scope has no StartDate (default: the current date).
    """
    info = scope.info
    est = estimate(catalog, scope, basis)
    issues: list[Issue] = list(est.issues)
    currency = catalog.settings.currency
    mismatch = currency_mismatch(catalog, scope)
    if mismatch is not None:
        issues.append(mismatch)
    rates_on = info.start_date
    if rates_on is None:
        rates_on = today or date.today()
        issues.append(_missing(scope, "StartDate", f"rates in force on {rates_on} are used"))
    billing = info.billing_model
    if billing is None:
        issues.append(_missing(scope, "BillingModel", "priced as TimeAndMaterials"))
    if not ZERO <= info.discount < ONE:
        issues.append(
            Issue.make(
                Code.DISCOUNT_OUT_OF_RANGE,
                _info_at(scope, "Discount"),
                f"discount {info.discount} lies outside [0, 1)",
            )
        )

    lines = _price_lines(catalog, est.lines, rates_on, currency, issues)
    hours = sum((line.hours for line in lines), ZERO)
    cost = sum((line.cost for line in lines), ZERO)
    list_total = sum((line.list for line in lines), ZERO)
    contingency = catalog.settings.fixed_fee_contingency if billing in _WITH_CONTINGENCY else ZERO
    total = round2(list_total * (ONE + contingency) * (ONE - info.discount))

    milestones = _milestones(lines, total) if billing is BillingModel.MILESTONE else ()
    months = _months(scope, total, issues) if billing is BillingModel.RETAINER else ()

    margin = (total - cost) / total if total else None
    target = catalog.settings.target_margin
    if (margin is not None and margin < target) or (margin is None and cost > ZERO):
        shown = percent(margin) if margin is not None else "undefined (the price is zero)"
        issues.append(
            Issue.make(
                Code.MARGIN_BELOW_TARGET,
                _info_at(scope, "Discount"),
                f"margin {shown} is below the target {percent(target)}",
            )
        )

    return Quote(
        engagement=info.engagement,
        client=info.client,
        title=info.title,
        billing_model=billing,
        currency=currency,
        basis=est.basis,
        rates_on=rates_on,
        lines=tuple(lines),
        hours=hours,
        cost=cost,
        list=list_total,
        discount=info.discount,
        contingency=contingency,
        price=total,
        margin=margin,
        target_margin=target,
        milestones=milestones,
        months=months,
        warnings=tuple(i for i in issues if i.severity is not Severity.ERROR),
        issues=tuple(i for i in issues if i.severity is Severity.ERROR),
    )


def currency_mismatch(catalog: Catalog, scope: Scope) -> Issue | None:
    """The CURRENCY_MISMATCH error of a scope whose Currency is not the catalog's: psos
    does not convert, and a price in the catalog's currency under the scope's label
    would be a wrong figure. None when the Currency is the catalog's or left empty."""
    given, expected = scope.info.currency, catalog.settings.currency
    if not given or given.casefold() == expected.casefold():
        return None
    return Issue.make(
        Code.CURRENCY_MISMATCH,
        _info_at(scope, "Currency"),
        f"the scope's Currency is {given} but the catalog prices in {expected}; psos does "
        f"not convert, so the scope is not priced (set Currency to {expected})",
        Severity.ERROR,
    )


def rates_in_force(catalog: Catalog, on: date) -> dict[str, RoleRate]:
    """Each role's Roles row in force on ``on`` (latest EffectiveFrom ≤ on), in one pass."""
    best: dict[str, RoleRate] = {}
    for row in catalog.roles:
        if row.effective_from <= on:
            current = best.get(row.role)
            if current is None or row.effective_from > current.effective_from:
                best[row.role] = row
    return best


def _price_lines(
    catalog: Catalog,
    hours_lines: tuple[HoursLine, ...],
    on: date,
    currency: str,
    issues: list[Issue],
) -> list[QuoteLine]:
    rates = rates_in_force(catalog, on)
    mismatched: set[tuple[str, date]] = set()
    lines: list[QuoteLine] = []
    for h in hours_lines:
        rate = rates.get(h.role)
        if rate is None:
            issues.append(_no_rate(catalog, h, on))
            lines.append(_line(h, None, ZERO, ZERO))
            continue
        if rate.currency and rate.currency != currency:
            key = (rate.role, rate.effective_from)
            if key not in mismatched:
                mismatched.add(key)
                issues.append(
                    Issue.make(
                        Code.CURRENCY_MISMATCH,
                        rate.at("Currency", catalog.workbook),
                        f"role {rate.role} is rated in {rate.currency}, the quote is in "
                        f"{currency}; the rates are used as they are",
                        Severity.WARNING,
                    )
                )
        lines.append(
            _line(h, rate, round2(h.hours * rate.cost_rate), round2(h.hours * rate.bill_rate))
        )
    return lines


def _line(h: HoursLine, rate: RoleRate | None, cost: Decimal, list_: Decimal) -> QuoteLine:
    return QuoteLine(
        deliverable=h.deliverable,
        sku=h.sku,
        role=h.role,
        hours=h.hours,
        basis=h.basis,
        milestone=h.milestone,
        rate_role=rate.role if rate else None,
        rate_from=rate.effective_from if rate else None,
        rate_at=str(rate.src.at_row) if rate and rate.src else "",
        cost_rate=rate.cost_rate if rate else None,
        bill_rate=rate.bill_rate if rate else None,
        cost=cost,
        list=list_,
    )


def _no_rate(catalog: Catalog, h: HoursLine, on: date) -> Issue:
    dated = [r.effective_from for r in catalog.roles if r.role == h.role]
    why = (
        f"its first rate starts {min(dated)}"
        if dated
        else "the catalog's Roles table does not list it"
    )
    return Issue.make(
        Code.NO_RATE_IN_FORCE,
        h.location,
        f"deliverable {h.deliverable}: role {h.role} has no rate in force on {on} ({why}); "
        "its hours are priced at zero",
    )


def _milestones(lines: list[QuoteLine], total: Decimal) -> tuple[MilestoneShare, ...]:
    lists: dict[str, Decimal] = {}
    for line in lines:
        name = line.milestone or UNASSIGNED_MILESTONE
        lists[name] = lists.get(name, ZERO) + line.list
    if UNASSIGNED_MILESTONE in lists:
        lists[UNASSIGNED_MILESTONE] = lists.pop(UNASSIGNED_MILESTONE)  # billed last
    if not lists:
        return ()
    list_total = sum(lists.values(), ZERO)
    names = list(lists)
    shares = [round2(total * lists[n] / list_total) if list_total else ZERO for n in names[:-1]]
    shares.append(total - sum(shares, ZERO))
    return tuple(
        MilestoneShare(milestone=n, list=lists[n], price=s)
        for n, s in zip(names, shares, strict=True)
    )


def _months(scope: Scope, total: Decimal, issues: list[Issue]) -> tuple[MonthShare, ...]:
    start, end = scope.info.start_date, scope.info.end_date
    if end is None:
        issues.append(_missing(scope, "EndDate", "a Retainer needs it to spread the price"))
        return ()
    if start is None:
        return ()  # already reported
    if end < start:
        issues.append(
            Issue.make(
                Code.DATES_REVERSED,
                _info_at(scope, "EndDate"),
                f"EndDate {end} falls before StartDate {start}; no monthly schedule",
            )
        )
        return ()
    count = (end.year - start.year) * 12 + end.month - start.month + 1
    each = round2(total / count)
    amounts = [each] * (count - 1) + [total - each * (count - 1)]
    months: list[MonthShare] = []
    for i, amount in enumerate(amounts):
        year, month0 = divmod(start.month - 1 + i, 12)
        months.append(MonthShare(month=f"{start.year + year:04d}-{month0 + 1:02d}", amount=amount))
    return tuple(months)


def _info_at(scope: Scope, field_name: str) -> Location:
    return scope.info.at(field_name, f"{scope.workbook}!ScopeInfo")


def _missing(scope: Scope, field_name: str, consequence: str) -> Issue:
    return Issue.make(
        Code.FIELD_MISSING,
        _info_at(scope, field_name),
        f"ScopeInfo has no {field_name}; {consequence}",
    )
