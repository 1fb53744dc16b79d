"""psos functions for Excel: price a scope live in its own cells (DESIGN §6).

Set ``UDF Modules`` to ``psos_xl.udfs.functions`` in the workbook's ``xlwings.conf``
sheet and click Import Functions (xlwings add-in, Windows), or import this module in
xlwings Lite. Each function takes the scope's tables as ranges (``ScopeInfo[#All]``,
``Deliverables[#All]``, ``Overrides[#All]``: the header row included) and the catalog
either as ranges too (the last six optional arguments) or from the workspace: the
``workspace`` argument, else the ``PSOS_WORKSPACE`` environment variable. The Pricing
sheet psos writes passes the ``PSOS_WORKSPACE`` key of the workbook's ``xlwings.conf``
sheet as ``workspace`` (through the ``psos_workspace`` name), so no function needs the
calling workbook: none takes the ``caller`` argument, and nothing here touches COM.

A function that cannot give its result returns ``#PSOS! CODE: message``.

Why the argument annotations are ``Any``: the xlwings decorators read annotations as
converters, and a union such as ``str | None`` has no converter; ``Any`` is the
default (values as Excel holds them).
"""

from __future__ import annotations

from typing import Any

import xlwings as xw

from psos_xl.udfs import calls
from psos_xl.udfs.core import CatalogRanges, guarded

CATEGORY = "psos"
_RANGE = {"ndim": 2, "err_to_str": True}
_SCOPE_INFO = "ScopeInfo[#All]: the scope's Field/Value table, header row included."
_DELIVERABLES = "Deliverables[#All]: the scope's deliverables, header row included."
_OVERRIDES = "Overrides[#All]: hours that replace the estimate (optional)."
_BASIS = 'Estimate basis: "Catalog", "P50" or "P80" (optional; default: the scope\'s).'
_WORKSPACE = "Workspace folder or catalog file (optional; default: PSOS_WORKSPACE)."
_ROLES = "Catalog Roles[#All] (optional; with the other catalog ranges)."
_SERVICES = "Catalog Services[#All] (optional)."
_COMPLEXITY = "Catalog Complexity[#All] (optional)."
_RISKS = "Catalog Risks[#All] (optional)."
_SETTINGS = "Catalog Settings[#All] (optional)."
_ACTUALS = "Catalog Actuals[#All] (optional; needed for P50/P80)."


def _as_array(text: str) -> list[list[Any]]:
    return [[text]]


def _catalog(
    roles: Any, services: Any, complexity: Any, risks: Any, settings: Any, actuals: Any
) -> CatalogRanges:
    return CatalogRanges(roles, services, complexity, risks, settings, actuals)


@xw.func(category=CATEGORY)
@xw.arg("scope_info", doc=_SCOPE_INFO, **_RANGE)
@xw.arg("deliverables", doc=_DELIVERABLES, **_RANGE)
@xw.arg("overrides", doc=_OVERRIDES, **_RANGE)
@xw.arg("basis", doc=_BASIS)
@xw.arg("workspace", doc=_WORKSPACE)
@xw.arg("roles", doc=_ROLES, **_RANGE)
@xw.arg("services", doc=_SERVICES, **_RANGE)
@xw.arg("complexity", doc=_COMPLEXITY, **_RANGE)
@xw.arg("risks", doc=_RISKS, **_RANGE)
@xw.arg("settings", doc=_SETTINGS, **_RANGE)
@xw.arg("actuals", doc=_ACTUALS, **_RANGE)
def PSOS_PRICE(
    scope_info: Any,
    deliverables: Any,
    overrides: Any = None,
    basis: Any = None,
    workspace: Any = None,
    roles: Any = None,
    services: Any = None,
    complexity: Any = None,
    risks: Any = None,
    settings: Any = None,
    actuals: Any = None,
) -> Any:
    """The scope's price, by its billing model, priced against the catalog.

    FixedFee and Milestone include the contingency; every figure is rounded half-up
    to cents. An error in the scope returns #PSOS! CODE: message instead.
    """
    args = calls.ScopeArgs(scope_info, deliverables, overrides)
    ranges = _catalog(roles, services, complexity, risks, settings, actuals)
    return guarded(lambda: calls.price_value(args, basis, workspace, ranges))


