"""psos' reports against a plain pandas script over the same store, with peak memory.

    .venv/bin/python bench/reports.py [--people 200] [--weeks 50] [--rows 40] [--repeat 1]
                                      [--keep DIR]

Builds a workspace whose store holds ``people × weeks`` timesheets of ``rows`` time rows
each (10,000 timesheets, 400,000 rows by default): the catalog and the scopes are written
as workbooks and synced (Active, Sold and Completed engagements, Drafts with a
Probability); the timesheets are written straight into the SQLite store, one workbook
record each and their rows in bulk, as sync would have stored them (no workbook files:
this measures the reports, not sync). People book 8 rows a weekday on two engagements, a
few rows INTERNAL or non-billable, and now and then a day of LEAVE, the last weeks
after the as-of day included (leave booked ahead).

Then, as of the Monday before the last weeks, each report available is timed through its
``psos_xl.app`` function, against an analyst's pandas script that does the same
groupby straight from the store (``pd.read_sql`` + ``groupby``, floats, no rules):

- utilization by week and by month over the whole year (every time row read);
- completeness (every person × week since the first);
- forecast, 90 days;
- margin and burn;
- the one screen (``psos report``) against the ledger, four weeks of utilization and
  completeness scripts;
- the dashboard workbook against those scripts' frames written to one workbook with
  ``DataFrame.to_excel``.

Each measurement runs in an interpreter of its own (imports done before the clock
starts), so none inherits another's heap: the best of ``--repeat`` runs (noise on a
shared machine only adds time), and how far the run raised the peak RSS (the process's
``VmHWM``) above the RSS before it. Prints seconds, the ratio psos ÷ pandas,
the memory growth of each side and psos' peak RSS. Not a test; about two minutes.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import closing
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from psos_xl import models as m
from psos_xl.demo.sample import init_workspace, sample_catalog
from psos_xl.store import default_url
from psos_xl.sync import sync_workspace
from psos_xl.workbook.writers import write_catalog, write_scope

FIRST_WEEK = date(2026, 1, 5)  # a Monday
AHEAD = 3  # weeks of timesheets after the as-of day (leave booked ahead)
ENGAGEMENTS = 30
DRAFTS = 5
DELIVERABLES = 6
D = Decimal


def _people(catalog: m.Catalog, count: int) -> list[m.Person]:
    roles = sorted({s.role for s in catalog.services})
    return [
        m.Person(
            person=f"P{i:03d}",
            name=f"Person {i}",
            role=roles[i % len(roles)],
            capacity_hours_per_week=D(32 if i % 7 == 0 else 40),
            utilization_target=D("0.80"),
            start_date=FIRST_WEEK,
        )
        for i in range(count)
    ]


def _scopes(catalog: m.Catalog, weeks: int, rng: random.Random) -> list[m.Scope]:
    skus = sorted({s.sku for s in catalog.services})
    statuses = (m.Status.ACTIVE, m.Status.SOLD, m.Status.COMPLETED)
    out = []
    for i in range(ENGAGEMENTS + DRAFTS):
        draft = i >= ENGAGEMENTS
        start = FIRST_WEEK + timedelta(weeks=weeks - 6) if draft else FIRST_WEEK
        info = m.ScopeInfo(
            engagement=f"{'DR' if draft else 'ENG'}-{i + 1:02d}",
            client=f"Client {i + 1}",
            title="Benchmark engagement",
            start_date=start - timedelta(days=7),
            end_date=start + timedelta(weeks=weeks + 4 + i % 5),
            billing_model=list(m.BillingModel)[i % len(m.BillingModel)],
            status=m.Status.DRAFT if draft else statuses[i % len(statuses)],
            currency=catalog.settings.currency,
            probability=D("0.4") if draft else None,
        )
        deliverables = [
            m.Deliverable(
                deliverable=f"D{j + 1}",
                sku=rng.choice(skus),
                quantity=D(rng.randint(5, 20)),
                milestone=f"M{j // 2 + 1}",
            )
            for j in range(DELIVERABLES)
        ]
        out.append(m.Scope(info=info, deliverables=deliverables))
    return out


def _time_rows(
    person: m.Person, week: date, rows: int, engagements: list[str], rng: random.Random
) -> list[tuple[Any, ...]]:
    """(date, engagement, deliverable, role, hours, billable) of one person's week."""
    leave_day = rng.randrange(5) if rng.random() < 0.08 else None
    index = int(person.person[1:])
    mine = [engagements[(index + k * 7) % len(engagements)] for k in range(2)]
    out = []
    for i in range(rows):
        day = week + timedelta(days=i % 5)
        if i % 5 == leave_day:
            out.append((day, "LEAVE", "", person.role, "1", False))
        elif i % 17 == 0:
            out.append((day, "INTERNAL", "", person.role, "1", False))
        else:
            hours = ("1", "0.5", "1.5", "1")[i % 4]
            deliverable = f"D{rng.randrange(DELIVERABLES) + 1}"
            out.append((day, mine[i % 2], deliverable, person.role, hours, i % 11 != 0))
    return out


