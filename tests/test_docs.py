"""The README is the manual: every command and every setting must be in it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from psos_xl.cli.main import app
from psos_xl.settings import CATALOG_SETTINGS, WORKSPACE_SETTINGS

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def _commands(group: Any, prefix: str = "psos") -> list[str]:
    out: list[str] = []
    for name, command in sorted(group.commands.items()):
        full = f"{prefix} {name}"
        if hasattr(command, "commands"):
            out.extend(_commands(command, full))
        else:
            out.append(full)
    return out


def test_every_command_is_in_the_readme() -> None:
    root = typer.main.get_command(app)
    commands = _commands(root)
    assert "psos validate" in commands
    missing = [c for c in commands if f"`{c}" not in README]
    assert not missing, f"commands missing from README.md: {missing}"


def test_every_catalog_setting_is_in_the_readme() -> None:
    missing = [s.key for s in CATALOG_SETTINGS if f"`{s.key}`" not in README]
    assert not missing, f"catalog settings missing from README.md: {missing}"


def test_every_workspace_setting_is_in_the_readme() -> None:
    missing = [s.key for s in WORKSPACE_SETTINGS if f"`{s.key}`" not in README]
    assert not missing, f"psos.toml settings missing from README.md: {missing}"


def test_readme_opens_with_the_front_door() -> None:
    head = README[:400]
    assert "make demo" in head and "make test" in head
