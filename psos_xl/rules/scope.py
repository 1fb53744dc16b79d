"""Rules of a scope: its header fields, deliverables, overrides and assumptions, and
whether the catalog can price it (SKUs, complexity levels, risks, roles, rates).

Without a catalog the catalog checks are skipped and one CATALOG_NOT_FOUND warning
says so.
"""

from __future__ import annotations

import re
from decimal import Decimal

from psos_xl.errors import Code, Issue, Location
from psos_xl.models import Row, Scope
from psos_xl.pricing.baseline import unordered
from psos_xl.pricing.engine import currency_mismatch
from psos_xl.pricing.estimate import DEFAULT_COMPLEXITY, MEDIUM, quantity_not_positive
from psos_xl.rules import RuleContext, catalog_missing, duplicates, fmt, is_blank, unknown
from psos_xl.workbook.spec import SCOPE_FIELDS

ZERO, ONE = Decimal(0), Decimal(1)
_PLACEHOLDER = re.compile(r"<[^<>]*>")
_SKIPPED = "SKUs, complexity levels, risk codes, roles, rates in force and currency"


def _rows(first: Row, later: Row) -> str:
    if first.src and later.src:
        return f"rows {first.src.row} and {later.src.row}"
    return "two rows"


def _table(scope: Scope, name: str) -> Location:
    return scope.table_cells.get(name) or Location(scope.workbook, name)


def _reported_on_sheet(where: Location, ctx: RuleContext) -> bool:
    """Whether the reader already flagged a cell on the sheet of ``where``."""
    return any(
        (loc.workbook, loc.sheet) == (where.workbook, where.sheet) and loc.cell
        for loc in ctx.reported
    )


def catalog_available(scope: Scope, ctx: RuleContext) -> list[Issue]:
    """A catalog was found to check the scope against (a warning when not: the
    catalog checks are skipped)."""
    return catalog_missing(scope.workbook, ctx, _SKIPPED)


def required_fields(scope: Scope, ctx: RuleContext) -> list[Issue]:
    """Every required ScopeInfo field (Engagement, Client, Title, StartDate, EndDate,
    BillingModel, Status) has a value."""
    issues: list[Issue] = []
    for name, fld, _type, required in SCOPE_FIELDS:
        where = scope.info.at(name, _table(scope, "ScopeInfo"))
        if not required or not is_blank(getattr(scope.info, fld)) or where in ctx.reported:
            continue
        issues.append(Issue.make(Code.FIELD_MISSING, where, f"ScopeInfo needs a value for {name}"))
    return issues


def placeholders_replaced(scope: Scope, ctx: RuleContext) -> list[Issue]:
    """Client and Title are not placeholders (a value wholly in angle brackets, such as
    the ``<client>`` a scope started from another one holds until someone types the new
    client): a warning, since the scope still prices, but a quote would show it."""
    issues: list[Issue] = []
    for name, value in (("Client", scope.info.client), ("Title", scope.info.title)):
        if not _PLACEHOLDER.fullmatch(value.strip()):
            continue
        issues.append(
            Issue.make(
                Code.PLACEHOLDER_NOT_REPLACED,
                scope.info.at(name, _table(scope, "ScopeInfo")),
                f"ScopeInfo {name} is still the placeholder {value.strip()}: "
                f"type the {name.lower()} of this engagement",
            )
        )
    return issues


def dates_in_order(scope: Scope, ctx: RuleContext) -> list[Issue]:
    """EndDate is not before StartDate."""
    start, end = scope.info.start_date, scope.info.end_date
    if start is None or end is None or end >= start:
        return []
    return [
        Issue.make(
            Code.DATES_REVERSED,
            scope.info.at("EndDate", _table(scope, "ScopeInfo")),
            f"EndDate {end.isoformat()} is before StartDate {start.isoformat()}",
        )
    ]


