"""Learning: delivered hours → the catalog's Actuals, and how accurate estimates were.

Pure domain (DESIGN §5): no store, no workbook library. Sync hands in what was delivered;
this package hands back rows of the catalog's ``Actuals`` table and accuracy reports.

    deliveries = deliveries_from(catalog, scopes, actual_hours)   # Completed scopes only
    rows = calibrate(catalog, deliveries, updated_at="2026-10-12T08:00:00Z")
    report = accuracy(catalog, deliveries)                         # MMRE, PRED(25), bias
    curve = accuracy_curve(deliveries, catalog)                    # by history length

:mod:`.deliveries` normalises each delivery to one unit at Medium with no risk;
:mod:`.calibrate` computes P50/P80, errors and CalibratedHours per SKU × role;
:mod:`.accuracy` judges the catalog's and the calibrated estimates in a time-ordered
backtest.
"""

from psos_xl.learning.accuracy import (
    ALL,
    PRED_LIMIT,
    Accuracy,
    AccuracyReport,
    AccuracyRow,
    CurvePoint,
    Judged,
    accuracy,
    accuracy_curve,
    backtest,
)
from psos_xl.learning.calibrate import (
    actual_row,
    calibrate,
    calibrated_hours,
    mean,
    median,
    quantile,
    round4,
)
from psos_xl.learning.deliveries import (
    DeliveredLike,
    Delivery,
    deliveries_from,
    deliveries_from_rows,
)

__all__ = [
    "ALL",
    "PRED_LIMIT",
    "Accuracy",
    "AccuracyReport",
    "AccuracyRow",
    "CurvePoint",
    "DeliveredLike",
    "Delivery",
    "Judged",
    "accuracy",
    "accuracy_curve",
    "actual_row",
    "backtest",
    "calibrate",
    "calibrated_hours",
    "deliveries_from",
    "deliveries_from_rows",
    "mean",
    "median",
    "quantile",
    "round4",
]
