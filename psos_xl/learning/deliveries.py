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

from psos_xl.models import Catalog, Deliverable, Scope, ScopeInfo, Status
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
    complexity: str = ""  # as the scope names it; ``multiplier`` is its value
    risks: tuple[str, ...] = ()  # the deliverable's codes ∪ the scope's, each once

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

    def delivery(
        self, scope: ScopeInfo, d: Deliverable, role: str, hours: Decimal
    ) -> Delivery | None:
        catalog_hours = self.hours.get((d.sku, role))
        multiplier = self.multiplier(d.complexity)
        if catalog_hours is None or multiplier is None or d.quantity <= ZERO or hours <= ZERO:
            return None
        risks = tuple(dict.fromkeys(c.strip() for c in (*d.risks, *scope.risks) if c.strip()))
        uplift = self.uplift(risks)
        if d.quantity * multiplier * (ONE + uplift) <= ZERO:
            return None
        return Delivery(
            engagement=scope.engagement,
            start_date=scope.start_date,
            deliverable=d.deliverable,
            sku=d.sku,
            role=role,
            quantity=d.quantity,
            multiplier=multiplier,
            uplift=uplift,
            actual_hours=hours,
            catalog_hours=catalog_hours,
            complexity=d.complexity,
            risks=risks,
        )


def delivered(
    catalog: Catalog,
    scopes: Iterable[Scope],
    hours: Mapping[tuple[str, str, str], Decimal],
) -> list[Delivery]:
    """What calibration learns from: one :class:`Delivery` per deliverable × role of the
    Completed ``scopes`` with hours booked, from ``hours`` keyed (engagement,
    deliverable, role) (:func:`psos_xl.store.queries.booked_hours`).

    In the order of ``scopes``, then of their deliverables, then of the roles in the
    catalog's Services rows for the SKU. Other statuses are ignored; see the module
    docstring for what is left out.
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
            for role in roles.get(d.sku, []):
                booked = hours.get((info.engagement, d.deliverable, role))
                if booked is None:
                    continue
                delivery = resolver.delivery(info, d, role, booked)
                if delivery is not None:
                    out.append(delivery)
    return out