def discount_in_range(scope: Scope, ctx: RuleContext) -> list[Issue]:
    """Discount is a fraction from 0 up to, not including, 1 (0.05 = 5 %)."""
    d = scope.info.discount
    if 0 <= d < 1:
        return []
    hint = f": enter a fraction ({fmt(d / 100)} for {fmt(d)} %)" if 1 <= d < 100 else ""
    return [
        Issue.make(
            Code.DISCOUNT_OUT_OF_RANGE,
            scope.info.at("Discount", _table(scope, "ScopeInfo")),
            f"Discount must be at least 0 and below 1, got {fmt(d)}{hint}",
        )
    ]


def probability_in_range(scope: Scope, ctx: RuleContext) -> list[Issue]:
    """Probability, when given, is a fraction from 0 to 1 (0.5 = 50 %)."""
    p = scope.info.probability
    if p is None or ZERO <= p <= ONE:
        return []
    hint = f": enter a fraction ({fmt(p / 100)} for {fmt(p)} %)" if 1 < p <= 100 else ""
    return [
        Issue.make(
            Code.PERCENT_OUT_OF_RANGE,
            scope.info.at("Probability", _table(scope, "ScopeInfo")),
            f"Probability lies between 0 and 1 (0 % and 100 %), got {fmt(p)}{hint}",
        )
    ]


def unique_deliverables(scope: Scope, ctx: RuleContext) -> list[Issue]:
    """Each Deliverable code appears once."""
    return [
        Issue.make(
            Code.DUPLICATE_DELIVERABLE,
            later.at("Deliverable"),
            f"deliverable {later.deliverable!r} appears twice ({_rows(first, later)})",
        )
        for first, later in duplicates(scope.deliverables, lambda d: d.deliverable)
    ]


def unique_assumptions(scope: Scope, ctx: RuleContext) -> list[Issue]:
    """Each assumption ID appears once."""
    return [
        Issue.make(
            Code.DUPLICATE_CODE,
            later.at("ID"),
            f"assumption {later.id!r} appears twice ({_rows(first, later)})",
        )
        for first, later in duplicates(scope.assumptions, lambda a: a.id.casefold())
    ]


def quantities_positive(scope: Scope, ctx: RuleContext) -> list[Issue]:
    """Every deliverable's Quantity is above zero."""
    return [
        quantity_not_positive(d, d.at("Quantity")) for d in scope.deliverables if d.quantity <= 0
    ]


def progress_valid(scope: Scope, ctx: RuleContext) -> list[Issue]:
    """PercentComplete lies in [0, 1]; a CompletedOn beside a PercentComplete under 100 %
    says two things (a warning: the deliverable counts as done)."""
    issues = []
    for d in scope.deliverables:
        p = d.percent_complete
        if p is not None and not ZERO <= p <= ONE:
            issues.append(
                Issue.make(
                    Code.PERCENT_OUT_OF_RANGE,
                    d.at("PercentComplete"),
                    f"deliverable {d.deliverable!r} is {fmt(p * 100)} % complete; "
                    "PercentComplete lies between 0 and 1 (0 % and 100 %)",
                )
            )
        elif p is not None and p < ONE and d.completed_on is not None:
            issues.append(
                Issue.make(
                    Code.PROGRESS_CONFLICT,
                    d.at("PercentComplete"),
                    f"deliverable {d.deliverable!r} was completed on "
                    f"{d.completed_on.isoformat()} but is {fmt(p * 100)} % complete; "
                    "psos counts it as done (clear one of the two)",
                )
            )
    return issues


def changes_have_orders(scope: Scope, ctx: RuleContext) -> list[Issue]:
    """A deliverable added or changed since the engagement was baselined names the change
    order it belongs to (a warning: the change is recorded as a revision either way)."""
    sold = (ctx.sold or {}).get(scope.info.engagement)
    if sold is None:
        return []
    issues = []
    for d in unordered(sold, scope):
        has_column = d.src is not None and "changeorder" in d.src.columns
        where = d.at("ChangeOrder") if has_column else d.at("Deliverable")
        what = "was added" if d.deliverable not in sold else "changed"
        issues.append(
            Issue.make(
                Code.CHANGE_WITHOUT_ORDER,
                where,
                f"deliverable {d.deliverable!r} {what} after the scope was sold; name the "
                "change order it belongs to in the ChangeOrder column",
            )
        )
    return issues


