"""Hours per deliverable × role: the first half of pricing (DESIGN §4).

``hours(d, r)`` is the scope's Overrides row for (d, r) when there is one, else
``base(s, r) × quantity × complexity multiplier × (1 + Σ uplift(R))`` rounded half-up to
two decimals, where R is the deliverable's risk codes ∪ the scope's, each code once.
An override for a role the SKU does not have adds that role's line.

Which number ``base(s, r)`` is depends on the estimate basis:

- ``Catalog``: the catalog's ``Services.Hours``.
- ``P50``: the Actuals row's **CalibratedHours**, ``(k × catalog + n × P50) / (k + n)``,
  rather than the raw P50Hours. P50 is the "expected effort" basis, and the calibrated
  value is the best expected estimate psos has: the catalog's own hours keep the weight
  of k deliveries against the n delivered ones (k learned from the firm's history, or
  CalibrationPrior when set; see :mod:`psos_xl.learning.weight`). An Actuals row with
  P50Hours but no CalibratedHours (typed by hand, or from an older sync) gets the same
  formula applied, with the row's CatalogWeight, else CalibrationPrior, else
  :data:`FALLBACK_PRIOR`.
- ``P80``: the Actuals row's **P80Hours** as it is: the 80th percentile of the same
  calibrated distribution, the conservative basis a partner picks to protect a fixed
  price.

Either history value is used only when its row has at least CalibrationMinDeliveries
deliveries and the value is present; otherwise the catalog's hours are used and the
line says so (its basis is ``Catalog``). Overridden lines say ``Override``.
:func:`history_base` is that decision, in one place: pricing and the accuracy backtest
(what pricing would have used for a delivery at the time) both call it.

Problems never stop the estimate; each becomes an :class:`~psos_xl.errors.Issue` at
the deliverable's cell and the rest is still estimated:

- an unknown SKU or complexity level: the deliverable's catalog lines are skipped, its
  override lines still count (an override states the hours outright);
- a zero or negative quantity: the same;
- an unknown risk code: that code adds no uplift, the rest still apply;
- a second deliverable with the same code, a second override for the same deliverable and
  role, a negative override, an override for a deliverable the scope does not have: left
  out, reported.

Codes of SKUs, roles and risks match exactly, as the catalog spells them; complexity
levels match case-insensitively (as :meth:`Catalog.complexity_levels` keys them).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from psos_xl.errors import Code, Issue, Location
from psos_xl.models import (
    ActualRow,
    Catalog,
    Deliverable,
    EstimateBasis,
    Override,
    Scope,
    ServiceLine,
)
from psos_xl.pricing.money import ONE, ZERO, plain, round2

MEDIUM = "medium"
# The contract's default levels, used when a catalog defines none.
DEFAULT_COMPLEXITY: dict[str, Decimal] = {
    "low": Decimal("0.75"),
    MEDIUM: Decimal(1),
    "high": Decimal("1.5"),
}
# k when the Actuals row does not say and CalibrationPrior is not set (a row typed by hand)
FALLBACK_PRIOR = Decimal(3)


class LineBasis(StrEnum):
    """Where a line's hours came from."""

    CATALOG = "Catalog"
    P50 = "P50"
    P80 = "P80"
    OVERRIDE = "Override"


@dataclass(frozen=True, slots=True)
class HoursLine:
    """The estimated hours of one role on one deliverable."""

    deliverable: str
    sku: str
    role: str
    hours: Decimal
    basis: LineBasis
    milestone: str
    location: Location  # the deliverable's cell, where issues about this line point


@dataclass(frozen=True, slots=True)
class Estimate:
    """Hours lines in scope order (deliverables, then each SKU's roles, then added roles)."""

    basis: EstimateBasis
    lines: tuple[HoursLine, ...]
    issues: tuple[Issue, ...]

    def hours(self) -> dict[tuple[str, str], Decimal]:
        return {(line.deliverable, line.role): line.hours for line in self.lines}


@dataclass(frozen=True, slots=True)
class _Base:
    """The catalog indexed once per call, so each deliverable costs a few dict lookups."""

    basis: EstimateBasis
    services: dict[str, list[ServiceLine]]
    complexity: dict[str, Decimal]
    uplifts: dict[str, Decimal]
    actuals: dict[tuple[str, str], ActualRow]
    min_deliveries: int
    prior: Decimal | None

    @classmethod
    def index(cls, catalog: Catalog, basis: EstimateBasis) -> _Base:
        services: dict[str, list[ServiceLine]] = {}
        for line in catalog.services:
            lines = services.setdefault(line.sku, [])
            if all(other.role != line.role for other in lines):  # duplicates: catalog rules
                lines.append(line)
        complexity = catalog.complexity_levels() or dict(DEFAULT_COMPLEXITY)
        complexity.setdefault(MEDIUM, ONE)  # Services.Hours are Medium hours by definition
        actuals = {(a.sku, a.role): a for a in catalog.actuals}
        return cls(
            basis=basis,
            services=services,
            complexity=complexity,
            uplifts=catalog.risk_uplifts(),
            actuals=actuals if basis is not EstimateBasis.CATALOG else {},
            min_deliveries=catalog.settings.calibration_min_deliveries,
            prior=catalog.settings.calibration_prior,
        )

    def base(self, line: ServiceLine) -> tuple[Decimal, LineBasis]:
        """base(s, r) for the basis, falling back to the catalog's hours."""
        row = self.actuals.get((line.sku, line.role))
        return history_base(line.hours, row, self.basis, self.min_deliveries, self.prior)


