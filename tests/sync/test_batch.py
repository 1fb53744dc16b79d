"""When a sync commits its batch of workbooks: every 64 of them, or half a second."""

from __future__ import annotations

from psos_xl.sync.batch import BATCH_FILES, BATCH_SECONDS, Batch, due


def test_the_policy_is_64_workbooks_or_half_a_second() -> None:
    assert (BATCH_FILES, BATCH_SECONDS) == (64, 0.5)
    assert not due(1, 0.0)
    assert not due(63, 0.5)
    assert due(64, 0.0)
    assert due(1, 0.51)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_batch_commits_when_full() -> None:
    batch = Batch(files=3, seconds=10.0, clock=Clock())
    batch.opened()
    assert [batch.stored() for _ in range(3)] == [False, False, True]
    batch.opened()  # the next batch counts from zero
    assert batch.stored() is False


def test_a_slow_batch_commits_when_old_even_if_small() -> None:
    clock = Clock()
    batch = Batch(files=64, seconds=0.5, clock=clock)
    batch.opened()
    clock.now += 0.2
    assert batch.stored() is False
    clock.now += 0.4  # 0.6 s since it opened
    assert batch.stored() is True
    batch.opened()
    clock.now += 0.1
    assert batch.stored() is False
