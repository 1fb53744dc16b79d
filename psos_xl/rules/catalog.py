"""Rules of the catalog: rates, services, complexity, risks, settings and people.

The reader has already checked types (a rate is a number, a date a date); these
rules check what the values mean together.
"""

from __future__ import annotations

from decimal import Decimal

from psos_xl.errors import Code, Issue, Severity
from psos_xl.models import Catalog, Row
from psos_xl.rules import RuleContext, duplicates, fmt, unknown
from psos_xl.settings import CATALOG_SETTINGS

UPLIFT_MIN, UPLIFT_MAX = Decimal("-0.5"), Decimal(2)
CAPACITY_MAX = Decimal(168)  # hours in a week


def _rows(first: Row, later: Row) -> str:
    """``rows 3 and 7``: both rows of a duplicate, on the same sheet."""
    if first.src and later.src:
        return f"rows {first.src.row} and {later.src.row}"
    return "two rows"


def unique_rates(catalog: Catalog, ctx: RuleContext) -> list[Issue]:
    """Each role has at most one Roles row per EffectiveFrom date."""
    return [
        Issue.make(
            Code.DUPLICATE_RATE,
            later.at("EffectiveFrom"),
            f"role {later.role!r} has two rates effective {later.effective_from.isoformat()} "
            f"({_rows(first, later)}); keep one",
        )
        for first, later in duplicates(catalog.roles, lambda r: (r.role, r.effective_from))
    ]


def rates_not_negative(catalog: Catalog, ctx: RuleContext) -> list[Issue]:
    """CostRate and BillRate are zero or more."""
    issues: list[Issue] = []
    for r in catalog.roles:
        for header, value in (("CostRate", r.cost_rate), ("BillRate", r.bill_rate)):
            if value < 0:
                issues.append(
                    Issue.make(
                        Code.RATE_NEGATIVE,
                        r.at(header),
                        f"{header} of {r.role!r} is negative ({fmt(value)})",
                    )
                )
    return issues


def bill_not_below_cost(catalog: Catalog, ctx: RuleContext) -> list[Issue]:
    """A role's BillRate is not below its CostRate (a warning: every hour loses money)."""
    return [
        Issue.make(
            Code.BILL_BELOW_COST,
            r.at("BillRate"),
            f"role {r.role!r} bills {fmt(r.bill_rate)} an hour, below its cost of "
            f"{fmt(r.cost_rate)}: every hour sold loses money",
        )
        for r in catalog.roles
        if r.cost_rate >= 0 and r.bill_rate >= 0 and r.bill_rate < r.cost_rate
    ]


def role_currencies(catalog: Catalog, ctx: RuleContext) -> list[Issue]:
    """A role's Currency, when given, is the catalog's Currency setting."""
    expected = catalog.settings.currency
    return [
        Issue.make(
            Code.CURRENCY_MISMATCH,
            r.at("Currency"),
            f"role {r.role!r} is priced in {r.currency} but the catalog's Currency is {expected}; "
            "rates are used as if they were " + expected,
            Severity.WARNING,
        )
        for r in catalog.roles
        if r.currency and r.currency.casefold() != expected.casefold()
    ]


def services_known_roles(catalog: Catalog, ctx: RuleContext) -> list[Issue]:
    """Every Services row names a role defined in Roles."""
    roles = catalog.role_codes()
    return [
        Issue.make(
            Code.UNKNOWN_ROLE,
            s.at("Role"),
            unknown(f"SKU {s.sku!r} needs role", s.role, roles, "Roles"),
        )
        for s in catalog.services
        if s.role not in roles
    ]


def unique_service_roles(catalog: Catalog, ctx: RuleContext) -> list[Issue]:
    """A SKU lists each role once."""
    return [
        Issue.make(
            Code.DUPLICATE_SERVICE_ROLE,
            later.at("Role"),
            f"SKU {later.sku!r} lists role {later.role!r} twice ({_rows(first, later)}); "
            "put the hours in one row",
        )
        for first, later in duplicates(catalog.services, lambda s: (s.sku, s.role))
    ]


def hours_not_negative(catalog: Catalog, ctx: RuleContext) -> list[Issue]:
    """Services base hours are zero or more."""
    return [
        Issue.make(
            Code.HOURS_NEGATIVE,
            s.at("Hours"),
            f"SKU {s.sku!r} × {s.role!r} has negative hours ({fmt(s.hours)})",
        )
        for s in catalog.services
        if s.hours < 0
    ]


def multipliers_positive(catalog: Catalog, ctx: RuleContext) -> list[Issue]:
    """Every complexity Multiplier is above zero."""
    return [
        Issue.make(
            Code.MULTIPLIER_NOT_POSITIVE,
            c.at("Multiplier"),
            f"complexity {c.level!r} has multiplier {fmt(c.multiplier)}; it must be above 0",
        )
        for c in catalog.complexity
        if c.multiplier <= 0
    ]


