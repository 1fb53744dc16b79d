"""Calibration: what delivery taught about each SKU × role, as rows of the Actuals table.

Per SKU × role of the catalog's Services (every row gets one, with Deliveries 0 when there
is no history), over the normalised actual hours of its deliveries (DESIGN §5):

- ``P50Hours``: the median of the normalised hours (:func:`quantile` at 0.5);
- ``MeanAbsErrorPct`` = mean |RE| and ``BiasPct`` = mean RE of the catalog estimate, where
  RE = (actual − estimate) / actual per unit (positive: the estimate was too low);
- ``CalibratedHours`` = (k × catalog + n × P50) / (k + n), with k = ``CatalogWeight``
  learned from the firm's history (:mod:`psos_xl.learning.weight`), or CalibrationPrior
  when the catalog sets it;
- ``P80Hours``: the 80th percentile of the same calibrated distribution,
  CalibratedHours × exp(z₀.₈ × σ × √(1 + 1 / (k + n))) with σ the SKU × role's scatter
  in log space; until the firm's scatter is known (no SKU × role delivered twice), the
  80th percentile of the deliveries themselves.

Rounding, as the Actuals table shows it: hours half-up to 2 decimals, k to 2 decimals;
percentages are fractions half-up to 4 decimals (0.1234 = 12.34 %, the cell's ``0.00%``
format shows it). CalibratedHours is computed from CatalogHours, P50Hours and
CatalogWeight as written, so every row checks out by hand in Excel, and P80Hours from
CalibratedHours as written. With no deliveries, P50/P80 and the errors are empty and
CalibratedHours is the catalog's hours.

Whether pricing uses a row (Deliveries ≥ CalibrationMinDeliveries) is pricing's call; the
row is written either way, so the catalog shows history building up.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from psos_xl.learning.deliveries import Delivery
from psos_xl.learning.weight import History, Weights, learned_from, weights
from psos_xl.models import ActualRow, Catalog
from psos_xl.pricing.estimate import calibrated_hours
from psos_xl.pricing.money import ONE, ZERO, round2

FRACTION = Decimal("0.0001")
P50 = Decimal("0.5")
P80 = Decimal("0.8")


def round4(value: Decimal) -> Decimal:
    """A fraction half-up to 4 decimals (0.12345 → 0.1235, shown as 12.35 %)."""
    return value.quantize(FRACTION, rounding=ROUND_HALF_UP)


def quantile(values: Sequence[Decimal], q: Decimal) -> Decimal:
    """The q-quantile of ``values`` exactly as numpy's default, ``method='linear'``.

    Sort the n values as x[0] ≤ … ≤ x[n−1]; h = (n − 1) × q; with j = ⌊h⌋ the result is
    x[j] + (h − j) × (x[j+1] − x[j]) (just x[n−1] when j = n − 1). This is numpy's
    ``percentile(values, 100 × q)`` and Excel's PERCENTILE.INC, computed in Decimal.
    Raises ValueError for no values or q outside [0, 1].
    """
    if not values:
        raise ValueError("quantile of no values")
    if not ZERO <= q <= ONE:
        raise ValueError(f"quantile q must lie in [0, 1], got {q}")
    ordered = sorted(values)
    h = (len(ordered) - 1) * q
    j = int(h.to_integral_value(rounding=ROUND_FLOOR))
    if j >= len(ordered) - 1:
        return ordered[-1]
    return ordered[j] + (h - j) * (ordered[j + 1] - ordered[j])


def median(values: Sequence[Decimal]) -> Decimal:
    return quantile(values, P50)


def mean(values: Sequence[Decimal]) -> Decimal:
    if not values:
        raise ValueError("mean of no values")
    return sum(values, ZERO) / len(values)


def actual_row(
    sku: str,
    role: str,
    catalog_hours: Decimal,
    deliveries: Sequence[Delivery],
    k: Decimal,
    updated_at: str,
    p80_factor: Decimal | None = None,
) -> ActualRow:
    """One Actuals row from one SKU × role's deliveries (any order). ``p80_factor`` is
    P80 over the calibrated hours (:meth:`Weights.p80_factor`); without it P80Hours is
    the deliveries' own 80th percentile."""
    n = len(deliveries)
    if n == 0:
        return ActualRow(
            sku=sku,
            role=role,
            catalog_hours=catalog_hours,
            deliveries=0,
            calibrated_hours=calibrated_hours(catalog_hours, None, 0, k),
            updated_at=updated_at,
            catalog_weight=k,
        )
    normalised = [d.normalised for d in deliveries]
    errors = [d.relative_error(d.catalog_hours) for d in deliveries]
    p50 = round2(quantile(normalised, P50))
    calibrated = calibrated_hours(catalog_hours, p50, n, k)
    if p80_factor is None:
        p80 = round2(quantile(normalised, P80))
    else:
        p80 = round2(calibrated * p80_factor)
    return ActualRow(
        sku=sku,
        role=role,
        catalog_hours=catalog_hours,
        deliveries=n,
        p50_hours=p50,
        p80_hours=p80,
        mean_abs_error_pct=round4(mean([abs(e) for e in errors])),
        bias_pct=round4(mean(errors)),
        calibrated_hours=calibrated,
        updated_at=updated_at,
        catalog_weight=k,
    )


