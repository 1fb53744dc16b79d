"""When a sync commits: a batch of whole workbooks, every 64 of them or half a second.

Each workbook is stored in its own savepoint, inside a batch transaction: a commit costs
more than storing a timesheet, so committing per workbook would spend most of a cold
sync on commits. A batch only ever groups whole workbooks, so a crash loses the batch's
workbooks whole and the next sync reads them again (their stat was never recorded); and
it is committed at least every :data:`BATCH_SECONDS`, so another reader of the store (a
report, the write-back) is never far behind.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

BATCH_FILES = 64  # workbooks per commit, at most
BATCH_SECONDS = 0.5  # and at most this long between commits


def due(
    stored: int, elapsed: float, files: int = BATCH_FILES, seconds: float = BATCH_SECONDS
) -> bool:
    """Whether a batch holding ``stored`` workbooks, opened ``elapsed`` seconds ago, is
    to be committed now."""
    return stored >= files or elapsed > seconds


@dataclass
class Batch:
    """The open batch's count and age: :meth:`opened` when it begins, :meth:`stored`
    after each workbook (True: commit now)."""

    files: int = BATCH_FILES
    seconds: float = BATCH_SECONDS
    clock: Callable[[], float] = time.monotonic
    started: float = 0.0
    count: int = 0

    def opened(self) -> None:
        self.started = self.clock()
        self.count = 0

    def stored(self) -> bool:
        self.count += 1
        return due(self.count, self.clock() - self.started, self.files, self.seconds)
