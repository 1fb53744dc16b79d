"""Workspaces: ``psos init`` creates one (:func:`create_workspace`); a command given a
folder finds the workspace it belongs to (:func:`find_workspace`)."""

from __future__ import annotations

from pathlib import Path

from psos_xl.errors import WorkspaceError
from psos_xl.workspace import Workspace


def create_workspace(directory: Path, name: str = "", force: bool = False) -> Workspace:
    """A new workspace in ``directory``: psos.toml, the sample catalog, scopes/ and
    timesheets/ (:func:`psos_xl.demo.sample.init_workspace`). Refuses a folder that
    already holds one unless ``force``."""
    from psos_xl.demo.sample import init_workspace

    return init_workspace(directory, name=name, force=force)


def find_workspace(folder: Path) -> Workspace:
    """The workspace ``folder`` is in, or WorkspaceError saying to create one."""
    ws = Workspace.find(folder)
    if ws is None:
        raise WorkspaceError(f"{folder} is not inside a psos workspace (run 'psos init' first)")
    return ws
