"""Crash safety and one writer, on a corpus of 30 timesheets and real subprocesses.

A sync killed with SIGKILL at random points is followed by a sync that must converge to
exactly what a clean sync of the same files stores: same rows (with lineage), same
rejects, nothing counted twice. Two syncs started at once never write together.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from psos_xl import store as st
from psos_xl.store import open_store
from psos_xl.sync import run_sync
from sync.test_engine import make_workspace, timesheet

PERSONS = ("ALM", "BOB", "CAT", "DAN", "EVE", "FAY")
WEEKS = tuple(date(2026, 2, 2) + timedelta(weeks=w) for w in range(5))
CHANGED = 15  # how many timesheets version B rewrites
CHILD = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from psos_xl.errors import PsosError
    from psos_xl.sync import run_sync
    root, workers = Path(sys.argv[1]), int(sys.argv[2])
    timeout, slow, hold = float(sys.argv[3]), float(sys.argv[4]), sys.argv[5] == "hold"
    def tick(done, total, path):
        if done == 1:
            print("reading", flush=True)
            if hold:  # inside the run, lock held: wait until the test lets go
                sys.stdin.readline()
        time.sleep(slow)
    print("go", flush=True)
    try:
        result = run_sync(root, workers=workers, progress=tick, lock_timeout=timeout)
    except PsosError as err:
        print(json.dumps({"error": type(err).__name__, "message": str(err)}), flush=True)
        sys.exit(err.exit_code)
    print(json.dumps(result.to_json()), flush=True)
    """
)


