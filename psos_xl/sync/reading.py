"""Reading the workbooks a sync needs, streamed, in the order asked.

In this process, or in a process pool when ``workers > 1`` and there are many files.
The pool is started once per run, on first need, and reads a few small chunks ahead of
the engine: the engine stores each workbook before it takes the next one, so at most
those chunks are held in memory, however many files the folder holds. Store writes stay
in the engine's process.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from types import TracebackType

from psos_xl.sync.scan import FileStat, ReadOutcome, read_many, read_workbook

ReadFn = Callable[[str, str], ReadOutcome]
POOL_MIN_FILES = 16  # below this a pool's start-up costs more than it saves
CHUNK_MAX = 32  # files per pool task: small, so little is read ahead of the engine
AHEAD = 2  # chunks in flight per worker


class Reader:
    """Reads workbooks for one run: ``with Reader(workers) as reader: ...``."""

    def __init__(self, workers: int, read: ReadFn = read_workbook) -> None:
        self.workers = workers
        self.read = read
        self._pool: ProcessPoolExecutor | None = None
        self._no_pool = workers <= 1

    def __enter__(self) -> Reader:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        err: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def stream(self, files: Sequence[FileStat]) -> Iterator[ReadOutcome]:
        """One outcome per file, in the order of ``files``."""
        done = 0
        if not self._no_pool and len(files) >= POOL_MIN_FILES:
            try:
                for outcome in self._pooled(files):
                    done += 1
                    yield outcome
            except (BrokenProcessPool, OSError, RuntimeError):
                self._no_pool = True  # no pool here (a frozen app, a bare script)
        for f in files[done:]:
            yield self.read(str(f.path), f.rel)

    def _pooled(self, files: Sequence[FileStat]) -> Iterator[ReadOutcome]:
        if self._pool is None:
            # spawn, not fork: a forked worker would inherit the lock and the store's
            # connections, and outlive a killed sync still holding the lock
            spawn = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=spawn)
        pool = self._pool
        size = max(1, min(CHUNK_MAX, len(files) // (self.workers * 4)))
        chunks = iter([files[i : i + size] for i in range(0, len(files), size)])
        pending: deque[Future[list[ReadOutcome]]] = deque()

        def submit() -> None:
            chunk = next(chunks, None)
            if chunk is not None:
                paths, rels = [str(f.path) for f in chunk], [f.rel for f in chunk]
                pending.append(pool.submit(read_many, paths, rels))

        for _ in range(self.workers * AHEAD):
            submit()
        while pending:
            outcomes = pending.popleft().result()
            submit()
            yield from outcomes
