"""``psos doctor``: what in a workspace needs doing, each with how to do it.

    checkup = doctor(Path("firm"))
    checkup.findings       # [Finding(code, severity, location, message, fix, details)]
    checkup.exit_code      # 0 all is well, 1 something needs doing

The checks are plain functions ``check(ctx) -> list[Finding]`` in an explicit list
(:data:`CHECKS`), run in order over one :class:`Context`: the workspace, its store
(opened without migrating, never written) and what they share. A check that crashes
becomes a CHECK_FAILED finding naming it; the others still run. Nothing here changes a
file or the store (the sync lock is only tried, without waiting, and let go at once):
doctor says what to do, the user (or the next sync) does it. The checks of the folder
are in :mod:`psos_xl.app.doctor_files`, those of the store in
:mod:`psos_xl.app.doctor_store`; what they share (:class:`Finding`, :class:`Context`) in
:mod:`psos_xl.app.doctor_findings`.

A finding's ``location`` is a file relative to the workspace (``timesheets/a.xlsx``,
``psos.toml``), or the store (``.psos/store.sqlite``, or its URL without the password).
Its severity says who has work: ``error``, psos itself cannot work properly (the store
is damaged or too new, the settings or the catalog unusable); ``warning``, a file or a
workbook needs someone's attention; ``info``, nothing to do. Errors and warnings make
the exit code 1. The codes (:class:`FindingCode`) are stable and listed in the README.

Raises a PsosError (exit 2) only when it cannot run: the folder is not a workspace, or
the store cannot be reached (a PostgreSQL server that does not answer, a store file that
cannot be opened). A store file that opens but is damaged is a finding.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from psos_xl.app.doctor_files import (
    check_catalog,
    check_leftover_files,
    check_limits,
    check_settings,
)
from psos_xl.app.doctor_findings import (
    ERROR,
    Check,
    Context,
    Finding,
    FindingCode,
    Inspect,
    finding,
)
from psos_xl.app.doctor_store import (
    check_conflicts,
    check_schema_version,
    check_store_integrity,
    check_sync_runs,
    check_workbooks,
)
from psos_xl.errors import Issue, WorkspaceError
from psos_xl.settings import WORKSPACE_FILE, WORKSPACE_SETTINGS
from psos_xl.store.base import default_url, sqlite_file
from psos_xl.workbook import guard
from psos_xl.workspace import Workspace, not_a_workspace

__all__ = ["CHECKS", "Check", "Checkup", "Context", "Finding", "FindingCode", "Inspect", "doctor"]


@dataclass
class Checkup:
    """What ``psos doctor`` found in the workspace at ``workspace``."""

    workspace: Path
    store: str  # the store as findings name it
    findings: list[Finding] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 when nothing needs doing (no findings, or notes only), else 1."""
        return 1 if any(f.needs_doing for f in self.findings) else 0

    def to_json(self) -> dict[str, Any]:
        return {
            "workspace": str(self.workspace),
            "store": self.store,
            "findings": [f.to_dict() for f in self.findings],
        }


CHECKS: tuple[Check, ...] = (
    check_settings,
    check_catalog,
    check_store_integrity,
    check_schema_version,
    check_sync_runs,
    check_leftover_files,
    check_workbooks,
    check_conflicts,
    check_limits,
)


def run_checks(ctx: Context, checks: Sequence[Check] = CHECKS) -> list[Finding]:
    """Every check's findings in order; a check that crashes is a CHECK_FAILED finding."""
    found: list[Finding] = []
    for check in checks:
        try:
            found += check(ctx)
        except Exception as err:  # a check's own bug must not hide what the others find
            name = getattr(check, "__name__", repr(check))
            found.append(
                finding(
                    FindingCode.CHECK_FAILED,
                    ERROR,
                    "psos doctor",
                    f"The check {name} could not finish ({reason(err)}); the other checks ran.",
                    "Run psos doctor again; if this stays, send this message to whoever "
                    "supports psos.",
                )
            )
    return found


def reason(err: Exception) -> str:
    """An exception in one line: the database's own words for a database error."""
    cause = getattr(err, "orig", None) or err
    lines = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {lines[0] if lines else ''}".rstrip(": ")


# --- opening the workspace and the store ------------------------------------------------


def _workspace(directory: Path) -> tuple[Workspace, str]:
    """The workspace ``directory`` is in, and why its psos.toml cannot be used (it is then
    checked with the default settings)."""
    if not directory.is_dir():
        raise WorkspaceError(f"{directory}: no such folder")
    try:
        ws = Workspace.find(directory)
    except WorkspaceError as err:
        start = directory.resolve()
        found = (p for p in (start, *start.parents) if (p / WORKSPACE_FILE).is_file())
        root = next(found, start)
        defaults = {s.key: s.default for s in WORKSPACE_SETTINGS}
        return Workspace(root, defaults), str(err).removeprefix(f"{root / WORKSPACE_FILE}: ")
    if ws is None:
        raise not_a_workspace(directory)
    return ws, ""


def _open(ctx: Context) -> None:
    """Open the store of ``ctx`` (never migrated, never created) and read its version;
    StoreError when it cannot be reached."""
    from sqlalchemy.exc import DBAPIError, OperationalError

    from psos_xl.store.db import StoreError, open_store, shown

    path = sqlite_file(ctx.url)
    if path is not None and not path.is_file():
        return  # no store yet (connecting would create an empty one)
    store = open_store(ctx.url, migrate=False)
    try:
        ctx.version = store.version()
    except OperationalError as err:  # a server that does not answer, a file it cannot open
        store.close()
        raise StoreError(f"cannot reach the store {shown(ctx.url)!r}: {err.orig}") from err
    except DBAPIError as err:  # the file opens but is not a database any more
        ctx.store_error = str(err.orig).strip() or type(err.orig).__name__
    ctx.store = store


def over_limits(path: Path, ws: Workspace) -> list[Issue]:
    """What the reading guard refuses the workbook file at ``path`` for, within the
    workspace's limits: over a limit, or an entry that is not a file to read (a file that
    is merely unreadable is the store's WORKBOOK_UNREADABLE)."""
    found = guard.inspect(path, ws.limits, ws.display(path), within=ws.root)
    return [issue for issue in found if issue.code in guard.REFUSALS]


def doctor(
    directory: Path,
    store_url: str | None = None,
    *,
    inspect: Inspect | None = None,
    checks: Sequence[Check] = CHECKS,
    now: float | None = None,
) -> Checkup:
    """Check the workspace ``directory`` is in, and its store (``store_url``, else
    psos.toml's ``store``, else ``.psos/store.sqlite``). ``inspect``: the reading guard's
    judgement of a file (files over the limits are not looked for without it)."""
    ws, config_error = _workspace(directory)
    url = store_url or ws.config.get("store") or default_url(ws.root)
    ctx = Context(ws, url, config_error=config_error, inspect=inspect or over_limits)
    if now is not None:
        ctx.now = now
    _open(ctx)
    try:
        findings = run_checks(ctx, checks)
    finally:
        if ctx.store is not None:
            ctx.store.close()
    return Checkup(ws.root, ctx.store_name, findings)