def rows_for(person: str, week: date, seed: int) -> list[list[Any]]:
    rng = random.Random(seed)
    rows: list[list[Any]] = []
    for day in range(5):
        eng, dlv = rng.choice([("ACME-01", "D1"), ("ACME-01", "D2"), ("BETA-01", "B1")])
        rows.append(
            [week + timedelta(days=day), eng, dlv, "SA", rng.choice([4, 6.5, 7.25]), "Y", ""]
        )
    if seed % 7 == 0:
        rows.append([week, "NOPE-01", "X", "SA", 1, "Y", "a reject"])
    return rows


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Version A (a workspace with 30 timesheets) and version B of a few of them."""
    base = tmp_path_factory.mktemp("corpus")
    root = make_workspace(base / "a")
    alt = base / "b"
    n = 0
    for person in PERSONS:
        for week in WEEKS:
            name = f"timesheets/{person.lower()}/{week.isoformat()}.xlsx"
            timesheet(root / name, rows_for(person, week, n), person=person, week=week)
            if n < CHANGED:
                timesheet(alt / name, rows_for(person, week, 1000 + n), person=person, week=week)
            n += 1
    return {"a": root, "b": alt}


def state(root: Path) -> dict[str, Any]:
    """What a sync stores, minus ids and times: rows with lineage, rejects, statuses."""
    store = open_store(st.default_url(root))
    try:
        with store.connect() as conn:
            t, r, w = st.time_entries, st.rejects, st.workbooks
            entries = sorted(
                (e.path, e.sheet, e.row_num, e.date, e.engagement, e.deliverable, e.hours, e.sha256)
                for e in conn.execute(select(t))
            )
            rejects = sorted((x.location, x.code, x.message) for x in conn.execute(select(r)))
            books = sorted((b.path, b.status, b.sha256, b.dirty) for b in conn.execute(select(w)))
    finally:
        store.close()
    return {"entries": entries, "rejects": rejects, "workbooks": books}


def clean_state(src: Path, dest: Path) -> dict[str, Any]:
    shutil.copytree(src, dest)
    run_sync(dest)
    return state(dest)


def use_version(root: Path, corpus: dict[str, Path], version: str) -> None:
    source = corpus["b"] if version == "b" else corpus["a"]
    for path in sorted((corpus["b"] / "timesheets").rglob("*.xlsx")):
        rel = path.relative_to(corpus["b"])
        shutil.copyfile(source / rel, root / rel)


def child(
    root: Path, workers: int = 1, timeout: float = 30, slow: float = 0, hold: bool = False
) -> subprocess.Popen[str]:
    """A sync in a process of its own; with ``hold`` it stops at its first read, holding
    the lock, until a line is written to its stdin."""
    args = [sys.executable, "-c", CHILD, str(root), str(workers), str(timeout), str(slow)]
    args.append("hold" if hold else "")
    return subprocess.Popen(
        args,
        stdin=subprocess.PIPE if hold else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def runs(root: Path) -> list[Any]:
    store = open_store(st.default_url(root))
    try:
        with store.connect() as conn:
            return list(conn.execute(select(st.sync_runs).order_by(st.sync_runs.c.id)))
    finally:
        store.close()


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL exists on POSIX only")
def test_killed_syncs_converge_to_a_clean_sync(corpus: dict[str, Path], tmp_path: Path) -> None:
    expected = {
        "a": clean_state(corpus["a"], tmp_path / "clean-a"),
        "b": clean_state(corpus["a"], tmp_path / "clean-b"),
    }
    use_version(tmp_path / "clean-b", corpus, "b")
    run_sync(tmp_path / "clean-b")
    expected["b"] = state(tmp_path / "clean-b")
    assert expected["a"]["entries"] != expected["b"]["entries"]

    root = tmp_path / "work"
    shutil.copytree(corpus["a"], root)
    started = time.monotonic()
    run_sync(root)
    cold = time.monotonic() - started
    use_version(root, corpus, "b")
    started = time.monotonic()
    run_sync(root)
    warm = time.monotonic() - started
    seed = int(os.environ.get("PSOS_CRASH_SEED", random.randrange(1 << 30)))
    rng = random.Random(seed)
    killed = mid_run = 0
    # each read made a little slower, so that a run lasts long enough to be killed in
    # the middle (and commits more than one batch) however fast the machine
    slow = 0.02
    for trial in range(12):
        version = "ab"[trial % 2]
        if trial % 4 == 0:
            shutil.rmtree(root / ".psos")  # a cold sync, killed half-way
        use_version(root, corpus, version)
        proc = child(root, workers=1 + trial % 3 // 2, slow=slow)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "go"
        reads = 33 if trial % 4 == 0 else CHANGED
        took = (cold if trial % 4 == 0 else warm) + reads * slow
        time.sleep(rng.uniform(0, 1.2 * took))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            killed += 1
        proc.wait(30)
        if proc.stdout:
            proc.stdout.close()
        if proc.stderr:
            proc.stderr.close()
        if (root / ".psos" / st.STORE_FILE).exists():
            mid_run += any(r.status == "running" for r in runs(root))
        run_sync(root)
        assert state(root) == expected[version], f"trial {trial}, seed {seed}"
        assert run_sync(root).read == 0, f"trial {trial}, seed {seed}"
    print(f"seed {seed}: {killed} killed, {mid_run} in the middle of a run")
    assert mid_run >= 3, f"only {mid_run} of {killed} kills landed mid-run (seed {seed})"
    assert "running" not in [r.status for r in runs(root)]


def test_two_syncs_at_once_never_write_together(corpus: dict[str, Path], tmp_path: Path) -> None:
    expected = clean_state(corpus["a"], tmp_path / "clean")
    root = tmp_path / "work"
    shutil.copytree(corpus["a"], root)

    first = child(root, hold=True)  # stops at its first read, holding the lock
    assert first.stdout is not None and first.stdout.readline().strip() == "go"
    assert first.stdout.readline().strip() == "reading"
    impatient = child(root, timeout=0.2)
    out_impatient, _ = impatient.communicate(timeout=60)  # gave up while first holds it
    patient = child(root, timeout=30)
    assert patient.stdout is not None and patient.stdout.readline().strip() == "go"
    out_first, _ = first.communicate("\n", timeout=60)  # let go
    out_patient, _ = patient.communicate(timeout=60)

    assert impatient.returncode == 2
    assert json.loads(out_impatient.splitlines()[-1])["error"] == "SyncBusyError"
    assert "another sync is running" in out_impatient
    assert first.returncode == 0 and patient.returncode == 0
    assert json.loads(out_first.splitlines()[-1])["read"] == 33
    assert json.loads(out_patient.splitlines()[-1])["read"] == 0  # it waited, then had nothing

    done = runs(root)
    assert [r.status for r in done] == ["issues", "issues"]
    assert done[0].finished_at <= done[1].started_at  # one writer at a time
    assert state(root) == expected


def test_a_process_pool_reads_the_same(corpus: dict[str, Path], tmp_path: Path) -> None:
    one = clean_state(corpus["a"], tmp_path / "one")
    root = tmp_path / "two"
    shutil.copytree(corpus["a"], root)
    result = run_sync(root, workers=2)
    assert result.read == 33
    assert state(root) == one


def _marked(mark: str) -> list[int]:
    """The live processes whose environment carries ``mark`` (Linux: /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            state = (entry / "stat").read_text().split()[2]
        except OSError:
            continue
        if f"PSOS_TEST_MARK={mark}".encode() in environ.split(b"\0") and state != "Z":
            found.append(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs Linux's /proc")
@pytest.mark.parametrize("when", [0.05, 0.4])
def test_a_killed_sync_leaves_no_worker_behind(
    corpus: dict[str, Path], tmp_path: Path, when: float
) -> None:
    """Killed while its pool starts, or while it reads: its workers end too."""
    root = Path(shutil.copytree(corpus["a"], tmp_path / "work"))
    mark = f"{os.getpid()}-{when}"
    args = [sys.executable, "-c", CHILD, str(root), "2", "30", "0.05", ""]
    env = {**os.environ, "PSOS_TEST_MARK": mark}
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert proc.stdout is not None and proc.stdout.readline().strip() == b"go"
    time.sleep(when)
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    proc.stdout.close()
    if proc.stderr:
        proc.stderr.close()
    deadline = time.monotonic() + 10
    while _marked(mark) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _marked(mark) == []
    run_sync(root)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL exists on POSIX only")
def test_killed_syncs_never_half_apply_a_lock_or_an_approval(
    corpus: dict[str, Path], tmp_path: Path
) -> None:
    """With the first two weeks locked and the third approved, syncs of the other
    version killed at random points end, after one more sync, exactly where clean syncs
    end: locked and approved rows as stored, each edit reported."""
    from psos_xl.app.trust import approve, lock

    def closed(root: Path) -> None:
        run_sync(root)
        lock(root, WEEKS[1] + timedelta(days=6), "Mia")
        assert approve(root, WEEKS[2], "Mia").approved

    expected: dict[str, Any] = {}
    clean = tmp_path / "clean"
    shutil.copytree(corpus["a"], clean)
    closed(clean)
    for version in "ba":
        use_version(clean, corpus, version)
        run_sync(clean)
        expected[version] = state(clean)
    assert expected["a"]["rejects"] != expected["b"]["rejects"]  # the edits are reported

    def held(found: dict[str, Any]) -> list[Any]:  # rows of the locked and approved weeks
        return [e for e in found["entries"] if e[3] < WEEKS[3]]

    assert held(expected["a"]) == held(expected["b"]) and held(expected["a"])
    assert expected["a"]["entries"] != expected["b"]["entries"]  # the open weeks changed

    root = tmp_path / "work"
    shutil.copytree(corpus["a"], root)
    closed(root)
    seed = int(os.environ.get("PSOS_CRASH_SEED", random.randrange(1 << 30)))
    rng = random.Random(seed)
    for trial in range(6):
        version = "ba"[trial % 2]
        use_version(root, corpus, version)
        proc = child(root, slow=0.02)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "go"
        time.sleep(rng.uniform(0, 0.8))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        for stream in (proc.stdout, proc.stderr):
            if stream:
                stream.close()
        run_sync(root)
        assert state(root) == expected[version], f"trial {trial}, seed {seed}"
