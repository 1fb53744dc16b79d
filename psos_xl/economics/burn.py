"""Burn against what was sold, and the alerts (DESIGN §13 "Burn", §3 Delivery's Alert).

One place decides an alert, for the Delivery table and for ``psos report burn``:

======================  ==============================================================
Alert                   when
======================  ==============================================================
``≥100%``               a burn fraction ≥ 1.00: the hours (or money) are used up
``EAC over budget``     otherwise, when the EAC cost exceeds the baseline cost
``≥90%``                0.90 ≤ the burn < 1.00
``≥80%``                0.80 ≤ the burn < 0.90
``no estimate``         (Delivery) hours booked on a line with no or a zero estimate
``no baseline``         (report) hours booked on a line that was not sold
(empty)                 none of the above
======================  ==============================================================

An overrun that has happened outranks one forecast: a line past 100 % says so, and the
forecast overrun takes the place of a mere 80 / 90 % warning.

The **burn report** has, per engagement (its line first, deliverable empty) and per
deliverable, the hours and cost to date against the baseline's: ``hours_pct`` = actual
÷ baseline hours, ``cost_pct`` = cost to date ÷ baseline cost (fractions half-up to
the ten-thousandth; None with nothing sold), the alert from the higher of the two, and
``EAC over budget`` when the EAC cost exceeds the baseline cost.

Pure: ledger lines in, records out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from psos_xl.economics.ledger import LedgerLine
from psos_xl.pricing.money import ZERO, round2

FRACTION = Decimal("0.0001")
# (threshold, alert), highest first: the first one crossed is the Alert
THRESHOLDS: tuple[tuple[Decimal, str], ...] = (
    (Decimal("1.00"), "≥100%"),
    (Decimal("0.90"), "≥90%"),
    (Decimal("0.80"), "≥80%"),
)
NO_ESTIMATE = "no estimate"
NO_BASELINE = "no baseline"
EAC_OVER_BUDGET = "EAC over budget"


def fraction(part: Decimal, whole: Decimal | None) -> Decimal | None:
    """``part`` ÷ ``whole`` half-up to 4 decimals; None when ``whole`` is empty or 0."""
    if whole is None or whole <= ZERO:
        return None
    return (part / whole).quantize(FRACTION, rounding=ROUND_HALF_UP)


def burn_pct(actual: Decimal, estimated: Decimal | None) -> Decimal | None:
    """Actual ÷ Estimated as a fraction half-up to 4 decimals; None with no estimate."""
    return fraction(actual, estimated)


def alert(
    burn: Decimal | None,
    actual: Decimal,
    over_budget: bool = False,
    missing: str = NO_ESTIMATE,
) -> str:
    """The Alert of a line burnt ``burn`` (None: nothing to burn against, then
    ``missing`` when hours are booked), ``over_budget`` when its EAC cost exceeds its
    baseline cost (see the module's table)."""
    if burn is not None and burn >= THRESHOLDS[0][0]:
        return THRESHOLDS[0][1]
    if over_budget:
        return EAC_OVER_BUDGET
    if burn is None:
        return missing if actual > ZERO else ""
    for threshold, text in THRESHOLDS:
        if burn >= threshold:
            return text
    return ""


def over_budget(eac_cost: Decimal, baseline_cost: Decimal | None) -> bool:
    """Whether the EAC cost exceeds what was sold (False with no baseline)."""
    return baseline_cost is not None and eac_cost > baseline_cost


@dataclass(frozen=True)
class BurnLine:
    """An engagement's line (``deliverable`` empty) or one deliverable's."""

    engagement: str
    deliverable: str
    workbook: str  # the scope's path in the workspace
    baseline_hours: Decimal | None
    actual_hours: Decimal
    baseline_cost: Decimal | None
    cost_to_date: Decimal
    eac_cost: Decimal
    hours_pct: Decimal | None
    cost_pct: Decimal | None
    alert: str

    def to_json(self) -> dict[str, Any]:
        """DESIGN §13's keys, then the figures they come from."""
        return {
            "engagement": self.engagement,
            "deliverable": self.deliverable,
            "hours_pct": _text(self.hours_pct),
            "cost_pct": _text(self.cost_pct),
            "alert": self.alert,
            "workbook": self.workbook,
            "baseline_hours": _text(
                None if self.baseline_hours is None else round2(self.baseline_hours)
            ),
            "actual_hours": str(round2(self.actual_hours)),
            "baseline_cost": _text(self.baseline_cost),
            "cost_to_date": str(self.cost_to_date),
            "eac_cost": str(self.eac_cost),
        }


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _sum(values: Iterable[Decimal | None]) -> Decimal | None:
    present = [v for v in values if v is not None]
    return sum(present, ZERO) if present else None


def _burn_line(
    engagement: str, deliverable: str, workbook: str, lines: list[LedgerLine]
) -> BurnLine:
    base_hours = _sum(x.baseline_hours for x in lines)
    base_cost = _sum(x.baseline_cost for x in lines)
    actual = sum((x.actual_hours for x in lines), ZERO)
    cost = sum((x.cost_to_date for x in lines), ZERO)
    eac = sum((x.eac_cost for x in lines), ZERO)
    hours_pct, cost_pct = fraction(actual, base_hours), fraction(cost, base_cost)
    crossed = [p for p in (hours_pct, cost_pct) if p is not None]
    return BurnLine(
        engagement,
        deliverable,
        workbook,
        base_hours,
        actual,
        base_cost,
        cost,
        eac,
        hours_pct,
        cost_pct,
        alert(max(crossed) if crossed else None, actual, over_budget(eac, base_cost), NO_BASELINE),
    )


@dataclass(frozen=True)
class BurnReport:
    as_of: date
    lines: list[BurnLine]

    @property
    def alerts(self) -> list[BurnLine]:
        """The lines with an alert, in report order."""
        return [line for line in self.lines if line.alert]


def burn(ledger: Iterable[LedgerLine], workbooks: Mapping[str, str], as_of: date) -> BurnReport:
    """Per engagement (in ledger order) its line, then one per deliverable (in ledger
    order); ``workbooks``: each engagement's scope path."""
    by: dict[str, dict[str, list[LedgerLine]]] = {}
    for line in ledger:
        by.setdefault(line.engagement, {}).setdefault(line.deliverable, []).append(line)
    out: list[BurnLine] = []
    for eng, deliverables in by.items():
        path = workbooks.get(eng, "")
        out.append(_burn_line(eng, "", path, [x for ls in deliverables.values() for x in ls]))
        out += [_burn_line(eng, d, path, ls) for d, ls in deliverables.items()]
    return BurnReport(as_of, out)
