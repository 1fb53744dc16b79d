"""Bounded reading, end to end: what lands in the folder never costs more than itself.

Each case drops an entry into the synced workspace of :mod:`hostile.harness` (a catalog,
two scopes, a bystander timesheet of 5 rows and a victim of 11), or replaces the victim,
and runs ``psos validate`` and ``psos sync`` (twice) through the real entry point, each
in a process of its own. Beyond what every hostile case holds (no crash, a located issue
with a stable code, the victim's last good rows, the bystander synced, nothing counted
twice, time and memory in bounds), validate reports the entry as sync does, and nothing
of a refused workbook is stored. Every file is made here, at test time: pipes, links in
a loop or out of the workspace, far cells, tables over the whole sheet, an OLE file with
a corrupt FAT, a 1.1 GB cell in 1 MB, names that are not UTF-8.
"""

from __future__ import annotations

import base64
import os
import struct
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sync.test_engine import timesheet

from hostile.harness import BYSTANDER, VICTIM, Outcome, assert_held, rows, run_case
from psos_xl.workspace import path_at, text_of

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pipes and links of POSIX")

TIME_SHEET, MARKER_SHEET = "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"


def located(outcome: Outcome, code: str, rel: str) -> list[str]:
    """Where sync reported ``code`` at the workbook ``rel``."""
    return [loc for c, loc in outcome.codes if c == code and loc.split("!")[0] == rel]


def validated(outcome: Outcome) -> list[tuple[str, str]]:
    return [(i["code"], i["location"]) for i in outcome.validate.data.get("issues", [])]


# --- what lands in the folder ---------------------------------------------------------


