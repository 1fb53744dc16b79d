"""Learning: delivered hours → the catalog's Actuals, and how accurate estimates were.

Pure domain (DESIGN §5): no store, no workbook library. Sync hands in what was delivered
(the scopes and the booked hours, read by :mod:`psos_xl.store.queries`); this package
hands back rows of the catalog's ``Actuals`` table and accuracy reports.

    deliveries = delivered(catalog, scopes, booked_hours)          # Completed scopes only
    rows = calibrate(catalog, deliveries, updated_at="2026-10-12T08:00:00Z")
    report = accuracy(catalog, deliveries)                         # MMRE, PRED(25), bias
    curve = accuracy_curve(deliveries, catalog)                    # by history length

:mod:`.deliveries` normalises each delivery to one unit at Medium with no risk;
:mod:`.weight` learns the calibration weight k from the firm's history;
:mod:`.calibrate` computes P50/P80, errors and CalibratedHours per SKU × role;
:mod:`.accuracy` judges the catalog's estimates and the ones pricing would have used in
a time-ordered backtest.
"""

from psos_xl.learning.accuracy import (
    ALL,
    PRED_LIMIT,
    Accuracy,
    AccuracyReport,
    AccuracyRow,
    CurvePoint,
    Judged,
    Summary,
    SummaryRow,
    accuracy,
    accuracy_curve,
    backtest,
)
from psos_xl.learning.calibrate import (
    actual_row,
    calibrate,
    learn,
    mean,
    median,
    quantile,
    round4,
)
from psos_xl.learning.deliveries import Delivery, delivered
from psos_xl.learning.weight import Weights, weights
from psos_xl.pricing.estimate import calibrated_hours

__all__ = [
    "ALL",
    "PRED_LIMIT",
    "Accuracy",
    "AccuracyReport",
    "AccuracyRow",
    "CurvePoint",
    "Delivery",
    "Judged",
    "Summary",
    "SummaryRow",
    "Weights",
    "accuracy",
    "accuracy_curve",
    "actual_row",
    "backtest",
    "calibrate",
    "calibrated_hours",
    "delivered",
    "learn",
    "mean",
    "median",
    "quantile",
    "round4",
    "weights",
]
