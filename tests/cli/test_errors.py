"""One error handler: a PsosError from any command is its message on stderr, or the JSON
error shape with --json, and exit 2; the fast start of ``psos sync`` reports the same."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer

from psos_xl.cli.main import app
from psos_xl.cli.quick import answer
from psos_xl.errors import Code, Issue, WorkbookError

ISSUE = Issue.make(Code.FILE_NOT_FOUND, "scopes/acme.xlsx", "no such file")


def leaves(group: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every command of the command line with the words that name it."""
    for name, command in sorted(group.commands.items()):
        if hasattr(command, "commands"):
            yield from leaves(command, (*path, name))
        else:
            yield (*path, name), command


def required(command: Any) -> list[str]:
    """The fewest arguments the command parses: "1" for each required parameter."""
    args: list[str] = []
    for param in command.params:
        if param.required:
            args += ["1"] if param.param_type_name == "argument" else [param.opts[0], "1"]
    return args


def raising(name: str) -> Any:
    def callback(**_values: Any) -> None:
        raise WorkbookError(f"{name} cannot run", [ISSUE])

    return callback


GROUP = typer.main.get_command(app)
COMMANDS = list(leaves(GROUP))


def test_the_command_line_has_its_commands() -> None:
    names = {" ".join(path) for path, _command in COMMANDS}
    assert {"sync", "price", "validate", "new scope", "report accuracy", "init", "doctor"} <= names


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[" ".join(p) for p, _c in COMMANDS])
def test_a_psos_error_from_any_command_is_its_message_and_exit_2(
    path: tuple[str, ...],
    command: Any,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    name = " ".join(path)
    monkeypatch.setattr(command, "callback", raising(name))
    args = [*path, *required(command)]

    code = GROUP.main(args, prog_name="psos", standalone_mode=False)
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err.splitlines() == [
        f"error: {name} cannot run",
        "  scopes/acme.xlsx: FILE_NOT_FOUND no such file",
    ]

    if not any("--json" in p.opts for p in command.params):
        return
    code = GROUP.main([*args, "--json"], prog_name="psos", standalone_mode=False)
    out, err = capsys.readouterr()
    assert code == 2
    assert err == ""
    assert json.loads(out) == {"error": f"{name} cannot run", "issues": [ISSUE.to_dict()]}


def test_the_fast_start_reports_an_error_as_the_command_line_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A store nobody can open: the sync cannot run, whichever way it started."""
    plain = ["sync", str(tmp_path), "--store", "nosuchdb://x"]
    for args in ([*plain, "--json"], plain):
        assert answer(args) == 2
        fast = capsys.readouterr()
        assert GROUP.main(args, prog_name="psos", standalone_mode=False) == 2
        full = capsys.readouterr()
        assert (fast.out, fast.err) == (full.out, full.err)
        if "--json" in args:
            assert set(json.loads(fast.out)) == {"error", "issues"}
            assert fast.err == ""
        else:
            assert fast.out == "" and fast.err.startswith("error: ")