def has_deliverables(scope: Scope, ctx: RuleContext) -> list[Issue]:
    """The scope lists at least one deliverable (a warning: it prices to nothing)."""
    where = scope.table_cells.get("Deliverables")
    if scope.deliverables or where is None:
        return []  # no table at all is the reader's TABLE_MISSING
    if _reported_on_sheet(where, ctx):
        return []  # its rows were rejected by the reader, which said why
    return [Issue.make(Code.NO_DELIVERABLES, where, "the scope lists no deliverables")]


def has_assumptions(scope: Scope, ctx: RuleContext) -> list[Issue]:
    """The scope lists at least one assumption (a warning: a price without stated
    assumptions is hard to defend)."""
    where = _table(scope, "Assumptions")
    if scope.assumptions or _reported_on_sheet(where, ctx):
        return []
    return [
        Issue.make(
            Code.NO_ASSUMPTIONS,
            where,
            "the scope lists no assumptions; state what the price depends on",
        )
    ]


def overrides_valid(scope: Scope, ctx: RuleContext) -> list[Issue]:
    """Overrides name a deliverable of this scope, hours are zero or more, and each
    deliverable × role is overridden once."""
    codes = [d.deliverable for d in scope.deliverables]
    issues: list[Issue] = []
    for o in scope.overrides:
        if o.deliverable not in codes:
            issues.append(
                Issue.make(
                    Code.OVERRIDE_UNKNOWN_DELIVERABLE,
                    o.at("Deliverable"),
                    unknown(
                        f"override of role {o.role!r}: deliverable",
                        o.deliverable,
                        codes,
                        "Deliverables",
                    ),
                )
            )
        if o.hours < 0:
            issues.append(
                Issue.make(
                    Code.HOURS_NEGATIVE,
                    o.at("Hours"),
                    f"override of {o.deliverable!r} × {o.role!r} has negative hours "
                    f"({fmt(o.hours)})",
                )
            )
    for first, later in duplicates(scope.overrides, lambda o: (o.deliverable, o.role)):
        issues.append(
            Issue.make(
                Code.DUPLICATE_OVERRIDE,
                later.at("Role"),
                f"{later.deliverable!r} × {later.role!r} is overridden twice "
                f"({_rows(first, later)}); keep one",
            )
        )
    return issues


# --- checks against the catalog ------------------------------------------------------


def known_skus(scope: Scope, ctx: RuleContext) -> list[Issue]:
    """Every deliverable's SKU is in the catalog's Services."""
    if ctx.catalog is None:
        return []
    skus = ctx.catalog.sku_codes()
    return [
        Issue.make(
            Code.UNKNOWN_SKU,
            d.at("SKU"),
            unknown(f"deliverable {d.deliverable!r}: SKU", d.sku, skus, "the catalog's Services"),
        )
        for d in scope.deliverables
        if d.sku not in skus
    ]


def known_complexity(scope: Scope, ctx: RuleContext) -> list[Issue]:
    """Every deliverable's Complexity is a level of the catalog, in any letter case
    (Low, Medium and High when the catalog defines none)."""
    if ctx.catalog is None:
        return []
    # as pricing does: the contract's default levels when the catalog defines none,
    # and Medium always (Services hours are Medium hours by definition)
    levels = ctx.catalog.complexity_levels() or dict(DEFAULT_COMPLEXITY)
    levels.setdefault(MEDIUM, Decimal(1))
    names = [c.level for c in ctx.catalog.complexity] or [k.title() for k in levels]
    return [
        Issue.make(
            Code.UNKNOWN_COMPLEXITY,
            d.at("Complexity"),
            unknown(
                f"deliverable {d.deliverable!r}: complexity", d.complexity, names, "Complexity"
            ),
        )
        for d in scope.deliverables
        if d.complexity.casefold() not in levels
    ]


