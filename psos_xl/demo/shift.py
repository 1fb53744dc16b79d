"""The demo firm moved in time, so its last week of time is the week just past.

:func:`~psos_xl.demo.firm.demo_firm` always gives the same firm, whose time runs from
:data:`~psos_xl.demo.staffing.FIRST_WEEK` for :data:`~psos_xl.demo.staffing.WEEKS`
weeks. Reports are as of today by default, so ``psos demo`` moves every date of that
firm by whole weeks (:func:`weeks_until`): weekdays, the order of events and every
figure that does not depend on the calendar stay as they were; a month-based figure (a
Retainer's months) follows the new calendar.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from psos_xl.demo.firm import DemoFirm, PlantTarget
from psos_xl.demo.staffing import FIRST_WEEK, WEEKS
from psos_xl.economics.completeness import last_complete_week

LAST_WEEK = FIRST_WEEK + timedelta(weeks=WEEKS - 1)


def weeks_until(today: date) -> int:
    """How many weeks to move the demo so its last week is the last complete week before
    ``today`` (never backwards: before that week, the firm as built)."""
    return max(0, (last_complete_week(today) - LAST_WEEK).days // 7)


def _moved(model: Any, delta: timedelta) -> Any:
    """``model`` with each date field moved by ``delta``, its nested models and lists of
    models too."""
    if not isinstance(model, BaseModel):
        return model
    update: dict[str, Any] = {}
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, date):
            update[name] = value + delta
        elif isinstance(value, BaseModel):
            update[name] = _moved(value, delta)
        elif isinstance(value, list) and value and isinstance(value[0], BaseModel):
            update[name] = [_moved(v, delta) for v in value]
    return model.model_copy(update=update) if update else model


def _renamed(path: Path, week: date | None, delta: timedelta) -> Path:
    """A timesheet's path with its week's date in the file name moved too."""
    if week is None:
        return path
    return path.with_name(path.name.replace(week.isoformat(), (week + delta).isoformat()))


def shifted(firm: DemoFirm, weeks: int) -> DemoFirm:
    """``firm`` with every date ``weeks`` weeks later: rates' EffectiveFrom, people's
    StartDate and EndDate, scopes' dates and CompletedOn, each timesheet's week, rows and
    expenses, and the timesheets' file names."""
    if weeks == 0:
        return firm
    delta = timedelta(weeks=weeks)
    paths = {rel: _renamed(rel, ts.week, delta) for rel, ts in firm.timesheets.items()}
    plant = firm.plant
    if plant is not None:
        plant = PlantTarget(paths.get(plant.path, plant.path), plant.index, plant.text)
    return replace(
        firm,
        catalog=_moved(firm.catalog, delta),
        scopes={rel: _moved(s, delta) for rel, s in firm.scopes.items()},
        timesheets={paths[rel]: _moved(ts, delta) for rel, ts in firm.timesheets.items()},
        plant=plant,
    )
