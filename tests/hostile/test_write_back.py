"""Write-back into a workbook carrying a huge part psos does not own.

A 1 MB scope can hold a part that inflates to 1.1 GB (zeros compress a thousandfold).
Write-back must copy that part as stored: the time and the memory follow the parts psos
edits, and the part comes out byte for byte (compressed bytes, CRC). Each write-back
runs in a child process whose peak memory (``ru_maxrss``) is read as it is reaped.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sync.test_write_back import catalog, entry, scope

from psos_xl import models as m
from psos_xl.workbook import spec
from psos_xl.workbook.readers import read_scope
from psos_xl.workbook.writers import Lists, write_catalog, write_scope, write_timesheet

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not hasattr(os, "wait4"), reason="reads the child's peak memory"),
]

HUGE = "xl/embeddings/filler.bin"  # referenced by nothing
HUGE_MB = 1100
MAX_SECONDS = 10.0
MAX_RSS_MB = 300.0
WEEK = entry(0, "X", "X", "X", "1").date

WRITE_TABLE = """
import json, sys, time
from pathlib import Path
from psos_xl.sync.writeback import write_table
headers, rows = json.loads(sys.argv[2])
start = time.perf_counter()
done = write_table(Path(sys.argv[1]), "Delivery", headers, rows)
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "status": done.status, "message": done.message}))
"""

SYNC = """
import json, sys, time
from pathlib import Path
from psos_xl.sync import sync_workspace
start = time.perf_counter()
done = sync_workspace(Path(sys.argv[1]))
seconds = time.perf_counter() - start
issues = [str(i.code) + " " + str(i.location) for i in done.issues]
print(json.dumps({"seconds": seconds, "written_back": done.written_back, "issues": issues}))
"""


# Linux counts the pages a child shares with its parent when it starts as the child's
# own peak, so the child is started by this small launcher, not by the test process
LAUNCHER = """
import json, os, subprocess, sys
proc = subprocess.Popen([sys.executable, "-c", *sys.argv[1:]], stdout=subprocess.PIPE)
out = proc.stdout.read()
_, status, usage = os.wait4(proc.pid, 0)
print(json.dumps([os.waitstatus_to_exitcode(status), out.decode(), usage.ru_maxrss]))
"""


@dataclass(frozen=True)
class Run:
    out: dict[str, Any]
    max_rss_mb: float


def run_child(code: str, *args: str) -> Run:
    """Run ``code`` in a fresh interpreter; what it prints (JSON) and its peak memory."""
    done = subprocess.run(
        [sys.executable, "-c", LAUNCHER, code, *args], capture_output=True, text=True, check=True
    )
    status, out, max_rss = json.loads(done.stdout)
    assert status == 0, done.stderr
    scale = 1 if sys.platform == "darwin" else 1024  # bytes there, kilobytes on Linux
    return Run(json.loads(out), max_rss * scale / 2**20)


def stored(path: Path, name: str) -> tuple[int, int, int, str]:
    """A member as stored: CRC, sizes, and the sha256 of its compressed bytes."""
    with zipfile.ZipFile(path) as z, path.open("rb") as fh:
        info = z.getinfo(name)
        fh.seek(info.header_offset + 26)
        skip = int.from_bytes(fh.read(2), "little") + int.from_bytes(fh.read(2), "little")
        fh.seek(skip, os.SEEK_CUR)
        digest = hashlib.sha256()
        left = info.compress_size
        while left:
            chunk = fh.read(min(left, 1 << 20))
            digest.update(chunk)
            left -= len(chunk)
        return info.CRC, info.compress_size, info.file_size, digest.hexdigest()


def with_member(path: Path, name: str, megabytes: int, *, zeros: bool) -> None:
    """Put member ``name`` into the package at ``path``, after its fourth member, by
    streaming writes: zeros deflated, or incompressible bytes stored."""
    temp = path.with_suffix(".building")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(temp, "w") as zout:
        for i, info in enumerate(zin.infolist()):
            zout.writestr(info, zin.read(info))
            if i != 3:
                continue
            kind = zipfile.ZIP_DEFLATED if zeros else zipfile.ZIP_STORED
            info = zipfile.ZipInfo(name, (2026, 1, 5, 9, 0, 0))
            info.compress_type = kind
            block = bytes(1 << 20) if zeros else os.urandom(1 << 20)
            with zout.open(info, "w", force_zip64=True) as fh:
                for n in range(megabytes):
                    fh.write(block if zeros else block[n % 251 :] + block[: n % 251])
    temp.replace(path)


def build_firm(root: Path) -> Path:
    """A catalog, one Active scope (ACME-01, D1 DISC) and a week booked on it."""
    cat = catalog()
    (root / "scopes").mkdir(parents=True)
    write_catalog(root / "catalog.xlsx", cat)
    acme = scope("ACME-01", m.Status.ACTIVE, WEEK, [("D1", "DISC", 1, "Medium", "")])
    write_scope(root / "scopes" / "acme.xlsx", acme, cat)
    lists = Lists.from_catalog(cat, [acme])
    hours = [entry(0, "ACME-01", "D1", "SA", "8"), entry(1, "ACME-01", "D1", "PM", "3")]
    sheet = m.Timesheet(person="ALM", week=WEEK, entries=hours)
    write_timesheet(root / "timesheets" / "alm.xlsx", sheet, lists)
    return root


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = build_firm(tmp_path_factory.mktemp("hostile-write-back") / "firm")
    with_member(root / "scopes" / "acme.xlsx", HUGE, HUGE_MB, zeros=True)
    return root


@pytest.fixture
def firm(pristine: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(pristine, tmp_path / "firm"))


def delivery(path: Path) -> dict[tuple[str, str], tuple[Any, ...]]:
    s, _ = read_scope(path)
    assert s is not None
    return {(r.deliverable, r.role): (r.estimated_hours, r.actual_hours) for r in s.delivery}


def test_the_huge_scope_is_what_the_issue_describes(pristine: Path) -> None:
    path = pristine / "scopes" / "acme.xlsx"
    _, packed, size, _ = stored(path, HUGE)
    assert size == HUGE_MB << 20 and packed < 2 << 20 and path.stat().st_size < 3 << 20
    with zipfile.ZipFile(path) as z:
        assert z.namelist()[4] == HUGE


def test_write_table_copies_the_huge_part_as_stored(firm: Path, tmp_path: Path) -> None:
    path = firm / "scopes" / "acme.xlsx"
    before = stored(path, HUGE)
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
    rows = [["D1", "SA", 16, 16, 8, 0.5, 16, ""], ["D1", "PM", 4, 4, 3, 0.75, 4, ""]]
    run = run_child(WRITE_TABLE, str(path), json.dumps([spec.DELIVERY.headers, rows]))
    print(f"write_table: {run.out['seconds']:.3f} s, peak {run.max_rss_mb:.0f} MB")
    assert run.out["status"] == "written", run.out["message"]
    assert run.out["seconds"] < MAX_SECONDS
    assert run.max_rss_mb < MAX_RSS_MB
    assert stored(path, HUGE) == before
    with zipfile.ZipFile(path) as z:
        assert z.namelist() == names
    assert delivery(path) == {("D1", "SA"): (16, 8), ("D1", "PM"): (4, 3)}


def test_a_sync_writes_back_into_the_huge_scope(firm: Path, tmp_path: Path) -> None:
    path = firm / "scopes" / "acme.xlsx"
    before = stored(path, HUGE)
    run = run_child(SYNC, str(firm))
    print(f"sync: {run.out['seconds']:.3f} s, peak {run.max_rss_mb:.0f} MB")
    assert "scopes/acme.xlsx" in run.out["written_back"], run.out["issues"]
    assert run.out["seconds"] < MAX_SECONDS
    assert run.max_rss_mb < MAX_RSS_MB
    assert stored(path, HUGE) == before
    # D1 DISC, one unit at Medium: SA 16 h and PM 4 h estimated; 8 and 3 booked
    assert delivery(path) == {("D1", "SA"): (16, 8), ("D1", "PM"): (4, 3)}


def test_a_large_workbook_is_never_held_in_memory(firm: Path, tmp_path: Path) -> None:
    """Incompressible bytes: a write-back that read the file whole (or held the new
    one) would need at least the member's size in memory."""
    megabytes = 256
    # a workbook this size is read only when psos.toml allows it (max_file_mb is 50)
    (firm / "psos.toml").write_text("[workspace]\nmax_file_mb = 512\n", encoding="utf-8")
    path = firm / "scopes" / "acme.xlsx"
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i) for i in z.infolist() if i.filename != HUGE}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in parts.items():
            z.writestr(name, body)
    with_member(path, "xl/media/video.bin", megabytes, zeros=False)
    before = stored(path, "xl/media/video.bin")
    rows = [["D1", "SA", 16, 16, 1, 0.0625, 16, ""]]
    run = run_child(WRITE_TABLE, str(path), json.dumps([spec.DELIVERY.headers, rows]))
    print(f"write_table, {megabytes} MB stored: peak {run.max_rss_mb:.0f} MB")
    assert run.out["status"] == "written", run.out["message"]
    assert run.max_rss_mb < megabytes / 2
    assert stored(path, "xl/media/video.bin") == before
    assert delivery(path)[("D1", "SA")] == (16, 1)
