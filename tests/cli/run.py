"""Running ``psos`` through its real entry point, and the one JSON convention of every
``--json``: each Decimal a string, each count an integer, each location a cell (or a
workbook, or a sheet, never a bare row), each date an ISO string, and no float anywhere.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

# workbook, workbook!sheet or workbook!sheet!cell; never workbook!sheet!7 (a row)
LOCATION = re.compile(r"^[^!]+(![^!]+(![A-Z]{1,3}[1-9][0-9]*)?)?$")
DECIMAL = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")


def psos(
    *args: str | Path,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """``psos ARGS`` in a subprocess, its output captured (stdout is a pipe)."""
    return subprocess.run(
        [sys.executable, "-m", "psos_xl", *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=cwd,
        env=None if env is None else {**os.environ, **env},
        timeout=timeout,
    )


def psos_json(*args: str | Path, exit_code: int | None = 0, cwd: Path | None = None) -> Any:
    """The JSON ``psos ARGS --json`` prints, asserting its exit code (None: any)."""
    run = psos(*args, "--json", cwd=cwd)
    if exit_code is not None:
        assert run.returncode == exit_code, run.stdout[-2000:] + run.stderr[-2000:]
    return json.loads(run.stdout)


def walk(data: Any, path: str = "") -> Iterator[tuple[str, str, Any]]:
    """Every value below ``data``: (its path, its key, the value)."""
    yield path, path.rsplit(".", 1)[-1].split("[", 1)[0], data
    if isinstance(data, dict):
        for key, value in data.items():
            yield from walk(value, f"{path}.{key}")
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from walk(value, f"{path}[{i}]")


def assert_json_convention(
    data: Any,
    decimals: Iterable[str] = (),
    counts: Iterable[str] = (),
    dates: Iterable[str] = (),
    locations: Iterable[str] = ("location", "rate_at"),
) -> None:
    """``data`` holds no float, and each value under one of the keys named is of its
    kind (None allowed): ``decimals`` plain decimal strings, ``counts`` integers,
    ``dates`` ISO dates or times, ``locations`` cells (:data:`LOCATION`). Each key named
    must occur at least once, so a renamed key cannot pass unseen."""
    kinds = {
        "decimal": set(decimals),
        "count": set(counts),
        "date": set(dates),
        "location": set(locations),
    }
    seen: set[str] = set()
    for path, key, value in walk(data):
        assert not isinstance(value, float), f"{path} is the float {value!r}"
        for kind, keys in kinds.items():
            if key in keys:
                seen.add(key)
                if value is not None:
                    _check(kind, path, value)
    wanted = set().union(*kinds.values()) - {"location", "rate_at"}
    assert wanted <= seen, f"never seen: {sorted(wanted - seen)}"


def _check(kind: str, path: str, value: Any) -> None:
    if kind == "count":
        assert type(value) is int, f"{path} is {value!r}, not an integer"
    elif kind == "decimal":
        assert isinstance(value, str) and DECIMAL.match(value), f"{path}: {value!r}"
        try:
            Decimal(value)
        except InvalidOperation:  # pragma: no cover - the pattern admits numbers only
            raise AssertionError(f"{path}: {value!r} is not a decimal") from None
    elif kind == "date":
        assert isinstance(value, str), f"{path} is {value!r}, not an ISO string"
        parse = datetime.fromisoformat if "T" in value or " " in value else date.fromisoformat
        parse(value)
    elif kind == "location" and value != "":
        assert isinstance(value, str) and LOCATION.match(value), f"{path}: {value!r}"