def known_risks(scope: Scope, ctx: RuleContext) -> list[Issue]:
    """Every risk code, on a deliverable or in ScopeInfo's Risks, is in the catalog."""
    if ctx.catalog is None:
        return []
    risks = ctx.catalog.risk_uplifts()
    issues: list[Issue] = []
    for code in scope.info.risks:
        if code not in risks:
            issues.append(
                Issue.make(
                    Code.UNKNOWN_RISK,
                    scope.info.at("Risks", _table(scope, "ScopeInfo")),
                    unknown("ScopeInfo Risks: risk", code, risks, "the catalog's Risks"),
                )
            )
    for d in scope.deliverables:
        for code in d.risks:
            if code not in risks:
                issues.append(
                    Issue.make(
                        Code.UNKNOWN_RISK,
                        d.at("Risks"),
                        unknown(
                            f"deliverable {d.deliverable!r}: risk",
                            code,
                            risks,
                            "the catalog's Risks",
                        ),
                    )
                )
    return issues


def override_roles_known(scope: Scope, ctx: RuleContext) -> list[Issue]:
    """Every override names a role of the catalog's Roles."""
    if ctx.catalog is None:
        return []
    roles = ctx.catalog.role_codes()
    return [
        Issue.make(
            Code.UNKNOWN_ROLE,
            o.at("Role"),
            unknown(f"override of {o.deliverable!r}: role", o.role, roles, "the catalog's Roles"),
        )
        for o in scope.overrides
        if o.role not in roles
    ]


def rates_in_force(scope: Scope, ctx: RuleContext) -> list[Issue]:
    """Every role the scope needs (by its SKUs' Services rows or by an override) has a
    Roles rate in force on the scope's StartDate."""
    catalog, start = ctx.catalog, scope.info.start_date
    if catalog is None or start is None:
        return []
    defined = catalog.role_codes()
    needed: dict[str, tuple[Location, str]] = {}  # role → (cell, why)
    for d in scope.deliverables:
        for line in catalog.service_lines(d.sku):
            needed.setdefault(line.role, (d.at("SKU"), f"SKU {d.sku!r} of {d.deliverable!r}"))
    for o in scope.overrides:
        if o.role in defined:  # an undefined override role is UNKNOWN_ROLE already
            needed.setdefault(o.role, (o.at("Role"), f"the override of {o.deliverable!r}"))
    issues: list[Issue] = []
    for role, (where, why) in needed.items():
        if catalog.rate_for(role, start) is not None:
            continue
        dated = sorted(r.effective_from for r in catalog.roles if r.role == role)
        detail = (
            f"its first rate starts {dated[0].isoformat()}"
            if dated
            else "the catalog's Roles does not define it"
        )
        issues.append(
            Issue.make(
                Code.NO_RATE_IN_FORCE,
                where,
                f"role {role!r}, needed by {why}, has no rate in force on the StartDate "
                f"{start.isoformat()}: {detail}",
            )
        )
    return issues


def currency_matches(scope: Scope, ctx: RuleContext) -> list[Issue]:
    """The scope's Currency, when given, is the catalog's: psos does not convert, so a
    scope in another currency is not priced (the pricing engine's own check)."""
    if ctx.catalog is None:
        return []
    issue = currency_mismatch(ctx.catalog, scope)
    return [] if issue is None else [issue]


RULES = (
    catalog_available,
    required_fields,
    placeholders_replaced,
    dates_in_order,
    discount_in_range,
    probability_in_range,
    unique_deliverables,
    unique_assumptions,
    quantities_positive,
    progress_valid,
    changes_have_orders,
    has_deliverables,
    has_assumptions,
    overrides_valid,
    known_skus,
    known_complexity,
    known_risks,
    override_roles_known,
    rates_in_force,
    currency_matches,
)
