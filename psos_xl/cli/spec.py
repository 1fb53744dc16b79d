"""The parameters of ``psos sync``, declared once, and the fast start's reading of them.

A plain ``psos sync`` is answered before the Typer application is built
(:mod:`psos_xl.cli.quick`): importing typer, and the click it carries, would cost a third
of a sync with nothing to do. So the command's parameters are declared here with the
standard library only (tuples: cheaper to define than dataclasses), in :data:`SYNC`,
and both ways in read this one declaration:

- the command line builds the Typer command from it
  (:func:`psos_xl.cli.common.add_command`), so ``psos sync --help`` and click's parsing
  are Typer's, as for every other command;
- the fast start parses with :func:`parse`, which knows the parameter kinds a
  :class:`Param` can have and reads them the way click does.

An option added to :data:`SYNC` is therefore an option of both. :func:`parse` answers a
command line only when click would read it the same (a test holds the two equal over
every parameter); anything else (help, an unknown or malformed option, an empty value)
it leaves to the command line, which explains the problem.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple


class Param(NamedTuple):
    """One parameter: an argument (no ``flags``) or an option; of kind ``bool``, a flag.
    A kind :func:`parse` does not read (str, int, float, Path, bool) it leaves to the
    command line."""

    name: str  # the keyword of the function the command calls
    kind: type
    help: str
    default: Any = None
    flags: tuple[str, ...] = ()
    minimum: int | float | None = None
    folder: bool = False  # a Path that must not name a file

    @property
    def is_flag(self) -> bool:
        return self.kind is bool and bool(self.flags)


class Command(NamedTuple):
    """A command's name, its help, and its parameters."""

    name: str
    help: str
    params: tuple[Param, ...]

    def param(self, name: str) -> Param:
        return next(p for p in self.params if p.name == name)


JSON_HELP = "Print machine-readable JSON."

SYNC = Command(
    "sync",
    "Consolidate the folder's workbooks into the store and write the actuals back.",
    (
        Param(
            "directory",
            Path,
            "The workspace folder (default: here).",
            default=Path(),
            folder=True,
        ),
        Param(
            "store",
            str,
            "Store URL (default: psos.toml's store, else .psos/store.sqlite).",
            flags=("--store",),
        ),
        Param(
            "workers",
            int,
            "Processes reading workbooks, this one included (default: one per CPU, at most 4).",
            flags=("--workers",),
            minimum=1,
        ),
        Param("as_json", bool, JSON_HELP, default=False, flags=("--json",)),
    ),
)


def parse(command: Command, argv: Sequence[str]) -> dict[str, Any] | None:
    """``psos <argv>`` read as ``command``: its values by parameter name, as click would
    pass them; None when ``argv`` is another command or anything this does not read."""
    if not argv or argv[0] != command.name:
        return None
    values = {p.name: p.default for p in command.params}
    options = {flag: p for p in command.params for flag in p.flags}
    arguments = [p for p in command.params if not p.flags]
    rest = list(argv[1:])
    while rest:
        token = rest.pop(0)
        if token.startswith("-"):
            flag, equals, inline = token.partition("=")
            param = options.get(flag)
            if param is None or (equals and (param.is_flag or not flag.startswith("--"))):
                return None
            if param.is_flag:
                values[param.name] = True
                continue
            if not equals and not rest:
                return None
            text = inline if equals else rest.pop(0)
        elif arguments:
            param, text = arguments.pop(0), token
        else:
            return None
        value = _convert(param, text)
        if value is None:
            return None
        values[param.name] = value
    return values


def _convert(param: Param, text: str) -> Any:
    """``text`` as click converts it for ``param``; None when click would refuse it (or
    when it is empty, left to the command line)."""
    if not text:
        return None
    if param.kind is Path:
        path = Path(text)
        refused = param.folder and path.is_file()
        unreadable = path.exists() and not os.access(path, os.R_OK)
        return None if refused or unreadable else path
    if param.kind is str:
        return text
    if param.kind not in (int, float):
        return None
    try:
        number = param.kind(text)
    except ValueError:
        return None
    if param.minimum is not None and number < param.minimum:
        return None
    return number
