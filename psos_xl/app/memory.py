"""``psos new scope --like ENG`` / ``--closest``: a new scope started from delivered work.

    made = new_scope_from_memory(Path("firm"), "BRV-02", closest=True, skus="MIGR:3,DISC")
    made.matches        # the ranking, best first (with --closest)
    made.scope.prices   # the new scope priced on the catalog's and on calibrated hours

The work is :mod:`psos_xl.app.accuracy`'s (:func:`~psos_xl.app.accuracy.closest`,
:func:`~psos_xl.app.accuracy.scope_like`); this is the command's one call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from psos_xl.app.accuracy import MemoryScope, MemoryScopeError, closest, scope_like
from psos_xl.app.init import find_workspace
from psos_xl.learning.memory import Match


@dataclass(frozen=True)
class FromMemory:
    """The ranking asked for (``--closest``), and the scope written (None when
    ``--closest`` was given no engagement code: the ranking alone was asked)."""

    scope: MemoryScope | None
    matches: list[Match] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "matches": [m.to_json() for m in self.matches],
            "scope": None if self.scope is None else self.scope.to_json(),
        }


def new_scope_from_memory(
    folder: Path,
    engagement: str,
    like: str = "",
    nearest: bool = False,
    skus: str = "",
    client: str = "",
    title: str = "",
    start: date | None = None,
    end: date | None = None,
    out: Path | None = None,
    overwrite: bool = False,
) -> FromMemory:
    """A Draft scope ``engagement`` copied from the Completed engagement ``like``, or with
    ``nearest`` from the one closest to ``skus`` and ``client`` (without ``engagement``:
    only the ranking). Written into the workspace of ``folder``, priced both ways."""
    from psos_xl.app.new import workspace_catalog

    ws = find_workspace(folder)
    matches: list[Match] = []
    if nearest:
        matches = closest(ws, workspace_catalog(ws), skus, client)
        if not matches:
            raise MemoryScopeError(f"{ws.root} has no Completed engagement to start from")
        if not engagement.strip():
            return FromMemory(None, matches)
        like = matches[0].engagement
    elif not engagement.strip():
        raise MemoryScopeError("--like needs --engagement for the new scope's code")
    made = scope_like(
        ws, like, engagement, start, end, client or None, title or None, out, overwrite, matches
    )
    return FromMemory(made, matches)
