"""Supply and demand per role and week, ahead of the as-of day (DESIGN §13 "Forecast").

The horizon is ``days`` days from the as-of day (30 or 90): the weeks from the as-of
day's Monday to the week that holds its last day, each a whole week named by its Monday,
counted from the as-of day on (the days of the first week before it are past). Per role
and week:

- **supply**: each person of the role (People's Role) their capacity on the week's days
  (:func:`~.capacity.capacity_on`) less the LEAVE hours they booked on those days, at
  least 0, added up over the role's people;
- **demand** (firm): the remaining hours of Sold and Active engagements per engagement ×
  role, spread evenly over their working days (Monday to Friday) from the later of the
  as-of day and StartDate to EndDate (no EndDate: to the horizon's last day). An
  engagement past its EndDate, or with no working day left before it, has all its
  remaining hours in the first week, and that week's row is flagged **overdue**;
- **pipeline**: each Draft scope's estimated hours × its ScopeInfo Probability, spread
  the same way over the Draft's StartDate..EndDate, shown apart and never in the gap. A
  Draft without a Probability counts 0 hours (nobody said it may be sold; counting it
  whole would overstate demand, and half would be a guess): it is listed in
  :attr:`ForecastReport.unweighted` so it is seen;
- **gap** = supply − demand (negative: more work than people).

Spreading is exact in hundredths: a week takes the hours that fall up to its Sunday,
rounded half-up, less those up to the Sunday before, so the weeks of an engagement always
add up to its remaining hours. Hours are integer hundredths inside the frames and
Decimals at the edges. Pure: no store, no files.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pandas as pd

from psos_xl.economics.capacity import ZERO, capacity_on
from psos_xl.economics.completeness import monday_of
from psos_xl.economics.utilization import hours_of, hundredths
from psos_xl.models import LEAVE, Catalog, Person, Scope, Status
from psos_xl.pricing import estimate_hours

HORIZONS = (30, 90)  # --days
WEEK = timedelta(weeks=1)
# remaining hours of a Sold or Active engagement × role (hours in hundredths; start and
# end are its StartDate and EndDate, None when empty; workbook is where its scope lives)
FIRM_COLUMNS = ("engagement", "role", "hours", "start", "end", "workbook")
# a Draft's estimated hours × role, unweighted, and its Probability (a Decimal or None)
PIPELINE_COLUMNS = (*FIRM_COLUMNS, "probability")
SPREAD_COLUMNS = ("engagement", "role", "week", "hours", "overdue")
FIRM = (Status.SOLD, Status.ACTIVE)


def _frame(records: list[tuple[Any, ...]], columns: tuple[str, ...]) -> pd.DataFrame:
    frame = pd.DataFrame(records, columns=list(columns), dtype=object)
    frame["hours"] = frame["hours"].astype("int64")
    return frame


def firm_frame(
    remaining: Iterable[tuple[str, str, Decimal]], scopes: Mapping[str, Scope]
) -> pd.DataFrame:
    """:data:`FIRM_COLUMNS` of the Sold and Active ``scopes`` (by engagement):
    ``remaining`` holds (engagement, role, hours still to work) per line of work (an
    engagement ledger's deliverable × role), added up per engagement × role."""
    totals: dict[tuple[str, str], Decimal] = {}
    for engagement, role, hours in remaining:
        scope = scopes.get(engagement)
        if scope is not None and scope.info.status in FIRM:
            totals[(engagement, role)] = totals.get((engagement, role), ZERO) + hours
    records = []
    for (engagement, role), hours in sorted(totals.items()):
        info = scopes[engagement].info
        workbook = scopes[engagement].workbook
        records.append(
            (engagement, role, hundredths(hours), info.start_date, info.end_date, workbook)
        )
    return _frame(records, FIRM_COLUMNS)


def drafts_frame(catalog: Catalog, scopes: Iterable[Scope]) -> pd.DataFrame:
    """:data:`PIPELINE_COLUMNS` of the Draft ``scopes``: each one's estimated hours per
    role as pricing gives them (:func:`~psos_xl.pricing.estimate_hours`), unweighted."""
    records = []
    for scope in scopes:
        info = scope.info
        if info.status is not Status.DRAFT:
            continue
        per_role: dict[str, Decimal] = {}
        for (_deliverable, role), hours in estimate_hours(catalog, scope).items():
            per_role[role] = per_role.get(role, ZERO) + hours
        rest = (info.start_date, info.end_date, scope.workbook, info.probability)
        records += [
            (info.engagement, role, hundredths(hours), *rest)
            for role, hours in sorted(per_role.items())
        ]
    return _frame(records, PIPELINE_COLUMNS)


def horizon(as_of: date, days: int) -> list[date]:
    """The Mondays of the weeks that cover ``days`` days from ``as_of``."""
    last = monday_of(as_of + timedelta(days=days - 1))
    first = monday_of(as_of)
    return [first + WEEK * i for i in range((last - first).days // 7 + 1)]


def _days(values: pd.Series, default: date) -> Any:
    """A column of dates (None: ``default``) as numpy days."""
    return np.array([default if v is None or pd.isna(v) else v for v in values], "datetime64[D]")


def spread(work: pd.DataFrame, as_of: date, weeks: list[date]) -> pd.DataFrame:
    """The hours of each ``work`` row (:data:`FIRM_COLUMNS`) per week of ``weeks``:
    a frame of :data:`SPREAD_COLUMNS`, only weeks with hours. A row with no working day
    from the later of ``as_of`` and its start to its end is overdue: all its hours in the
    first week."""
    work = work.loc[work["hours"] > 0]
    if work.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in SPREAD_COLUMNS})
    horizon_end = weeks[-1] + timedelta(days=6)
    first = np.maximum(_days(work["start"], as_of), np.datetime64(as_of, "D"))
    stop = _days(work["end"], horizon_end) + np.timedelta64(1, "D")  # the day after the end
    total = np.busday_count(first, np.maximum(first, stop))
    overdue = total == 0
    edges = np.array([*weeks, weeks[-1] + WEEK], "datetime64[D]")
    upto = np.minimum(np.maximum(edges[None, :], first[:, None]), stop[:, None])
    done = np.busday_count(first[:, None], upto)  # working days before each edge
    hours = work["hours"].to_numpy("int64")[:, None]
    days = np.where(overdue, 1, total)[:, None]
    cumulative = (2 * hours * done + days) // (2 * days)  # half-up, exact in integers
    shares = np.diff(cumulative, axis=1)
    shares[overdue, 0] = hours[overdue, 0]
    shares[overdue, 1:] = 0
    frame = pd.DataFrame(shares, columns=weeks, index=work.index)
    frame["engagement"], frame["role"] = work["engagement"], work["role"]
    frame["overdue"] = overdue
    long = frame.melt(["engagement", "role", "overdue"], var_name="week", value_name="hours")
    long = long.loc[long["hours"] != 0].sort_values(["role", "week", "engagement"])
    return long[list(SPREAD_COLUMNS)].reset_index(drop=True)


def weighted(drafts: pd.DataFrame) -> pd.DataFrame:
    """Draft rows (:data:`PIPELINE_COLUMNS`) with hours × Probability, half-up to the
    hundredth; a Draft without a Probability counts 0."""
    factor = [ZERO if p is None or pd.isna(p) else Decimal(p) for p in drafts["probability"]]
    out = drafts.copy()
    out["hours"] = [
        int((Decimal(int(h)) * f).to_integral_value(ROUND_HALF_UP))
        for h, f in zip(drafts["hours"], factor, strict=True)
    ]
    return out


def supply(
    people: Iterable[Person], time: pd.DataFrame, as_of: date, weeks: list[date]
) -> pd.DataFrame:
    """Hundredths per (role, week): each person's capacity on the week's days from
    ``as_of`` less their LEAVE there (``time`` has
    :data:`~.utilization.TIME_COLUMNS`), at least 0, added up per role."""
    end = weeks[-1] + timedelta(days=6)
    days = [as_of + timedelta(days=i) for i in range((end - as_of).days + 1)]
    records = []
    for person in people:
        totals: dict[date, Decimal] = {}
        for day in days:
            totals[monday_of(day)] = totals.get(monday_of(day), ZERO) + capacity_on(person, day)
        records += [(person.person, person.role, w, hundredths(h)) for w, h in totals.items()]
    capacity = pd.DataFrame(records, columns=["person", "role", "week", "capacity"])
    leave = time.loc[
        (time["engagement"] == LEAVE) & (time["date"] >= as_of) & (time["date"] <= end)
    ]
    booked = (
        pd.DataFrame({"person": leave["person"], "week": leave["date"].map(monday_of)})
        .assign(leave=leave["hours"].astype("int64"))
        .groupby(["person", "week"])["leave"]
        .sum()
    )
    merged = capacity.join(booked, on=["person", "week"]).fillna({"leave": 0})
    merged["supply"] = (merged["capacity"] - merged["leave"].astype("int64")).clip(lower=0)
    return merged.groupby(["role", "week"])["supply"].sum().astype("int64").to_frame()


@dataclass(frozen=True)
class Share:
    """One engagement's hours in a role × week."""

    engagement: str
    hours: Decimal
    overdue: bool = False


@dataclass(frozen=True)
class Line:
    """One role × week."""

    role: str
    week: date
    supply: Decimal
    demand: Decimal
    pipeline: Decimal
    gap: Decimal
    overdue: bool
    engagements: tuple[Share, ...] = ()  # the firm demand, by engagement
    drafts: tuple[Share, ...] = ()  # the pipeline, by Draft

    def to_json(self) -> dict[str, Any]:
        """DESIGN §13's keys, then the engagements and Drafts the hours come from."""
        return {
            "role": self.role,
            "week": self.week.isoformat(),
            "supply": str(self.supply),
            "demand": str(self.demand),
            "pipeline": str(self.pipeline),
            "gap": str(self.gap),
            "overdue": self.overdue,
            "engagements": [
                {"engagement": s.engagement, "hours": str(s.hours), "overdue": s.overdue}
                for s in self.engagements
            ],
            "drafts": [{"engagement": s.engagement, "hours": str(s.hours)} for s in self.drafts],
        }


@dataclass(frozen=True)
class Overdue:
    """A Sold or Active engagement × role with hours left past its EndDate."""

    engagement: str
    role: str
    hours: Decimal
    end: date | None
    workbook: str


@dataclass(frozen=True)
class ForecastReport:
    """Per role × week (by role, then week), the overdue work, and the Drafts that count
    nothing for want of a Probability."""

    as_of: date
    days: int
    weeks: list[date]
    lines: list[Line]
    overdue: list[Overdue]
    unweighted: list[str]


def _shares(spread_rows: pd.DataFrame) -> dict[tuple[str, date], tuple[Share, ...]]:
    out: dict[tuple[str, date], list[Share]] = {}
    for row in spread_rows.itertuples(index=False):
        share = Share(str(row.engagement), hours_of(row.hours), bool(row.overdue))
        out.setdefault((str(row.role), row.week), []).append(share)
    return {key: tuple(v) for key, v in out.items()}


def _overdue(firm: pd.DataFrame, spread_rows: pd.DataFrame) -> list[Overdue]:
    late = set(
        spread_rows.loc[spread_rows["overdue"].astype(bool), ["engagement", "role"]].itertuples(
            index=False, name=None
        )
    )
    return [
        Overdue(r.engagement, r.role, hours_of(r.hours), r.end, r.workbook or "")
        for r in firm.sort_values(["engagement", "role"]).itertuples(index=False)
        if (r.engagement, r.role) in late
    ]


def forecast(
    people: Iterable[Person],
    time: pd.DataFrame,
    firm: pd.DataFrame,
    drafts: pd.DataFrame,
    as_of: date,
    days: int,
) -> ForecastReport:
    """The forecast over ``days`` days from ``as_of``. ``time`` holds the booked time
    (:data:`~.utilization.TIME_COLUMNS`; only LEAVE on and after ``as_of`` counts),
    ``firm`` the remaining hours of Sold and Active engagements (:data:`FIRM_COLUMNS`),
    ``drafts`` the Drafts' estimated hours (:data:`PIPELINE_COLUMNS`)."""
    staff = list(people)
    weeks = horizon(as_of, days)
    have = supply(staff, time, as_of, weeks)["supply"]
    demand_rows = spread(firm, as_of, weeks)
    pipeline_rows = spread(weighted(drafts), as_of, weeks)
    demand = _shares(demand_rows)
    pipeline = _shares(pipeline_rows)
    roles = sorted({p.role for p in staff} | set(firm["role"]) | set(drafts["role"]))
    lines = []
    for role in roles:
        for week in weeks:
            work = demand.get((role, week), ())
            maybe = pipeline.get((role, week), ())
            available = hours_of(have.get((role, week), 0))
            needed = sum((s.hours for s in work), ZERO)
            lines.append(
                Line(
                    role=role,
                    week=week,
                    supply=available,
                    demand=hours_of(hundredths(needed)),
                    pipeline=hours_of(hundredths(sum((s.hours for s in maybe), ZERO))),
                    gap=hours_of(hundredths(available - needed)),
                    overdue=any(s.overdue for s in work),
                    engagements=work,
                    drafts=maybe,
                )
            )
    no_chance = drafts.loc[[p is None or pd.isna(p) for p in drafts["probability"]]]
    return ForecastReport(
        as_of=as_of,
        days=days,
        weeks=weeks,
        lines=lines,
        overdue=_overdue(firm, demand_rows),
        unweighted=sorted(set(no_chance["engagement"])),
    )