def uplifts_in_range(catalog: Catalog, ctx: RuleContext) -> list[Issue]:
    """Every risk Uplift is a fraction between -0.5 and 2 (-50 % to +200 %)."""
    issues: list[Issue] = []
    for r in catalog.risks:
        if UPLIFT_MIN <= r.uplift <= UPLIFT_MAX:
            continue
        hint = (
            f": enter a fraction ({fmt(r.uplift / 100)} for +{fmt(r.uplift)} %)"
            if UPLIFT_MAX < r.uplift <= 200
            else ""
        )
        issues.append(
            Issue.make(
                Code.UPLIFT_OUT_OF_RANGE,
                r.at("Uplift"),
                f"risk {r.code!r} has uplift {fmt(r.uplift)}, outside -0.5 to 2{hint}",
            )
        )
    return issues


def unique_codes(catalog: Catalog, ctx: RuleContext) -> list[Issue]:
    """Complexity levels, risk codes, people and setting keys are each defined once."""
    issues: list[Issue] = []
    tables: list[tuple[str, str, list[Row], str]] = [
        ("complexity level", "Level", list(catalog.complexity), "level"),
        ("risk code", "Code", list(catalog.risks), "code"),
        ("person", "Person", list(catalog.people), "person"),
        ("setting", "Key", list(catalog.settings_rows), "key"),
    ]
    for label, header, rows, attr in tables:

        def key(row: Row, attr: str = attr) -> str:
            return str(getattr(row, attr)).casefold()

        for first, later in duplicates(rows, key):
            issues.append(
                Issue.make(
                    Code.DUPLICATE_CODE,
                    later.at(header),
                    f"{label} {getattr(later, attr)!r} is defined twice ({_rows(first, later)})",
                )
            )
    return issues


def settings_present(catalog: Catalog, ctx: RuleContext) -> list[Issue]:
    """Every known setting has a value in Settings (a warning: its default is used)."""
    rows = {s.key.casefold(): s for s in reversed(catalog.settings_rows)}
    first = catalog.settings_rows[0].at("Key") if catalog.settings_rows else ""
    table = first or f"{catalog.workbook}!Settings"
    issues: list[Issue] = []
    for d in CATALOG_SETTINGS:
        row = rows.get(d.key.casefold())
        if (row is not None and row.value.strip()) or d.optional:
            continue
        default = fmt(d.default)
        if row is None:
            where, what = table, f"setting {d.key!r} is missing"
        else:
            where, what = row.at("Value"), f"setting {d.key!r} is blank"
        issues.append(
            Issue.make(Code.SETTING_MISSING, where, f"{what}; the default {default} is used")
        )
    return issues


def people_valid(catalog: Catalog, ctx: RuleContext) -> list[Issue]:
    """People rows: a known role, 0 < capacity ≤ 168 hours a week, a utilization
    target between 0 and 1, and no EndDate before StartDate."""
    roles = catalog.role_codes()
    issues: list[Issue] = []
    for p in catalog.people:
        who = f"person {p.person!r}"
        if p.role not in roles:
            issues.append(
                Issue.make(
                    Code.UNKNOWN_ROLE,
                    p.at("Role"),
                    unknown(f"{who}: role", p.role, roles, "Roles"),
                )
            )
        cap = p.capacity_hours_per_week
        if not 0 < cap <= CAPACITY_MAX:
            issues.append(
                Issue.make(
                    Code.PERSON_INVALID,
                    p.at("CapacityHoursPerWeek"),
                    f"{who} has a capacity of {fmt(cap)} hours a week; "
                    f"it must be above 0 and at most {CAPACITY_MAX}",
                )
            )
        target = p.utilization_target
        if target is not None and not 0 <= target <= 1:
            hint = (
                f": enter a fraction ({fmt(target / 100)} for {fmt(target)} %)"
                if (1 < target <= 100)
                else ""
            )
            issues.append(
                Issue.make(
                    Code.PERSON_INVALID,
                    p.at("UtilizationTarget"),
                    f"{who} has a utilization target of {fmt(target)}, outside 0 to 1{hint}",
                )
            )
        if p.start_date and p.end_date and p.end_date < p.start_date:
            issues.append(
                Issue.make(
                    Code.PERSON_INVALID,
                    p.at("EndDate"),
                    f"{who} ends on {p.end_date.isoformat()}, before starting on "
                    f"{p.start_date.isoformat()}",
                )
            )
    return issues


RULES = (
    unique_rates,
    rates_not_negative,
    bill_not_below_cost,
    role_currencies,
    services_known_roles,
    unique_service_roles,
    hours_not_negative,
    multipliers_positive,
    uplifts_in_range,
    unique_codes,
    settings_present,
    people_valid,
)