def rewrite(path: Path, edits: dict[str, Callable[[bytes], bytes]], extra: Any = None) -> None:
    """Rewrite the zip at ``path``: parts edited, parts added."""
    with zipfile.ZipFile(path) as zin:
        parts = [(i.filename, zin.read(i.filename)) for i in zin.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in parts:
            zout.writestr(name, edits[name](data) if name in edits else data)
        for name, data in (extra or {}).items():
            zout.writestr(name, data)


def far_cell(data: bytes) -> bytes:
    """One value in XFD1048576; the sheet's <dimension> left as it was (so it lies)."""
    far = b'<row r="1048576"><c r="XFD1048576" t="n"><v>1</v></c></row></sheetData>'
    return data.replace(b"</sheetData>", far)


def replace_victim(edit: Callable[[Path], None]) -> Callable[[Path], None]:
    """A drop that rewrites the victim (11 stored rows) in place."""
    return lambda root: edit(root / VICTIM)


def fifo(root: Path) -> None:
    os.mkfifo(root / "timesheets" / "pipe.xlsx")


def fifo_for_victim(root: Path) -> None:
    (root / VICTIM).unlink()
    os.mkfifo(root / VICTIM)  # sync hashes a known workbook before it reads it


def link(target: Path | str, at: Path) -> None:
    at.unlink(missing_ok=True)
    at.symlink_to(target)


def link_out_to_timesheet(root: Path) -> None:
    elsewhere = root.parent / "elsewhere"
    elsewhere.mkdir()
    timesheet(elsewhere / "eve.xlsx", rows("EVE", 3), person="EVE")
    link(elsewhere / "eve.xlsx", root / "timesheets" / "eve.xlsx")


def link_in_to_fifo(root: Path) -> None:
    os.mkfifo(root / "pipe")  # not named like a workbook: the link is what is listed
    link("../pipe", root / "timesheets" / "inner.xlsx")


def ole_with_corrupt_fat(path: Path) -> None:
    """6 KB of OLE compound file whose FAT chains loop (made calamine grow past 8 GB)."""
    ole = bytearray(6 * 1024)
    ole[0:8] = bytes.fromhex("D0CF11E0A1B11AE1")
    struct.pack_into("<HHHHH", ole, 0x18, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<II", ole, 0x2C, 0x7FFFFFFF, 0)
    struct.pack_into("<I", ole, 0x44, 0xFFFFFFFE)
    for i in range(109):
        struct.pack_into("<I", ole, 0x4C + 4 * i, i % 3)
    path.write_bytes(bytes(ole))


SST_RELS = (
    b'<Relationship Id="rId99" Target="sharedStrings.xml" Type="http://schemas.openxmlformats'
    b'.org/officeDocument/2006/relationships/sharedStrings"/></Relationships>'
)
SST_TYPE = (
    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats'
    b'-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
)


def with_shared_strings(path: Path, write: Callable[[zipfile.ZipFile], None]) -> None:
    """The victim with its first Note read from a shared-strings part ``write`` adds."""
    note = b'<c r="G2" t="inlineStr"><is><t>ALM 0</t></is></c>'

    def shared(sheet: bytes) -> bytes:
        assert note in sheet
        return sheet.replace(note, b'<c r="G2" t="s"><v>0</v></c>')

    rewrite(
        path,
        {
            "[Content_Types].xml": lambda d: d.replace(b"</Types>", SST_TYPE),
            "xl/_rels/workbook.xml.rels": lambda d: d.replace(b"</Relationships>", SST_RELS),
            TIME_SHEET: shared,
        },
    )
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf:
        write(zf)


def huge_cell(path: Path) -> None:
    """A 1 MB file whose one shared string inflates to 1.1 GB (streamed, never in memory)."""

    def write(zf: zipfile.ZipFile) -> None:
        head = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        with zf.open("xl/sharedStrings.xml", "w") as part:
            part.write(head + b'count="1" uniqueCount="1"><si><t>')
            block = b"A" * (1 << 20)
            for _ in range(1100):
                part.write(block)
            part.write(b"</t></si></sst>")

    with_shared_strings(path, write)


def strings_declared(path: Path) -> None:
    """A shared-strings part that declares four billion strings in a few bytes."""
    sst = (
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
        b'uniqueCount="4000000000"><si><t>x</t></si></sst>'
    )
    with_shared_strings(path, lambda zf: zf.writestr("xl/sharedStrings.xml", sst))


def over_max_file_mb(root: Path) -> None:
    """psos.toml lowers max_file_mb to 1; the victim carries 2 MB of stored noise."""
    (root / "psos.toml").write_text("[workspace]\nmax_file_mb = 1\n", encoding="utf-8")
    with zipfile.ZipFile(root / VICTIM, "a", zipfile.ZIP_STORED) as zf:
        zf.writestr("xl/media/noise.bin", os.urandom(2 << 20))


CASES: dict[str, tuple[Callable[[Path], object], str, str, bool]] = {
    # case: (drop, workbook, code, replaces the victim)
    "FIFO named pipe.xlsx": (fifo, "timesheets/pipe.xlsx", "FILE_NOT_REGULAR", False),
    "symlink loop": (
        lambda r: link("loop.xlsx", r / "timesheets" / "loop.xlsx"),
        "timesheets/loop.xlsx",
        "LINK_BROKEN",
        False,
    ),
    "zero.xlsx -> /dev/zero": (
        lambda r: link("/dev/zero", r / "timesheets" / "zero.xlsx"),
        "timesheets/zero.xlsx",
        "LINK_OUTSIDE_WORKSPACE",
        False,
    ),
    "link to a timesheet outside": (
        link_out_to_timesheet,
        "timesheets/eve.xlsx",
        "LINK_OUTSIDE_WORKSPACE",
        False,
    ),
    "link inside to a FIFO": (link_in_to_fifo, "timesheets/inner.xlsx", "FILE_NOT_REGULAR", False),
    "victim replaced by a FIFO": (fifo_for_victim, VICTIM, "FILE_NOT_REGULAR", True),
    "victim -> /dev/zero": (
        lambda r: link("/dev/zero", r / VICTIM),
        VICTIM,
        "LINK_OUTSIDE_WORKSPACE",
        True,
    ),
    "XFD1048576 on Time": (
        replace_victim(lambda p: rewrite(p, {TIME_SHEET: far_cell})),
        VICTIM,
        "FILE_SUSPICIOUS",
        True,
    ),
    "XFD1048576 on the marker": (
        replace_victim(lambda p: rewrite(p, {MARKER_SHEET: far_cell})),
        VICTIM,
        "FILE_SUSPICIOUS",
        True,
    ),
    "table ref over the sheet": (
        replace_victim(
            lambda p: rewrite(
                p, {"xl/tables/table1.xml": lambda d: d.replace(b"A1:G12", b"A1:XFD1048576")}
            )
        ),
        VICTIM,
        "FILE_SUSPICIOUS",
        True,
    ),
    "Time table ref one far cell": (
        replace_victim(
            lambda p: rewrite(
                p, {"xl/tables/table1.xml": lambda d: d.replace(b"A1:G12", b"XFD1048576")}
            )
        ),
        VICTIM,
        "FILE_UNREADABLE",
        True,
    ),
    "6 KB OLE, corrupt FAT": (
        replace_victim(ole_with_corrupt_fat),
        VICTIM,
        "FILE_UNREADABLE",
        True,
    ),
    "1.1 GB cell in 1 MB": (replace_victim(huge_cell), VICTIM, "FILE_SUSPICIOUS", True),
    "4e9 strings declared": (replace_victim(strings_declared), VICTIM, "FILE_SUSPICIOUS", True),
    "over max_file_mb": (over_max_file_mb, VICTIM, "FILE_TOO_LARGE", True),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_hostile_entry_costs_one_workbook(case: str, tmp_path: Path) -> None:
    drop, rel, code, replaced = CASES[case]
    outcome = run_case(case, tmp_path / "ws", lambda root: drop(root) or rel)
    assert_held(outcome, rel, code, replaced)
    assert (code, rel) in {(c, where.split("!")[0]) for c, where in validated(outcome)}
    assert outcome.stored.get(VICTIM) == 11  # replaced or not: never re-read as empty
    assert set(outcome.stored) <= {BYSTANDER, VICTIM, "(counted twice)", "(second sync read)"}


def test_sync_reports_where_the_far_cell_is(tmp_path: Path) -> None:
    drop = replace_victim(lambda p: rewrite(p, {TIME_SHEET: far_cell}))
    outcome = run_case("far cell, located", tmp_path / "ws", lambda root: drop(root) or VICTIM)
    assert located(outcome, "FILE_SUSPICIOUS", VICTIM) == [f"{VICTIM}!Time!XFD1048576"]
    marker = replace_victim(lambda p: rewrite(p, {MARKER_SHEET: far_cell}))
    other = run_case("far marker cell, located", tmp_path / "other", lambda r: marker(r) or VICTIM)
    assert located(other, "FILE_SUSPICIOUS", VICTIM) == [f"{VICTIM}!_psos!XFD1048576"]


def test_a_name_that_is_not_utf8_is_stored_and_found_again(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    raw = os.fsencode(root / "timesheets") + b"/caf\xe9 \\ \xff.xlsx"
    name = text_of(os.fsdecode(raw)[len(str(root)) + 1 :])
    assert name == "./timesheets/caf\\xe9 \\\\ \\xff.xlsx"

    def drop(root: Path) -> str:
        bad = [*rows("CAF", 2)[0][:1], "NOPE-01", "D1", "SA", 2, "Y", ""]
        timesheet(Path(os.fsdecode(raw)), [*rows("CAF", 3), bad], person="CAF")
        return name

    outcome = run_case("name not UTF-8", root, drop)
    assert_held(outcome, name, "UNKNOWN_ENGAGEMENT", replaced_victim=False)
    assert path_at(root, name) == Path(os.fsdecode(raw))
    assert ("UNKNOWN_ENGAGEMENT", f"{name}!Time!B5") in validated(outcome)
    assert ("UNKNOWN_ENGAGEMENT", f"{name}!Time!B5") in outcome.codes
    assert outcome.stored[name] == 3  # its good rows, under the name that finds it again
    # found again by the second sync: neither read again nor retired (assert_held)


def test_a_cell_over_excels_limit_is_an_issue_not_a_value(tmp_path: Path) -> None:
    """A megabyte of text in one Note (it compresses like text: no bomb) is reported at its
    cell; the victim's other rows are read as they stand."""
    noise = base64.b64encode(os.urandom(750_000))  # 1,000,000 characters

    def long_note(sheet: bytes) -> bytes:
        note = b"<t>ALM 0</t>"
        assert note in sheet
        return sheet.replace(note, b"<t>" + noise + b"</t>")

    drop = replace_victim(lambda p: rewrite(p, {TIME_SHEET: long_note}))
    outcome = run_case("1,000,000-character cell", tmp_path / "ws", lambda r: drop(r) or VICTIM)
    assert_held(outcome, VICTIM, "CELL_TOO_LONG", replaced_victim=False)
    assert located(outcome, "CELL_TOO_LONG", VICTIM) == [f"{VICTIM}!Time!G2"]
    assert outcome.stored[VICTIM] == 10
