"""``psos report`` alone: the one screen a leader reads in a minute (DESIGN §13).

As of a day, from the store (sync must have run):

- **utilization**: the org line of :func:`~psos_xl.app.utilization.workspace_utilization`
  over its default window (the four complete weeks before the as-of day), against the
  org's target;
- **money to date**: revenue recognised, cost and margin of every Sold, Active and
  Completed engagement added up, and the forecast margin at completion
  (:func:`~psos_xl.economics.margin.margin`);
- **engagements at risk**: each Sold or Active engagement whose burn line has an alert
  (:func:`~psos_xl.economics.burn.burn`: ≥80/90/100 % of what was sold, EAC over
  budget) or whose EndDate has passed while it is still Sold or Active (overdue);
- **bench ahead**: the people under target with no Sold or Active work ahead;
- **missing timesheets**: the missing and short weeks up to the last complete week.

Every figure is one of the detailed reports' own, so each can be followed down with
``psos report utilization|margin|burn|completeness``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from psos_xl.app.completeness import CompletenessResult
    from psos_xl.economics.burn import BurnLine
    from psos_xl.economics.margin import MarginLine
    from psos_xl.economics.utilization import UtilizationReport

ACTIVE = ("Sold", "Active")


@dataclass(frozen=True)
class AtRisk:
    """An engagement to look at, and why."""

    engagement: str
    workbook: str
    reasons: tuple[str, ...]
    burn: BurnLine | None
    end_date: date | None

    def to_json(self) -> dict[str, Any]:
        b = self.burn
        return {
            "engagement": self.engagement,
            "workbook": self.workbook,
            "reasons": list(self.reasons),
            "hours_pct": _text(b.hours_pct) if b else None,
            "cost_pct": _text(b.cost_pct) if b else None,
            "alert": b.alert if b else "",
            "end_date": self.end_date.isoformat() if self.end_date else None,
        }


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True)
class Summary:
    workspace: Path
    as_of: date
    utilization: UtilizationReport
    totals: MarginLine
    currency: str
    at_risk: list[AtRisk]
    completeness: CompletenessResult

    @property
    def missing(self) -> int:
        from psos_xl.errors import Code

        return self.completeness.count(Code.MISSING_TIMESHEET)

    @property
    def short(self) -> int:
        from psos_xl.errors import Code

        return self.completeness.count(Code.SHORT_WEEK)

    def to_json(self) -> dict[str, Any]:
        u = self.utilization
        t = self.totals
        return {
            "as_of": self.as_of.isoformat(),
            "utilization": {
                "from": u.start.isoformat(),
                "to": u.end.isoformat(),
                **{k: v for k, v in u.org.to_json().items() if k not in ("person", "period")},
            },
            "currency": self.currency,
            "revenue": str(t.revenue),
            "cost": str(t.cost),
            "margin": _text(t.margin),
            "forecast_margin": _text(t.forecast_margin),
            "at_risk": [r.to_json() for r in self.at_risk],
            "bench": [b.person for b in u.bench],
            "missing_timesheets": self.missing,
            "short_weeks": self.short,
        }


def _at_risk(burn: list[BurnLine], scopes: dict[str, Any], as_of: date) -> list[AtRisk]:
    """The Sold and Active engagements whose line has an alert or whose EndDate has
    passed."""
    flagged: dict[str, AtRisk] = {}
    lines = {b.engagement: b for b in burn if not b.deliverable}
    for code, scope in sorted(scopes.items()):
        info = scope.info
        if (info.status.value if info.status else "") not in ACTIVE:
            continue  # a Completed engagement is history, no longer a risk
        reasons: list[str] = []
        line = lines.get(code)
        if line is not None and line.alert and line.alert != "no baseline":
            reasons.append(line.alert)
        if info.end_date is not None and info.end_date < as_of:
            reasons.append(f"overdue since {info.end_date.isoformat()}")
        if reasons:
            flagged[code] = AtRisk(code, scope.workbook, tuple(reasons), line, info.end_date)
    return list(flagged.values())


def workspace_summary(
    root: Path, as_of: date | None = None, store_url_override: str | None = None
) -> Summary:
    """The one screen of the workspace at ``root`` as of ``as_of`` (default today)."""
    from psos_xl.app.completeness import workspace_completeness
    from psos_xl.app.ledger import workspace_ledger
    from psos_xl.app.utilization import workspace_utilization
    from psos_xl.economics.burn import burn
    from psos_xl.economics.margin import margin

    read = workspace_ledger(root, as_of, store_url_override)
    day = read.as_of
    d = read.data
    money = margin(
        d.catalog, d.scopes, d.baselines, d.lines, d.bookings, read.expenses, day, read.invoiced
    )
    paths = {code: scope.workbook for code, scope in d.scopes.items()}
    burnt = burn(d.lines, paths, day)
    utilization = workspace_utilization(root, day, store_url_override=store_url_override)
    completeness = workspace_completeness(root, day, store_url_override)
    return Summary(
        read.root,
        day,
        utilization.report,
        money.totals,
        d.catalog.settings.currency,
        _at_risk(burnt.lines, d.scopes, day),
        completeness,
    )
