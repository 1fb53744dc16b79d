"""Run workbooks through a real spreadsheet application: LibreOffice, headless.

    lo = Soffice(find_soffice(), profile_root=tmp / "lo-profile")
    [saved] = lo.convert([tmp / "scope.xlsx"], tmp / "out")  # opened, recalculated, saved
    assert error_cells(saved, original=tmp / "scope.xlsx") == []

Why a throw-away user profile: LibreOffice normally serves the values cached in an
.xlsx ("never recalculate" is its default for OOXML), so a broken formula whose cached
value openpyxl left blank or wrong would pass unseen. The profile's
``registrymodifications.xcu`` sets ``Formula/Load/OOXMLRecalcMode`` and
``ODFRecalcMode`` to 0 ("always recalculate"), so every formula is computed by
LibreOffice itself on load. ``test_recalc.test_recalculation_is_forced`` proves it: a
cell ``=1+2`` whose cached value was forged as 99 comes back 3 with ``recalc=True``
and stays 99 with ``recalc=False`` (a second profile set to "never recalculate").
A profile of its own also keeps the tests off a LibreOffice the user has open.

Quirks handled here:
- one soffice process converts the whole batch (start-up costs 1-2 s a call);
- soffice names each output after its input's stem, so inputs are first copied to a
  private staging folder under unique stems (``a/x.xlsx`` and ``b/x.xlsx`` become
  ``x.xlsx`` and ``x-2.xlsx``); the staging copy also keeps LibreOffice's lock files out
  of the folders the inputs live in;
- soffice exits 0 when a file fails to load: outputs are checked, not the exit code;
- a hung soffice is killed after ``timeout`` seconds: its own process group only (it
  runs in a new session, so the group holds soffice and the soffice.bin it spawned).

One Soffice (one profile) converts one batch at a time: two concurrent soffice
processes on one profile would hand their work to each other.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl

from psos_xl.app.quote import find_soffice

__all__ = ["find_soffice"]
# what Excel and LibreOffice write into a cell whose formula failed
ERROR_VALUES = frozenset(
    {
        "#NULL!",
        "#DIV/0!",
        "#VALUE!",
        "#REF!",
        "#NAME?",
        "#NUM!",
        "#N/A",
        "#GETTING_DATA",
        "#SPILL!",
        "#CALC!",
        "#FIELD!",
        "#BLOCKED!",
        "#CONNECT!",
        "#BUSY!",
        "#UNKNOWN!",
    }
)
# LibreOffice's own error texts: Err:502, #ERR502!, ...
_LO_ERROR = re.compile(r"^(Err:\d+|#ERR\d*!?)$", re.IGNORECASE)
# a call of a psos UDF; LibreOffice lower-cases function names it does not know
_PSOS_CALL = re.compile(r"\bPSOS_\w*\s*\(", re.IGNORECASE)

_RECALC_ALWAYS, _RECALC_NEVER = 0, 1
_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" \
xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">\
<prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>{mode}</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">\
<prop oor:name="ODFRecalcMode" oor:op="fuse"><value>{mode}</value></prop></item>
</oor:items>
"""


class SofficeError(RuntimeError):
    """soffice hung, crashed or did not write every output."""


def make_profile(folder: Path, recalc: bool) -> Path:
    """A LibreOffice user installation whose formulas are recalculated on load (or never).

    LibreOffice fills the rest of the profile on first start and keeps these settings.
    """
    user = folder / "user"
    user.mkdir(parents=True, exist_ok=True)
    xcu = user / "registrymodifications.xcu"
    if not xcu.exists():
        mode = _RECALC_ALWAYS if recalc else _RECALC_NEVER
        xcu.write_text(_XCU.format(mode=mode), encoding="utf-8")
    return folder


@dataclass(frozen=True)
class Soffice:
    """A headless LibreOffice with its own profiles under ``profile_root``."""

    binary: str
    profile_root: Path

    def profile(self, recalc: bool) -> Path:
        return make_profile(self.profile_root / ("recalc" if recalc else "cached"), recalc)

    def convert(
        self,
        files: list[Path],
        out_dir: Path,
        fmt: str = "xlsx",
        recalc: bool = True,
        timeout: float = 120,
    ) -> list[Path]:
        """Open every file in one soffice process, recalculate, save it as ``fmt`` into
        ``out_dir``; the outputs, in the order of ``files``.

        ``fmt`` is what ``--convert-to`` takes (``xlsx``, ``ods``, ``pdf``, or
        ``xlsx:"Calc MS Excel 2007 XML"``); the outputs' suffix is its part before ':'.
        """
        if not files:
            return []
        out_dir.mkdir(parents=True, exist_ok=True)
        suffix = "." + fmt.split(":", 1)[0]
        staging = Path(tempfile.mkdtemp(prefix="psos-soffice-"))
        try:
            staged = _stage(files, staging)
            outputs = [out_dir / (s.stem + suffix) for s in staged]
            for out in outputs:
                out.unlink(missing_ok=True)  # a stale output must not pass for a new one
            cmd = [
                self.binary,
                f"-env:UserInstallation={self.profile(recalc).resolve().as_uri()}",
                "--headless",
                "--invisible",
                "--nologo",
                "--nodefault",
                "--norestore",
                "--nolockcheck",
                "--convert-to",
                fmt,
                "--outdir",
                str(out_dir),
                *(str(s) for s in staged),
            ]
            log = _run(cmd, timeout)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        missing = [
            f"{f} -> {o.name}" for f, o in zip(files, outputs, strict=True) if not o.is_file()
        ]
        if missing:
            raise SofficeError(
                "soffice wrote no output for:\n  "
                + "\n  ".join(missing)
                + f"\nsoffice said:\n{log}"
            )
        return outputs


