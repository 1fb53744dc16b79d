"""``psos doctor``'s checks of the store: the database sound, its schema version, the
last sync runs, and the workbooks as the last sync left them (unreadable, unusable, rows
rejected, conflicted copies). Read through :mod:`psos_xl.store.queries`; nothing is
written."""

from __future__ import annotations

from datetime import datetime

from psos_xl.app.doctor_findings import (
    ERROR,
    INFO,
    SHOWN,
    WARNING,
    Context,
    Finding,
    FindingCode,
    finding,
    plural,
)
from psos_xl.errors import Location, Severity
from psos_xl.store.base import SCHEMA_VERSION, sqlite_file

REBUILD = (
    "it rebuilds the store from the workbooks (a workbook that cannot be read today comes "
    "back once it is fixed)"
)


def _rebuild_fix(ctx: Context) -> str:
    path = sqlite_file(ctx.url)
    if path is not None:
        name = ctx.store_name
        return (
            f"Stop psos sync and psos watch everywhere. Move {name} out of its folder, with "
            f"{name}-wal and {name}-shm if they are there (keep them in case support asks), "
            f"then run psos sync: {REBUILD}."
        )
    return (
        "Ask whoever runs the database to check it and restore it from a backup; or point "
        "`store` in psos.toml at a new, empty database and run psos sync: " + REBUILD + "."
    )


def check_store_integrity(ctx: Context) -> list[Finding]:
    """The store's database is sound: SQLite's integrity and foreign-key checks, or on
    PostgreSQL every table readable, no invalid index, no checksum failure."""
    from psos_xl.store import queries as q

    problems = ctx.damage()
    orphans: list[str] = []
    if ctx.readable:
        with ctx.connect() as conn:
            orphans = q.orphan_rows(conn)
    found = []
    if problems:
        found.append(
            finding(
                FindingCode.STORE_CORRUPT,
                ERROR,
                ctx.store_name,
                f"The store is damaged: {problems[0]}. Reports and sync may fail or be "
                "wrong until it is rebuilt; the workbooks themselves are not affected.",
                _rebuild_fix(ctx),
                problems[:SHOWN],
            )
        )
    if orphans:
        found.append(
            finding(
                FindingCode.STORE_ORPHAN_ROWS,
                ERROR,
                ctx.store_name,
                "The store holds rows of workbooks it has no record of: "
                + ", ".join(orphans)
                + ". They may be counted twice or never retired.",
                _rebuild_fix(ctx),
                orphans,
            )
        )
    return found


def check_schema_version(ctx: Context) -> list[Finding]:
    """The store's schema against this psos_xl's: none yet, older, or newer."""
    if ctx.store_error:
        return []
    if ctx.store is None or ctx.version == 0:
        return [
            finding(
                FindingCode.STORE_MISSING,
                INFO,
                ctx.store_name,
                "There is no store yet: psos sync has not run in this workspace.",
                "Run psos sync to create it.",
            )
        ]
    if ctx.version < SCHEMA_VERSION:
        return [
            finding(
                FindingCode.STORE_SCHEMA_OLDER,
                INFO,
                ctx.store_name,
                f"The store was made by an older psos_xl (schema {ctx.version}; this one "
                f"uses {SCHEMA_VERSION}).",
                "Nothing to do: the next psos sync brings it up to date.",
            )
        ]
    if ctx.version > SCHEMA_VERSION:
        return [
            finding(
                FindingCode.STORE_SCHEMA_NEWER,
                ERROR,
                ctx.store_name,
                f"The store was made by a newer psos_xl (schema {ctx.version}; this one "
                f"knows up to {SCHEMA_VERSION}): sync and reports refuse to use it from "
                "this machine.",
                "Upgrade psos_xl on this machine to the version the others use "
                "(pip install --upgrade psos_xl), then run psos sync.",
            )
        ]
    return []


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "an unknown time"


def check_sync_runs(ctx: Context) -> list[Finding]:
    """The last sync runs: one recorded as running while no sync holds the lock (it was
    killed), or the last one that ended having failed."""
    from psos_xl.store import queries as q

    if not ctx.readable:
        return []
    with ctx.connect() as conn:
        running = q.running_runs(conn)
        last = q.last_finished_run(conn)
    found = []
    live = bool(running) and ctx.sync_running()
    for n, run in enumerate(running):
        where = f"started {_when(run.started_at)} on {run.host or 'an unknown machine'}"
        if live and n == 0:  # the newest one holds the lock
            found.append(
                finding(
                    FindingCode.SYNC_RUNNING,
                    INFO,
                    ctx.store_name,
                    f"A sync is running now (run {run.id}, {where}, process {run.pid}); "
                    "what it is changing may show below.",
                    "Nothing to do; run psos doctor again once it is done.",
                )
            )
            continue
        found.append(
            finding(
                FindingCode.SYNC_INTERRUPTED,
                WARNING,
                ctx.store_name,
                f"Sync run {run.id} ({where}, process {run.pid}) never finished, and no sync "
                "holds the workspace now: it was stopped (killed, or its machine went down).",
                "Run psos sync: it finishes the work the stopped one left, and nothing is "
                "counted twice.",
            )
        )
    if last is not None and last.status == "failed":
        found.append(
            finding(
                FindingCode.SYNC_FAILED,
                WARNING,
                ctx.store_name,
                f"The last sync failed (run {last.id}, started "
                f"{_when(last.started_at)} on {last.host or 'an unknown machine'}).",
                "Run psos sync again and read its message; if it fails the same way, send "
                "that message to whoever supports psos.",
            )
        )
    return found


