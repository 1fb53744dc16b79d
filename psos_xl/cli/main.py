"""The `psos` command line: a thin layer over the library.

Commands parse arguments, call one use-case of :mod:`psos_xl.app`, and print its result:
a readable table on a terminal, the same data as JSON with ``--json``. Heavy libraries
(openpyxl, pandas) are imported inside the commands that need them, so start-up stays
light. Exit codes: 0 clean, 1 issues were reported, 2 the command could not run; a
PsosError from any command is reported by one handler
(:class:`psos_xl.cli.common.PsosCommand`).

Each area's commands live in a module of :mod:`psos_xl.cli` with a ``register``
function; this module only assembles them.
"""

from __future__ import annotations

from psos_xl.cli import (
    basic,
    doctor,
    economics,
    forecast,
    invoice,
    learn,
    pricing,
    reports,
    summary,
    sync,
)
from psos_xl.cli.common import app, new_app

basic.register(app, new_app)
pricing.register(app)
learn.register(app, new_app)
reports.register(learn.report_app)
economics.register(learn.report_app)
forecast.register(learn.report_app)
summary.register(learn.report_app)
reports.register_trust(app)
sync.register(app)
doctor.register(app)
invoice.register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