def build(root: Path, people: int, weeks: int, rows: int, seed: int = 11) -> tuple[Path, date]:
    """The workspace at ``root`` and its as-of day (AHEAD weeks before the last)."""
    rng = random.Random(seed)
    init_workspace(root, name="Report benchmark")
    base = sample_catalog()
    catalog = base.model_copy(update={"people": _people(base, people)})
    write_catalog(root / "catalog.xlsx", catalog)
    scopes = _scopes(catalog, weeks, rng)
    for s in scopes:
        write_scope(root / "scopes" / f"{s.info.engagement}.xlsx", s, catalog)
    sync_workspace(root)
    booked = [s.info.engagement for s in scopes if s.info.status is not m.Status.DRAFT]
    url = default_url(root)
    # closed at the end, so the write-ahead log is checkpointed into the store's file
    with closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as conn, conn:
        next_id = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM workbooks").fetchone()[0]
        books, facts = [], []
        for w in range(weeks):
            week = FIRST_WEEK + timedelta(weeks=w)
            for person in catalog.people:
                path = f"timesheets/{person.person}/{person.person}-{week.isoformat()}.xlsx"
                sha = hashlib.sha256(path.encode()).hexdigest()
                who = (person.person, week.isoformat())
                ident = f"timesheet:{person.person}:{week}"
                books.append((next_id, path, "timesheet", ident, *who, 0, 0, sha, "ok", 0))
                for n, (day, eng, dlv, role, hours, billable) in enumerate(
                    _time_rows(person, week, rows, booked, rng)
                ):
                    lineage = (next_id, path, "Time", n + 4, sha)
                    facts.append(
                        (day.isoformat(), eng, dlv, role, hours, billable, None, *who, *lineage)
                    )
                next_id += 1
        conn.executemany(
            "INSERT INTO workbooks (id, path, kind, ident, person, week, size, mtime_ns, "
            "sha256, status, dirty) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            books,
        )
        conn.executemany(
            "INSERT INTO time_entries (date, engagement, deliverable, role, hours, billable, "
            "note, person, week, workbook_id, path, sheet, row_num, sha256) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            facts,
        )
    return root, FIRST_WEEK + timedelta(weeks=weeks - AHEAD)


# --- the analyst's scripts: read_sql + groupby, floats --------------------------------------


def _read(db: Path, sql: str, params: tuple[Any, ...] = ()) -> pd.DataFrame:
    with closing(sqlite3.connect(db)) as conn:
        return pd.read_sql(sql, conn, params=params)


def pandas_utilization(db: Path, first: date, last: date, freq: str) -> pd.DataFrame:
    sql = (
        "SELECT person, date, engagement, billable, hours FROM time_entries "
        "WHERE date BETWEEN ? AND ?"
    )
    t = _read(db, sql, (first.isoformat(), last.isoformat()))
    t["hours"] = t["hours"].astype(float)
    t["period"] = pd.to_datetime(t["date"]).dt.to_period(freq).dt.start_time
    client = ~t["engagement"].isin(["LEAVE", "INTERNAL"])
    t["kind"] = "non_billable"
    t.loc[t["engagement"] == "LEAVE", "kind"] = "leave"
    t.loc[client & (t["billable"] == 1), "kind"] = "billable"
    out = t.groupby(["person", "period", "kind"])["hours"].sum().unstack(fill_value=0)
    people = _read(db, "SELECT person, capacity_hours_per_week FROM people")
    out = out.join(people.set_index("person"), on="person")
    capacity = out["capacity_hours_per_week"].astype(float)
    out["utilization"] = out["billable"] / (capacity - out["leave"]).clip(lower=0)
    return out