# --- the workbooks, as the last sync left them -----------------------------------------


def check_workbooks(ctx: Context) -> list[Finding]:
    """Workbooks the last sync could not read, could not use, or read with rows it had to
    reject (not counted until fixed)."""
    from psos_xl.store import queries as q

    if not ctx.readable:
        return []
    with ctx.connect() as conn:
        states = q.workbook_states(conn, ("ok", "invalid", "unreadable"))
        rejects: dict[str, list[q.Reject]] = {}
        for r in q.standing_rejects(conn):
            rejects.setdefault(r.path, []).append(r)
    for issues in rejects.values():
        issues.sort(key=lambda r: Location.parse(r.location).sort_key)
    found: list[Finding] = []
    for state in states:
        issues = rejects.get(state.path, [])
        listed = [f"{r.location}: {r.code} {r.message}" for r in issues[:SHOWN]]
        if state.status == "unreadable" and ctx.over_limits(ctx.ws.root / state.path):
            continue  # FILE_OVER_LIMITS says why, with the limit
        if state.status == "unreadable":
            found.append(
                finding(
                    FindingCode.WORKBOOK_UNREADABLE,
                    WARNING,
                    state.path,
                    "psos could not read this workbook at the last sync (damaged, or saved "
                    "half-way); the rows it had from it before, if any, are still counted.",
                    "Open it in Excel: if it opens, save it again; if not, restore it from a "
                    "backup or ask its owner for a new copy. Then run psos sync.",
                )
            )
        elif state.status == "invalid":
            first = f": {issues[0].message}" if issues else ""
            found.append(
                finding(
                    FindingCode.WORKBOOK_INVALID,
                    WARNING,
                    state.path,
                    f"This workbook opens but cannot be used as a whole{first}; the rows psos "
                    "had from it before, if any, are still counted.",
                    "Fix what is listed (a missing table or column, or its _psos sheet), "
                    f"save it and run psos sync; psos validate {state.path} shows every "
                    "problem.",
                    listed,
                )
            )
        else:
            errors = [r for r in issues if r.severity == Severity.ERROR.value]
            if not errors:
                continue
            rows = {
                (loc.sheet, loc.row) for loc in map(Location.parse, (r.location for r in errors))
            }
            counts = [plural(len(errors), "problem")] if len(errors) != len(rows) else []
            if len(errors) > SHOWN:
                counts.append(f"the first {SHOWN} listed")
            more = f" ({', '.join(counts)})" if counts else ""
            found.append(
                finding(
                    FindingCode.WORKBOOK_REJECTS,
                    WARNING,
                    state.path,
                    f"{plural(len(rows), 'row')} of this workbook "
                    f"{'is' if len(rows) == 1 else 'are'} left out of the store, not counted "
                    f"until fixed{more}.",
                    "Open the workbook, correct each cell listed, save it and run psos sync; "
                    f"psos validate {state.path} lists every problem.",
                    [f"{r.location}: {r.code} {r.message}" for r in errors[:SHOWN]],
                )
            )
    return found


def check_conflicts(ctx: Context) -> list[Finding]:
    """Conflicted copies: two workbooks for one person's week (or one catalog, one
    engagement); only the first is counted."""
    from psos_xl.store import queries as q

    if not ctx.readable:
        return []
    with ctx.connect() as conn:
        copies = q.standing_conflicts(conn)
    found = []
    for c in copies:
        what = f"{c.person}'s week of {c.week.isoformat()}" if c.person and c.week else c.ident
        found.append(
            finding(
                FindingCode.WORKBOOK_CONFLICT,
                WARNING,
                c.conflicting_path,
                f"A second workbook for {what}: {c.kept_path} is counted, this copy is not.",
                f"Keep one: copy any rows only this copy has into {c.kept_path}, delete this "
                "copy, and run psos sync.",
                [f"counted: {c.kept_path}", f"not counted: {c.conflicting_path}"],
            )
        )
    return found
