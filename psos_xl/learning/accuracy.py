"""Estimation accuracy: how good the catalog's estimates were, and calibration's would have been.

For every delivery, two estimates of one unit at Medium with no risk are judged by
RE = (actual − estimate) / actual (DESIGN §5):

- **catalog**: the catalog's hours for the SKU × role (:attr:`Delivery.catalog_hours`);
- **calibrated**: a time-ordered backtest. The delivery is estimated only with what was
  known when its engagement was scoped: the deliveries of the same SKU × role from
  engagements with an **earlier StartDate** are its history, and the estimate is
  CalibratedHours = (k × catalog + n × P50) / (k + n) over that history with the catalog's
  k (rounded as the Actuals table rounds). No history: the catalog's hours.

Why start dates: a scope records no completion date other than its planned EndDate, and
the order in which engagements started is the order in which they were estimated. It is
optimistic (an engagement that started earlier may still have been running when the next
one was scoped); requiring an earlier EndDate instead would leave most overlapping
engagements of a small firm without any history. Engagements starting on the same day do
not see each other; a delivery without a StartDate has no history and is nobody's.

The backtest's calibrated value is the formula itself, whatever n: pricing waits for
CalibrationMinDeliveries before using it, and :func:`accuracy_curve` shows by history
length whether that wait is right.

Per SKU and per SKU × role: n, MMRE = mean |RE|, PRED(25) = share of deliveries with
|RE| ≤ 0.25, bias = mean RE. Fractions rounded half-up to 4 decimals (0.1234 = 12.34 %).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from psos_xl.learning.calibrate import calibrated_hours, group, mean, median, quantile, round4
from psos_xl.learning.deliveries import Delivery
from psos_xl.models import Catalog
from psos_xl.pricing.money import dec_str, round2

PRED_LIMIT = Decimal("0.25")
ALL = "(all)"  # the Role cell of a row over all of a SKU's roles, or SKU and Role of the total
_HALF = Decimal("0.5")


@dataclass(frozen=True, slots=True)
class Judged:
    """One delivery with both estimates and their relative errors (unrounded)."""

    delivery: Delivery
    prior: int  # deliveries in its history
    catalog_estimate: Decimal
    catalog_re: Decimal
    calibrated_estimate: Decimal
    calibrated_re: Decimal


@dataclass(frozen=True, slots=True)
class Accuracy:
    """n, MMRE, PRED(25) and bias of one estimate over some deliveries (None when n = 0)."""

    n: int
    mmre: Decimal | None
    pred25: Decimal | None
    bias: Decimal | None

    @classmethod
    def of(cls, errors: Sequence[Decimal]) -> Accuracy:
        if not errors:
            return cls(0, None, None, None)
        within = sum(1 for e in errors if abs(e) <= PRED_LIMIT)
        return cls(
            n=len(errors),
            mmre=round4(mean([abs(e) for e in errors])),
            pred25=round4(Decimal(within) / len(errors)),
            bias=round4(mean(errors)),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "mmre": _opt(self.mmre),
            "pred25": _opt(self.pred25),
            "bias": _opt(self.bias),
        }


@dataclass(frozen=True, slots=True)
class AccuracyRow:
    """Accuracy of one SKU × role, or of a SKU over all its roles (role ``(all)``)."""

    sku: str
    role: str
    catalog: Accuracy
    calibrated: Accuracy

    @property
    def deliveries(self) -> int:
        return self.catalog.n

    @classmethod
    def of(cls, sku: str, role: str, judged: Sequence[Judged]) -> AccuracyRow:
        return cls(
            sku=sku,
            role=role,
            catalog=Accuracy.of([j.catalog_re for j in judged]),
            calibrated=Accuracy.of([j.calibrated_re for j in judged]),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "sku": self.sku,
            "role": self.role,
            "catalog": self.catalog.to_json(),
            "calibrated": self.calibrated.to_json(),
        }

    def cells(self) -> dict[str, Any]:
        return {
            "SKU": self.sku,
            "Role": self.role,
            "Deliveries": self.deliveries,
            "CatalogMMRE": self.catalog.mmre,
            "CatalogPRED25": self.catalog.pred25,
            "CatalogBias": self.catalog.bias,
            "CalibratedMMRE": self.calibrated.mmre,
            "CalibratedPRED25": self.calibrated.pred25,
            "CalibratedBias": self.calibrated.bias,
        }


@dataclass(frozen=True, slots=True)
class AccuracyReport:
    """Accuracy per SKU and per SKU × role (catalog Services order), and in total."""

    prior: Decimal  # k
    total: AccuracyRow
    by_sku: tuple[AccuracyRow, ...]
    by_sku_role: tuple[AccuracyRow, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "calibration_prior": dec_str(self.prior),
            "history": "deliveries of engagements with an earlier StartDate",
            "pred_limit": dec_str(PRED_LIMIT),
            "total": self.total.to_json(),
            "by_sku": [r.to_json() for r in self.by_sku],
            "by_sku_role": [r.to_json() for r in self.by_sku_role],
        }

    def rows(self) -> list[dict[str, Any]]:
        """A table: each SKU's row (Role ``(all)``) then its roles' rows, then the total."""
        out: list[dict[str, Any]] = []
        for sku_row in self.by_sku:
            out.append(sku_row.cells())
            out.extend(r.cells() for r in self.by_sku_role if r.sku == sku_row.sku)
        out.append(self.total.cells())
        return out


class CurvePoint(NamedTuple):
    """Median |RE| of both estimates over the deliveries that had ``prior`` earlier ones."""

    prior: int
    catalog: Decimal
    calibrated: Decimal


def backtest(catalog: Catalog, deliveries: Sequence[Delivery]) -> list[Judged]:
    """Every delivery judged, in the order given (see the module docstring)."""
    k = catalog.settings.calibration_prior
    by_key = group(deliveries)
    out: list[Judged] = []
    for d in deliveries:
        history = [
            x.normalised
            for x in by_key[d.key]
            if d.start_date is not None and x.start_date is not None and x.start_date < d.start_date
        ]
        p50 = round2(quantile(history, _HALF)) if history else None
        calibrated = calibrated_hours(round2(d.catalog_hours), p50, len(history), k)
        out.append(
            Judged(
                delivery=d,
                prior=len(history),
                catalog_estimate=d.catalog_hours,
                catalog_re=d.relative_error(d.catalog_hours),
                calibrated_estimate=calibrated,
                calibrated_re=d.relative_error(calibrated),
            )
        )
    return out


def accuracy(catalog: Catalog, deliveries: Sequence[Delivery]) -> AccuracyReport:
    """MMRE, PRED(25) and bias of the catalog and the backtested calibrated estimates."""
    judged = backtest(catalog, deliveries)
    order = _order(catalog, (j.delivery.key for j in judged))
    by_key: dict[tuple[str, str], list[Judged]] = {}
    for j in judged:
        by_key.setdefault(j.delivery.key, []).append(j)
    keys = sorted(by_key, key=lambda key: order[key])
    skus = list(dict.fromkeys(sku for sku, _ in keys))
    return AccuracyReport(
        prior=catalog.settings.calibration_prior,
        total=AccuracyRow.of(ALL, ALL, judged),
        by_sku=tuple(
            AccuracyRow.of(sku, ALL, [j for j in judged if j.delivery.sku == sku]) for sku in skus
        ),
        by_sku_role=tuple(AccuracyRow.of(sku, role, by_key[(sku, role)]) for sku, role in keys),
    )


def accuracy_curve(deliveries: Sequence[Delivery], catalog: Catalog) -> list[CurvePoint]:
    """Median |RE| of the catalog and calibrated estimates by history length.

    A point per number of earlier deliveries of the same SKU × role that some delivery had
    (0, 1, 2, …), over all SKUs and roles: whether more history makes the calibrated
    estimate better than the catalog's. Medians as :func:`quantile` at 0.5, rounded to 4
    decimals; sorted by history length.
    """
    by_prior: dict[int, list[Judged]] = {}
    for j in backtest(catalog, deliveries):
        by_prior.setdefault(j.prior, []).append(j)
    return [
        CurvePoint(
            prior=prior,
            catalog=round4(median([abs(j.catalog_re) for j in by_prior[prior]])),
            calibrated=round4(median([abs(j.calibrated_re) for j in by_prior[prior]])),
        )
        for prior in sorted(by_prior)
    ]


def _order(
    catalog: Catalog, keys: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], tuple[int, int, str, str]]:
    """Catalog Services order (SKU first seen, then role), unknown keys after, sorted."""
    sku_rank: dict[str, int] = {}
    role_rank: dict[tuple[str, str], int] = {}
    for line in catalog.services:
        sku_rank.setdefault(line.sku, len(sku_rank))
        role_rank.setdefault((line.sku, line.role), len(role_rank))
    far = len(role_rank)
    return {
        key: (sku_rank.get(key[0], far), role_rank.get(key, far), key[0], key[1]) for key in keys
    }


def _opt(value: Decimal | None) -> str | None:
    return None if value is None else dec_str(value)
