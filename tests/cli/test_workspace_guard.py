"""A command that works on a workspace, given a folder that is none (neither psos.toml nor
a catalog workbook in it), says so and exits 2, creating nothing there: no ``.psos``, no
store, no lock file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from wb import CATALOG_TABLES, make_workbook

from cli.run import psos
from psos_xl.workspace import is_workspace, write_config

COMMANDS = [
    ("sync",),
    ("sync", "--json"),
    ("watch", "--poll", "1"),
    ("report", "accuracy"),
    ("report", "accuracy", "--json"),
    ("doctor",),
]


def _everything(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


@pytest.fixture
def parent(tmp_path: Path) -> Path:
    """A folder holding two workspaces: one with psos.toml, one with a catalog only."""
    root = tmp_path / "firms"
    (root / "a").mkdir(parents=True)
    write_config(root / "a", "A")
    (root / "b").mkdir()
    make_workbook(root / "b" / "catalog.xlsx", "catalog", CATALOG_TABLES)
    return root


def test_the_folders_are_told_apart(tmp_path: Path, parent: Path) -> None:
    assert is_workspace(parent / "a") and is_workspace(parent / "b")
    assert not is_workspace(parent) and not is_workspace(tmp_path)


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_an_empty_folder_is_not_a_workspace(tmp_path: Path, command: tuple[str, ...]) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    run = psos(*command, empty, timeout=60)
    assert run.returncode == 2, run.stdout + run.stderr
    said = json.loads(run.stdout)["error"] if "--json" in command else run.stderr
    assert f"{empty} is not a psos workspace" in said
    assert "psos init" in said
    assert _everything(empty) == []


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_the_parent_of_two_workspaces_is_not_one(parent: Path, command: tuple[str, ...]) -> None:
    before = _everything(parent)
    run = psos(*command, parent, timeout=60)
    assert run.returncode == 2, run.stdout + run.stderr
    assert "is not a psos workspace" in run.stdout + run.stderr
    assert _everything(parent) == before


def test_a_folder_inside_a_workspace_names_the_workspace(parent: Path) -> None:
    inside = parent / "b" / "scopes"
    inside.mkdir()
    run = psos("sync", inside)
    assert run.returncode == 2
    assert f"it is inside the workspace {parent / 'b'}" in run.stderr
    assert _everything(parent / "b") == ["catalog.xlsx", "scopes"]


def test_a_workspace_is_synced(parent: Path) -> None:
    for name in ("a", "b"):
        run = psos("sync", parent / name)
        assert run.returncode in (0, 1), run.stderr  # the sample has its notes
        assert (parent / name / ".psos").is_dir()