def calibrated_hours(catalog_hours: Decimal, p50: Decimal | None, n: int, k: Decimal) -> Decimal:
    """(k × catalog + n × P50) / (k + n), rounded to 2 decimals; the catalog's hours when
    there is no history (n = 0, no P50) or no weight at all (k + n = 0)."""
    weight = k + n
    if n <= 0 or p50 is None or weight <= ZERO:
        return round2(catalog_hours)
    return round2((k * catalog_hours + n * p50) / weight)


def history_base(
    catalog_hours: Decimal,
    row: ActualRow | None,
    basis: EstimateBasis,
    min_deliveries: int,
    prior: Decimal | None = None,
) -> tuple[Decimal, LineBasis]:
    """base(s, r) of one SKU × role on ``basis``: the Actuals ``row``'s calibrated value
    (P50 basis) or P80Hours (P80 basis) once the row has ``min_deliveries`` deliveries,
    else ``catalog_hours`` (basis ``Catalog``). ``prior`` is CalibrationPrior, used only
    for a row without CalibratedHours and CatalogWeight."""
    if basis is EstimateBasis.CATALOG or row is None or row.deliveries < min_deliveries:
        return catalog_hours, LineBasis.CATALOG
    if basis is EstimateBasis.P80:
        value = row.p80_hours
    else:
        value = row.calibrated_hours
        if value is None and row.p50_hours is not None:
            k = next(w for w in (row.catalog_weight, prior, FALLBACK_PRIOR) if w is not None)
            value = calibrated_hours(catalog_hours, row.p50_hours, row.deliveries, k)
    if value is None:
        return catalog_hours, LineBasis.CATALOG
    return value, LineBasis(basis.value)


def estimate(catalog: Catalog, scope: Scope, basis: EstimateBasis | None = None) -> Estimate:
    """Hours of every deliverable × role, with the basis of each line and every issue."""
    used = basis or scope.info.estimate_basis
    base = _Base.index(catalog, used)
    issues: list[Issue] = []
    overrides = _index_overrides(scope, issues)
    scope_uplift = _scope_uplift(scope, base, issues)
    lines: list[HoursLine] = []
    seen: set[str] = set()
    if not scope.deliverables:
        issues.append(
            Issue.make(
                Code.NO_DELIVERABLES,
                scope.table_cells.get("Deliverables", f"{scope.workbook}!Deliverables"),
                "the scope lists no deliverables; nothing to price",
            )
        )
    for d in scope.deliverables:
        if d.deliverable in seen:
            issues.append(
                Issue.make(
                    Code.DUPLICATE_DELIVERABLE,
                    d.at("Deliverable", f"{scope.workbook}!Deliverables"),
                    f"deliverable {d.deliverable} is listed twice; only the first is priced",
                )
            )
            continue
        seen.add(d.deliverable)
        own: list[Issue] = []
        where = d.at("Deliverable", f"{scope.workbook}!Deliverables")
        by_role = overrides.get(d.deliverable, {})
        new = _deliverable_lines(d, where, base, scope_uplift, by_role, own)
        if not own and sum((line.hours for line in new), ZERO) == ZERO:
            own.append(
                Issue.make(
                    Code.NO_HOURS,
                    where,
                    f"deliverable {d.deliverable} ({d.sku}) comes to zero hours",
                )
            )
        lines.extend(new)
        issues.extend(own)
    for code, by_role in overrides.items():
        if code not in seen:
            for o in by_role.values():
                issues.append(
                    Issue.make(
                        Code.OVERRIDE_UNKNOWN_DELIVERABLE,
                        o.at("Deliverable", f"{scope.workbook}!Overrides"),
                        f"override for {code}/{o.role}: the scope has no deliverable {code}",
                    )
                )
    return Estimate(basis=used, lines=tuple(lines), issues=tuple(issues))


def estimate_hours(
    catalog: Catalog, scope: Scope, basis: EstimateBasis | None = None
) -> dict[tuple[str, str], Decimal]:
    """Hours keyed by (deliverable code, role); see :func:`estimate` for the issues."""
    return estimate(catalog, scope, basis).hours()


