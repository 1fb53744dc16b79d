"""The demo firm as models: catalog, scopes and timesheets, with their relative paths.

Nothing here touches the disk; :func:`psos_xl.demo.build_demo` writes what
:func:`demo_firm` returns. The same seed always gives the same firm, whatever today is.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from psos_xl.demo.engagements import FIRM_NAME, demo_engagements
from psos_xl.demo.sample import sample_catalog
from psos_xl.demo.staffing import (
    AS_OF,
    Context,
    allocate,
    build_timesheets,
    demands,
    new_ledger,
    plan_leave,
    staff,
)
from psos_xl.models import Catalog, Scope, Status, TimeEntry, Timesheet
from psos_xl.pricing import estimate_hours

SCOPES_DIR = Path("scopes")


@dataclass(frozen=True)
class PlantTarget:
    """The one time row :func:`build_demo` breaks on purpose: which file, which row of
    the model, and the text typed instead of the number."""

    path: Path
    index: int
    text: str


@dataclass
class DemoFirm:
    name: str
    catalog: Catalog
    scopes: dict[Path, Scope]  # relative path → scope
    timesheets: dict[Path, Timesheet]  # relative path → one person's week
    plant: PlantTarget | None = None

    def entries(self) -> list[tuple[Timesheet, TimeEntry]]:
        return [(ts, e) for ts in self.timesheets.values() for e in ts.entries]


def demo_firm(seed: int = 7) -> DemoFirm:
    """Build the demo firm's content; deterministic for a given ``seed``."""
    rng = random.Random(seed)
    catalog = sample_catalog()
    engagements = demo_engagements()
    scopes = [e.scope for e in engagements]
    estimates = {s.info.engagement: estimate_hours(catalog, s) for s in scopes}
    people = staff(catalog)
    ledger = new_ledger(people, plan_leave(people, rng))
    by_role: dict[str, list[str]] = {}
    for person in people:
        by_role.setdefault(person.role, []).append(person.person)
    for demand in demands(engagements, estimates, rng):
        allocate(ledger, demand, by_role.get(demand.role, []), rng)
    ctx = Context(
        skus={(s.info.engagement, d.deliverable): d.sku for s in scopes for d in s.deliverables},
        clients={s.info.engagement: s.info.client for s in scopes},
        order={s.info.engagement: i for i, s in enumerate(scopes)},
    )
    timesheets = build_timesheets(people, ledger, ctx, rng)
    active = [s.info.engagement for s in scopes if s.info.status is Status.ACTIVE]
    return DemoFirm(
        name=FIRM_NAME,
        catalog=catalog,
        scopes={SCOPES_DIR / f"{s.info.engagement}.xlsx": s for s in scopes},
        timesheets=timesheets,
        plant=_pick_plant(timesheets, active, rng),
    )


def _pick_plant(
    timesheets: dict[Path, Timesheet], active: list[str], rng: random.Random
) -> PlantTarget | None:
    """A row of an Active engagement in one of the last weeks whose hours have a
    fraction: typed with a decimal comma ('7,5'), it is text, not a number."""
    recent = AS_OF.toordinal() - 21
    candidates = [
        (path, i, e.hours)
        for path, ts in timesheets.items()
        for i, e in enumerate(ts.entries)
        if e.engagement in active and e.date.toordinal() > recent and e.hours % 1
    ]
    if not candidates:
        return None
    path, index, hours = rng.choice(candidates)
    return PlantTarget(path, index, format(hours.normalize(), "f").replace(".", ","))


def running(scope: Scope, monday: date, sunday: date) -> bool:
    """Whether ``scope`` was being delivered in the week."""
    info = scope.info
    return (
        info.status in (Status.ACTIVE, Status.COMPLETED, Status.SOLD)
        and info.start_date is not None
        and info.end_date is not None
        and info.start_date <= sunday
        and info.end_date >= monday
    )


def total_hours(timesheets: list[Timesheet]) -> Decimal:
    return sum((e.hours for ts in timesheets for e in ts.entries), Decimal(0))
