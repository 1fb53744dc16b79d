"""The engagement ledger: per engagement × deliverable × role, what was estimated, sold,
burnt and is still to come (DESIGN §13). The one computation of actual hours, cost to
date and estimate at completion that the Delivery write-back, ``psos report margin``,
``psos report burn`` and the forecast read.

A line exists for every deliverable × role of a Sold, Active or Completed scope that has
an estimate now (pricing's :func:`~psos_xl.pricing.estimate_hours`), a baseline (the
hours sold, :class:`~psos_xl.pricing.baseline.Baseline`) or booked time; the lines of an
engagement come in the Delivery table's order: estimated lines in scope order, then lines
sold but no longer estimated, then lines with time booked and neither (sorted).

- **actual hours**: the time booked on the line (the caller passes the bookings it counts,
  e.g. those dated on or before the as-of day);
- **cost to date**: each booking's hours × the CostRate of its role in force on its date,
  half-up cents per row (:meth:`~psos_xl.pricing.booked.Booking.cost`); hours with no rate
  in force cost nothing here;
- **EAC hours and cost**: :func:`psos_xl.economics.eac.estimate_at_completion` with the
  deliverable's PercentComplete and CompletedOn, and the CostRate in force on the as-of
  day for the remaining hours (none in force: the remaining hours cost nothing).

Pure: models and Decimals in, frozen records out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from psos_xl.economics.eac import estimate_at_completion
from psos_xl.models import Catalog, Deliverable, Scope, Status
from psos_xl.pricing import estimate_hours
from psos_xl.pricing.baseline import Baseline
from psos_xl.pricing.booked import Booking, Rates
from psos_xl.pricing.money import ZERO

# the engagements a ledger covers: sold, in delivery, or delivered
LEDGER_STATUSES = (Status.SOLD.value, Status.ACTIVE.value, Status.COMPLETED.value)

Key = tuple[str, str]  # (deliverable, role)


@dataclass(frozen=True)
class LedgerLine:
    """One engagement × deliverable × role."""

    engagement: str
    deliverable: str
    role: str
    estimated_hours: Decimal | None  # the scope priced now; None: no estimate
    baseline_hours: Decimal | None  # as sold; None: no baseline, or not sold
    baseline_cost: Decimal | None
    actual_hours: Decimal
    cost_to_date: Decimal
    eac_hours: Decimal
    eac_cost: Decimal

    @property
    def remaining_hours(self) -> Decimal:
        """EAC − actual, at least 0: the hours still to be worked."""
        return max(ZERO, self.eac_hours - self.actual_hours)


@dataclass
class _Booked:
    hours: Decimal = ZERO
    cost: Decimal = ZERO


def _booked(catalog: Catalog, bookings: Iterable[Booking]) -> dict[tuple[str, str, str], _Booked]:
    """Hours and cost per (engagement, deliverable, role)."""
    out: dict[tuple[str, str, str], _Booked] = {}
    rates = Rates(catalog)
    for b in bookings:
        key = (b.engagement, b.deliverable, b.role)
        line = out.get(key) or out.setdefault(key, _Booked())
        line.hours += b.total
        line.cost += b.cost(rates) or ZERO
    return out


def line_keys(estimated: Iterable[Key], sold: Iterable[Key], booked: Iterable[Key]) -> list[Key]:
    """The lines of one engagement in the Delivery table's order (see the module)."""
    keys = list(dict.fromkeys(estimated))
    seen = set(keys)
    keys += [k for k in dict.fromkeys(sold) if k not in seen]
    seen.update(keys)
    keys += sorted(k for k in set(booked) if k not in seen)
    return keys


def scope_ledger(
    catalog: Catalog,
    scope: Scope,
    baseline: Baseline | None,
    booked: Mapping[Key, tuple[Decimal, Decimal]],
    as_of: date,
) -> list[LedgerLine]:
    """The ledger lines of one scope; ``booked``: (hours, cost to date) per (deliverable,
    role) of its engagement."""
    eng = scope.info.engagement
    estimated = estimate_hours(catalog, scope)
    sold = baseline.lines if baseline is not None else {}
    progress: dict[str, Deliverable] = {d.deliverable: d for d in scope.deliverables}
    lines: list[LedgerLine] = []
    for key in line_keys(estimated, sold, booked):
        deliverable, role = key
        actual, cost = booked.get(key, (ZERO, ZERO))
        est = estimated.get(key)
        d = progress.get(deliverable)
        rate = catalog.rate_for(role, as_of)
        eac = estimate_at_completion(
            actual,
            cost,
            est,
            rate.cost_rate if rate is not None else ZERO,
            d.percent_complete if d is not None else None,
            d.completed_on if d is not None else None,
            as_of,
        )
        figures = sold.get(key)
        lines.append(
            LedgerLine(
                engagement=eng,
                deliverable=deliverable,
                role=role,
                estimated_hours=est,
                baseline_hours=figures.hours if figures is not None else None,
                baseline_cost=figures.cost if figures is not None else None,
                actual_hours=actual,
                cost_to_date=cost,
                eac_hours=eac.eac_hours,
                eac_cost=eac.eac_cost,
            )
        )
    return lines


def ledger(
    catalog: Catalog,
    scopes: Iterable[Scope],
    baselines: Mapping[str, Baseline],
    bookings: Iterable[Booking],
    as_of: date,
) -> list[LedgerLine]:
    """Every ledger line of the ``scopes`` that are Sold, Active or Completed, by
    engagement (in the order given) then line; ``bookings`` are the time counted (others
    engagements' are ignored), ``baselines`` by engagement."""
    kept = [s for s in scopes if s.info.status in LEDGER_STATUSES]
    wanted = {s.info.engagement for s in kept}
    per: dict[str, dict[Key, tuple[Decimal, Decimal]]] = {}
    for (eng, deliverable, role), b in _booked(
        catalog, (b for b in bookings if b.engagement in wanted)
    ).items():
        per.setdefault(eng, {})[(deliverable, role)] = (b.hours, b.cost)
    out: list[LedgerLine] = []
    for scope in kept:
        eng = scope.info.engagement
        out += scope_ledger(catalog, scope, baselines.get(eng), per.get(eng, {}), as_of)
    return out
