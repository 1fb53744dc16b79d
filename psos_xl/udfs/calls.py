"""What each Excel function computes, from already-converted arguments.

Plain functions, no xlwings: :mod:`psos_xl.udfs.functions` wraps each in its
decorators and turns a raised :class:`~psos_xl.udfs.core.UdfError` into the cell text.
Every figure comes from :func:`psos_xl.pricing.price` (or its estimate): no pricing
arithmetic lives here, only the choice of which figure to show.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from psos_xl import models as m
from psos_xl.errors import Code, Issue
from psos_xl.pricing import Quote, estimate, price, rates_in_force
from psos_xl.pricing.quote import MARGIN_PLACES
from psos_xl.udfs.core import (
    ARGUMENT_INVALID,
    CatalogRanges,
    UdfError,
    basis_arg,
    cell_date,
    date_arg,
    dedupe,
    first_error,
    issue_text,
    number,
    resolve_catalog,
    scope_from_ranges,
    text_arg,
)
from psos_xl.workbook import cells, spec

Row = list[Any]
QUOTE_HEADERS = spec.PRICED_LINES.headers
LINE_FIGURES = ("Hours", "Cost", "List", "Price", "Margin")


@dataclass(frozen=True)
class ScopeArgs:
    """The scope tables of a call, as xlwings passed them."""

    scope_info: Any
    deliverables: Any
    overrides: Any = None
    assumptions: Any = None


def priced(
    args: ScopeArgs, basis: Any, workspace: Any, ranges: CatalogRanges
) -> tuple[Quote, list[Issue]]:
    """The quote of the ranges' scope, and every issue: scope reader, catalog ranges,
    quote (errors first), one per (code, location)."""
    scope, scope_issues = scope_from_ranges(
        args.scope_info, args.deliverables, args.overrides, args.assumptions
    )
    chosen = basis_arg(basis)
    catalog, catalog_issues = resolve_catalog(workspace, ranges)
    quote = price(catalog, scope, chosen)
    return quote, dedupe([*scope_issues, *quote.issues, *catalog_issues, *quote.warnings])


def trusted(args: ScopeArgs, basis: Any, workspace: Any, ranges: CatalogRanges) -> Quote:
    """The quote, or the first error that makes it untrustworthy, raised."""
    quote, issues = priced(args, basis, workspace, ranges)
    error = first_error([i for i in issues if i.location.workbook != "catalog"])
    if error is not None:
        raise UdfError.of(error)
    return quote


def price_value(args: ScopeArgs, basis: Any, workspace: Any, ranges: CatalogRanges) -> float:
    quote = trusted(args, basis, workspace, ranges)
    return float(quote.price)


def margin_value(args: ScopeArgs, basis: Any, workspace: Any, ranges: CatalogRanges) -> float:
    quote = trusted(args, basis, workspace, ranges)
    return _margin(quote)


def _margin(quote: Quote) -> float:
    if quote.margin is None:
        raise UdfError(str(Code.NO_HOURS), "the price is zero, so the margin is undefined")
    return float(quote.margin.quantize(MARGIN_PLACES, rounding=ROUND_HALF_UP))


def quote_rows(args: ScopeArgs, basis: Any, workspace: Any, ranges: CatalogRanges) -> list[Row]:
    """The priced lines under the PricedLines headers."""
    quote = trusted(args, basis, workspace, ranges)
    return [list(QUOTE_HEADERS), *(line_row(line) for line in quote.lines)]


def line_row(line: Any) -> Row:
    """One QuoteLine as the cells of a PricedLines row (spec.PRICED_LINES order)."""
    return [
        line.deliverable,
        line.sku,
        line.role,
        str(line.basis),
        number(line.hours),
        cell_date(line.rate_from),
        number(line.cost_rate),
        number(line.bill_rate),
        number(line.cost),
        number(line.list),
    ]


def line_value(
    deliverable: Any,
    args: ScopeArgs,
    figure: Any,
    basis: Any,
    workspace: Any,
    ranges: CatalogRanges,
) -> Any:
    """One deliverable priced on its own: Hours, Cost, List, Price, Margin (a header row
    and a value row), or the one ``figure`` named."""
    code = text_arg(deliverable, "deliverable")
    wanted = None if cells.is_blank(figure) else cells.to_text(figure).casefold()
    names = {f.casefold(): f for f in LINE_FIGURES}
    if wanted is not None and wanted not in names:
        raise UdfError(
            ARGUMENT_INVALID, f"figure must be one of {', '.join(LINE_FIGURES)}, got {figure!r}"
        )
    scope, scope_issues = scope_from_ranges(
        args.scope_info, args.deliverables, args.overrides, args.assumptions
    )
    chosen = [d for d in scope.deliverables if d.deliverable == code]
    if not chosen:
        error = first_error(scope_issues)
        if error is not None:
            raise UdfError.of(error)
        raise UdfError(ARGUMENT_INVALID, f"the scope has no deliverable {code}")
    alone = scope.model_copy(
        update={
            "deliverables": chosen[:1],
            "overrides": [o for o in scope.overrides if o.deliverable == code],
        }
    )
    catalog, _catalog_issues = resolve_catalog(workspace, ranges)
    quote = price(catalog, alone, basis_arg(basis))
    error = first_error([*(i for i in scope_issues if _about(i, chosen[0], alone)), *quote.issues])
    if error is not None:
        raise UdfError.of(error)
    values: dict[str, Any] = {
        "Hours": number(quote.hours),
        "Cost": number(quote.cost),
        "List": number(quote.list),
        "Price": number(quote.price),
        "Margin": _margin(quote) if quote.margin is not None else None,
    }
    if wanted is not None:
        return values[names[wanted]]
    return [["Deliverable", *LINE_FIGURES], [code, *(values[f] for f in LINE_FIGURES)]]


def _about(issue: Issue, d: m.Deliverable, scope: m.Scope) -> bool:
    """Whether a reader issue concerns this deliverable: ScopeInfo, its row, its overrides."""
    where = issue.location
    rows = [r.src for r in [d, *scope.overrides] if r.src is not None]
    if where.sheet == spec.SCOPE_INFO.sheet:
        return True
    return any((s.sheet, s.row) == (where.sheet, where.row) for s in rows)


def validate_rows(args: ScopeArgs, workspace: Any, ranges: CatalogRanges) -> list[Row]:
    """Every issue as one line (``Deliverables!D5: CODE message``), or ``OK``."""
    from psos_xl.loader import check
    from psos_xl.rules import RuleContext

    scope, scope_issues = scope_from_ranges(
        args.scope_info, args.deliverables, args.overrides, args.assumptions
    )
    catalog, catalog_issues = resolve_catalog(workspace, ranges)
    found = check(scope, RuleContext(catalog=catalog), scope_issues)
    quote = price(catalog, scope)
    issues = dedupe([*found, *quote.issues, *catalog_issues, *quote.warnings])
    if args.assumptions is None:
        issues = [i for i in issues if i.code is not Code.NO_ASSUMPTIONS]
    issues.sort(key=lambda i: not i.is_error)  # errors first, each group in found order
    return [[issue_text(i)] for i in issues] or [["OK"]]


def rate_value(role: Any, on: Any, kind: Any, workspace: Any, roles: Any) -> float:
    """The cost or bill rate of ``role`` in force on ``on``."""
    code = text_arg(role, "role")
    when = date_arg(on, "date")
    which = "bill" if cells.is_blank(kind) else cells.to_text(kind).casefold()
    if which not in ("bill", "cost"):
        raise UdfError(ARGUMENT_INVALID, f'kind must be "bill" or "cost", got {kind!r}')
    catalog, _issues = resolve_catalog(workspace, CatalogRanges(roles=roles))
    rate = rates_in_force(catalog, when).get(code)
    if rate is None:
        known = sorted(catalog.role_codes())
        if code not in known:
            raise UdfError(
                str(Code.UNKNOWN_ROLE), f"role {code} is not in Roles ({', '.join(known)})"
            )
        raise UdfError(str(Code.NO_RATE_IN_FORCE), f"role {code} has no rate in force on {when}")
    return float(rate.bill_rate if which == "bill" else rate.cost_rate)


def hours_value(sku: Any, role: Any, basis: Any, workspace: Any, ranges: CatalogRanges) -> float:
    """Hours of one unit of ``sku`` for ``role`` at Medium complexity with no risk, on the
    estimate basis (the catalog's, or the calibrated P50/P80 where history allows)."""
    sku_code = text_arg(sku, "SKU")
    role_code = text_arg(role, "role")
    chosen = basis_arg(basis) or m.EstimateBasis.CATALOG
    catalog, _issues = resolve_catalog(workspace, ranges)
    unit = m.Scope(
        workbook="PSOS_HOURS",
        info=m.ScopeInfo(estimate_basis=chosen),
        deliverables=[m.Deliverable(deliverable=sku_code, sku=sku_code, complexity="Medium")],
    )
    est = estimate(catalog, unit, chosen)
    if any(i.code is Code.UNKNOWN_SKU for i in est.issues):
        raise UdfError(str(Code.UNKNOWN_SKU), f"SKU {sku_code} is not in Services")
    hours: dict[str, Decimal] = {line.role: line.hours for line in est.lines}
    if role_code not in hours:
        raise UdfError(
            str(Code.UNKNOWN_ROLE),
            f"SKU {sku_code} has no {role_code} hours (its roles: {', '.join(hours)})",
        )
    return float(hours[role_code])
