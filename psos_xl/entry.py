"""The ``psos`` program: a plain ``psos sync`` runs at once
(:mod:`psos_xl.cli.quick`); everything else goes to the command line
(:mod:`psos_xl.cli`)."""

from __future__ import annotations

import contextlib
import os
import sys


def main() -> None:
    from psos_xl.cli.quick import answer

    code = answer(sys.argv[1:])
    if code is not None:
        # done, every file and the store closed: end here rather than tear the
        # interpreter down module by module (up to half a second after a big sync)
        with contextlib.suppress(OSError):  # a reader of the pipe that went away
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)
    from psos_xl.cli.main import main as command_line

    command_line()
