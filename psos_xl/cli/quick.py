"""``psos sync`` run before the command line is built.

Building the Typer application imports click, typer's adapters and every command's
options: a tenth of a second, as long as a sync with nothing to do takes in all
(:func:`psos_xl.sync.quick.quick_sync`). :func:`answer` recognises the plain forms of
the command, ``psos sync [DIR] [--store URL] [--workers N] [--json]``, and runs them
itself, through the very function the Typer command calls
(:func:`psos_xl.cli.output.sync_command`); a PsosError is reported by the same
:func:`psos_xl.cli.output.print_error` as every command's. Anything else (help, another command,
an option it does not know, a folder that is not there) is left to the command line.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple


class SyncArgs(NamedTuple):
    directory: Path
    store: str | None
    workers: int | None
    as_json: bool


def parse(argv: list[str]) -> SyncArgs | None:
    """The arguments of a plain ``psos sync`` (None for anything else)."""
    if not argv or argv[0] != "sync":
        return None
    directory: Path | None = None
    store: str | None = None
    workers: int | None = None
    as_json = False
    rest = argv[1:]
    while rest:
        arg = rest.pop(0)
        if arg == "--json":
            as_json = True
        elif arg in ("--store", "--workers") and rest:
            value = rest.pop(0)
            if arg == "--store":
                store = value
            elif value.isdigit() and int(value) >= 1:
                workers = int(value)
            else:
                return None
        elif arg.startswith("--store="):
            store = arg.removeprefix("--store=")
        elif not arg.startswith("-") and directory is None:
            directory = Path(arg)
        else:
            return None
    if store == "":
        return None
    return SyncArgs(directory or Path(), store, workers, as_json)


def answer(argv: list[str]) -> int | None:
    """Run ``psos <argv>`` if it is a plain sync: its exit code; else None."""
    args = parse(argv)
    if args is None or not args.directory.is_dir():
        return None
    from psos_xl.cli.output import print_error, sync_command
    from psos_xl.errors import PsosError

    try:
        return sync_command(args.directory, args.store, args.workers, args.as_json)
    except PsosError as err:
        return print_error(err, args.as_json)