def pandas_completeness(db: Path, last: date) -> pd.DataFrame:
    t = _read(db, "SELECT person, week, hours FROM time_entries WHERE week <= ?", (str(last),))
    t["hours"] = t["hours"].astype(float)
    weeks = t.groupby(["person", "week"])["hours"].sum().reset_index()
    people = _read(db, "SELECT person, capacity_hours_per_week FROM people")
    weeks = weeks.merge(people, on="person")
    return weeks[weeks["hours"] < weeks["capacity_hours_per_week"].astype(float)]


def pandas_forecast(db: Path, as_of: date) -> pd.DataFrame:
    leave = _read(
        db,
        "SELECT person, week, hours FROM time_entries WHERE engagement = 'LEAVE' AND date >= ?",
        (as_of.isoformat(),),
    )
    leave["hours"] = leave["hours"].astype(float)
    booked = _read(
        db,
        "SELECT engagement, role, hours FROM time_entries WHERE date <= ?",
        (as_of.isoformat(),),
    )
    booked["hours"] = booked["hours"].astype(float)
    burnt = booked.groupby(["engagement", "role"])["hours"].sum()
    return pd.concat([leave.groupby(["person", "week"])["hours"].sum(), burnt])


def pandas_ledger(db: Path, as_of: date) -> pd.DataFrame:
    t = _read(
        db,
        "SELECT engagement, deliverable, role, date, hours FROM time_entries WHERE date <= ?",
        (as_of.isoformat(),),
    )
    t["hours"] = t["hours"].astype(float)
    roles = _read(db, "SELECT role, cost_rate FROM roles")
    rate = roles.groupby("role")["cost_rate"].first().astype(float)
    t["cost"] = t["hours"] * t["role"].map(rate)
    return t.groupby(["engagement", "deliverable", "role"])[["hours", "cost"]].sum()


# --- the run -------------------------------------------------------------------------------


def reports(
    root: Path, as_of: date
) -> dict[str, tuple[Callable[[], object], Callable[[], object]]]:
    """Per report this psos_xl has: psos' app call and the analyst's script."""
    from psos_xl.app.completeness import workspace_completeness
    from psos_xl.app.forecast import workspace_forecast
    from psos_xl.app.utilization import workspace_utilization
    from psos_xl.economics.completeness import last_complete_week
    from psos_xl.economics.utilization import Period

    db = Path(default_url(root).removeprefix("sqlite:///"))
    last = last_complete_week(as_of) + timedelta(days=6)
    out: dict[str, tuple[Callable[[], object], Callable[[], object]]] = {
        "utilization by week": (
            lambda: workspace_utilization(root, as_of, FIRST_WEEK, last, Period.WEEK),
            lambda: pandas_utilization(db, FIRST_WEEK, last, "W"),
        ),
        "utilization by month": (
            lambda: workspace_utilization(root, as_of, FIRST_WEEK, last, Period.MONTH),
            lambda: pandas_utilization(db, FIRST_WEEK, last, "M"),
        ),
        "completeness": (
            lambda: workspace_completeness(root, as_of),
            lambda: pandas_completeness(db, last),
        ),
        "forecast 90 days": (
            lambda: workspace_forecast(root, as_of, 90),
            lambda: pandas_forecast(db, as_of),
        ),
    }
    from psos_xl.app.dashboard import write_dashboard
    from psos_xl.app.margin import workspace_burn, workspace_margin
    from psos_xl.app.summary import workspace_summary

    out["margin"] = (lambda: workspace_margin(root, as_of), lambda: pandas_ledger(db, as_of))
    out["burn"] = (lambda: workspace_burn(root, as_of), lambda: pandas_ledger(db, as_of))
    four = last - timedelta(days=27)  # the one screen's window: the last four weeks
    out["one screen"] = (
        lambda: workspace_summary(root, as_of),
        lambda: (
            pandas_ledger(db, as_of),
            pandas_utilization(db, four, last, "W"),
            pandas_completeness(db, last),
        ),
    )
    out["dashboard"] = (
        lambda: write_dashboard(root, root / "dashboard.xlsx", as_of),
        lambda: _analyst_dashboard(db, root / "analyst.xlsx", four, last, as_of),
    )
    return out