@xw.func(category=CATEGORY)
@xw.arg("scope_info", doc=_SCOPE_INFO, **_RANGE)
@xw.arg("deliverables", doc=_DELIVERABLES, **_RANGE)
@xw.arg("overrides", doc=_OVERRIDES, **_RANGE)
@xw.arg("basis", doc=_BASIS)
@xw.arg("workspace", doc=_WORKSPACE)
@xw.arg("roles", doc=_ROLES, **_RANGE)
@xw.arg("services", doc=_SERVICES, **_RANGE)
@xw.arg("complexity", doc=_COMPLEXITY, **_RANGE)
@xw.arg("risks", doc=_RISKS, **_RANGE)
@xw.arg("settings", doc=_SETTINGS, **_RANGE)
@xw.arg("actuals", doc=_ACTUALS, **_RANGE)
def PSOS_MARGIN(
    scope_info: Any,
    deliverables: Any,
    overrides: Any = None,
    basis: Any = None,
    workspace: Any = None,
    roles: Any = None,
    services: Any = None,
    complexity: Any = None,
    risks: Any = None,
    settings: Any = None,
    actuals: Any = None,
) -> Any:
    """The scope's margin: (Price - Cost) / Price, as a fraction (0.35 = 35 %).

    Rounded to four places. An error in the scope returns #PSOS! CODE: message.
    """
    args = calls.ScopeArgs(scope_info, deliverables, overrides)
    ranges = _catalog(roles, services, complexity, risks, settings, actuals)
    return guarded(lambda: calls.margin_value(args, basis, workspace, ranges))


@xw.func(category=CATEGORY)
@xw.arg("scope_info", doc=_SCOPE_INFO, **_RANGE)
@xw.arg("deliverables", doc=_DELIVERABLES, **_RANGE)
@xw.arg("overrides", doc=_OVERRIDES, **_RANGE)
@xw.arg("basis", doc=_BASIS)
@xw.arg("workspace", doc=_WORKSPACE)
@xw.arg("roles", doc=_ROLES, **_RANGE)
@xw.arg("services", doc=_SERVICES, **_RANGE)
@xw.arg("complexity", doc=_COMPLEXITY, **_RANGE)
@xw.arg("risks", doc=_RISKS, **_RANGE)
@xw.arg("settings", doc=_SETTINGS, **_RANGE)
@xw.arg("actuals", doc=_ACTUALS, **_RANGE)
def PSOS_QUOTE(
    scope_info: Any,
    deliverables: Any,
    overrides: Any = None,
    basis: Any = None,
    workspace: Any = None,
    roles: Any = None,
    services: Any = None,
    complexity: Any = None,
    risks: Any = None,
    settings: Any = None,
    actuals: Any = None,
) -> list[list[Any]]:
    """The priced lines: one row per deliverable x role, under a header row.

    Columns as the PricedLines snapshot: Deliverable, SKU, Role, Basis, Hours, RateFrom,
    CostRate, BillRate, Cost, List. Spills in Excel 365; enter it as an array formula
    in older Excel.
    """
    args = calls.ScopeArgs(scope_info, deliverables, overrides)
    ranges = _catalog(roles, services, complexity, risks, settings, actuals)
    rows: list[list[Any]] = guarded(
        lambda: calls.quote_rows(args, basis, workspace, ranges), _as_array
    )
    return rows


@xw.func(category=CATEGORY)
@xw.arg("deliverable", doc="The deliverable's code, as in the Deliverables table.")
@xw.arg("scope_info", doc=_SCOPE_INFO, **_RANGE)
@xw.arg("deliverables", doc=_DELIVERABLES, **_RANGE)
@xw.arg("overrides", doc=_OVERRIDES, **_RANGE)
@xw.arg("figure", doc='"Hours", "Cost", "List", "Price" or "Margin" (optional: all).')
@xw.arg("basis", doc=_BASIS)
@xw.arg("workspace", doc=_WORKSPACE)
@xw.arg("roles", doc=_ROLES, **_RANGE)
@xw.arg("services", doc=_SERVICES, **_RANGE)
@xw.arg("complexity", doc=_COMPLEXITY, **_RANGE)
@xw.arg("risks", doc=_RISKS, **_RANGE)
@xw.arg("settings", doc=_SETTINGS, **_RANGE)
@xw.arg("actuals", doc=_ACTUALS, **_RANGE)
def PSOS_LINE(
    deliverable: Any,
    scope_info: Any,
    deliverables: Any,
    overrides: Any = None,
    figure: Any = None,
    basis: Any = None,
    workspace: Any = None,
    roles: Any = None,
    services: Any = None,
    complexity: Any = None,
    risks: Any = None,
    settings: Any = None,
    actuals: Any = None,
) -> Any:
    """One deliverable priced on its own: Hours, Cost, List, Price, Margin.

    With figure, that one number; without, a header row and a value row. The scope's
    billing model, discount and risks apply; per-deliverable prices may differ from
    the scope's price by rounding cents.
    """
    args = calls.ScopeArgs(scope_info, deliverables, overrides)
    ranges = _catalog(roles, services, complexity, risks, settings, actuals)
    return guarded(lambda: calls.line_value(deliverable, args, figure, basis, workspace, ranges))