def _index_overrides(scope: Scope, issues: list[Issue]) -> dict[str, dict[str, Override]]:
    """Overrides by deliverable, then role (insertion order kept); the first row wins."""
    out: dict[str, dict[str, Override]] = {}
    for o in scope.overrides:
        by_role = out.setdefault(o.deliverable, {})
        if o.role in by_role:
            issues.append(
                Issue.make(
                    Code.DUPLICATE_OVERRIDE,
                    o.at("Role", f"{scope.workbook}!Overrides"),
                    f"a second override for {o.deliverable}/{o.role}; the first one is used",
                )
            )
        elif o.hours < ZERO:
            issues.append(
                Issue.make(
                    Code.HOURS_NEGATIVE,
                    o.at("Hours", f"{scope.workbook}!Overrides"),
                    f"override hours for {o.deliverable}/{o.role} are negative ({o.hours}); "
                    "ignored",
                )
            )
        else:
            by_role[o.role] = o
    return out


def _scope_uplift(scope: Scope, base: _Base, issues: list[Issue]) -> dict[str, Decimal]:
    """The scope's known risk codes with their uplift; unknown ones reported once, here."""
    known: dict[str, Decimal] = {}
    for code in _unique(scope.info.risks):
        if code in base.uplifts:
            known[code] = base.uplifts[code]
        else:
            issues.append(
                Issue.make(
                    Code.UNKNOWN_RISK,
                    scope.info.at("Risks", f"{scope.workbook}!ScopeInfo"),
                    f"risk {code!r} is not in the catalog's Risks table; it adds no uplift",
                )
            )
    return known


def _deliverable_lines(
    d: Deliverable,
    where: Location,
    base: _Base,
    scope_uplift: dict[str, Decimal],
    overrides: dict[str, Override],
    issues: list[Issue],
) -> list[HoursLine]:
    factor = _factor(d, where, base, scope_uplift, issues)
    services = base.services.get(d.sku)
    if services is None:
        issues.append(
            Issue.make(
                Code.UNKNOWN_SKU,
                d.at("SKU", where),
                f"deliverable {d.deliverable}: SKU {d.sku!r} is not in the catalog's Services "
                "table; only its overrides are priced",
            )
        )
    lines: list[HoursLine] = []
    if services is not None and factor is not None:
        for service in services:
            if service.role in overrides:
                continue
            hours, line_basis = base.base(service)
            lines.append(_line(d, service.role, round2(hours * factor), line_basis, where))
    for role, o in overrides.items():
        lines.append(_line(d, role, round2(o.hours), LineBasis.OVERRIDE, where))
    if services is not None and overrides:
        order = {s.role: i for i, s in enumerate(services)}
        lines.sort(key=lambda line: order.get(line.role, len(order)))  # stable: added last
    return lines


def quantity_not_positive(d: Deliverable, where: Location) -> Issue:
    """QUANTITY_NOT_POSITIVE, worded once for pricing and validation alike, with the
    quantity as the user typed it."""
    return Issue.make(
        Code.QUANTITY_NOT_POSITIVE,
        where,
        f"deliverable {d.deliverable!r} has quantity {plain(d.quantity)}; it must be above 0",
    )


def _factor(
    d: Deliverable,
    where: Location,
    base: _Base,
    scope_uplift: dict[str, Decimal],
    issues: list[Issue],
) -> Decimal | None:
    """quantity × complexity × (1 + Σ uplift), or None when the catalog lines cannot be priced."""
    ok = True
    if d.quantity <= ZERO:
        issues.append(quantity_not_positive(d, d.at("Quantity", where)))
        ok = False
    level = d.complexity.strip() or MEDIUM
    multiplier = base.complexity.get(level.casefold())
    if multiplier is None:
        issues.append(
            Issue.make(
                Code.UNKNOWN_COMPLEXITY,
                d.at("Complexity", where),
                f"deliverable {d.deliverable}: complexity {d.complexity!r} is not one of "
                + ", ".join(sorted(base.complexity)),
            )
        )
        ok = False
    uplifts = dict(scope_uplift)
    for code in _unique(d.risks):
        if code in base.uplifts:
            uplifts[code] = base.uplifts[code]
        elif code not in scope_uplift:
            issues.append(
                Issue.make(
                    Code.UNKNOWN_RISK,
                    d.at("Risks", where),
                    f"deliverable {d.deliverable}: risk {code!r} is not in the catalog's Risks "
                    "table; it adds no uplift",
                )
            )
    if not ok or multiplier is None:
        return None
    return d.quantity * multiplier * (ONE + sum(uplifts.values(), ZERO))


def _line(
    d: Deliverable, role: str, hours: Decimal, basis: LineBasis, where: Location
) -> HoursLine:
    return HoursLine(
        deliverable=d.deliverable,
        sku=d.sku,
        role=role,
        hours=hours,
        basis=basis,
        milestone=d.milestone.strip(),
        location=where,
    )


def _unique(codes: Iterable[str]) -> list[str]:
    out: list[str] = []
    for code in codes:
        code = code.strip()
        if code and code not in out:
            out.append(code)
    return out