def group(deliveries: Iterable[Delivery]) -> dict[tuple[str, str], list[Delivery]]:
    """Deliveries by (SKU, role), each list in the order given."""
    out: dict[tuple[str, str], list[Delivery]] = {}
    for d in deliveries:
        out.setdefault(d.key, []).append(d)
    return out


def service_hours(catalog: Catalog) -> dict[tuple[str, str], Decimal]:
    """CatalogHours per SKU × role in the Services table's order (rounded to 2 decimals);
    a second Services row for the same SKU × role is skipped (the catalog rules report it)."""
    out: dict[tuple[str, str], Decimal] = {}
    for line in catalog.services:
        out.setdefault((line.sku, line.role), round2(line.hours))
    return out


def learn(catalog: Catalog, deliveries: Sequence[Delivery]) -> Weights:
    """k and the scatter of every SKU × role of ``catalog``, from ``deliveries``."""
    normalised = {key: [d.normalised for d in ds] for key, ds in group(deliveries).items()}
    return weights(service_hours(catalog), normalised, catalog.settings.calibration_prior)


def calibrate(catalog: Catalog, deliveries: Sequence[Delivery], updated_at: str) -> list[ActualRow]:
    """The Actuals table: one row per Services SKU × role, in the Services table's order.

    Deliveries of a SKU × role the catalog no longer lists are left out. ``updated_at``
    is written as given (sync passes its run's timestamp).
    """
    by_key = group(deliveries)
    learned = learn(catalog, deliveries)
    return [
        _row(key, hours, by_key.get(key, []), learned, updated_at)
        for key, hours in service_hours(catalog).items()
    ]


def _row(
    key: tuple[str, str],
    catalog_hours: Decimal,
    deliveries: Sequence[Delivery],
    learned: Weights,
    updated_at: str,
) -> ActualRow:
    k = learned.k(key)
    p80 = learned.p80_factor(key, len(deliveries), k)
    return actual_row(key[0], key[1], catalog_hours, deliveries, k, updated_at, p80)


def actuals_as_of(
    catalog: Catalog, deliveries: Sequence[Delivery]
) -> dict[date, dict[tuple[str, str], ActualRow]]:
    """The Actuals table as it stood on each StartDate of ``deliveries``: what
    :func:`calibrate` makes of the deliveries of engagements that started earlier, for
    the SKU × roles delivered on that date (the rows the backtest needs).

    The same rows as calling :func:`calibrate` once per date, computed as history grows:
    each delivery's log is taken once and a SKU × role's history is summarised again only
    when it changes, so a firm's whole history is backtested in about linear time.
    """
    hours = service_hours(catalog)
    prior = catalog.settings.calibration_prior
    dated = sorted((d for d in deliveries if d.start_date is not None), key=_start)
    seen: dict[tuple[str, str], list[Delivery]] = {}
    logs: dict[tuple[str, str], list[Decimal]] = {}
    histories: dict[tuple[str, str], History] = {}
    out: dict[date, dict[tuple[str, str], ActualRow]] = {}
    i = 0
    for start in sorted({_start(d) for d in dated}):
        changed: set[tuple[str, str]] = set()
        while i < len(dated) and _start(dated[i]) < start:
            d = dated[i]
            seen.setdefault(d.key, []).append(d)
            logs.setdefault(d.key, []).append(d.normalised.ln())
            changed.add(d.key)
            i += 1
        for key in changed & hours.keys():
            history = History.of_logs(hours[key], logs[key])
            if history is not None:
                histories[key] = history
        learned = learned_from(histories, prior)
        wanted: set[tuple[str, str]] = set()
        j = i
        while j < len(dated) and _start(dated[j]) == start:
            wanted.add(dated[j].key)
            j += 1
        out[start] = {
            key: _row(key, hours[key], seen.get(key, []), learned, "")
            for key in wanted & hours.keys()
        }
    return out


def _start(d: Delivery) -> date:
    return d.start_date or date.min
