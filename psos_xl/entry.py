"""The ``psos`` program: a plain ``psos sync`` runs at once
(:mod:`psos_xl.commands.quick`); everything else goes to the command line
(:mod:`psos_xl.cli`)."""

from __future__ import annotations

import sys


def main() -> None:
    from psos_xl.commands.quick import answer

    code = answer(sys.argv[1:])
    if code is not None:
        raise SystemExit(code)
    from psos_xl.cli import main as command_line

    command_line()
