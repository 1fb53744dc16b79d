"""The pricing engine: the one place pricing arithmetic lives (DESIGN §4).

Pure Python on Decimal: no I/O, no workbook library. Every surface (the Excel UDFs,
``psos price``, the quote generator, sync's re-pricing) calls :func:`price`.

    quote = price(catalog, scope)
    quote.price, quote.margin, quote.lines, quote.issues, quote.to_json()

:mod:`.estimate` turns a scope into hours per deliverable × role (and documents the
P50/P80 estimate bases); :mod:`.engine` turns hours into money per billing model;
:mod:`.quote` is the result and its JSON shape.
"""

from psos_xl.pricing.engine import UNASSIGNED_MILESTONE, currency_mismatch, price, rates_in_force
from psos_xl.pricing.estimate import Estimate, HoursLine, LineBasis, estimate, estimate_hours
from psos_xl.pricing.quote import MilestoneShare, MonthShare, Quote, QuoteLine

__all__ = [
    "UNASSIGNED_MILESTONE",
    "Estimate",
    "HoursLine",
    "LineBasis",
    "MilestoneShare",
    "MonthShare",
    "Quote",
    "QuoteLine",
    "currency_mismatch",
    "estimate",
    "estimate_hours",
    "price",
    "rates_in_force",
]
