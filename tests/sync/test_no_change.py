"""A sync with nothing to do, answered from the store without the engine: the same
result as the engine's, recorded the same way, and never when there is work."""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from sqlalchemy import select

from psos_xl import store as st
from psos_xl.cli.main import app
from psos_xl.cli.quick import parse
from psos_xl.cli.spec import SYNC
from psos_xl.store import open_store
from psos_xl.store.base import SCHEMA_VERSION, sqlite_file
from psos_xl.sync import sync_workspace
from psos_xl.sync.quick import quick_sync
from sync.test_engine import entry, timesheet
from sync.test_write_back import build_firm


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synced firm with rejects (alm.xlsx) and a conflicted copy (bob_copy.xlsx), and
    nothing left for a next sync: no unreadable file, none open."""
    root = build_firm(tmp_path_factory.mktemp("quick") / "firm")
    (root / "timesheets" / "broken.xlsx").unlink()
    (root / "scopes" / "~$gamma.xlsx").unlink()
    first = sync_workspace(root, quick=False)
    assert first.read == 7 and first.conflicts == 1 and first.rejected_rows == 3
    assert first.writeback_pending is False
    return root


@pytest.fixture
def ws(pristine: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(pristine, tmp_path / "firm"))


def runs(root: Path) -> list[tuple[str, dict[str, int]]]:
    store = open_store(st.default_url(root))
    with store.connect() as conn:
        rows = conn.execute(select(st.sync_runs).order_by(st.sync_runs.c.id)).all()
    store.close()
    assert all(r.finished_at is not None and r.finished_at >= r.started_at for r in rows)
    return [(r.status, json.loads(r.counts)) for r in rows]


def test_the_schema_version_is_the_last_migration() -> None:
    assert st.MIGRATIONS[-1].version == SCHEMA_VERSION


def test_nothing_to_do_is_answered_as_the_engine_answers(ws: Path) -> None:
    engine = sync_workspace(ws, quick=False)
    quick = quick_sync(ws)
    assert quick is not None
    assert quick.to_json() == engine.to_json()
    assert quick.exit_code == engine.exit_code == 1
    assert quick.run_id == engine.run_id + 1
    (*_, by_engine), by_quick = runs(ws)[:-1], runs(ws)[-1]
    assert by_quick == by_engine == ("issues", by_quick[1])
    assert by_quick[1]["pending"] == 0 and by_quick[1]["read"] == 0


def test_work_to_do_goes_to_the_engine(ws: Path) -> None:
    assert quick_sync(ws) is not None
    a = ws / "timesheets" / "alm.xlsx"
    os.utime(a, ns=(a.stat().st_atime_ns, a.stat().st_mtime_ns + 1_000_000))
    assert quick_sync(ws) is None  # a touched file (the engine hashes it)
    assert sync_workspace(ws).read == 0
    assert quick_sync(ws) is not None

    timesheet(ws / "timesheets" / "new.xlsx", [entry(0, "ACME-01", "D1", "SA", 1)], person="CY")
    assert quick_sync(ws) is None  # a new file
    assert sync_workspace(ws).read == 1
    (ws / "timesheets" / "new.xlsx").unlink()
    assert quick_sync(ws) is None  # a removed file
    assert sync_workspace(ws).retired == ["timesheets/new.xlsx"]

    (ws / "timesheets" / "broken.xlsx").write_bytes(b"not a zip")
    assert quick_sync(ws) is None  # unreadable: read again on every sync
    assert sync_workspace(ws).skipped == 1  # tried, and reported
    assert quick_sync(ws) is None
    (ws / "timesheets" / "broken.xlsx").unlink()
    sync_workspace(ws)
    assert quick_sync(ws) is not None


def test_a_dirty_workbook_or_pending_write_back_goes_to_the_engine(ws: Path) -> None:
    store = open_store(st.default_url(ws))
    with store.begin() as conn:
        conn.execute(
            st.workbooks.update()
            .where(st.workbooks.c.path == "timesheets/alm.xlsx")
            .values(dirty=True)
        )
    assert quick_sync(ws) is None
    assert sync_workspace(ws).read == 1
    with store.begin() as conn:
        last = conn.execute(select(st.sync_runs.c.id).order_by(st.sync_runs.c.id.desc())).first()
        assert last is not None
        counts = json.dumps({"pending": 1})
        conn.execute(
            st.sync_runs.update().where(st.sync_runs.c.id == last.id).values(counts=counts)
        )
    store.close()
    assert quick_sync(ws) is None  # the write-back left work for this run
    sync_workspace(ws)
    assert quick_sync(ws) is not None


def test_only_a_plain_sqlite_store(ws: Path, tmp_path: Path) -> None:
    assert quick_sync(ws, "postgresql://nobody@localhost/none") is None
    assert quick_sync(tmp_path / "empty") is None
    (tmp_path / "empty").mkdir()
    assert quick_sync(tmp_path / "empty") is None  # never synced: no store
    assert sqlite_file("sqlite:///rel/store.sqlite") == Path("rel/store.sqlite")
    assert sqlite_file("sqlite:////abs/store.sqlite") == Path("/abs/store.sqlite")
    assert sqlite_file("sqlite:///x.sqlite?mode=ro") is None
    assert sqlite_file("sqlite://") is None


def plain(directory: Path, store: str | None, workers: int | None, as_json: bool) -> object:
    """The values the fast start passes to the sync, by the command's parameter names."""
    return {"directory": directory, "store": store, "workers": workers, "as_json": as_json}


