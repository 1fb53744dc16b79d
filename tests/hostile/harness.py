"""One hostile case: a file dropped into a synced workspace, then validate and sync.

The workspace (a catalog, the Active scope ACME-01, a bystander timesheet and a victim
timesheet) is synced once. A case then adds a file, or replaces the victim, and runs
``psos validate`` and ``psos sync`` through the real entry point, each in a process of
its own (so a crash is a crash, and its time and peak memory are its own), and reads
what the store holds. :class:`Outcome` is what the case tests assert on, and what the
corpus table prints.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sync.test_engine import make_workspace, timesheet

from psos_xl import store as st
from psos_xl.store import open_store

WEEK = date(2026, 2, 2)
BYSTANDER = "timesheets/bystander.xlsx"
VICTIM = "timesheets/victim.xlsx"
LIMIT_SECONDS = 60.0  # per command, generous for a loaded 2-core machine
LIMIT_MIB = 1024.0

# a workbook that cannot be read (or is refused before it is parsed) is read again on
# every sync until it can be
READ_AGAIN = {
    "FILE_UNREADABLE",
    "FILE_TOO_LARGE",
    "FILE_SUSPICIOUS",
    "FILE_NOT_REGULAR",
    "LINK_OUTSIDE_WORKSPACE",
    "LINK_BROKEN",
}
OUTCOMES: list[Outcome] = []  # every case run in this session, for the table


def rows(person: str, n: int) -> list[list[Any]]:
    return [
        [WEEK + timedelta(days=i % 5), "ACME-01", "D1", "SA", 1 + i % 4, "Y", f"{person} {i}"]
        for i in range(n)
    ]


_TEMPLATE: list[Path] = []  # the synced workspace, made once per test run


def synced_workspace(root: Path) -> Path:
    """The workspace every case starts from, synced: 5 bystander rows, 11 victim rows.
    Built and synced once, then copied (stats kept, so the copy's store is current)."""
    if not _TEMPLATE:
        first = Path(tempfile.mkdtemp(prefix="psos-hostile-")) / "ws"
        make_workspace(first)
        timesheet(first / BYSTANDER, rows("BOB", 5), person="BOB")
        timesheet(first / VICTIM, rows("ALM", 11), person="ALM")
        done = command(first, "sync")
        assert done.code == 0, done.output
        _TEMPLATE.append(first)
    shutil.copytree(_TEMPLATE[0], root)
    return root


@dataclass
class Run:
    code: int  # the exit code; a negative number is the signal that ended it
    output: str
    seconds: float
    peak_mib: float

    @property
    def data(self) -> dict[str, Any]:
        """The JSON the command printed (empty when it printed none)."""
        start = self.output.find("{")
        try:
            return dict(json.loads(self.output[start:])) if start >= 0 else {}
        except ValueError:
            return {}


# Linux counts the pages a child shares with its parent when it starts as the child's own
# peak, so each command is started by this small launcher, not by the test process, and
# the launcher reports the command's exit status, output and peak memory
LAUNCHER = """
import json, os, subprocess, sys
proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
out = proc.stdout.read()
_, status, usage = os.wait4(proc.pid, 0)
text = out.decode("utf-8", "replace")
print(json.dumps([os.waitstatus_to_exitcode(status), text, usage.ru_maxrss]))
"""


def command(root: Path, *args: str) -> Run:
    """``psos ARGS ROOT --json`` in a process of its own: exit code, output, time, peak
    RSS. A command still running after twice the limit is ended, with its group."""
    argv = [sys.executable, "-c", LAUNCHER, sys.executable, "-m", "psos_xl", *args]
    argv += [str(root), "--json"]
    started = time.monotonic()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=LIMIT_SECONDS * 2)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return Run(-9, "(timed out)", LIMIT_SECONDS * 2, 0.0)
    seconds = time.monotonic() - started
    code, output, peak_kib = json.loads(out)
    return Run(code, output, seconds, peak_kib / 1024)