def _analyst_dashboard(db: Path, path: Path, first: date, last: date, as_of: date) -> None:
    """The analyst's dashboard: each script's frame to a sheet of one workbook."""
    frames = {
        "Utilization": pandas_utilization(db, first, last, "W"),
        "Ledger": pandas_ledger(db, as_of),
        "Forecast": pandas_forecast(db, as_of).to_frame("hours"),
        "Completeness": pandas_completeness(db, last),
    }
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in frames.items():
            frame.to_excel(writer, sheet_name=name)


def _memory_mib(field: str) -> float:
    """``VmRSS`` (resident now) or ``VmHWM`` (its peak) of this process, in MiB (Linux).
    Not ``getrusage``'s ru_maxrss: Linux carries that over from the parent across fork
    and exec, so a child of a large parent would report the parent's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def measure(root: Path, as_of: date, name: str, side: int, repeat: int) -> dict[str, float]:
    """One report, one side (0 psos, 1 pandas), in this fresh interpreter: the best of
    ``repeat`` runs, and how far the first run raised the peak RSS above the RSS before
    it (imports done)."""
    import importlib

    for module in _WARM:
        with contextlib.suppress(ModuleNotFoundError):  # margin, in a psos_xl without it
            importlib.import_module(module)
    run = reports(root, as_of)[name][side]
    before = _memory_mib("VmRSS")
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    peak = _memory_mib("VmHWM")
    return {"seconds": min(times), "growth": max(0.0, peak - before), "peak": peak}


# imported before a measurement, so no run pays for them
_WARM = (
    "numpy",
    "pandas",
    "sqlalchemy",
    "psos_xl.app.accuracy",
    "psos_xl.app.completeness",
    "psos_xl.app.forecast",
    "psos_xl.app.ledger",
    "psos_xl.app.margin",
    "psos_xl.app.summary",
    "psos_xl.app.dashboard",
    "psos_xl.workbook.dashboard",
    "openpyxl",
    "psos_xl.app.utilization",
    "psos_xl.economics.forecast",
    "psos_xl.economics.utilization",
    "psos_xl.store.queries",
    "psos_xl.sync.completeness",
    "psos_xl.workspace",
)


def _child(root: Path, as_of: date, name: str, side: int, repeat: int) -> dict[str, float]:
    args = [str(root), as_of.isoformat(), name, str(side), str(repeat)]
    done = subprocess.run(
        [sys.executable, __file__, "--measure", *args], capture_output=True, text=True, check=True
    )
    result: dict[str, float] = json.loads(done.stdout.splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--weeks", type=int, default=50)
    parser.add_argument("--rows", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="Build the workspace here and keep it.")
    parser.add_argument("--measure", nargs=5, help=argparse.SUPPRESS)  # one measurement
    args = parser.parse_args()
    if args.measure:
        root, day, name, side, repeat = args.measure
        got = measure(Path(root), date.fromisoformat(day), name, int(side), int(repeat))
        print(json.dumps(got))
        return
    tmp = Path(tempfile.mkdtemp(prefix="psos-bench-reports-"))
    root = args.keep or tmp / "firm"
    try:
        if root.exists():
            shutil.rmtree(root)
        started = time.perf_counter()
        root, as_of = build(root, args.people, args.weeks, args.rows)
        count = args.people * args.weeks
        print(
            f"store: {count:,} timesheets, {count * args.rows:,} time rows, built in "
            f"{time.perf_counter() - started:.1f} s; as of {as_of.isoformat()}"
        )
        print(
            f"{'report':<22} {'psos s':>7} {'pandas s':>9} {'ratio':>6} "
            f"{'psos +MiB':>10} {'pandas +MiB':>12} {'psos peak MiB':>14}"
        )
        for name in reports(root, as_of):
            ours = _child(root, as_of, name, 0, args.repeat)
            theirs = _child(root, as_of, name, 1, args.repeat)
            print(
                f"{name:<22} {ours['seconds']:>7.2f} {theirs['seconds']:>9.2f} "
                f"{ours['seconds'] / theirs['seconds']:>6.1f} {ours['growth']:>10.0f} "
                f"{theirs['growth']:>12.0f} {ours['peak']:>14.0f}"
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
