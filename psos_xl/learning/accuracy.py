"""Estimation accuracy: how good the catalog's estimates were, and the calibrated ones.

For every delivery, two estimates of one unit at Medium with no risk are judged by
RE = (actual − estimate) / actual (DESIGN §5):

- **catalog**: the catalog's hours for the SKU × role (:attr:`Delivery.catalog_hours`);
- **calibrated**: the hours pricing on the P50 basis would have used for the delivery at
  the time it was scoped, in a time-ordered backtest. The deliveries of engagements with
  an **earlier StartDate** are what was known then: the Actuals table is calibrated from
  them (:func:`~psos_xl.learning.calibrate.actuals_as_of`: what
  :func:`~psos_xl.learning.calibrate.calibrate` gives, k learned from that history too),
  and pricing's own rule picks the value (:func:`psos_xl.pricing.estimate.history_base`):
  CalibratedHours once the SKU × role has CalibrationMinDeliveries deliveries, else the
  catalog's hours.

Why start dates: a scope records no completion date other than its planned EndDate, and
the order in which engagements started is the order in which they were estimated. It is
optimistic (an engagement that started earlier may still have been running when the next
one was scoped); requiring an earlier EndDate instead would leave most overlapping
engagements of a small firm without any history. Engagements starting on the same day do
not see each other; a delivery without a StartDate has no history and is nobody's.

Per SKU and per SKU × role: n, MMRE = mean |RE|, PRED(25) = share of deliveries with
|RE| ≤ 0.25, bias = mean RE. And the figure a partner asks ("once we have done it N
times, how good are we?"): per SKU and overall, over the deliveries with at least N =
AccuracyMinHistory earlier deliveries of the same SKU × role, n, median |RE|, bias and
PRED(25) (:class:`Summary`). :func:`accuracy_curve` gives median |RE| by history length.
Fractions rounded half-up to 4 decimals (0.1234 = 12.34 %).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from psos_xl.learning.calibrate import actuals_as_of, mean, median, round4
from psos_xl.learning.deliveries import Delivery
from psos_xl.models import Catalog, EstimateBasis
from psos_xl.pricing.estimate import LineBasis, history_base
from psos_xl.pricing.money import dec_str, plain

PRED_LIMIT = Decimal("0.25")
ALL = "(all)"  # the Role cell of a row over all of a SKU's roles, or SKU and Role of the total
CALIBRATED = (
    "the hours pricing on P50 would have used when the engagement was scoped: "
    "CalibratedHours of the Actuals calibrated from the engagements that started earlier, "
    "once the SKU × role had CalibrationMinDeliveries deliveries, else the catalog's hours"
)


@dataclass(frozen=True, slots=True)
class Judged:
    """One delivery with both estimates and their relative errors (unrounded)."""

    delivery: Delivery
    prior: int  # deliveries in its history
    catalog_estimate: Decimal
    catalog_re: Decimal
    calibrated_estimate: Decimal
    calibrated_re: Decimal
    basis: LineBasis = LineBasis.CATALOG  # what pricing used: P50 or Catalog


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
class Summary:
    """n, median |RE|, bias (mean RE) and PRED(25) of one estimate (None when n = 0)."""

    n: int
    median_abs: Decimal | None
    bias: Decimal | None
    pred25: Decimal | None

    @classmethod
    def of(cls, errors: Sequence[Decimal]) -> Summary:
        if not errors:
            return cls(0, None, None, None)
        within = sum(1 for e in errors if abs(e) <= PRED_LIMIT)
        return cls(
            n=len(errors),
            median_abs=round4(median([abs(e) for e in errors])),
            bias=round4(mean(errors)),
            pred25=round4(Decimal(within) / len(errors)),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "median_abs_re": _opt(self.median_abs),
            "bias": _opt(self.bias),
            "pred25": _opt(self.pred25),
        }


@dataclass(frozen=True, slots=True)
class SummaryRow:
    """Both estimates summarised over one SKU's deliveries (or all, SKU ``(all)``)."""

    sku: str
    catalog: Summary
    calibrated: Summary

    @classmethod
    def of(cls, sku: str, judged: Sequence[Judged]) -> SummaryRow:
        return cls(
            sku=sku,
            catalog=Summary.of([j.catalog_re for j in judged]),
            calibrated=Summary.of([j.calibrated_re for j in judged]),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "sku": self.sku,
            "catalog": self.catalog.to_json(),
            "calibrated": self.calibrated.to_json(),
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
    """Accuracy per SKU and per SKU × role (catalog Services order), and in total; and
    the summary over deliveries with at least ``min_history`` earlier ones (``after``:
    per SKU, then the total as SKU ``(all)``)."""

    prior: Decimal | None  # CalibrationPrior; None: k learned from the history
    total: AccuracyRow
    by_sku: tuple[AccuracyRow, ...]
    by_sku_role: tuple[AccuracyRow, ...]
    min_history: int = 5
    after: tuple[SummaryRow, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "calibration_prior": None if self.prior is None else plain(self.prior),
            "history": "deliveries of engagements with an earlier StartDate",
            "calibrated": CALIBRATED,
            "pred_limit": dec_str(PRED_LIMIT),
            "total": self.total.to_json(),
            "by_sku": [r.to_json() for r in self.by_sku],
            "by_sku_role": [r.to_json() for r in self.by_sku_role],
            "min_history": self.min_history,
            "after_min_history": {
                "total": next((r.to_json() for r in self.after if r.sku == ALL), None),
                "by_sku": [r.to_json() for r in self.after if r.sku != ALL],
            },
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
    settings = catalog.settings
    actuals = actuals_as_of(catalog, deliveries)
    earlier = _earlier_counts(deliveries)
    out: list[Judged] = []
    for i, d in enumerate(deliveries):
        row = actuals.get(d.start_date, {}).get(d.key) if d.start_date is not None else None
        hours, basis = history_base(
            d.catalog_hours,
            row,
            EstimateBasis.P50,
            settings.calibration_min_deliveries,
            settings.calibration_prior,
        )
        out.append(
            Judged(
                delivery=d,
                prior=earlier[i],
                catalog_estimate=d.catalog_hours,
                catalog_re=d.relative_error(d.catalog_hours),
                calibrated_estimate=hours,
                calibrated_re=d.relative_error(hours),
                basis=basis,
            )
        )
    return out


def _earlier_counts(deliveries: Sequence[Delivery]) -> list[int]:
    """Per delivery: the deliveries of the same SKU × role from earlier engagements."""
    starts: dict[tuple[str, str], list[date]] = {}
    for d in deliveries:
        if d.start_date is not None:
            starts.setdefault(d.key, []).append(d.start_date)
    for dates in starts.values():
        dates.sort()
    return [
        bisect_left(starts[d.key], d.start_date) if d.start_date is not None else 0
        for d in deliveries
    ]


def accuracy(
    catalog: Catalog, deliveries: Sequence[Delivery], judged: Sequence[Judged] | None = None
) -> AccuracyReport:
    """MMRE, PRED(25) and bias of the catalog and the backtested calibrated estimates,
    and the summary after AccuracyMinHistory earlier deliveries. ``judged``: the
    :func:`backtest` of ``deliveries`` when the caller has it already."""
    judged = backtest(catalog, deliveries) if judged is None else judged
    order = _order(catalog, (j.delivery.key for j in judged))
    by_key: dict[tuple[str, str], list[Judged]] = {}
    for j in judged:
        by_key.setdefault(j.delivery.key, []).append(j)
    keys = sorted(by_key, key=lambda key: order[key])
    skus = list(dict.fromkeys(sku for sku, _ in keys))
    least = catalog.settings.accuracy_min_history
    seasoned = [j for j in judged if j.prior >= least]
    after = [SummaryRow.of(sku, [j for j in seasoned if j.delivery.sku == sku]) for sku in skus]
    return AccuracyReport(
        prior=catalog.settings.calibration_prior,
        total=AccuracyRow.of(ALL, ALL, judged),
        by_sku=tuple(
            AccuracyRow.of(sku, ALL, [j for j in judged if j.delivery.sku == sku]) for sku in skus
        ),
        by_sku_role=tuple(AccuracyRow.of(sku, role, by_key[(sku, role)]) for sku, role in keys),
        min_history=least,
        after=(*(r for r in after if r.catalog.n), SummaryRow.of(ALL, seasoned)),
    )


def accuracy_curve(
    deliveries: Sequence[Delivery], catalog: Catalog, judged: Sequence[Judged] | None = None
) -> list[CurvePoint]:
    """Median |RE| of the catalog and calibrated estimates by history length.

    A point per number of earlier deliveries of the same SKU × role that some delivery had
    (0, 1, 2, …), over all SKUs and roles: whether more history makes the calibrated
    estimate better than the catalog's. Medians as :func:`quantile` at 0.5, rounded to 4
    decimals; sorted by history length. ``judged`` as for :func:`accuracy`.
    """
    by_prior: dict[int, list[Judged]] = {}
    for j in backtest(catalog, deliveries) if judged is None else judged:
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


# --- against what was sold ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sold:
    """One deliverable × role of a Completed engagement: its SKU, the hours it was sold
    with (its baseline, :mod:`psos_xl.pricing.baseline`) and the hours it took."""

    engagement: str
    sku: str
    sold_hours: Decimal
    actual_hours: Decimal


@dataclass(frozen=True, slots=True)
class SoldAccuracy:
    """How the hours sold compared with the hours delivered: RE = (actual − sold) /
    actual over every sold deliverable × role that booked hours, in total and per SKU.
    The scope as sold, not the catalog: re-scoping after the sale shows here."""

    engagements: int
    total: Accuracy
    by_sku: tuple[tuple[str, Accuracy], ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "engagements": self.engagements,
            "total": self.total.to_json(),
            "by_sku": [{"sku": sku, **a.to_json()} for sku, a in self.by_sku],
        }


def sold_accuracy(lines: Iterable[Sold]) -> SoldAccuracy:
    """The accuracy of the hours sold over ``lines`` (those with no hours left out)."""
    kept = [s for s in lines if s.actual_hours > 0]
    errors: dict[str, list[Decimal]] = {}
    for s in kept:
        re = (s.actual_hours - s.sold_hours) / s.actual_hours
        errors.setdefault(s.sku, []).append(re)
    every = [e for sku_errors in errors.values() for e in sku_errors]
    return SoldAccuracy(
        engagements=len({s.engagement for s in kept}),
        total=Accuracy.of(every),
        by_sku=tuple((sku, Accuracy.of(errors[sku])) for sku in sorted(errors)),
    )