def convert(
    files: list[Path],
    out_dir: Path,
    fmt: str = "xlsx",
    recalc: bool = True,
    timeout: float = 120,
    profile_root: Path | None = None,
) -> list[Path]:
    """:meth:`Soffice.convert` with the soffice on this machine; without ``profile_root``
    the profile is made for this call and removed after it (one extra second)."""
    binary = find_soffice()
    if binary is None:
        raise SofficeError("LibreOffice not found: apt-get install -y libreoffice-calc-nogui")
    if profile_root is not None:
        return Soffice(binary, profile_root).convert(files, out_dir, fmt, recalc, timeout)
    with tempfile.TemporaryDirectory(prefix="psos-lo-profile-") as root:
        return Soffice(binary, Path(root)).convert(files, out_dir, fmt, recalc, timeout)


def _stage(files: Iterable[Path], staging: Path) -> list[Path]:
    """Copy the inputs under stems unique in the batch (soffice names outputs by stem)."""
    used: set[str] = set()
    staged: list[Path] = []
    for f in files:
        if not f.is_file():
            raise SofficeError(f"no such file: {f}")
        stem, n = f.stem, 1
        while stem.casefold() in used:
            n += 1
            stem = f"{f.stem}-{n}"
        used.add(stem.casefold())
        target = staging / (stem + f.suffix)
        shutil.copyfile(f, target)
        staged.append(target)
    return staged


def _run(cmd: list[str], timeout: float) -> str:
    env = {**os.environ, "SAL_USE_VCLPLUGIN": "svp"}
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env=env,
        start_new_session=True,
    )
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        # the child is not reaped yet, so its process group id is still ours alone
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        raise SofficeError(
            f"soffice did not finish within {timeout:g} s and was killed; it said:\n"
            + out.decode(errors="replace")
        ) from None
    text = out.decode(errors="replace")
    if proc.returncode != 0:
        raise SofficeError(f"soffice exited with {proc.returncode}:\n{text}")
    return text


def is_error_value(value: Any, data_type: str = "") -> bool:
    """True for an error a formula left in a cell (as openpyxl reads it)."""
    if data_type == "e":
        return True
    return isinstance(value, str) and (value in ERROR_VALUES or bool(_LO_ERROR.match(value)))


def psos_udf_cells(path: Path) -> set[str]:
    """``sheet!cell`` of every cell whose formula calls a PSOS_ function (an xlwings UDF,
    which only runs in Excel with the add-in)."""
    wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        out: set[str] = set()
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    formula = getattr(cell.value, "text", cell.value)  # ArrayFormula.text
                    if (
                        isinstance(formula, str)
                        and formula.startswith("=")
                        and (_PSOS_CALL.search(formula))
                    ):
                        out.add(f"{ws.title}!{cell.coordinate}")
        return out
    finally:
        wb.close()


def error_cells(
    path: Path,
    ignore: Callable[[str], bool] | None = None,
    original: Path | None = None,
) -> list[str]:
    """``"sheet!cell: value"`` for every cell of ``path`` that holds an error value.

    Cells whose formula calls a PSOS_ function are left out: read from ``path`` itself
    and, when given, from the ``original`` workbook ``path`` was converted from.
    ``ignore`` gets ``"sheet!cell"`` and leaves out the cells it returns True for.
    """
    skip = psos_udf_cells(path) | (psos_udf_cells(original) if original is not None else set())
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        found: list[str] = []
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if cell.value is None or not is_error_value(cell.value, cell.data_type):
                        continue
                    ref = f"{ws.title}!{cell.coordinate}"
                    if ref in skip or (ignore is not None and ignore(ref)):
                        continue
                    found.append(f"{ref}: {cell.value}")
        return found
    finally:
        wb.close()


# --- what psos reads from a workbook --------------------------------------------------

Reading = tuple[dict[str, Any] | None, list[tuple[str, str, str, str]]]


def reading(path: Path, display: str) -> Reading:
    """What psos makes of a workbook: the model as data, and every issue in full."""
    from psos_xl.workbook.readers import read_any

    model, issues = read_any(path, display)
    return (
        model.model_dump() if model is not None else None,
        [(i.code.value, i.severity.value, str(i.location), i.message) for i in issues],
    )


def describe_change(before: Reading, after: Reading) -> str:
    """One line on how two readings of a workbook differ."""
    parts: list[str] = []
    model_a, model_b = before[0] or {}, after[0] or {}
    for key in sorted(set(model_a) | set(model_b)):
        if model_a.get(key) != model_b.get(key):
            parts.append(f"{key}: {model_a.get(key)!r:.200} -> {model_b.get(key)!r:.200}")
    issues_a, issues_b = set(before[1]), set(after[1])
    parts += [f"issue lost: {i}" for i in sorted(issues_a - issues_b)]
    parts += [f"issue new: {i}" for i in sorted(issues_b - issues_a)]
    return "; ".join(parts) or "the same content in another order"
