"""The sync engine: a folder of workbooks → one canonical store (DESIGN §7, §8).

Importing this package stays light: no pandas, no openpyxl (python-calamine and
SQLAlchemy only, and those only when a name below is first used), so ``psos sync`` and
``psos watch`` start fast, and a sync with nothing to do (:mod:`psos_xl.sync.quick`)
needs neither.

    result = sync_workspace(root)   # scan, read, store, then write the actuals back
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from psos_xl.sync.engine import AfterStore as AfterStore
    from psos_xl.sync.engine import run_sync as run_sync
    from psos_xl.sync.lock import SyncBusyError as SyncBusyError
    from psos_xl.sync.outputs import sync_workspace as sync_workspace
    from psos_xl.sync.outputs import write_back as write_back
    from psos_xl.sync.result import SyncResult as SyncResult

_WHERE = {
    "AfterStore": "engine",
    "SyncResult": "result",
    "run_sync": "engine",
    "SyncBusyError": "lock",
    "sync_workspace": "outputs",
    "write_back": "outputs",
}

__all__ = [
    "AfterStore",
    "SyncBusyError",
    "SyncResult",
    "run_sync",
    "sync_workspace",
    "write_back",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