@xw.func(category=CATEGORY)
@xw.arg("role", doc="Role code, as in the catalog's Roles table.")
@xw.arg("on_date", doc="The date the rate must be in force on.")
@xw.arg("kind", doc='"bill" (default) or "cost".')
@xw.arg("workspace", doc=_WORKSPACE)
@xw.arg("roles", doc=_ROLES, **_RANGE)
def PSOS_RATE(
    role: Any, on_date: Any, kind: Any = "bill", workspace: Any = None, roles: Any = None
) -> Any:
    """A role's hourly bill or cost rate in force on a date.

    The Roles row with the latest EffectiveFrom on or before the date.
    """
    return guarded(lambda: calls.rate_value(role, on_date, kind, workspace, roles))


@xw.func(category=CATEGORY)
@xw.arg("sku", doc="Service SKU, as in the catalog's Services table.")
@xw.arg("role", doc="Role code.")
@xw.arg("basis", doc='"Catalog" (default), "P50" or "P80".')
@xw.arg("workspace", doc=_WORKSPACE)
@xw.arg("roles", doc=_ROLES, **_RANGE)
@xw.arg("services", doc=_SERVICES, **_RANGE)
@xw.arg("complexity", doc=_COMPLEXITY, **_RANGE)
@xw.arg("risks", doc=_RISKS, **_RANGE)
@xw.arg("settings", doc=_SETTINGS, **_RANGE)
@xw.arg("actuals", doc=_ACTUALS, **_RANGE)
def PSOS_HOURS(
    sku: Any,
    role: Any,
    basis: Any = None,
    workspace: Any = None,
    roles: Any = None,
    services: Any = None,
    complexity: Any = None,
    risks: Any = None,
    settings: Any = None,
    actuals: Any = None,
) -> Any:
    """Hours one unit of a SKU takes for a role, at Medium complexity with no risk.

    P50 and P80 use what delivery taught (the catalog's Actuals) where there are enough
    deliveries, else the catalog's hours.
    """
    ranges = _catalog(roles, services, complexity, risks, settings, actuals)
    return guarded(lambda: calls.hours_value(sku, role, basis, workspace, ranges))


@xw.func(category=CATEGORY)
@xw.arg("scope_info", doc=_SCOPE_INFO, **_RANGE)
@xw.arg("deliverables", doc=_DELIVERABLES, **_RANGE)
@xw.arg("overrides", doc=_OVERRIDES, **_RANGE)
@xw.arg("assumptions", doc="Assumptions[#All] (optional).", **_RANGE)
@xw.arg("workspace", doc=_WORKSPACE)
@xw.arg("roles", doc=_ROLES, **_RANGE)
@xw.arg("services", doc=_SERVICES, **_RANGE)
@xw.arg("complexity", doc=_COMPLEXITY, **_RANGE)
@xw.arg("risks", doc=_RISKS, **_RANGE)
@xw.arg("settings", doc=_SETTINGS, **_RANGE)
@xw.arg("actuals", doc=_ACTUALS, **_RANGE)
def PSOS_VALIDATE(
    scope_info: Any,
    deliverables: Any,
    overrides: Any = None,
    assumptions: Any = None,
    workspace: Any = None,
    roles: Any = None,
    services: Any = None,
    complexity: Any = None,
    risks: Any = None,
    settings: Any = None,
    actuals: Any = None,
) -> list[list[Any]]:
    """The scope's issues, one a row (Sheet!Cell: CODE message), or OK.

    The checks of psos validate plus the pricing warnings, errors first.
    """
    args = calls.ScopeArgs(scope_info, deliverables, overrides, assumptions)
    ranges = _catalog(roles, services, complexity, risks, settings, actuals)
    rows: list[list[Any]] = guarded(lambda: calls.validate_rows(args, workspace, ranges), _as_array)
    return rows
