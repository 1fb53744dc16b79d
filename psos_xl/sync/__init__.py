"""The sync engine: a folder of workbooks → one canonical store (DESIGN §7, §8).

Importing this package stays light: no pandas, no openpyxl (python-calamine and
SQLAlchemy only), so ``psos sync`` and ``psos watch`` start fast.

    result = sync_workspace(root)   # scan, read, store, then write the actuals back
"""

from __future__ import annotations

from psos_xl.sync.engine import AfterStore, SyncResult, run_sync
from psos_xl.sync.lock import SyncBusyError
from psos_xl.sync.outputs import sync_workspace, write_back
from psos_xl.sync.store import Store, StoreError, open_store

__all__ = [
    "AfterStore",
    "Store",
    "StoreError",
    "SyncBusyError",
    "SyncResult",
    "open_store",
    "run_sync",
    "sync_workspace",
    "write_back",
]