def stored(root: Path) -> dict[str, int]:
    """Time rows per workbook path, and the rows stored twice at the same lineage."""
    store = open_store(st.default_url(root))
    try:
        with store.connect() as conn:
            t = st.time_entries
            query = select(t.c.path, func.count()).group_by(t.c.path)
            per = {path: int(n) for path, n in conn.execute(query)}
            twice = conn.execute(
                select(func.count()).select_from(
                    select(t.c.path, t.c.sheet, t.c.row_num)
                    .group_by(t.c.path, t.c.sheet, t.c.row_num)
                    .having(func.count() > 1)
                    .subquery()
                )
            ).scalar()
    finally:
        store.close()
    per["(counted twice)"] = int(twice or 0)
    return per


@dataclass
class Outcome:
    case: str
    validate: Run
    sync: Run
    stored: dict[str, int]
    codes: list[tuple[str, str]] = field(default_factory=list)  # (code, location)

    def issues_at(self, rel: str) -> list[str]:
        return [code for code, where in self.codes if where.split("!")[0] == rel]

    @property
    def peak_mib(self) -> float:
        return max(self.validate.peak_mib, self.sync.peak_mib)

    @property
    def seconds(self) -> float:
        return max(self.validate.seconds, self.sync.seconds)


def run_case(case: str, root: Path, drop: Callable[[Path], str]) -> Outcome:
    """Sync ``root`` once, let ``drop`` add or replace a file (it returns its path
    relative to the root), then validate and sync, twice for sync (the second must
    change nothing)."""
    synced_workspace(root)
    drop(root)
    checked = command(root, "validate")
    synced = command(root, "sync")
    again = command(root, "sync")
    outcome = Outcome(case, checked, synced, stored(root))
    for issue in synced.data.get("issues", []):
        outcome.codes.append((issue["code"], issue["location"]))
    outcome.stored["(second sync read)"] = int(again.data.get("read", -1))
    OUTCOMES.append(outcome)
    return outcome


def assert_held(outcome: Outcome, rel: str, code: str | None, replaced_victim: bool) -> None:
    """What every hostile case must hold: no crash, a located issue with a stable code
    (when ``code`` is given), the victim's last good rows (when it was replaced), the
    bystander synced, nothing counted twice, a second sync with nothing to do, and time
    and memory in bounds."""
    for name, run in (("validate", outcome.validate), ("sync", outcome.sync)):
        assert run.code in (0, 1), f"{name} crashed ({run.code}): {run.output[-2000:]}"
        assert "Traceback" not in run.output, f"{name}: {run.output[-2000:]}"
        assert run.seconds < LIMIT_SECONDS, f"{name} took {run.seconds:.1f} s"
    assert outcome.peak_mib < LIMIT_MIB, f"peak {outcome.peak_mib:.0f} MiB"
    if code is not None:
        assert code in outcome.issues_at(rel), f"{code} not at {rel}: {outcome.codes}"
    assert outcome.stored.get(BYSTANDER) == 5, outcome.stored
    if replaced_victim:
        assert outcome.stored.get(VICTIM) == 11, f"last good rows lost: {outcome.stored}"
    assert outcome.stored["(counted twice)"] == 0
    assert outcome.stored["(second sync read)"] == 0 or code in READ_AGAIN


def table() -> str:
    """The corpus table: case → outcome."""
    head = f"{'case':38} {'validate':>8} {'sync':>5} {'time s':>7} {'peak MiB':>8}  issues"
    lines = [head, "-" * len(head)]
    for o in OUTCOMES:
        codes = ", ".join(sorted({c for c, _ in o.codes if c != "WRITE_BACK_NO_TABLE"})) or "-"
        lines.append(
            f"{o.case:38} {o.validate.code:>8} {o.sync.code:>5} {o.seconds:>7.1f} "
            f"{o.peak_mib:>8.0f}  {codes}"
        )
    return "\n".join(lines)
