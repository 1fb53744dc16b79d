"""``psos sync`` with nothing to do, answered before the command line is built.

Building the Typer application imports click, pydantic and every command's options; a
sync that finds the folder as the store left it (:func:`psos_xl.sync.quick.quick_sync`)
takes a fraction of that. :func:`answer` recognises the plain forms of the command,
``psos sync [DIR] [--store URL] [--workers N] [--json]``, and answers them when there is
nothing to do. Anything else (help, another command, an option it does not know, a
folder with work to do, a busy lock) is left to the command line, which does the same
thing the long way.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple


class SyncArgs(NamedTuple):
    directory: Path
    store: str | None
    as_json: bool


def parse(argv: list[str]) -> SyncArgs | None:
    """The arguments of a plain ``psos sync`` (None for anything else)."""
    if not argv or argv[0] != "sync":
        return None
    directory: Path | None = None
    store: str | None = None
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
            elif not value.isdigit() or int(value) < 1:
                return None
        elif arg.startswith("--store="):
            store = arg.removeprefix("--store=")
        elif not arg.startswith("-") and directory is None:
            directory = Path(arg)
        else:
            return None
    if store == "":
        return None
    return SyncArgs(directory or Path(), store, as_json)


def answer(argv: list[str]) -> int | None:
    """Run ``psos <argv>`` if it is a sync with nothing to do: its exit code; else None."""
    args = parse(argv)
    if args is None or not args.directory.is_dir():
        return None
    from psos_xl.errors import PsosError
    from psos_xl.sync.quick import quick_sync

    try:
        result = quick_sync(args.directory, args.store, lock_timeout=0.0)
    except PsosError:  # another sync holds the lock: the command line waits for it
        return None
    if result is None:
        return None
    from psos_xl.commands.output import print_result

    print_result(result, args.as_json)
    return result.exit_code
