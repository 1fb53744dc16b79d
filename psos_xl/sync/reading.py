"""Reading the workbooks a sync needs, streamed: in this process, or shared with a pool.

With ``workers > 1`` and many files, a pool of ``workers - 1`` processes reads chunks
from the front of the list while this process, whenever the next chunk is not back yet,
reads single files from the back itself, so neither waits on the other (the pool's
start-up included). The pool is started once per run and holds only a few small chunks
in flight: the engine stores each workbook before it takes the next one, so memory does
not grow with the number of files. Store writes stay in the engine's process.

Handed a task factory, the pool checks the timesheets it reads against the context the
factory returns at each chunk's submission (:mod:`psos_xl.sync.pooled`).
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from types import TracebackType
from typing import Any

from psos_xl.sync.scan import FileStat, ReadOutcome, read_workbook

ReadFn = Callable[[str, str], ReadOutcome]
TaskFn = Callable[[], Any]
POOL_MIN_FILES = 16  # below this a pool's start-up costs more than it saves
CHUNK_MAX = 32  # files per pool task: small, so little is read ahead of the engine
AHEAD = 2  # chunks in flight per worker


class Reader:
    """Reads workbooks for one run: ``with Reader(workers) as reader: ...``."""

    def __init__(self, workers: int, read: ReadFn = read_workbook) -> None:
        """``workers``: the processes that read, this one included."""
        self.workers = workers - 1  # the pool's
        self.read = read
        self._pool: ProcessPoolExecutor | None = None
        self._no_pool = self.workers < 1

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

    def pooled(self, files: Sequence[FileStat]) -> bool:
        """Whether reading ``files`` would use the pool."""
        return not self._no_pool and len(files) >= POOL_MIN_FILES

    def stream(
        self, files: Sequence[FileStat], task: TaskFn | None = None
    ) -> Iterator[ReadOutcome]:
        """One outcome per file: in the order of ``files`` when read here alone; with the
        pool, the pool's chunks in order, interleaved with this process's reads from
        the back."""
        queue = deque(files)
        if self.pooled(files):
            try:
                yield from self._shared(queue, task)
            except (BrokenProcessPool, OSError, RuntimeError):
                self._no_pool = True  # no pool here (a frozen app, a bare script)
        while queue:
            f = queue.popleft()
            yield self.read(str(f.path), f.rel)

    def fork(self) -> None:
        """Start the pool now by forking this process, where that is safe: on POSIX, with
        no other thread running (a forked child gets only the calling thread, and any
        lock another thread held stays held there). The workers then start at once, with
        everything imported. Called before the sync takes its lock and opens the store,
        so the workers hold neither (a worker outliving a killed sync must not keep the
        workspace locked). Elsewhere the pool is spawned when first needed."""
        if self._no_pool or self._pool is not None or threading.active_count() > 1:
            return
        if "fork" not in multiprocessing.get_all_start_methods() or sys.platform == "darwin":
            return  # macOS: forking after system frameworks are loaded is unsafe
        self._pool = self._executor(multiprocessing.get_context("fork"))

    def _start(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # spawned: a fresh interpreter, inheriting nothing of this one (the lock, the
            # store's connections), so it cannot outlive a killed sync holding the lock
            self._pool = self._executor(multiprocessing.get_context("spawn"))
        return self._pool

    def _executor(self, context: Any) -> ProcessPoolExecutor:
        from psos_xl.sync.pooled import adopt, warm

        pool = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=context,
            initializer=adopt,
            initargs=(os.getpid(),),
        )
        for _ in range(self.workers):
            pool.submit(warm)  # start every worker now, not one per chunk
        return pool

    def _shared(self, queue: deque[FileStat], task: TaskFn | None) -> Iterator[ReadOutcome]:
        from psos_xl.sync.pooled import read_checked

        pool = self._start()
        size = max(1, min(CHUNK_MAX, len(queue) // (self.workers * 4)))
        pending: deque[tuple[list[FileStat], Future[list[ReadOutcome]]]] = deque()

        def submit() -> None:
            if queue:
                chunk = [queue.popleft() for _ in range(min(size, len(queue)))]
                paths, rels = [str(f.path) for f in chunk], [f.rel for f in chunk]
                job = task() if task is not None else None
                pending.append((chunk, pool.submit(read_checked, paths, rels, job)))

        for _ in range(self.workers * AHEAD):
            submit()
        while pending:
            chunk, future = pending[0]
            if queue and not future.done():
                f = queue.pop()  # the pool is busy: read one from the other end here
                yield self.read(str(f.path), f.rel)
                continue
            pending.popleft()
            try:
                outcomes = future.result()
            except BaseException:
                # whatever the pool had not sent back is read here, if the run goes on
                queue.extend(chunk)
                for left, other in pending:
                    other.cancel()
                    queue.extend(left)
                raise
            submit()
            yield from outcomes
