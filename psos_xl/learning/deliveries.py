"""Deliveries: one role's actual hours on one delivered deliverable, ready to learn from.

A :class:`Delivery` carries what DESIGN §5 normalises by, resolved once against the
catalog: quantity q, complexity multiplier c and the uplift sum Σu of the deliverable's
risk codes ∪ the scope's (each code once). Its :attr:`Delivery.normalised` hours are
``actual / (q × c × (1 + Σu))``: what one unit at Medium with no risk took.

Resolution follows pricing (:mod:`psos_xl.pricing.estimate`) exactly: complexity levels
match case-insensitively, the contract's default levels apply when the catalog defines
none, Medium is 1 by definition; an unknown risk code adds no uplift. What cannot be
normalised is left out, because the scope rules already report it at its cell:

- a deliverable whose SKU is not in the catalog, whose complexity level is unknown or
  whose quantity is not above zero;
- a role the catalog's Services row for the SKU does not list (nothing to calibrate);
- a role with no hours booked (zero actual hours make the relative error undefined);
- a second deliverable with the same code in one scope (pricing prices the first only).

Overrides do not change the normalisation: an override was the scope's guess, the
actual hours are what the work took.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

from psos_xl.models import Catalog, Scope, Status
from psos_xl.pricing.estimate import DEFAULT_COMPLEXITY, MEDIUM
from psos_xl.pricing.money import ONE, ZERO


@dataclass(frozen=True, slots=True)
class Delivery:
    """One role's actual hours on one deliverable of a Completed engagement.

    ``catalog_hours`` is the catalog's base hours for the SKU × role (per unit, at Medium,
    no risk): the estimate the delivery is judged against, in normalised space.
    """

    engagement: str
    start_date: date | None
    deliverable: str
    sku: str
    role: str
    quantity: Decimal
    multiplier: Decimal
    uplift: Decimal
    actual_hours: Decimal
    catalog_hours: Decimal

    def __post_init__(self) -> None:
        if self.factor <= ZERO:
            raise ValueError(
                f"{self.engagement}/{self.deliverable}/{self.role}: "
                f"q × c × (1 + Σ uplift) must be above zero, got {self.factor}"
            )
        if self.actual_hours <= ZERO:
            raise ValueError(
                f"{self.engagement}/{self.deliverable}/{self.role}: "
                f"actual hours must be above zero, got {self.actual_hours}"
            )

    @property
    def key(self) -> tuple[str, str]:
        return (self.sku, self.role)

    @property
    def factor(self) -> Decimal:
        """q × c × (1 + Σ uplift): how many 'units at Medium with no risk' were delivered."""
        return self.quantity * self.multiplier * (ONE + self.uplift)

    @property
    def normalised(self) -> Decimal:
        """Actual hours of one unit at Medium with no risk (unrounded)."""
        return self.actual_hours / self.factor

    def relative_error(self, estimate: Decimal) -> Decimal:
        """RE = (actual − estimate) / actual, ``estimate`` per unit (normalised space).

        Positive: the estimate was too low. Scaling both sides by the same factor leaves RE
        unchanged, so this is also the error of the scope's own line for this role.
        """
        actual = self.normalised
        return (actual - estimate) / actual


class DeliveredLike(Protocol):
    """What the store hands over per deliverable × role (``psos_xl.sync.actuals.Delivered``)."""

    @property
    def engagement(self) -> str: ...
    @property
    def deliverable(self) -> str: ...
    @property
    def sku(self) -> str: ...
    @property
    def quantity(self) -> Decimal: ...
    @property
    def complexity(self) -> str: ...
    @property
    def risks(self) -> tuple[str, ...]: ...
    @property
    def role(self) -> str: ...
    @property
    def actual_hours(self) -> Decimal: ...


@dataclass(frozen=True, slots=True)
class _Resolver:
    """The catalog indexed once: Services hours, complexity multipliers, risk uplifts.

    A local mirror of pricing's private ``_Base`` / ``_factor`` resolution (same rules),
    until pricing exposes one public helper for it.
    """

    hours: dict[tuple[str, str], Decimal]
    complexity: dict[str, Decimal]
    uplifts: dict[str, Decimal]

    @classmethod
    def of(cls, catalog: Catalog) -> _Resolver:
        hours: dict[tuple[str, str], Decimal] = {}
        for line in catalog.services:
            hours.setdefault((line.sku, line.role), line.hours)  # first row wins, as pricing
        complexity = catalog.complexity_levels() or dict(DEFAULT_COMPLEXITY)
        complexity.setdefault(MEDIUM, ONE)
        return cls(hours, complexity, catalog.risk_uplifts())

    def multiplier(self, level: str) -> Decimal | None:
        return self.complexity.get((level.strip() or MEDIUM).casefold())

    def uplift(self, codes: Iterable[str]) -> Decimal:
        unique = dict.fromkeys(c.strip() for c in codes if c.strip())
        return sum((self.uplifts[c] for c in unique if c in self.uplifts), ZERO)

    def delivery(self, row: DeliveredLike, start: date | None) -> Delivery | None:
        catalog_hours = self.hours.get((row.sku, row.role))
        multiplier = self.multiplier(row.complexity)
        if (
            catalog_hours is None
            or multiplier is None
            or row.quantity <= ZERO
            or row.actual_hours <= ZERO
        ):
            return None
        uplift = self.uplift(row.risks)
        if row.quantity * multiplier * (ONE + uplift) <= ZERO:
            return None
        return Delivery(
            engagement=row.engagement,
            start_date=start,
            deliverable=row.deliverable,
            sku=row.sku,
            role=row.role,
            quantity=row.quantity,
            multiplier=multiplier,
            uplift=uplift,
            actual_hours=row.actual_hours,
            catalog_hours=catalog_hours,
        )


@dataclass(frozen=True, slots=True)
class _Row:
    engagement: str
    deliverable: str
    sku: str
    quantity: Decimal
    complexity: str
    risks: tuple[str, ...]
    role: str
    actual_hours: Decimal


def deliveries_from(
    catalog: Catalog,
    scopes: Iterable[Scope],
    actual_hours: Mapping[tuple[str, str, str], Decimal],
) -> list[Delivery]:
    """Deliveries of the Completed ``scopes``, from hours keyed (engagement, deliverable, role).

    In scope order, then deliverable order, then role in the catalog's Services order.
    Other statuses are ignored; see the module docstring for what is left out.
    """
    resolver = _Resolver.of(catalog)
    roles: dict[str, list[str]] = {}
    for line in catalog.services:
        if line.role not in roles.setdefault(line.sku, []):
            roles[line.sku].append(line.role)
    out: list[Delivery] = []
    for scope in scopes:
        info = scope.info
        if info.status is not Status.COMPLETED:
            continue
        seen: set[str] = set()
        for d in scope.deliverables:
            if d.deliverable in seen:
                continue
            seen.add(d.deliverable)
            risks = (*d.risks, *info.risks)
            for role in roles.get(d.sku, []):
                hours = actual_hours.get((info.engagement, d.deliverable, role))
                if hours is None:
                    continue
                row = _Row(
                    engagement=info.engagement,
                    deliverable=d.deliverable,
                    sku=d.sku,
                    quantity=d.quantity,
                    complexity=d.complexity,
                    risks=risks,
                    role=role,
                    actual_hours=hours,
                )
                delivery = resolver.delivery(row, info.start_date)
                if delivery is not None:
                    out.append(delivery)
    return out


def deliveries_from_rows(
    catalog: Catalog,
    rows: Iterable[DeliveredLike],
    start_dates: Mapping[str, date | None],
) -> list[Delivery]:
    """Deliveries from the store's per deliverable × role rows (already Completed only),
    with each engagement's StartDate from ``start_dates``; row order is kept."""
    resolver = _Resolver.of(catalog)
    out: list[Delivery] = []
    for row in rows:
        delivery = resolver.delivery(row, start_dates.get(row.engagement))
        if delivery is not None:
            out.append(delivery)
    return out