def test_only_the_plain_forms_of_the_command_are_parsed() -> None:
    assert parse(["sync"]) == plain(Path(), None, None, False)
    assert parse(["sync", "ws", "--json", "--workers", "2", "--store", "sqlite:///s"]) == plain(
        Path("ws"),
        "sqlite:///s",
        2,
        True,
    )
    assert parse(["sync", "--store=sqlite:///s", "ws"]) == plain(
        Path("ws"), "sqlite:///s", None, False
    )
    for other in (
        [],
        ["watch"],
        ["sync", "--help"],
        ["sync", "a", "b"],
        ["sync", "--workers", "0"],
        ["sync", "--workers"],
        ["sync", "--store", ""],
        ["sync", "--jsn"],
    ):
        assert parse(other) is None, other


def full_sync() -> Any:
    """The click command the full command line runs for ``psos sync``."""
    return typer.main.get_command(app).commands["sync"]  # type: ignore[attr-defined]


def click_reads(command: Any, args: list[str]) -> dict[str, Any] | None:
    """The values click passes to the command for ``args``; None when it refuses them."""
    try:
        return dict(command.make_context("sync", list(args)).params)
    except Exception:  # a usage error, or help: the command would not run
        return None


def test_every_parameter_of_the_command_is_read_by_the_fast_start(tmp_path: Path) -> None:
    """Whatever click reads for ``psos sync``, the fast start reads the same: every
    parameter alone and in the --name=value form, all of them together."""
    command = full_sync()
    params = [p for p in command.params if p.name != "help"]
    assert {p.name for p in params} == {p.name for p in SYNC.params}
    together: list[str] = []
    for param in params:
        forms: list[list[str]] = []
        if param.param_type_name == "argument":
            forms.append([str(tmp_path)])
        for flag in [*param.opts, *param.secondary_opts]:
            if param.param_type_name != "option":
                continue
            if param.is_flag:
                forms.append([flag])
                continue
            value = next(v for v in ("1", "0.5", "x") if click_reads(command, [flag, v]))
            forms.append([flag, value])
            if flag.startswith("--"):
                forms.append([f"{flag}={value}"])
        assert forms, param.name
        for args in forms:
            read = click_reads(command, args)
            assert read is not None, args
            assert parse(["sync", *args]) == read, args
        together += forms[0]
    for args in (together, together[::-1]):
        assert parse(["sync", *args]) == click_reads(command, args), args


@pytest.mark.parametrize(
    "args",
    [
        ["--store", "--json"],
        ["--store", "a", "--store", "b"],
        ["--json", "--json"],
        ["--workers", "+2"],
        ["--workers", " 2 "],
        ["--workers", "2.0"],
        ["--workers", "-1"],
        ["--workers=0"],
        ["--workers", "1"],
        ["--json=yes"],
        ["--store="],
        ["-"],
        ["--", "ws"],
        ["-x"],
        ["ws", "--json", "other"],
        ["--JSON"],
        ["--js"],
    ],
)
def test_the_fast_start_never_reads_a_command_line_otherwise_than_click(
    args: list[str],
) -> None:
    """Where the fast start answers, it answers what click reads; the rest it leaves."""
    read = parse(["sync", *args])
    if read is not None:
        assert read == click_reads(full_sync(), args)


def _psos(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "psos_xl", *args], capture_output=True, text=True, check=False
    )


PROBE = """
import sys
from psos_xl.cli.quick import answer
code = answer(['sync', *sys.argv[1:]])
heavy = [m for m in ('sqlalchemy', 'pydantic', 'typer', 'python_calamine') if m in sys.modules]
print('\\n' + repr((code, heavy)))
"""


def answered(root: Path, args: list[str]) -> tuple[str, list[str]]:
    """``psos sync ROOT ARGS`` run by the entry's own path in a fresh interpreter: what it
    printed (its exit code checked: 1, the firm has issues) and the heavy modules it
    imported."""
    run = subprocess.run(
        [sys.executable, "-c", PROBE, str(root), *args], capture_output=True, text=True, check=True
    )
    out, _, tail = run.stdout.rpartition("\n\n")
    code, loaded = ast.literal_eval(tail.strip())
    assert code == 1
    return out, list(loaded)


def test_the_command_answers_without_the_engine_and_prints_the_same(ws: Path) -> None:
    full = _psos("sync", str(ws), "--json", "--workers", "1", "--jsn")  # not parsed: typer
    assert full.returncode == 2  # typer refuses the unknown option
    long_way = sync_workspace(ws, quick=False)
    out, loaded = answered(ws, ["--json"])
    assert loaded == []
    assert json.loads(out) == long_way.to_json()
    text = _psos("sync", str(ws))
    assert text.returncode == 1
    assert "Conflicts (1)" in text.stdout and "NOPE-01" in text.stdout


def test_a_plain_sync_with_work_runs_without_the_command_line(ws: Path, tmp_path: Path) -> None:
    """The entry's own run of ``psos sync`` does what the Typer command does."""
    other = Path(shutil.copytree(ws, tmp_path / "other"))
    for root in (ws, other):
        timesheet(root / "timesheets" / "new.xlsx", [entry(0, "ACME-01", "D1", "SA", 1)], "CY")
    out, loaded = answered(ws, ["--json", "--workers", "2"])
    assert "typer" not in loaded and "sqlalchemy" in loaded
    typer_way = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from psos_xl.cli.main import app; app(sys.argv[1:])",
            "sync",
            str(other),
            "--json",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert typer_way.returncode == 1
    assert json.loads(out) == json.loads(typer_way.stdout)
    assert json.loads(out)["read"] == 1
