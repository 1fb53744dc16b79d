"""The hostile corpus prints its table (case → outcome) at the end of the run."""

from __future__ import annotations

import pytest

from hostile.harness import OUTCOMES, table


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if OUTCOMES:
        terminalreporter.write_sep("-", "hostile corpus: case -> outcome")
        terminalreporter.write_line(table())
