"""psos doctor through the real entry point: --json shape, exit codes 0, 1 and 2, and a
readable listing on stdout with each fix."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from app.test_doctor import synced_firm

from cli.run import psos

FINDING_KEYS = {"code", "severity", "location", "message", "fix", "details"}


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synced_firm(tmp_path_factory.mktemp("cli-doctor") / "firm")


@pytest.fixture
def firm(pristine: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(pristine, tmp_path / "firm"))


def test_a_clean_workspace_exits_0(firm: Path) -> None:
    run = psos("doctor", str(firm), "--json")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == {
        "workspace": str(firm.resolve()),
        "store": ".psos/store.sqlite",
        "findings": [],
    }
    run = psos("doctor", str(firm))
    assert (run.returncode, run.stdout, run.stderr) == (0, "All well.\n", "")


def test_something_to_do_exits_1_with_each_fix(firm: Path) -> None:
    (firm / "timesheets" / ".~psos-alm.xlsx.0badc0de.tmp").write_bytes(b"")
    (firm / "~$gone.xlsx").write_bytes(b"owner")
    run = psos("doctor", str(firm), "--json")
    assert run.returncode == 1, run.stderr
    data = json.loads(run.stdout)
    assert set(data) == {"workspace", "store", "findings"}
    assert all(set(f) == FINDING_KEYS for f in data["findings"])
    assert [(f["code"], f["severity"], f["location"]) for f in data["findings"]] == [
        ("TEMP_FILE_LEFT", "warning", "timesheets/.~psos-alm.xlsx.0badc0de.tmp"),
        ("LOCK_FILE_ORPHANED", "warning", "~$gone.xlsx"),
    ]
    assert all(f["fix"].startswith("Delete this file") for f in data["findings"])

    run = psos("doctor", str(firm))
    assert run.returncode == 1 and run.stderr == ""
    lines = run.stdout.splitlines()
    assert lines[0].startswith("timesheets/.~psos-alm.xlsx.0badc0de.tmp: TEMP_FILE_LEFT ")
    assert lines[1].startswith("  fix: Delete this file")
    assert lines[-1] == "2 thing(s) need doing."


def test_a_note_only_exits_0(tmp_path: Path) -> None:
    root = tmp_path / "firm"
    assert psos("init", str(root)).returncode == 0
    run = psos("doctor", str(root), "--json")
    assert run.returncode == 0, run.stderr
    (finding,) = json.loads(run.stdout)["findings"]
    assert (finding["code"], finding["severity"]) == ("STORE_MISSING", "info")
    assert not (root / ".psos" / "store.sqlite").exists()


def test_not_a_workspace_exits_2(tmp_path: Path) -> None:
    run = psos("doctor", str(tmp_path), "--json")
    assert run.returncode == 2
    data = json.loads(run.stdout)
    assert set(data) == {"error", "issues"} and "not a psos workspace" in data["error"]
    run = psos("doctor", str(tmp_path))
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.startswith("error: ") and "psos init" in run.stderr


def test_a_store_that_cannot_be_reached_exits_2(firm: Path) -> None:
    run = psos("doctor", str(firm), "--store", "nosuchdb://x", "--json")
    assert run.returncode == 2
    assert "cannot open the store" in json.loads(run.stdout)["error"]


def test_a_name_that_is_not_utf8_is_printed_escaped(firm: Path) -> None:
    """A lock file whose name is not valid UTF-8 (written by another system)."""
    name = os.fsencode(firm / "timesheets") + b"/~$caf\xe9.xlsx"
    os.close(os.open(name, os.O_CREAT | os.O_WRONLY, 0o644))
    run = psos("doctor", str(firm), "--json")
    assert run.returncode == 1, run.stderr
    (finding,) = json.loads(run.stdout)["findings"]
    assert (finding["code"], finding["location"]) == (
        "LOCK_FILE_ORPHANED",
        "timesheets/~$caf\\xe9.xlsx",
    )
    run = psos("doctor", str(firm))
    assert run.returncode == 1 and run.stderr == ""
    assert run.stdout.startswith("timesheets/~$caf\\xe9.xlsx: LOCK_FILE_ORPHANED ")
