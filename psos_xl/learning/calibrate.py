"""Calibration: what delivery taught about each SKU × role, as rows of the Actuals table.

Per SKU × role of the catalog's Services (every row gets one, with Deliveries 0 when there
is no history), over the normalised actual hours of its deliveries (DESIGN §5):

- ``P50Hours`` / ``P80Hours``: the 50th / 80th percentile (:func:`quantile`);
- ``MeanAbsErrorPct`` = mean |RE| and ``BiasPct`` = mean RE of the catalog estimate, where
  RE = (actual − estimate) / actual per unit (positive: the estimate was too low);
- ``CalibratedHours`` = (k × catalog + n × P50) / (k + n), k = CalibrationPrior.

Rounding, as the Actuals table shows it: hours half-up to 2 decimals; percentages are
fractions half-up to 4 decimals (0.1234 = 12.34 %, the cell's ``0.00%`` format shows it).
CalibratedHours is computed from CatalogHours and P50Hours as written, so every row checks
out by hand in Excel. With no deliveries, P50/P80 and the errors are empty and
CalibratedHours is the catalog's hours.

Whether pricing uses a row (Deliveries ≥ CalibrationMinDeliveries) is pricing's call; the
row is written either way, so the catalog shows history building up.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from psos_xl.learning.deliveries import Delivery
from psos_xl.models import ActualRow, Catalog
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


def calibrated_hours(catalog_hours: Decimal, p50: Decimal | None, n: int, k: Decimal) -> Decimal:
    """(k × catalog + n × P50) / (k + n), rounded to 2 decimals; the catalog's hours when
    there is no history (n = 0, no P50) or no weight at all (k + n = 0)."""
    weight = k + n
    if n <= 0 or p50 is None or weight <= ZERO:
        return round2(catalog_hours)
    return round2((k * catalog_hours + n * p50) / weight)


def actual_row(
    sku: str,
    role: str,
    catalog_hours: Decimal,
    deliveries: Sequence[Delivery],
    k: Decimal,
    updated_at: str,
) -> ActualRow:
    """One Actuals row from one SKU × role's deliveries (any order)."""
    n = len(deliveries)
    if n == 0:
        return ActualRow(
            sku=sku,
            role=role,
            catalog_hours=catalog_hours,
            deliveries=0,
            calibrated_hours=calibrated_hours(catalog_hours, None, 0, k),
            updated_at=updated_at,
        )
    normalised = [d.normalised for d in deliveries]
    errors = [d.relative_error(d.catalog_hours) for d in deliveries]
    p50 = round2(quantile(normalised, P50))
    return ActualRow(
        sku=sku,
        role=role,
        catalog_hours=catalog_hours,
        deliveries=n,
        p50_hours=p50,
        p80_hours=round2(quantile(normalised, P80)),
        mean_abs_error_pct=round4(mean([abs(e) for e in errors])),
        bias_pct=round4(mean(errors)),
        calibrated_hours=calibrated_hours(catalog_hours, p50, n, k),
        updated_at=updated_at,
    )


def group(deliveries: Iterable[Delivery]) -> dict[tuple[str, str], list[Delivery]]:
    """Deliveries by (SKU, role), each list in the order given."""
    out: dict[tuple[str, str], list[Delivery]] = {}
    for d in deliveries:
        out.setdefault(d.key, []).append(d)
    return out


def calibrate(catalog: Catalog, deliveries: Sequence[Delivery], updated_at: str) -> list[ActualRow]:
    """The Actuals table: one row per Services SKU × role, in the Services table's order.

    A second Services row for the same SKU × role is skipped (the catalog rules report
    it); deliveries of a SKU × role the catalog no longer lists are left out.
    ``updated_at`` is written as given (sync passes its run's timestamp).
    """
    by_key = group(deliveries)
    k = catalog.settings.calibration_prior
    rows: list[ActualRow] = []
    seen: set[tuple[str, str]] = set()
    for line in catalog.services:
        key = (line.sku, line.role)
        if key in seen:
            continue
        seen.add(key)
        hours = round2(line.hours)
        rows.append(actual_row(line.sku, line.role, hours, by_key.get(key, []), k, updated_at))
    return rows
