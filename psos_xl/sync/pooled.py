"""Timesheets read and checked in a pool worker, sent back as the rows to store.

Sending a timesheet's model back from a worker costs the engine more than reading the
file itself (a pydantic model is rebuilt field by field on the other side). So a worker
that is handed the run's context (:class:`Task`: the catalog and the engagements the
engine would check against, as of a ``generation``) runs the same checks the engine
would (:func:`psos_xl.loader.check`), drops the rejected rows, and sends back
only the issues, the workbook's identity and its rows as the store's SQLite driver
inserts them (:func:`~psos_xl.store.fast.prepare_timesheet`). The engine stores that as
it is, or, when it stored a catalog or a scope since the worker's context was taken (a
newer generation), reads and checks the file again itself.

Only when the store's writer takes such rows (its SQLite fast path): SQLite's
parameters are positional, and the worker can apply their conversions without a
connection.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass

from psos_xl import loader
from psos_xl import models as m
from psos_xl.errors import Issue
from psos_xl.loader import Key, identity
from psos_xl.rules import RuleContext
from psos_xl.store.fast import PreparedSheet, prepare_timesheet
from psos_xl.store.writer import without_rejected
from psos_xl.sync.scan import ReadOutcome, read_workbook

PARENT_POLL_SECONDS = 0.5


@dataclass(frozen=True)
class Task:
    """The context timesheets are checked against, as the engine held it at
    ``generation``."""

    generation: int
    context: RuleContext


@dataclass(frozen=True)
class Checked:
    """A timesheet checked in a worker: what the engine stores of it."""

    generation: int
    key: Key | None
    issues: list[Issue]
    rows: PreparedSheet


def check(outcome: ReadOutcome, task: Task) -> ReadOutcome:
    """``outcome`` checked against ``task``'s context, its model replaced by the rows
    to store; any other outcome (not a readable timesheet) as it is."""
    model = outcome.model
    if outcome.state != "ok" or not isinstance(model, m.Timesheet):
        return outcome
    issues = loader.check(model, task.context, outcome.issues)
    kept = without_rejected(model, issues)
    rows = prepare_timesheet(kept)
    outcome.checked = Checked(task.generation, identity(model), issues, rows)
    outcome.model = None
    return outcome


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
