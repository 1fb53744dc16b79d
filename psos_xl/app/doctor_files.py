"""``psos doctor``'s checks of the folder: psos.toml and the catalog usable, files psos or
a spreadsheet program left behind, and files over the reading limits."""

from __future__ import annotations

import os
from pathlib import Path

from psos_xl.app.doctor_findings import (
    ERROR,
    SHOWN,
    STALE_LOCK_SECONDS,
    WARNING,
    Context,
    Finding,
    FindingCode,
    finding,
    printable,
)
from psos_xl.settings import WORKSPACE_FILE
from psos_xl.workspace import is_workbook_name, workbooks_below

# --- the workspace ---------------------------------------------------------------------


def check_settings(ctx: Context) -> list[Finding]:
    """psos.toml can be read and names only known settings."""
    if not ctx.config_error:
        return []
    return [
        finding(
            FindingCode.WORKSPACE_CONFIG_INVALID,
            ERROR,
            WORKSPACE_FILE,
            f"psos.toml cannot be used: {ctx.config_error}. Every psos command refuses to "
            "run until it is fixed (doctor used the default settings to check the rest).",
            "Open psos.toml in a text editor and correct it: each setting and its default "
            "are listed in the README (Settings); a line starting with # is a comment.",
        )
    ]


def check_catalog(ctx: Context) -> list[Finding]:
    """The catalog workbook is there and can be read as a catalog."""
    from psos_xl import models as m
    from psos_xl.loader import load

    path = ctx.ws.catalog_path
    where = ctx.display(path)
    if not path.is_file():
        return [
            finding(
                FindingCode.CATALOG_MISSING,
                ERROR,
                where,
                f"There is no catalog workbook: {where} is not there and no workbook in the "
                "workspace folder is marked as a catalog. Scopes cannot be priced and "
                "timesheets are checked against the catalog sync stored last.",
                f"Put the firm's catalog back at {where}, or set `catalog` in psos.toml to "
                "where it is; `psos new catalog` makes a fresh one to fill in.",
            )
        ]
    model, issues = load(path, where, m.Kind.CATALOG)
    if model is not None:
        return []  # its rows' own problems are rejects, reported with the workbooks
    shown = [str(i) for i in issues if i.is_error] or [str(i) for i in issues]
    return [
        finding(
            FindingCode.CATALOG_UNREADABLE,
            ERROR,
            where,
            "The catalog cannot be read as a catalog"
            + (f": {issues[0].message}" if issues else "")
            + ". Until it can, sync checks scopes and timesheets against the catalog it "
            "stored last.",
            "Open it in Excel: if it opens, correct what is listed and save it as an Excel "
            "workbook (.xlsx); if it does not, restore it from a backup. Then run psos sync.",
            shown[:SHOWN],
        )
    ]


# --- files psos or a spreadsheet program left ------------------------------------------


def _entries(root: Path) -> list[Path]:
    """Every file below ``root``, hidden folders (the .psos state among them) left out,
    as the one walk of a workspace does (:func:`psos_xl.workspace.workbooks_below`)."""
    out: list[Path] = []
    for parent, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        out += [Path(parent) / name for name in sorted(files)]
    return out


def _lock_of(name: str) -> tuple[str, str] | None:
    """(the program, the workbook's name as the lock spells it) for a lock file."""
    if name.startswith(".~lock.") and name.endswith("#"):
        target = name[len(".~lock.") : -1]
        return ("LibreOffice", target) if is_workbook_name(target) else None
    if name.startswith("~$"):
        return ("Excel", name[2:]) if is_workbook_name(name[2:]) else None
    return None


def _workbooks_in(folder: Path) -> list[Path]:
    try:
        return sorted(p for p in folder.iterdir() if is_workbook_name(p.name))
    except OSError:
        return []


def check_leftover_files(ctx: Context) -> list[Finding]:
    """psos' own temp files a stopped write-back left, and Excel's or LibreOffice's lock
    files whose workbook is gone or that are older than a day."""
    from psos_xl.sync.writeback import TEMP_PREFIX, TEMP_SUFFIX, lock_files

    found: list[Finding] = []
    files = _entries(ctx.ws.root)
    locks = [(p, lock) for p in files if (lock := _lock_of(p.name)) is not None]
    temps = [p for p in files if p.name.startswith(TEMP_PREFIX) and p.name.endswith(TEMP_SUFFIX)]
    if temps and not ctx.sync_running():  # a running sync's write-back may be using one
        found += [
            finding(
                FindingCode.TEMP_FILE_LEFT,
                WARNING,
                ctx.display(p),
                "A temporary file psos writes while it updates a workbook was left behind "
                "by a sync that was stopped; the workbook itself is intact.",
                "Delete this file: no sync is running, so nothing uses it.",
            )
            for p in temps
        ]
    owners = {
        lock: workbook
        for folder in {p.parent for p, _lock in locks}
        for workbook in _workbooks_in(folder)
        for lock in lock_files(workbook)
    }
    for path, (program, spelt) in locks:
        owner = owners.get(path)
        if owner is None:
            found.append(
                finding(
                    FindingCode.LOCK_FILE_ORPHANED,
                    WARNING,
                    ctx.display(path),
                    f"{program}'s lock file for a workbook named like {printable(spelt)}, "
                    "which is no longer in this folder.",
                    "Delete this file: it belongs to no workbook.",
                )
            )
            continue
        target = printable(owner.name)
        try:
            age = ctx.now - path.stat().st_mtime
        except OSError:
            continue  # gone since the walk: the workbook was closed
        if age >= STALE_LOCK_SECONDS:
            days = int(age // STALE_LOCK_SECONDS)
            found.append(
                finding(
                    FindingCode.LOCK_FILE_STALE,
                    WARNING,
                    ctx.display(path),
                    f"{program} has marked {target} as open for {days} day(s). That may be "
                    f"a crashed {program} session: while this file is there, sync does not "
                    f"write into {target} (the tables psos keeps up to date in it stay as "
                    "they are).",
                    f"If nobody has {target} open (ask colleagues who use it), delete this "
                    "file; the next psos sync writes into the workbook.",
                )
            )
    return found


def check_limits(ctx: Context) -> list[Finding]:
    """Files sync will not read, as the reading guard judges them before any parser runs:
    over a size, zip or sheet limit, or not a regular file (sync keeps the rows it had
    from such a workbook and reports it)."""
    found = []
    for path in workbooks_below(ctx.ws.root):
        issues = ctx.over_limits(path)
        if not issues:
            continue
        found.append(
            finding(
                FindingCode.FILE_OVER_LIMITS,
                WARNING,
                ctx.display(path),
                f"This file {issues[0].message} ({issues[0].code}). Sync does not read it; "
                "the rows it had from it before, if any, stay counted.",
                "If it is a genuine workbook, save it again from Excel as a plain workbook "
                "in this folder (not a link), or raise the limit in psos.toml if it is just "
                "large (README, Settings). If you do not know where it came from, remove it "
                "from the folder.",
                [str(i) for i in issues],
            )
        )
    return found
