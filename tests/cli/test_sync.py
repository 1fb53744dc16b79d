"""psos sync through the real entry point: --json shape, exit codes, quiet in a pipe."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sync.test_write_back import build_firm

from cli.run import psos

KEYS = {
    "scanned",
    "unchanged",
    "read",
    "skipped",
    "missing_timesheets",
    "short_weeks",
    "rows",
    "rejected_rows",
    "conflicts",
    "written_back",
    "skipped_open",
    "issues",
}
ISSUE_KEYS = {"code", "severity", "location", "message"}


@pytest.fixture(scope="module")
def firm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_firm(tmp_path_factory.mktemp("cli") / "firm")


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = build_firm(tmp_path_factory.mktemp("clean") / "firm")
    for name in ("timesheets/broken.xlsx", "timesheets/bob_copy.xlsx", "scopes/~$gamma.xlsx"):
        (root / name).unlink()
    (root / "timesheets" / "alm.xlsx").unlink()  # its invalid rows
    (root / "timesheets" / "bob.xlsx").unlink()
    return root


def test_json_is_the_sync_result_and_exit_1_with_issues(firm: Path) -> None:
    run = psos("sync", str(firm), "--json")
    assert run.returncode == 1, run.stderr
    data = json.loads(run.stdout)
    assert set(data) == KEYS
    assert all(set(i) == ISSUE_KEYS for i in data["issues"])
    assert data["skipped_open"] == ["scopes/gamma.xlsx"]
    assert (
        data["read"] == 7
        and data["skipped"] == 1
        and data["rejected_rows"] == 3
        and data["conflicts"] == 1
    )
    assert {i["code"] for i in data["issues"]} >= {
        "CONFLICTED_COPY",
        "FILE_UNREADABLE",
        "UNKNOWN_ENGAGEMENT",
        "WORKBOOK_OPEN",
    }


def test_summary_in_a_pipe_is_plain_text(firm: Path) -> None:
    run = psos("sync", str(firm))
    assert run.returncode == 1
    assert "\x1b" not in run.stdout and "\r" not in run.stdout  # no progress bar, no colour
    assert run.stderr == ""
    lines = run.stdout.splitlines()
    assert lines[0].startswith("Scanned 8 workbooks:")
    assert "  timesheets/alm.xlsx!Time!B9: UNKNOWN_ENGAGEMENT" in run.stdout
    assert "timesheets/bob_copy.xlsx: CONFLICTED_COPY" in run.stdout
    assert "Skipped, open in a spreadsheet program: scopes/gamma.xlsx" in run.stdout


def test_a_clean_folder_exits_0(clean: Path) -> None:
    first = psos("sync", str(clean), "--json")
    assert first.returncode == 0, first.stdout
    assert sorted(json.loads(first.stdout)["written_back"]) == [
        "catalog.xlsx",
        "scopes/acme.xlsx",
        "scopes/beta.xlsx",
        "scopes/gamma.xlsx",
    ]
    again = psos("sync", str(clean))
    assert again.returncode == 0
    assert (
        again.stdout.splitlines()[0]
        == "Scanned 4 workbooks: 4 unchanged, 0 read, 0 skipped; 0 rows stored."
    )
    assert again.stdout.splitlines()[-1] == "All clean."


def test_exit_2_when_the_sync_cannot_run(tmp_path: Path) -> None:
    missing = psos("sync", str(tmp_path / "nowhere"), "--json")
    assert missing.returncode == 2
    assert set(json.loads(missing.stdout)) == {"error", "issues"}
    bad_store = psos("sync", str(tmp_path), "--store", "nosuchdb://x")
    assert bad_store.returncode == 2
    assert "error:" in bad_store.stderr
