"""Timesheets read and checked in a pool worker, sent back as the rows to store.

Sending a timesheet's model back from a worker costs the engine more than reading the
file itself (a pydantic model is rebuilt field by field on the other side). So a worker
that is handed the run's context (:class:`Task`: the catalog and the engagements the
engine would check against, as of a ``generation``) runs the same checks the engine
would (:func:`psos_xl.loader.check`), drops the rejected rows, and sends back
only the issues, the workbook's identity and each table's rows as the driver takes them
(:meth:`~psos_xl.store.fast.RowPlan.heads`). The engine stores that as it is, or, when it
stored a catalog or a scope since the worker's context was taken (a newer generation),
reads and checks the file again itself.

Only for a SQLite store, whose parameters are positional and whose conversions the
worker can apply without a connection.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.dialects import sqlite

from psos_xl import loader
from psos_xl import models as m
from psos_xl import store as st
from psos_xl.errors import Issue
from psos_xl.loader import Key, count, identity
from psos_xl.rules import RuleContext
from psos_xl.store import fast as sql
from psos_xl.sync.scan import ReadOutcome, read_workbook

# what every row of a timesheet shares, beyond its own values: the person and week, and
# the lineage the engine adds (the workbook's id, path and hash)
SHARED = ("person", "week", "workbook_id", "path", "sha256")
TABLES: tuple[tuple[Any, type[m.Row], str], ...] = (
    (st.time_entries, m.TimeEntry, "entries"),
    (st.expenses, m.Expense, "expenses"),
)
_DIALECT = sqlite.dialect()
PARENT_POLL_SECONDS = 0.5


@dataclass(frozen=True)
class Task:
    """The context timesheets are checked against, as the engine held it at
    ``generation``."""

    generation: int
    context: RuleContext


@dataclass
class Checked:
    """A timesheet checked in a worker: what the engine stores of it."""

    generation: int
    key: Key | None
    issues: list[Issue]
    person: str
    week: Any
    heads: dict[str, list[list[Any]]] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(len(h) for h in self.heads.values())


def check(outcome: ReadOutcome, task: Task) -> ReadOutcome:
    """``outcome`` checked against ``task``'s context, its model replaced by the rows
    to store; any other outcome (not a readable timesheet) as it is."""
    model = outcome.model
    if outcome.state != "ok" or not isinstance(model, m.Timesheet):
        return outcome
    issues = loader.check(model, task.context, outcome.issues)
    kept = count(model, issues)
    checked = Checked(task.generation, identity(model), issues, model.person, model.week)
    for table, kind, name in TABLES:
        plan = sql.plan_of(table, kind, SHARED, _DIALECT)
        assert plan is not None  # SQLite's parameters are positional
        checked.heads[table.name] = plan.heads(getattr(kept, name))
    outcome.model = None
    outcome.checked = checked
    return outcome


def store_heads(
    inserter: sql.Inserter, conn: Any, checked: Checked, lineage: dict[str, Any]
) -> int:
    """Insert a checked timesheet's rows; the number inserted."""
    shared = {"person": checked.person, "week": checked.week, **lineage}
    return sum(
        inserter.heads(conn, table, kind, checked.heads.get(table.name, []), shared)
        for table, kind, _name in TABLES
    )


def read_checked(paths: list[str], rels: list[str], task: Task | None) -> list[ReadOutcome]:
    """Several workbooks read (and timesheets checked, given a task): a pool's unit of
    work."""
    outcomes = [read_workbook(p, r) for p, r in zip(paths, rels, strict=True)]
    return outcomes if task is None else [check(o, task) for o in outcomes]


def warm() -> None:
    """Nothing: a worker's first task, so it starts (and imports all this) at once."""


def adopt(parent: int) -> None:
    """A worker's start: end it when the sync that started it (``parent``) is gone. A
    killed sync cannot stop its pool, and a worker waits on its task queue for ever
    otherwise (every worker holds that queue's write end, so it never sees end-of-file).
    Where the operating system does not re-parent orphans (Windows), it cannot tell."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_SECONDS)
        os._exit(0)

    threading.Thread(target=watch, name="psos-worker-parent", daemon=True).start()
